#pragma once

#include <memory>
#include <utility>

namespace tfe {

// A unique_ptr that copies what it points to, so a Connection stays a value
// (tests collect finished connections in vectors).
template <class T>
class CopiedPtr {
public:
    CopiedPtr() = default;
    CopiedPtr(const CopiedPtr& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
    CopiedPtr& operator=(const CopiedPtr& o) {
        if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
        return *this;
    }
    CopiedPtr(CopiedPtr&&) noexcept = default;
    CopiedPtr& operator=(CopiedPtr&&) noexcept = default;

    explicit operator bool() const { return p_ != nullptr; }
    T& operator*() const { return *p_; }
    T* operator->() const { return p_.get(); }
    T& make() {
        if (!p_) p_ = std::make_unique<T>();
        return *p_;
    }
    template <class... A>
    T& emplace(A&&... a) {
        p_ = std::make_unique<T>(std::forward<A>(a)...);
        return *p_;
    }
    template <class Io>
    void transfer(Io& io) { io.owned(p_); }

private:
    std::unique_ptr<T> p_;
};

}  // namespace tfe
