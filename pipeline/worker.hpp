// One worker thread: its own flow table (the core, unchanged and
// single-threaded) over the segments of its flows, driven by the run's
// clock. Each report leaves with its place in the run (the event that
// ended it, and whether the clock or the segment did) and each new
// connection with the event that made it, for ReportMerge to number and
// order them as one table would.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include "core/flow_table.hpp"
#include "pipeline/batch_ring.hpp"
#include "pipeline/flow_shard.hpp"

namespace tfe::pipeline {

// At the same event, what the clock ended comes before what the event's
// own segment ended (a superseded connection).
enum class Phase : std::uint8_t { clock, segment };

struct Report {
    std::uint64_t event = 0;  // ~0: the end of the input
    Phase phase = Phase::clock;
    std::uint64_t local_id = 0;  // the worker's number for it
    std::unique_ptr<Connection> connection;
};

// What a worker has finished with, taken by the merge under the lock.
struct Outbox {
    std::mutex lock;
    std::condition_variable taken;  // the merge took the reports: a flushing worker goes on
    std::vector<Report> reports;
    std::vector<std::uint64_t> creations;  // the event that made each connection, in order
    std::uint64_t progress = 0;            // every event up to here is done (kFlushing, kEnd: see Worker)
};

class Worker final : public ConnectionSink {
public:
    // The event of the reports at the end of the input, and the progress
    // once they are all out; kFlushing: every event done, the flush under way.
    static constexpr std::uint64_t kEnd = ~std::uint64_t{0};
    static constexpr std::uint64_t kFlushing = kEnd - 1;
    // A flushing worker waits while so many reports wait for the merge (a
    // million open connections would otherwise all be copied at once).
    static constexpr std::size_t kFlushBacklog = 4096;

    // `check`: every own segment's flow is verified to be this worker's
    // (the routing invariant), counting those that are not.
    Worker(std::uint8_t index, const FlowTableConfig& config, BatchRing& ring, const FlowParts* check);

    // The thread's body: batches until the last, then the flush.
    void run();
    void on_connection(const Connection& c) override;

    Outbox& outbox() { return outbox_; }
    FlowTableStats stats() const { return table_.stats(); }
    std::uint64_t misrouted() const { return misrouted_; }
    std::exception_ptr failure() const { return failure_; }  // once the thread has ended
    // Whether it threw (any time: the reader must then not wait for it).
    bool failed() const { return failed_.load(std::memory_order_acquire); }

private:
    void process(const Batch& b);
    void own_event(const Batch& b, std::uint32_t i);
    void publish(std::uint64_t progress);

    std::uint8_t index_;
    BatchRing& ring_;
    const FlowParts* check_;
    FlowTable table_;
    std::uint64_t event_ = 0;
    Phase phase_ = Phase::clock;
    std::uint64_t progress_ = 0;  // the last event of the batches done
    std::vector<Report> reports_;
    std::vector<std::uint64_t> creations_;
    Outbox outbox_;
    std::uint64_t misrouted_ = 0;
    std::exception_ptr failure_;
    std::atomic<bool> failed_{false};
};

}  // namespace tfe::pipeline
