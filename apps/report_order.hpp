// Reports in the order of their connections' first packets (their ids),
// as far as a bounded window allows: a connection that ends while one
// opened before it is still open waits, copied, until that one is
// reported. When more than `window` wait, the earliest waiting goes out
// anyway; the connections still open before it then come out of order,
// and are counted.
#pragma once

#include <cstdint>
#include <map>

namespace tfe::app {

// Report: a Connection (or, in tests, anything with an id()).
template <class Report>
class ReportOrder {
public:
    explicit ReportOrder(std::size_t window) : window_(window) {}

    // `c` has ended: emit(c) now, or once those opened before it are out.
    template <class Emit>
    void add(const Report& c, Emit&& emit) {
        if (c.id() < next_) {  // the window let later ones pass it
            ++out_of_order_;
            return emit(c);
        }
        if (c.id() != next_) {
            waiting_.emplace(c.id(), c);
            if (waiting_.size() <= window_) return;
            next_ = waiting_.begin()->first;  // the window is full: skip ahead
        } else {
            emit(c);
            ++next_;
        }
        release(emit);
    }

    // The end of the input: every waiting report, in order.
    template <class Emit>
    void drain(Emit&& emit) {
        for (const auto& [id, c] : waiting_) emit(c);
        if (!waiting_.empty()) next_ = waiting_.rbegin()->first + 1;
        waiting_.clear();
    }

    // Reports written after one opened later than them.
    std::uint64_t out_of_order() const { return out_of_order_; }
    std::size_t window() const { return window_; }

private:
    template <class Emit>
    void release(Emit&& emit) {
        for (auto at = waiting_.begin(); at != waiting_.end() && at->first == next_; at = waiting_.erase(at)) {
            emit(at->second);
            ++next_;
        }
    }

    std::size_t window_;
    std::uint64_t next_ = 1;  // the id the output waits for
    std::uint64_t out_of_order_ = 0;
    std::map<std::uint64_t, Report> waiting_;
};

}  // namespace tfe::app
