// Memory for parked connections (ParkingLot): byte strings of 30 to
// a few hundred bytes, a million at a time, each named by a 32-bit handle
// so that the flow index can point at one as it points at a live slot.
//
// A handle counts 8-byte granules from the start of the store. Storage
// comes in 2 MiB chunks (table memory: a lookup lands at random) filled
// from the front; a freed string goes on the free list of its size (in
// granules) and the next string of that size takes it. A freed string's
// first four bytes are left as they are (the free list's link goes in the
// next four), so a user can mark it there. Lengths are not
// stored: whoever frees a string says how long it was (unparking reads it
// to the end anyway). malloc would do the same job with a 16-byte
// granule and an 8-byte header per string, a tenth of a parked
// connection's size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "core/table_memory.hpp"

namespace tfe {

class ParkedStore {
public:
    static constexpr std::uint32_t kNone = 0xffffffffu;
    static constexpr std::size_t kGranule = 8;
    static constexpr std::size_t kMaxBytes = 2048;  // the longest string
    // Handles stay below 2^31 (16 GiB), so a flow index can tell them from
    // slot numbers by the top bit.
    static constexpr std::uint32_t kMaxHandles = 0x80000000u;

    ParkedStore() { std::fill(std::begin(free_), std::end(free_), kNone); }
    ParkedStore(const ParkedStore&) = delete;
    ParkedStore& operator=(const ParkedStore&) = delete;

    // Copies `n` bytes (1 to kMaxBytes) in; kNone when the store is full.
    std::uint32_t put(const std::uint8_t* bytes, std::size_t n) {
        const std::size_t g = granules(std::max(n, kLink + 4));
        std::uint32_t h = free_[g];
        if (h != kNone) {
            std::memcpy(&free_[g], writable(h) + kLink, sizeof h);
        } else {
            if (used_ % kChunkGranules + g > kChunkGranules) used_ += kChunkGranules - used_ % kChunkGranules;
            if (used_ + g > kMaxHandles) return kNone;
            if (used_ / kChunkGranules >= chunks_.size()) chunks_.add();
            h = static_cast<std::uint32_t>(used_);
            used_ += g;
        }
        std::memcpy(writable(h), bytes, n);
        bytes_ += g * kGranule;
        return h;
    }

    const std::uint8_t* at(std::uint32_t h) const { return address(h); }
    std::uint8_t* writable(std::uint32_t h) { return address(h); }

    // Frees the `n`-byte string at `h`.
    void free(std::uint32_t h, std::size_t n) {
        const std::size_t g = granules(std::max(n, kLink + 4));
        std::memcpy(writable(h) + kLink, &free_[g], sizeof h);
        free_[g] = h;
        bytes_ -= g * kGranule;
    }

    // Bytes held by strings now (not counting free ones).
    std::size_t bytes() const { return bytes_; }
    // Bytes taken from the system.
    std::size_t reserved() const { return chunks_.size() * kChunkBytes; }

private:
    static constexpr std::size_t kChunkBytes = HugePageBlocks<std::uint8_t>::kBytes;
    static constexpr std::size_t kLink = 4;  // where a free string keeps the next one's handle
    static constexpr std::size_t kChunkGranules = kChunkBytes / kGranule;
    static std::size_t granules(std::size_t n) { return (n + kGranule - 1) / kGranule; }
    std::uint8_t* address(std::uint32_t h) const { return chunks_.block(h / kChunkGranules) + h % kChunkGranules * kGranule; }

    HugePageBlocks<std::uint8_t> chunks_;
    std::size_t used_ = 0;  // granules handed out from the front
    std::size_t bytes_ = 0;
    std::uint32_t free_[kMaxBytes / kGranule + 1];  // by size in granules
};

}  // namespace tfe
