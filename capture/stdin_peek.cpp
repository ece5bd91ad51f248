#include "capture/stdin_peek.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tfe::capture {

namespace {

// fopencookie's state: the peeked bytes not yet handed out.
struct Cookie {
    std::string head;
    std::size_t at = 0;
};

ssize_t read_cookie(void* c, char* buf, std::size_t size) {
    auto* cookie = static_cast<Cookie*>(c);
    if (cookie->at < cookie->head.size()) {
        const std::size_t n = std::min(size, cookie->head.size() - cookie->at);
        std::memcpy(buf, cookie->head.data() + cookie->at, n);
        cookie->at += n;
        return static_cast<ssize_t>(n);
    }
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buf, size);
        if (n >= 0 || errno != EINTR) return n;
    }
}

int close_cookie(void* c) {
    delete static_cast<Cookie*>(c);
    return 0;
}

}  // namespace

PeekedStdin::PeekedStdin() {
    char buf[kPeek];
    std::size_t got = 0;
    while (got < kPeek) {
        const ssize_t n = ::read(STDIN_FILENO, buf + got, kPeek - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // end of input, or an error the reader meets again
        got += static_cast<std::size_t>(n);
    }
    head_.assign(buf, got);
}

std::FILE* PeekedStdin::release() {
    if (released_) return nullptr;
    released_ = true;
    auto* cookie = new Cookie{std::move(head_), 0};
    const cookie_io_functions_t io{read_cookie, nullptr, nullptr, close_cookie};
    std::FILE* f = fopencookie(cookie, "rb", io);
    if (f == nullptr) delete cookie;
    return f;
}

}  // namespace tfe::capture
