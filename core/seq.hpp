// Sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4).
//
// Serial order is not transitive, so SeqNum deliberately has no operator<:
// every comparison names what it means (before/after/in_window) and is the
// signed 32-bit distance underneath. Nothing else in the project compares
// sequence numbers.
#pragma once

#include <cstdint>

namespace tfe {

class SeqNum {
public:
    constexpr SeqNum() = default;
    constexpr explicit SeqNum(std::uint32_t raw) : raw_(raw) {}

    constexpr std::uint32_t raw() const { return raw_; }

    // Signed distance from a to b: positive when b is after a.
    friend constexpr std::int32_t distance(SeqNum a, SeqNum b) {
        return static_cast<std::int32_t>(b.raw_ - a.raw_);
    }
    friend constexpr bool before(SeqNum a, SeqNum b) { return distance(a, b) > 0; }
    friend constexpr bool after(SeqNum a, SeqNum b) { return distance(b, a) > 0; }
    friend constexpr bool before_eq(SeqNum a, SeqNum b) { return distance(a, b) >= 0; }
    friend constexpr bool after_eq(SeqNum a, SeqNum b) { return distance(b, a) >= 0; }
    // x lies in [left, left + len).
    friend constexpr bool in_window(SeqNum x, SeqNum left, std::uint32_t len) {
        return static_cast<std::uint32_t>(x.raw_ - left.raw_) < len;
    }
    friend constexpr SeqNum max_seq(SeqNum a, SeqNum b) { return after(a, b) ? a : b; }
    // Bytes in [from, to): 0 when `to` is not after `from`, never a negative
    // distance read as some 4 GiB.
    friend constexpr std::uint32_t span(SeqNum from, SeqNum to) {
        const std::int32_t d = distance(from, to);
        return d > 0 ? static_cast<std::uint32_t>(d) : 0;
    }
    // x counted from `base` modulo 2^32, as a relative sequence number is
    // shown (Wireshark's): a number just before the base is near 2^32.
    friend constexpr std::uint32_t offset_from(SeqNum base, SeqNum x) { return x.raw_ - base.raw_; }

    constexpr SeqNum operator+(std::uint32_t n) const { return SeqNum(raw_ + n); }
    constexpr SeqNum operator-(std::uint32_t n) const { return SeqNum(raw_ - n); }
    constexpr SeqNum& operator+=(std::uint32_t n) { raw_ += n; return *this; }
    constexpr bool operator==(const SeqNum&) const = default;

private:
    std::uint32_t raw_ = 0;
};

// A position in one direction's byte stream counted from its ISN, in 64 bits,
// so narration can say "byte 4 300 000 001" even after the 32-bit number
// wrapped. `base` is the ISN; `near` is a recent 64-bit offset that anchors
// which wrap the 32-bit number belongs to.
constexpr std::int64_t unwrap(SeqNum x, SeqNum base, std::int64_t near) {
    const std::int64_t near_raw = near;
    const SeqNum near_seq = base + static_cast<std::uint32_t>(near_raw);
    return near_raw + distance(near_seq, x);
}

static_assert(before(SeqNum(0xffffffffu), SeqNum(0)));
static_assert(after(SeqNum(1), SeqNum(0xfffffff0u)));
static_assert(in_window(SeqNum(2), SeqNum(0xfffffffeu), 5));
static_assert(!in_window(SeqNum(3), SeqNum(0xfffffffeu), 5));
static_assert(unwrap(SeqNum(5), SeqNum(0xfffffffbu), 0) == 10);
static_assert(span(SeqNum(0xfffffffeu), SeqNum(3)) == 5);
static_assert(span(SeqNum(3), SeqNum(0xfffffffeu)) == 0);
static_assert(offset_from(SeqNum(10), SeqNum(9)) == 0xffffffffu);

}  // namespace tfe
