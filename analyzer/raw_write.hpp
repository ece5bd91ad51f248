// Writing report text through a raw pointer into room reserved once in an
// fmt::memory_buffer: one capacity check per block instead of one per
// piece. The JSON writer, the causes and labels (describe) and the text
// report's sentences all write this way; these are the pieces they share.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tfe::analyzer::raw {

// At least `n` writable bytes past the buffer's end; returns where they start.
inline char* room(fmt::memory_buffer& b, std::size_t n) {
    b.reserve(b.size() + n);
    return b.data() + b.size();
}

// The bytes up to `end` are now part of the buffer.
inline void commit(fmt::memory_buffer& b, char* end) { b.resize(static_cast<std::size_t>(end - b.data())); }

// A string literal, its length known at compile time.
template <std::size_t N>
char* lit(char* p, const char (&s)[N]) {
    std::memcpy(p, s, N - 1);
    return p + (N - 1);
}

inline char* put(char* p, std::string_view s) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

// "00" "01" ... "99": two digits per division.
inline constexpr auto kDigitPairs = [] {
    std::array<char, 200> t{};
    for (int i = 0; i < 100; ++i) {
        t[2 * i] = static_cast<char>('0' + i / 10);
        t[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    return t;
}();

// Exactly two digits of v < 100.
inline char* put2(char* p, std::uint32_t v) {
    std::memcpy(p, &kDigitPairs[2 * v], 2);
    return p + 2;
}

// Exactly four digits of v < 10^4, eight of v < 10^8: halves that do not
// wait for each other (a digit loop is one long chain of divisions).
inline char* put4(char* p, std::uint32_t v) { return put2(put2(p, v / 100), v % 100); }
inline char* put8(char* p, std::uint32_t v) { return put4(put4(p, v / 10000), v % 10000); }

// Without leading zeros, in 32-bit arithmetic.
inline char* put_uint32(char* p, std::uint32_t v) {
    if (v < 100) {
        if (v < 10) {
            *p = static_cast<char>('0' + v);
            return p + 1;
        }
        return put2(p, v);
    }
    if (v < 10000) {
        if (v < 1000) {
            *p++ = static_cast<char>('0' + v / 100);
            return put2(p, v % 100);
        }
        return put4(p, v);
    }
    return put4(put_uint32(p, v / 10000), v % 10000);
}

// At most 20 bytes. Most numbers in a report (frames, counts, seconds,
// sequence numbers) have at most 10 digits: one split at 10^8.
inline char* put_uint(char* p, std::uint64_t v) {
    constexpr std::uint64_t k1e8 = 100'000'000;
    if (v < k1e8) return put_uint32(p, static_cast<std::uint32_t>(v));
    const std::uint64_t high = v / k1e8;
    const auto low = static_cast<std::uint32_t>(v % k1e8);
    if (high < k1e8) p = put_uint32(p, static_cast<std::uint32_t>(high));
    else p = put8(put_uint32(p, static_cast<std::uint32_t>(high / k1e8)), static_cast<std::uint32_t>(high % k1e8));
    return put8(p, low);
}

}  // namespace tfe::analyzer::raw
