// The byte format of a parked connection (FlowTable keeps connections that
// no segment has touched for a while in this form: a third of their size).
//
// One list of fields, two directions: Connection::transfer and
// TransitionLog::transfer name every field once, and run either with a
// ParkWriter (fields -> bytes) or a ParkReader (bytes -> fields), so the
// two can never disagree on order or width.
//
// Most fields are close to something already transferred: times to the
// connection's first segment, frames to its first frame, sequence numbers
// to their sender's ISN. They are stored as the distance, zigzag-encoded
// (small negatives stay small) in LEB128 varints. Zero is common (a frame
// or time not seen yet) and would be a large distance, so it is its own
// code: 0 is zero, anything else is distance + 1. Every encoding is exact
// for every value, so a parked connection comes back bit for bit.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "core/segment.hpp"
#include "core/seq.hpp"

#include "core/zigzag.hpp"

namespace tfe::park {

// A distance's zigzag code plus one can need 65 bits (the code of the
// most negative distance is 2^64 - 1); varints do not care.
__extension__ typedef unsigned __int128 Wide;

template <class T>
concept Enum8 = std::is_enum_v<T> && sizeof(T) == 1;

class ParkWriter {
public:
    explicit ParkWriter(std::uint8_t* out) : p_(out) {}
    std::uint8_t* end() const { return p_; }

    template <class U>
    void varint(U v) {
        while (v >= 0x80) {
            *p_++ = static_cast<std::uint8_t>(v | 0x80);
            v >>= 7;
        }
        *p_++ = static_cast<std::uint8_t>(v);
    }
    template <class T>
        requires std::is_unsigned_v<T>
    void number(T& v) { varint(v); }
    template <Enum8 E>
    void number(E& v) { *p_++ = static_cast<std::uint8_t>(v); }
    // Copied as they are: values with no useful base (an ISN, a TSval).
    template <class T>
        requires std::is_trivially_copyable_v<T>
    void raw(T& v) {
        std::memcpy(p_, &v, sizeof v);
        p_ += sizeof v;
    }
    // `v` relative to `base`; zero is its own code (see above).
    void near(std::uint64_t& v, std::uint64_t base) { varint(v == 0 ? Wide{0} : Wide{zigzag(static_cast<std::int64_t>(v - base))} + 1); }
    void near(std::int64_t& v, std::int64_t base) {
        auto u = static_cast<std::uint64_t>(v);
        near(u, static_cast<std::uint64_t>(base));
    }
    // 32-bit numbers that wrap (sequence numbers, TSvals): the distance
    // modulo 2^32, as a signed 32-bit number.
    void near(std::uint32_t& v, std::uint32_t base) {
        const auto d = static_cast<std::int32_t>(v - base);
        varint(v == 0 ? 0 : zigzag(std::int64_t{d}) + 1);
    }
    void near(SeqNum& v, SeqNum base) {
        std::uint32_t raw = v.raw();
        near(raw, base.raw());
    }
    void bytes(std::uint8_t* b, std::size_t n) {
        std::memcpy(p_, b, n);
        p_ += n;
    }
    // What the connection owns on the heap stays there: the parked bytes
    // take over the pointer (present: see the caller's flags).
    template <class T>
    void owned(std::unique_ptr<T>& p) {
        typename std::unique_ptr<T>::pointer raw_pointer = p.release();
        raw(raw_pointer);
    }
    // Up to 64 booleans as one varint.
    template <class... B>
    void flags(B&... b) {
        static_assert(sizeof...(B) <= 64);
        std::uint64_t bits = 0;
        int i = 0;
        ((bits |= std::uint64_t{static_cast<bool>(b)} << i++), ...);
        varint(bits);
    }

private:
    std::uint8_t* p_;
};

class ParkReader {
public:
    explicit ParkReader(const std::uint8_t* in) : p_(in) {}
    const std::uint8_t* end() const { return p_; }

    template <class U = std::uint64_t>
    U varint() {
        U v = 0;
        for (int shift = 0;; shift += 7) {
            const std::uint8_t b = *p_++;
            v |= U{b & 0x7fu} << shift;
            if (b < 0x80) return v;
        }
    }
    template <class T>
        requires std::is_unsigned_v<T>
    void number(T& v) { v = static_cast<T>(varint()); }
    template <Enum8 E>
    void number(E& v) { v = static_cast<E>(*p_++); }
    template <class T>
        requires std::is_trivially_copyable_v<T>
    void raw(T& v) {
        std::memcpy(&v, p_, sizeof v);
        p_ += sizeof v;
    }
    void near(std::uint64_t& v, std::uint64_t base) {
        const Wide code = varint<Wide>();
        v = code == 0 ? 0 : base + static_cast<std::uint64_t>(unzigzag(static_cast<std::uint64_t>(code - 1)));
    }
    void near(std::int64_t& v, std::int64_t base) {
        std::uint64_t u;
        near(u, static_cast<std::uint64_t>(base));
        v = static_cast<std::int64_t>(u);
    }
    void near(std::uint32_t& v, std::uint32_t base) {
        const std::uint64_t code = varint();
        v = code == 0 ? 0 : base + static_cast<std::uint32_t>(unzigzag(code - 1));
    }
    void near(SeqNum& v, SeqNum base) {
        std::uint32_t raw;
        near(raw, base.raw());
        v = SeqNum(raw);
    }
    void bytes(std::uint8_t* b, std::size_t n) {
        std::memcpy(b, p_, n);
        p_ += n;
    }
    template <class T>
    void owned(std::unique_ptr<T>& p) {
        typename std::unique_ptr<T>::pointer raw_pointer;
        raw(raw_pointer);
        p.reset(raw_pointer);
    }
    template <class... B>
    void flags(B&... b) {
        const std::uint64_t bits = varint();
        int i = 0;
        ((b = static_cast<bool>((bits >> i++) & 1)), ...);
    }

private:
    const std::uint8_t* p_;
};

}  // namespace tfe::park
