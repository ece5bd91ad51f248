// A bounds-checked big-endian reader over captured bytes.
//
// Decoding never trusts a length field (STYLE.md practice 5): every read is
// checked against the span, a failed read returns false and leaves the
// output untouched, and nothing ever throws or reads past the end. Network
// byte order is big-endian (RFC 1700, "Data Notations").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tfe::capture {

using Bytes = std::span<const std::uint8_t>;

// Big-endian loads at `p`, unchecked: for ByteReader below, and for fixed
// headers whose whole length was checked once.
constexpr std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
constexpr std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

class ByteReader {
public:
    constexpr ByteReader() = default;
    constexpr explicit ByteReader(Bytes bytes) : bytes_(bytes) {}

    constexpr std::size_t position() const { return pos_; }
    constexpr std::size_t remaining() const { return bytes_.size() - pos_; }
    constexpr bool has(std::size_t n) const { return n <= remaining(); }
    // Bytes not yet consumed.
    constexpr Bytes rest() const { return bytes_.subspan(pos_); }

    constexpr bool u8(std::uint8_t& out) {
        if (!has(1)) return false;
        out = bytes_[pos_++];
        return true;
    }
    constexpr bool u16(std::uint16_t& out) {
        if (!has(2)) return false;
        out = be16(bytes_.data() + pos_);
        pos_ += 2;
        return true;
    }
    // Always inlined: decode_frame is too big for GCC to inline it on its own,
    // and a call per field was a tenth of decoding.
    [[gnu::always_inline]] constexpr bool u32(std::uint32_t& out) {
        if (!has(4)) return false;
        out = be32(bytes_.data() + pos_);
        pos_ += 4;
        return true;
    }
    // Little-endian 32 bits: only for BSD loopback's host-order family field.
    constexpr bool u32_le(std::uint32_t& out) {
        if (!has(4)) return false;
        out = (std::uint32_t{bytes_[pos_ + 3]} << 24) | (std::uint32_t{bytes_[pos_ + 2]} << 16) |
              (std::uint32_t{bytes_[pos_ + 1]} << 8) | std::uint32_t{bytes_[pos_]};
        pos_ += 4;
        return true;
    }
    // Takes the next n bytes as a sub-span (e.g. an address).
    constexpr bool take(std::size_t n, Bytes& out) {
        if (!has(n)) return false;
        out = bytes_.subspan(pos_, n);
        pos_ += n;
        return true;
    }
    constexpr bool skip(std::size_t n) {
        if (!has(n)) return false;
        pos_ += n;
        return true;
    }

private:
    Bytes bytes_{};
    std::size_t pos_ = 0;
};

}  // namespace tfe::capture
