// Standard input looked at before it is read: its first bytes decide
// whether it is a capture or tcpdump's text, and the reader chosen then
// gets them back in front of the rest, as if nothing had been taken.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace tfe::capture {

class PeekedStdin {
public:
    // Reads up to kPeek bytes (fewer only at the end of the input).
    PeekedStdin();
    PeekedStdin(const PeekedStdin&) = delete;
    PeekedStdin& operator=(const PeekedStdin&) = delete;

    std::string_view head() const { return head_; }
    // A stream of the whole input: the bytes peeked, then the rest of
    // standard input. Once only; the caller closes it (libpcap does).
    std::FILE* release();

    static constexpr std::size_t kPeek = 512;

private:
    std::string head_;
    bool released_ = false;
};

}  // namespace tfe::capture
