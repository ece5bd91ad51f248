// A stream input looked at before it is read (standard input, or a pipe,
// FIFO or process substitution named on the command line): its first
// bytes decide whether it is a capture or tcpdump's text, and the reader
// chosen then gets them back in front of the rest, as if nothing had been
// taken. Such an input can be opened and read only once.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace tfe::capture {

class PeekedStream {
public:
    // Reads up to kPeek bytes of `fd` (fewer only at the end of the input).
    // The stream owns `fd` (closes it) unless it is standard input.
    explicit PeekedStream(int fd = STDIN_FILENO);
    ~PeekedStream();
    PeekedStream(const PeekedStream&) = delete;
    PeekedStream& operator=(const PeekedStream&) = delete;

    std::string_view head() const { return head_; }
    // A stream of the whole input: the bytes peeked, then the rest. Once
    // only; the caller closes it (libpcap does).
    std::FILE* release();

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

}  // namespace tfe::capture
