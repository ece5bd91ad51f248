// A stream input looked at before it is read (standard input, or a pipe,
// FIFO or process substitution named on the command line): its first
// bytes decide whether it is a capture or tcpdump's text, and the reader
// chosen then gets them back in front of the rest, as if nothing had been
// taken. Such an input can be opened and read only once.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace tfe::capture {

// How a read of the stream waits while the writer is quiet (tcpdump -U
// piping a capture that has no traffic now): it wakes every `tick` to
// tell `on_quiet` how long the input has been silent, so connections can
// expire on wall-clock time, and gives up at once when `stop` is set.
// `follow`: the end of the input is no end (a file tcpdump -w is still
// writing, read as tail -F does): the read waits for it to grow, and ends
// when `path` was truncated or now names another file (tcpdump started
// again, a rotation), telling `replaced` so the caller opens it anew.
enum class Replacement : std::uint8_t { none, truncated, rotated };
struct StreamWaits {
    const std::atomic<bool>* stop = nullptr;
    std::function<void(std::chrono::nanoseconds silent)> on_quiet;
    std::chrono::milliseconds tick{1000};
    bool follow = false;
    std::string path;                  // the followed file's name
    Replacement* replaced = nullptr;   // set when the reading ended so
    std::function<void()> on_idle;     // before each wait for the writer (may be empty)
};

class PeekedStream {
public:
    // Reads the first bytes of `fd`: up to kPeek, fewer at the end of the
    // input, on a `stop`, or once they decide capture or text; when
    // following, the end waits for more. The stream owns `fd` (closes it)
    // unless it is standard input.
    explicit PeekedStream(int fd = STDIN_FILENO, const std::atomic<bool>* stop = nullptr, bool follow = false);
    ~PeekedStream();
    PeekedStream(const PeekedStream&) = delete;
    PeekedStream& operator=(const PeekedStream&) = delete;

    std::string_view head() const { return head_; }
    // A stream of the whole input: the bytes peeked, then the rest. Once
    // only; the caller closes it (libpcap does). Its reads wait as `waits`
    // says; on a stop they fail with EINTR.
    std::FILE* release(StreamWaits waits = {});

    static constexpr std::size_t kPeek = 512;

private:
    int fd_;
    std::string head_;
    bool released_ = false;
};

// An fd open for reading if `path` names a stream rather than a file (a
// FIFO, a character device such as /dev/stdin, a process substitution's
// /dev/fd/N pipe); -1 for a regular file, a directory or a missing path,
// which the file readers open themselves and report on.
int open_if_stream(const std::string& path);
// --follow: an fd for any readable path but a directory, regular files
// too; -1 where open_if_stream gives -1 for the file readers to report.
int open_to_follow(const std::string& path);

}  // namespace tfe::capture
