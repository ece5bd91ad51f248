// Sentences by concatenation: cat(b, "The ", who(side), " ends in ",
// state_name(st), " (") appends its pieces in order, with one size check.
#pragma once

#include <fmt/compile.h>

#include <algorithm>
#include <concepts>
#include <type_traits>

#include "analyzer/describe.hpp"
#include "analyzer/raw_write.hpp"
#include "analyzer/text/buffer.hpp"
#include "core/flow_key.hpp"

namespace tfe::analyzer::text {

// Parts of sentences that cat() writes into the output.
// "1 packet", "3 packets".
struct Plural {
    std::uint64_t n;
    std::string_view one, many;
};
inline Plural plural(std::uint64_t n, std::string_view one, std::string_view many) { return {n, one, many}; }

// "10.0.0.1:80", "[2001:db8::1]:443": the text of core's to_string(HostPort).
struct Address {
    const HostPort& hp;
};

// Text in an ANSI colour when colour is on.
struct Painted {
    bool color;
    std::string_view code, text;
};
inline Painted paint(bool color, std::string_view code, std::string_view text) { return {color, code, text}; }

// ---------------------------------------------------------------------------
// Sentences by concatenation
// ---------------------------------------------------------------------------
//
// cat(b, "The ", who(side), " ends in ", state_name(st), " (") appends its
// pieces in order. The narrative's sentences are mostly literal text with a
// few numbers and words between; through fmt's compiled format strings each
// literal piece and each number went through fmt's out-of-line append (a
// size check and a copy loop per piece), about a tenth of the report's
// time. cat() adds up an upper bound of every piece's size, makes room
// once, and writes through a raw pointer: a literal is a memcpy of a length
// known at compile time, a number is fmt's digits written in place (through
// fmt::format_int they cost a second copy, a libc memcpy call). The text is
// what "{}" of each piece prints.
//
// A piece is a string literal, a std::string_view, an integer (not bool or
// char, which "{}" prints as a word or a character: they do not compile
// here), one of the sentence parts above (Plural, Address, Painted), or
// describe.hpp's format arguments Utc and Duration.

// Upper bounds of what a piece writes, in bytes.
template <std::size_t N>
constexpr std::size_t max_size(const char (&)[N]) { return N - 1; }
inline std::size_t max_size(std::string_view s) { return s.size(); }
template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
constexpr std::size_t max_size(T) { return 20; }  // the digits of 2^64 - 1, or a sign and 19
inline std::size_t max_size(const Plural& p) { return max_size(p.n) + 1 + std::max(p.one.size(), p.many.size()); }
constexpr std::size_t max_size(const Address&) { return kHostPortTextMax; }
inline std::size_t max_size(const Painted& p) { return p.code.size() + p.text.size() + kReset.size(); }
// "2020-06-15 10:49:10.094025"; a duration of any int64 nanoseconds is under
// 30 bytes ("-9223372036854775.8 µs").
constexpr std::size_t max_size(Utc) { return 64; }
constexpr std::size_t max_size(Duration) { return 64; }

// Each writes its piece at `p` and returns the end.
template <std::size_t N>
char* write_piece(char* p, const char (&s)[N]) { return raw::lit(p, s); }
inline char* write_piece(char* p, std::string_view s) { return raw::put(p, s); }
template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
char* write_piece(char* p, T n) {
    // The digits straight at p, as "{}" prints them: raw_write's routine,
    // which splits a number in halves that do not wait for each other.
    if constexpr (std::is_signed_v<T>) {
        if (n < 0) {
            *p++ = '-';
            return raw::put_uint(p, 0 - static_cast<std::uint64_t>(n));
        }
    }
    return raw::put_uint(p, static_cast<std::uint64_t>(n));
}
inline char* write_piece(char* p, const Plural& x) {
    p = write_piece(p, x.n);
    *p++ = ' ';
    return write_piece(p, x.n == 1 ? x.one : x.many);
}
inline char* write_piece(char* p, const Address& a) { return write_host_port(p, a.hp); }
inline char* write_piece(char* p, const Painted& x) {
    if (!x.color || x.text.empty()) return write_piece(p, x.text);
    return write_piece(write_piece(write_piece(p, x.code), x.text), kReset);
}
// Their formatters (describe.hpp) write to any output iterator.
inline char* write_piece(char* p, Utc t) { return fmt::format_to(p, FMT_COMPILE("{}"), t); }
inline char* write_piece(char* p, Duration d) { return fmt::format_to(p, FMT_COMPILE("{}"), d); }

template <typename... Pieces>
void cat(Buf& b, const Pieces&... pieces) {
    char* p = raw::room(b, (max_size(pieces) + ...));
    ((p = write_piece(p, pieces)), ...);
    raw::commit(b, p);
}

// A string literal on its own: its length is known at compile time, so the
// copy is a few moves in place rather than a call to memcpy. Most of the
// narrative's pieces are literals.
template <std::size_t N>
void append(Buf& b, const char (&s)[N]) {
    cat(b, s);
}

}  // namespace tfe::analyzer::text
