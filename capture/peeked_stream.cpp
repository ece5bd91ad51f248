#include "capture/peeked_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace tfe::capture {

namespace {

// fopencookie's state: the peeked bytes not yet handed out, then the fd.
struct Cookie {
    std::string head;
    int fd;
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
        const ssize_t n = ::read(cookie->fd, buf, size);
        if (n >= 0 || errno != EINTR) return n;
    }
}

int close_cookie(void* c) {
    auto* cookie = static_cast<Cookie*>(c);
    if (cookie->fd != STDIN_FILENO) ::close(cookie->fd);
    delete cookie;
    return 0;
}

}  // namespace

PeekedStream::PeekedStream(int fd) : fd_(fd) {
    char buf[kPeek];
    std::size_t got = 0;
    while (got < kPeek) {
        const ssize_t n = ::read(fd_, buf + got, kPeek - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // end of input, or an error the reader meets again
        got += static_cast<std::size_t>(n);
    }
    head_.assign(buf, got);
}

PeekedStream::~PeekedStream() {
    if (!released_ && fd_ != STDIN_FILENO) ::close(fd_);
}

std::FILE* PeekedStream::release() {
    if (released_) return nullptr;
    released_ = true;
    auto* cookie = new Cookie{std::move(head_), fd_};
    const cookie_io_functions_t io{read_cookie, nullptr, nullptr, close_cookie};
    std::FILE* f = fopencookie(cookie, "rb", io);
    if (f == nullptr) {
        if (fd_ != STDIN_FILENO) ::close(fd_);
        delete cookie;
    }
    return f;
}

int open_if_stream(const std::string& path) {
    struct stat st{};
    if (stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return -1;
    return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

}  // namespace tfe::capture
