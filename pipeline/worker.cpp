#include "pipeline/worker.hpp"

namespace tfe::pipeline {

Worker::Worker(std::uint8_t index, const FlowTableConfig& config, BatchRing& ring, const FlowParts* check)
    : index_(index), ring_(ring), check_(check), table_(config, *this) {}

void Worker::on_connection(const Connection& c) {
    reports_.push_back(Report{event_, phase_, c.id(), std::make_unique<Connection>(c)});
    if (event_ == kEnd && reports_.size() >= 256) publish(kFlushing);  // the flush, in pieces
}

void Worker::run() {
    bool last = false, abandon = false;
    try {
        while (!last) {
            const Batch& b = ring_.next(index_);
            process(b);
            last = b.last;
            abandon = b.abandon;
            if (b.count) progress_ = b.events[b.count - 1].index;
            ring_.release(index_);
            publish(progress_);
        }
        event_ = kEnd;
        phase_ = Phase::clock;
        publish(kFlushing);
        if (!abandon) table_.flush();
    } catch (...) {
        failure_ = std::current_exception();
        failed_.store(true, std::memory_order_release);
        // The reader must not wait for this worker: its batches are let go.
        for (; !last; ring_.release(index_)) last = ring_.next(index_).last;
    }
    publish(kEnd);
}

// The table looks at its clock at every event of the run, as one table
// does, so that a deadline comes at the very event it came at there (even
// without the clock moving: one set in the past by a segment stamped a
// moment ago comes at the next event, whoever's it is).
void Worker::process(const Batch& b) {
    for (std::uint32_t i = 0; i < b.count; ++i) {
        const Event& e = b.events[i];
        if (e.owner == index_) {
            own_event(b, i);
        } else {
            event_ = e.index;
            phase_ = Phase::clock;
            table_.advance(e.now);
        }
    }
}

void Worker::own_event(const Batch& b, std::uint32_t i) {
    const Event& e = b.events[i];
    event_ = e.index;
    phase_ = Phase::clock;
    table_.advance(e.now);
    phase_ = Phase::segment;
    const std::uint64_t made = table_.connections_created();
    if (e.icmp) {
        if (check_ && check_->part_of(key_of(b.icmp[i])) != index_) ++misrouted_;
        table_.on_icmp_error(b.icmp[i]);
    } else {
        if (check_ && check_->part_of(key_of(e.seg)) != index_) ++misrouted_;
        table_.on_segment(e.seg);
    }
    if (table_.connections_created() != made) creations_.push_back(e.index);
}

void Worker::publish(std::uint64_t progress) {
    std::unique_lock<std::mutex> hold(outbox_.lock);
    if (progress == kFlushing)
        outbox_.taken.wait(hold, [this] { return outbox_.reports.size() < kFlushBacklog; });
    for (Report& r : reports_) outbox_.reports.push_back(std::move(r));
    outbox_.creations.insert(outbox_.creations.end(), creations_.begin(), creations_.end());
    outbox_.progress = progress;
    reports_.clear();
    creations_.clear();
}

}  // namespace tfe::pipeline
