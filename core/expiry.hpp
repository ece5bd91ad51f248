// When open connections are looked at without a segment, on capture time:
// a least-recently-used list of slots for idleness, and a min-heap of
// deadlines (a settled connection's linger, TIME_WAIT's 2*MSL). A slot
// whose deadline comes before it could go idle leaves the list until its
// next segment, so the list's head is what may go idle or be parked next.
//
// Rescheduling pushes a new heap entry and leaves the old one to be
// skipped when it surfaces (each slot's generation and deadline tell a
// stale entry), which is cheaper than finding it in the heap.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <queue>
#include <vector>

#include "core/segment.hpp"

namespace tfe {

class Expiry {
public:
    static constexpr std::uint32_t kNone = 0xffffffffu;

    // The LRU list only serves idle expiry: without it the list is not
    // kept (two fewer random accesses per segment).
    explicit Expiry(bool keep_lru) : keep_lru_(keep_lru) {}

    // Slot `idx` holds a connection just made or unpacked: the most
    // recently used, nothing scheduled.
    void track(std::uint32_t idx);
    // A segment touched slot `idx`: the most recently used, on the list
    // again if it had left it.
    void touch(std::uint32_t idx) {
        if (!keep_lru_ || lru_tail_ == idx) return;
        if (entries_[idx].in_lru) lru_unlink(idx);
        lru_push_back(idx);
    }
    // Slot `idx` leaves the LRU list until its next touch: what it has
    // scheduled ends it before it could go idle.
    void leave_lru(std::uint32_t idx) {
        if (entries_[idx].in_lru) lru_unlink(idx);  // never set without the list
    }
    // Slot `idx` was emptied: off the list, whatever it had scheduled void.
    void forget(std::uint32_t idx);

    // Look at slot `idx` at capture time `at` (not 0); replaces what it had.
    void schedule(std::uint32_t idx, TimeNs at);
    bool scheduled(std::uint32_t idx) const { return entries_[idx].deadline != 0; }

    // Removes and returns the slot whose deadline came first if it is at or
    // before `now`, skipping stale entries; kNone when none is due.
    std::uint32_t pop_due(TimeNs now) {
        if (deadlines_.empty() || deadlines_.top().at > now) return kNone;  // most segments
        return pop_due_slow(now);
    }
    // Removes and returns the slot whose deadline comes first, however far
    // off; kNone when none is scheduled.
    std::uint32_t pop_earliest() { return pop_due_slow(std::numeric_limits<TimeNs>::max()); }

    // The next entry of the heap, possibly stale, and whether it is not.
    struct Due {
        std::uint32_t slot;
        std::uint32_t generation;
    };
    std::optional<Due> next() const {
        if (deadlines_.empty()) return std::nullopt;
        return Due{deadlines_.top().slot, deadlines_.top().generation};
    }
    bool current(const Due& d) const { return entries_[d.slot].generation == d.generation; }
    void prefetch(std::uint32_t idx) const { __builtin_prefetch(&entries_[idx]); }

    // The least recently used slot, kNone when none (or no list is kept).
    std::uint32_t lru_head() const { return lru_head_; }
    bool keeps_lru() const { return keep_lru_; }

private:
    struct Entry {
        std::uint32_t lru_prev = kNone, lru_next = kNone;
        std::uint32_t generation = 0;   // bumped on forget: stale heap entries skip
        bool in_lru = false;
        TimeNs deadline = 0;
    };
    struct Deadline {
        TimeNs at;
        std::uint32_t slot;
        std::uint32_t generation;
    };
    struct LaterDeadline {  // makes the priority queue a min-heap of times
        bool operator()(const Deadline& a, const Deadline& b) const { return a.at > b.at; }
    };

    std::uint32_t pop_due_slow(TimeNs now);
    void lru_unlink(std::uint32_t idx);
    void lru_push_back(std::uint32_t idx);

    bool keep_lru_;
    std::vector<Entry> entries_;  // by slot
    std::uint32_t lru_head_ = kNone, lru_tail_ = kNone;
    std::priority_queue<Deadline, std::vector<Deadline>, LaterDeadline> deadlines_;
};

}  // namespace tfe
