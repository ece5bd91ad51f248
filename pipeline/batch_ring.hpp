// The reader's hand-off to the workers: a bounded ring of fixed-size,
// reused batches of events, one producer, every worker a consumer of every
// batch. Each worker takes its own segments from a batch and only the
// clock from the others: a connection's deadline must come at the same
// event as in one table, whichever worker holds it (report order and ids
// follow from that). Nothing is allocated after construction; the only
// synchronisation is one release/acquire pair per batch and side.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "core/icmp_error.hpp"
#include "core/segment.hpp"

namespace tfe::pipeline {

// One segment or ICMP error of the run, numbered, with the run's clock.
struct Event {
    static constexpr std::uint8_t kClockOnly = 0xff;  // another shard's: the clock only
    std::uint64_t index = 0;  // 1-based, in input order: where its reports go
    TimeNs now = 0;           // the run's clock after it (the latest time stamp so far)
    std::uint8_t owner = kClockOnly;  // the worker whose flow it is
    bool icmp = false;        // the batch's icmp[] entry at the same place, not seg
    Segment seg;
};

struct Batch {
    static constexpr std::uint32_t kEvents = 512;
    std::uint32_t count = 0;
    bool last = false;     // the input ended: flush after this one
    bool abandon = false;  // with last: the reports are not wanted (ReportMerge::capped)
    Event events[kEvents];
    IcmpError icmp[kEvents];
};

// Waits politely: spins a little, yields a little, then sleeps on the
// cursor itself (a futex: woken by the other side's notify) — two cores
// are shared with other work, and a spinning or napping waiter takes one.
class Backoff {
public:
    // Whether to go on trying before sleeping on the cursor.
    bool patient() {
        if (++spins_ < 32) return true;
        if (spins_ < 64) {
            std::this_thread::yield();
            return true;
        }
        return false;
    }

private:
    std::uint32_t spins_ = 0;
};

class BatchRing {
public:
    BatchRing(std::size_t consumers, std::size_t slots)
        : slots_(slots), batches_(std::make_unique<Batch[]>(slots)), tails_(std::make_unique<Cursor[]>(consumers)),
          consumers_(consumers) {}

    // Producer: the next batch to fill, once every consumer is done with
    // it; `busy()` is called while waiting (the reader merges reports then)
    // and returns whether it did anything.
    template <class Busy>
    Batch& claim(Busy&& busy) {
        Backoff wait;
        for (std::size_t c; (c = slowest()) != kFree;) {
            if (busy() || wait.patient()) continue;
            producer_waiting_.store(true, std::memory_order_seq_cst);
            // Read after the flag: a release before it is seen here, one after it notifies.
            const std::uint64_t seen = tails_[c].value.load(std::memory_order_seq_cst);
            if (!full(seen)) {
                producer_waiting_.store(false, std::memory_order_relaxed);
                continue;
            }
            tails_[c].value.wait(seen, std::memory_order_acquire);
            producer_waiting_.store(false, std::memory_order_relaxed);
        }
        Batch& b = batches_[head_.value.load(std::memory_order_relaxed) % slots_];
        b.count = 0;
        b.last = b.abandon = false;
        return b;
    }
    void publish() {
        head_.value.fetch_add(1, std::memory_order_seq_cst);
        head_.value.notify_all();
    }

    // Consumer `c`: the next batch, waiting for it; release() when done.
    const Batch& next(std::size_t c) {
        const std::uint64_t at = tails_[c].value.load(std::memory_order_relaxed);
        Backoff wait;
        while (head_.value.load(std::memory_order_acquire) == at)
            if (!wait.patient()) head_.value.wait(at, std::memory_order_acquire);
        return batches_[at % slots_];
    }
    void release(std::size_t c) {
        tails_[c].value.fetch_add(1, std::memory_order_seq_cst);
        if (producer_waiting_.load(std::memory_order_seq_cst)) tails_[c].value.notify_all();
    }

private:
    struct alignas(64) Cursor {
        std::atomic<std::uint64_t> value{0};
    };
    static constexpr std::size_t kFree = ~std::size_t{0};
    // Whether the slot after `head` is still being read by a consumer at `tail`.
    bool full(std::uint64_t tail) const { return head_.value.load(std::memory_order_relaxed) - tail >= slots_; }
    // A consumer still reading the slot the producer needs next, or kFree.
    std::size_t slowest() const {
        for (std::size_t c = 0; c < consumers_; ++c)
            if (full(tails_[c].value.load(std::memory_order_acquire))) return c;
        return kFree;
    }

    std::size_t slots_;
    std::unique_ptr<Batch[]> batches_;
    Cursor head_;  // batches published
    std::unique_ptr<Cursor[]> tails_;
    std::size_t consumers_;
    std::atomic<bool> producer_waiting_{false};  // consumers notify only then
};

}  // namespace tfe::pipeline
