// The output buffer the text reports write into, and the few ways of
// appending to it. The report is written straight into the caller's buffer;
// no temporary std::string is made per line or per field.
#pragma once

#include <fmt/format.h>

#include <cstring>
#include <string_view>

namespace tfe::analyzer::text {

using Buf = fmt::memory_buffer;

// A size check and a memcpy; fmt's own append is a more general loop.
inline void append(Buf& b, std::string_view s) {
    if (s.empty()) return;
    const std::size_t at = b.size();
    b.resize(at + s.size());  // grows geometrically
    std::memcpy(b.data() + at, s.data(), s.size());
}

// `blanks` blanks, then `s`, with one size check for both (indents and
// column padding always come just before text).
inline void append(Buf& b, std::size_t blanks, std::string_view s) {
    const std::size_t at = b.size();
    b.resize(at + blanks + s.size());
    std::memset(b.data() + at, ' ', blanks);
    if (!s.empty()) std::memcpy(b.data() + at + blanks, s.data(), s.size());
}

inline std::string_view view(const Buf& b) { return {b.data(), b.size()}; }

constexpr std::string_view kCyan = "\x1b[36m", kYellow = "\x1b[33m", kRed = "\x1b[31m",
                           kBold = "\x1b[1m", kReset = "\x1b[0m";

// Items separated by `sep`; `lead` comes before the first one, and nothing
// at all is written when there is no item.
class List {
public:
    explicit List(Buf& b, std::string_view sep = ", ", std::string_view lead = {}) : b_(b), sep_(sep), lead_(lead) {}
    // The buffer, ready for the next item.
    Buf& next() {
        append(b_, empty_ ? lead_ : sep_);
        empty_ = false;
        return b_;
    }
    bool empty() const { return empty_; }

private:
    Buf& b_;
    std::string_view sep_, lead_;
    bool empty_ = true;
};

}  // namespace tfe::analyzer::text
