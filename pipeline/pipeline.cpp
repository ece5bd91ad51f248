#include "pipeline/pipeline.hpp"

#include <algorithm>
#include <random>

namespace tfe::pipeline {

namespace {
constexpr std::size_t kRingSlots = 8;

std::uint64_t worker_seed(std::uint64_t configured) {
    if (configured != 0) return configured;
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd() ^ 1;
}

std::vector<Outbox*> outboxes(const std::vector<std::unique_ptr<Worker>>& workers) {
    std::vector<Outbox*> o;
    for (const auto& w : workers) o.push_back(&w->outbox());
    return o;
}

std::vector<std::unique_ptr<Worker>> make_workers(const PipelineConfig& c, BatchRing& ring, const FlowParts& part) {
    FlowTableConfig each = c.table;
    each.max_connections = 0;  // the cap is the run's: ReportMerge counts it
    std::vector<std::unique_ptr<Worker>> w;
    for (std::uint32_t i = 0; i < c.threads; ++i)
        w.push_back(std::make_unique<Worker>(static_cast<std::uint8_t>(i), each, ring, c.check_routing ? &part : nullptr));
    return w;
}
}  // namespace

Pipeline::Pipeline(const PipelineConfig& config, ConnectionSink& reports)
    : config_(config),
      workers_part_(worker_seed(config.seed), config.threads),
      ring_(config.threads, kRingSlots),
      workers_(make_workers(config, ring_, workers_part_)),
      merge_(outboxes(workers_), reports, config.table.max_connections) {
    if (config.shard) shard_part_.emplace(kShardSeed, config.shard->count);
    for (auto& w : workers_) threads_.emplace_back([&wk = *w] { wk.run(); });
    batch_ = &ring_.claim([] { return false; });
}

Pipeline::~Pipeline() {
    if (!finished_) {
        try {
            finish();
        } catch (...) {  // a destructor does not throw; finish() was the place to hear it
        }
    }
}

std::uint8_t Pipeline::owner_of(const FlowKey& key) {
    if (shard_part_ && shard_part_->part_of(key) != config_.shard->index) return Event::kClockOnly;
    auto owner = static_cast<std::uint8_t>(workers_part_.part_of(key));
    if (config_.misroute_every != 0 && ++own_segments_ % config_.misroute_every == 0)
        owner = static_cast<std::uint8_t>((owner + 1) % config_.threads);
    return owner;
}

Event& Pipeline::next_event(std::uint8_t owner, TimeNs ts) {
    if (batch_->count == Batch::kEvents) send(false);
    clock_ = std::max(clock_, ts);
    Event& e = batch_->events[batch_->count];
    e.index = ++events_;
    e.now = clock_;
    e.owner = owner;
    return e;
}

void Pipeline::on_segment(const Segment& seg) {
    if (merge_.capped()) return;  // the rest is read again by one table
    Event& e = next_event(owner_of(key_of(seg)), seg.ts);
    e.icmp = false;
    e.seg = seg;
    ++batch_->count;
}

void Pipeline::on_icmp_error(const IcmpError& error) {
    if (merge_.capped()) return;
    Event& e = next_event(owner_of(key_of(error)), error.ts);
    e.icmp = true;
    batch_->icmp[batch_->count] = error;
    ++batch_->count;
}

void Pipeline::advance(TimeNs now) {
    if (merge_.capped() || now <= clock_) return;
    Event& e = next_event(Event::kClockOnly, now);  // every worker's table looks at the clock then
    e.icmp = false;
    ++batch_->count;
    hand_over();
}

void Pipeline::hand_over() {
    if (batch_->count == 0 || merge_.capped()) return;
    send(false);
    settle(events_);
}

// A worker that threw publishes no progress until the input ends: then
// finish() rethrows, and nothing here waits for it.
void Pipeline::settle(std::uint64_t index) {
    const auto any_failed = [this] {
        return std::any_of(workers_.begin(), workers_.end(), [](const auto& w) { return w->failed(); });
    };
    for (Backoff wait; merge_.settled() < index && !merge_.done() && !any_failed();)
        if (!merge_.drain() && !wait.patient()) std::this_thread::sleep_for(std::chrono::microseconds(20));
}

// Hands the batch over and claims the next; reports are merged meanwhile.
void Pipeline::send(bool last) {
    batch_->last = last;
    batch_->abandon = last && merge_.capped();
    ring_.publish();
    merge_.drain();
    if (!last) batch_ = &ring_.claim([this] { return merge_.drain(); });
}

void Pipeline::finish() {
    if (finished_) return;
    finished_ = true;
    send(true);
    // The workers flush in pieces, each waiting for the merge to take the last.
    for (Backoff wait; !merge_.done();)
        if (!merge_.drain() && !wait.patient()) std::this_thread::sleep_for(std::chrono::microseconds(20));
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    for (const auto& w : workers_)
        if (w->failure()) std::rethrow_exception(w->failure());
}

FlowTableStats Pipeline::stats() const {
    FlowTableStats sum;
    for (std::size_t lane = 0; lane < workers_.size(); ++lane) {
        const FlowTableStats s = workers_[lane]->stats();
        sum.segments += s.segments;
        sum.connections += s.connections;
        for (std::size_t i = 0; i < kEndReasons; ++i) sum.ended[i] += s.ended[i];
        sum.late_segments += s.late_segments;
        sum.late_fins += s.late_fins;
        sum.late_connection_count += s.late_connection_count;
        for (std::uint64_t local : s.late_connections.ids)  // a worker numbers its own
            if (const std::uint64_t n = merge_.run_number(lane, local)) sum.late_connections.add(n);
        sum.peak_remembered += s.peak_remembered;  // an upper bound, as it is for one table
        sum.parks += s.parks;
        sum.unparks += s.unparks;
        sum.peak_parked += s.peak_parked;
        sum.peak_parked_bytes += s.peak_parked_bytes;
        sum.half_open_queued += s.half_open_queued;
        sum.icmp_errors += s.icmp_errors;
        sum.icmp_unmatched += s.icmp_unmatched;
    }
    sum.peak_open = merge_.peak_open();
    return sum;
}

std::uint64_t Pipeline::misrouted() const {
    std::uint64_t n = 0;
    for (const auto& w : workers_) n += w->misrouted();
    return n;
}

}  // namespace tfe::pipeline
