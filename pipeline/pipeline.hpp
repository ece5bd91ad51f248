// The multi-threaded run (--threads N) and the shard filter (--shard K/N):
// the reader's thread numbers each segment and ICMP error, keeps the run's
// clock, batches them for the workers (each flow to the worker its keyed
// hash names) and, between batches, merges the workers' reports into the
// output of one flow table (ReportMerge). See docs/ARCHITECTURE.md.
//
// One worker (threads 1) still goes through the batches: the command line
// keeps its single-threaded path for that, so this is for tests.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "capture/frames.hpp"
#include "core/flow_table.hpp"
#include "pipeline/batch_ring.hpp"
#include "pipeline/flow_shard.hpp"
#include "pipeline/report_merge.hpp"
#include "pipeline/worker.hpp"

namespace tfe::pipeline {

struct PipelineConfig {
    std::uint32_t threads = 2;
    FlowTableConfig table;             // each worker's; its max_connections is the run's (see ReportMerge)
    std::optional<ShardSpec> shard;    // only this shard's flows
    std::uint64_t seed = 0;            // the workers' hash key; 0: random
    bool check_routing = true;         // workers verify each segment is theirs
    // Tests only: every Nth own segment is sent to the next worker instead,
    // breaking the routing invariant on purpose (0: never).
    std::uint64_t misroute_every = 0;
};

class Pipeline final : public capture::SegmentSink {
public:
    Pipeline(const PipelineConfig& config, ConnectionSink& reports);
    ~Pipeline() override;
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    void on_segment(const Segment& seg) override;
    void on_icmp_error(const IcmpError& error) override;
    // A stream's wall-clock tick (as FlowTable::advance): the run's clock
    // moves to `now` at the next event, as one table's would, and its
    // reports are written before this returns.
    void advance(TimeNs now);
    TimeNs now() const { return clock_; }
    // The input is about to wait (a quiet pipe): the batch held so far goes
    // to the workers now, and what it ends is written before this returns,
    // rather than when the batch is full.
    void hand_over();
    // End of input: the workers flush, the last reports are written, the
    // threads end. Rethrows what a worker threw.
    void finish();

    // One table would have reached max_connections and made room: what was
    // written is exactly its output until then; the rest is not written.
    bool capped() const { return merge_.capped(); }
    std::uint64_t written() const { return merge_.written(); }
    // The workers' counts added up, with the peak one table would have had.
    FlowTableStats stats() const;
    // Segments a worker found to be another worker's (check_routing).
    std::uint64_t misrouted() const;

private:
    Event& next_event(std::uint8_t owner, TimeNs ts);
    void send(bool last);
    // Merges until every worker has done event `index`.
    void settle(std::uint64_t index);
    std::uint8_t owner_of(const FlowKey& key);

    PipelineConfig config_;
    FlowParts workers_part_;
    std::optional<FlowParts> shard_part_;
    BatchRing ring_;
    std::vector<std::unique_ptr<Worker>> workers_;
    ReportMerge merge_;
    std::vector<std::thread> threads_;
    Batch* batch_ = nullptr;
    std::uint64_t events_ = 0;
    std::uint64_t own_segments_ = 0;
    TimeNs clock_ = 0;
    bool finished_ = false;
};

// --shard K/N with one thread: the one table sees its shard's flows, and
// the run's clock from the others, exactly as a Pipeline's worker does.
class ShardFilter final : public capture::SegmentSink {
public:
    ShardFilter(const ShardSpec& shard, FlowTable& table) : part_(kShardSeed, shard.count), index_(shard.index), table_(table) {}
    void on_segment(const Segment& seg) override {
        if (part_.part_of(key_of(seg)) == index_) table_.on_segment(seg);
        else table_.advance(seg.ts);
    }
    void on_icmp_error(const IcmpError& error) override {
        if (part_.part_of(key_of(error)) == index_) table_.on_icmp_error(error);
        else table_.advance(error.ts);
    }

private:
    FlowParts part_;
    std::uint32_t index_;
    FlowTable& table_;
};

}  // namespace tfe::pipeline
