// A connection's transitions, appended while it runs and read back once,
// when it is reported.
//
// A Transition is 48 bytes, and a closed connection makes about a dozen:
// stored as they are, they overflowed any inline room and cost an
// allocation, and every append touched a fresh cache line. Most of a
// transition repeats what is already known (its time and frame are close to
// the connection's first, its sequence numbers close to the previous ones
// of the same sender), so each is stored as seven bytes of small fields
// and widths, and six deltas of 0 to 8 bytes: about 12 to 16 bytes. An open
// connection's handshake fits inline; a closed connection's dozen spill to
// the heap once, when it closes.
//
// Encoding of one transition:
//   byte 0    endpoint (bit 0), delivery (bits 1-3), input (bits 4-7)
//   byte 1    from (bits 0-3), to (bits 4-7)
//   byte 2    the cause's TCP flags
//   byte 3    crossing index (Transition::kNoCrossing: none)
//   bytes 4-6 six 4-bit widths (0 to 8 bytes), one per number below
//   then the six numbers, little-endian, each in its width, the signed
//   ones zigzag-encoded so that small negatives are small:
//     ts - first_ts, frame - first_frame, cause_frame - frame,
//     seq and ack minus the previous seq and ack of the same cause sender
//     (modulo 2^32, as a signed 32-bit distance), seq_len.
// Widths up front rather than LEB128 varints: each number is then one
// unaligned 8-byte load or store and a mask, without a loop per byte
// (half the instructions to write and read a transition).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/events.hpp"

namespace tfe {

class TransitionLog {
public:
    // Times and frames are stored relative to these (the connection's first
    // segment); both sides must pass the same values.
    struct Base {
        TimeNs ts = 0;
        std::uint64_t frame = 0;
    };

    TransitionLog() = default;
    TransitionLog(const TransitionLog& o);
    TransitionLog& operator=(const TransitionLog& o);
    TransitionLog(TransitionLog&&) noexcept = default;
    TransitionLog& operator=(TransitionLog&&) noexcept = default;

    void append(const Transition& t, Base base);
    std::size_t size() const { return count_; }
    std::size_t bytes() const { return size_; }
    // Decodes every transition, in order, into `out` (replacing its contents).
    void decode(std::vector<Transition>& out, Base base) const;
    // Every field, to or from a parked connection's bytes (park_codec.hpp);
    // `isn` is each side's ISN, the base of its sequence numbers.
    template <class Io>
    void transfer(Io& io, const SeqNum isn[2]) {
        bool spilled = heap_ != nullptr;
        io.flags(spilled);
        io.number(size_);
        io.number(count_);
        for (int s = 0; s < 2; ++s) {
            io.near(prev_seq_[s], isn[s]);
            io.near(prev_ack_[s], isn[1 - s]);
        }
        if (spilled) {
            io.number(capacity_);
            io.owned(heap_);
        } else {
            io.bytes(inline_, size_);
        }
    }
    // Asks for the bytes that decode will read when they are on the heap.
    void prefetch() const {
        if (!heap_) return;
        for (std::size_t off = 0; off < size_; off += 64) __builtin_prefetch(heap_.get() + off);
    }

    // Room kept inside the object. On the benchmark capture an open
    // connection's handshake takes about 40 bytes and a closed connection's
    // log 128 to 151 (11 transitions on a plain four-wave close). Room for
    // the handshake (and the free room an append needs) keeps every
    // connection open at once one cache line smaller (a 704-byte slot, not
    // 768); a closed one pays one allocation instead, which measured the
    // same on the benchmark (its lines are fetched before its report).
    static constexpr std::size_t kInlineBytes = 108;
    // Whether the bytes have outgrown the inline room.
    bool spilled() const { return heap_ != nullptr; }
    // The most one transition can take: 7 fixed bytes and six 8-byte
    // numbers. Room for it plus 8 bytes is kept free after the last one:
    // numbers are read and written as whole 8-byte words.
    static constexpr std::size_t kMaxEncoded = 7 + 6 * 8;
    static constexpr std::size_t kSlack = 8;

private:
    std::uint8_t* data() { return heap_ ? heap_.get() : inline_; }
    const std::uint8_t* data() const { return heap_ ? heap_.get() : inline_; }
    void grow(std::size_t need);

    std::unique_ptr<std::uint8_t[]> heap_;  // all bytes, once they outgrow inline_
    std::uint32_t size_ = 0;                 // bytes used
    std::uint32_t capacity_ = kInlineBytes;  // bytes available where data() points
    std::uint32_t count_ = 0;                // transitions
    // The previous transition's seq and ack, by the side that sent its cause.
    SeqNum prev_seq_[2], prev_ack_[2];
    std::uint8_t inline_[kInlineBytes];
};

}  // namespace tfe
