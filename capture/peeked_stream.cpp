#include "capture/peeked_stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace tfe::capture {

namespace {

// fopencookie's state: the peeked bytes not yet handed out, then the fd.
using Clock = std::chrono::steady_clock;

struct Cookie {
    std::string head;
    int fd;
    StreamWaits waits;
    std::size_t at = 0;
    Clock::time_point last_bytes = Clock::now();
    off_t offset = 0;  // bytes read from fd (head's included): a truncation shrinks the file below it
};

bool stopped(const std::atomic<bool>* stop) { return stop != nullptr && stop->load(std::memory_order_relaxed); }
bool stopped(const Cookie& c) { return stopped(c.waits.stop); }

// At the end of a followed file: sleeps a tick, in slices so that a stop
// is seen at once; false on a stop.
bool wait_for_growth(const std::atomic<bool>* stop, std::chrono::milliseconds tick) {
    constexpr std::chrono::milliseconds kSlice{50};
    for (std::chrono::milliseconds slept{0}; slept < tick; slept += kSlice) {
        if (stopped(stop)) return false;
        const timespec ts{0, std::chrono::nanoseconds(kSlice).count()};
        ::nanosleep(&ts, nullptr);
    }
    return !stopped(stop);
}

// Waits until the fd has bytes (or its end, or an error, which the read
// then meets); false on a stop. Quiet ticks are told to on_quiet.
bool wait_readable(Cookie& c) {
    const Clock::time_point since = Clock::now();
    pollfd p{c.fd, POLLIN, 0};
    // Nothing for 10 ms: the writer is quiet, not just behind (a busy pipe
    // refills in microseconds), so what is held is handed over.
    constexpr int kIdleMs = 10;
    if (c.waits.on_idle && ::poll(&p, 1, kIdleMs) == 0) c.waits.on_idle();
    for (;;) {
        if (stopped(c)) return false;
        const int timeout = c.waits.on_quiet ? static_cast<int>(c.waits.tick.count()) : -1;
        const int n = ::poll(&p, 1, timeout);
        if (n > 0 || (n < 0 && errno != EINTR)) return true;
        if (n == 0) c.waits.on_quiet(Clock::now() - since);
    }
}

// At the end of a followed file: whether its name now holds a new file,
// as tail -F asks (a file shorter than what was read from it, or another
// file under its name).
Replacement replacement(const Cookie& c) {
    struct stat open_now{}, named{};
    if (::fstat(c.fd, &open_now) != 0) return Replacement::none;
    if (S_ISREG(open_now.st_mode) && open_now.st_size < c.offset) return Replacement::truncated;
    if (c.waits.path.empty() || ::stat(c.waits.path.c_str(), &named) != 0) return Replacement::none;  // gone: wait
    if (named.st_ino != open_now.st_ino || named.st_dev != open_now.st_dev) return Replacement::rotated;
    return Replacement::none;
}

// The end of a followed file: 0 (the reader's end) once its name holds a
// new file, after what was written to the old one meanwhile; else waits.
// -1 with EINTR on a stop; 1 when there may be more to read.
int end_of_followed(Cookie& c, char* buf, std::size_t size, ssize_t& got) {
    if (const Replacement r = replacement(c); r != Replacement::none) {
        got = r == Replacement::rotated ? ::read(c.fd, buf, size) : 0;  // the old file's last bytes
        if (got > 0) return 0;
        got = 0;
        if (c.waits.replaced) *c.waits.replaced = r;
        return 0;
    }
    if (c.waits.on_idle) c.waits.on_idle();
    if (!wait_for_growth(c.waits.stop, c.waits.tick)) return -1;
    if (c.waits.on_quiet) c.waits.on_quiet(Clock::now() - c.last_bytes);
    return 1;
}

ssize_t read_cookie(void* c, char* buf, std::size_t size) {
    auto* cookie = static_cast<Cookie*>(c);
    if (cookie->at < cookie->head.size()) {
        const std::size_t n = std::min(size, cookie->head.size() - cookie->at);
        std::memcpy(buf, cookie->head.data() + cookie->at, n);
        cookie->at += n;
        return static_cast<ssize_t>(n);
    }
    for (;;) {
        if (!wait_readable(*cookie)) {
            errno = EINTR;
            return -1;
        }
        ssize_t n = ::read(cookie->fd, buf, size);
        if (n == 0 && cookie->waits.follow) {
            const int more = end_of_followed(*cookie, buf, size, n);
            if (more < 0) {
                errno = EINTR;
                return -1;
            }
            if (more > 0) continue;
        }
        if (n > 0) {
            cookie->last_bytes = Clock::now();
            cookie->offset += n;
        }
        if (n >= 0 || errno != EINTR) return n;
    }
}

int close_cookie(void* c) {
    auto* cookie = static_cast<Cookie*>(c);
    if (cookie->fd != STDIN_FILENO) ::close(cookie->fd);
    delete cookie;
    return 0;
}

// Whether the bytes peeked so far decide capture or text: a control byte
// (every capture's header has one) or a whole line. A writer that is quiet
// after its first bytes (tcpdump -U with no traffic) is not waited for.
bool enough_to_judge(std::string_view head) {
    if (head.size() < 4) return false;
    for (const char c : head) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n' || (u < 0x20 && c != '\t' && c != '\r')) return true;
    }
    return false;
}

}  // namespace

PeekedStream::PeekedStream(int fd, const std::atomic<bool>* stop, bool follow) : fd_(fd) {
    char buf[kPeek];
    std::size_t got = 0;
    while (got < kPeek && !enough_to_judge({buf, got})) {
        const ssize_t n = ::read(fd_, buf + got, kPeek - got);
        if (n < 0 && errno == EINTR && !stopped(stop)) continue;
        if (n == 0 && follow && wait_for_growth(stop, std::chrono::milliseconds{200})) continue;
        if (n <= 0) break;  // end of input, a stop, or an error the reader meets again
        got += static_cast<std::size_t>(n);
    }
    head_.assign(buf, got);
}

PeekedStream::~PeekedStream() {
    if (!released_ && fd_ != STDIN_FILENO) ::close(fd_);
}

std::FILE* PeekedStream::release(StreamWaits waits) {
    if (released_) return nullptr;
    released_ = true;
    const auto peeked = static_cast<off_t>(head_.size());
    auto* cookie = new Cookie{std::move(head_), fd_, std::move(waits)};
    cookie->offset = peeked;
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

int open_to_follow(const std::string& path) {
    struct stat st{};
    if (stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return -1;
    return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

}  // namespace tfe::capture
