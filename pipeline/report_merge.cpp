#include "pipeline/report_merge.hpp"

#include <algorithm>

namespace tfe::pipeline {

ReportMerge::ReportMerge(std::vector<Outbox*> outboxes, ConnectionSink& sink, std::size_t max_connections)
    : sink_(sink), max_connections_(max_connections) {
    for (Outbox* o : outboxes) lanes_.emplace_back().outbox = o;
}

std::uint64_t ReportMerge::collect() {
    std::uint64_t least = Worker::kEnd;
    for (Lane& l : lanes_) {
        {
            std::lock_guard<std::mutex> hold(l.outbox->lock);
            for (Report& r : l.outbox->reports) l.reports.push_back(std::move(r));
            l.creations.insert(l.creations.end(), l.outbox->creations.begin(), l.outbox->creations.end());
            l.outbox->reports.clear();
            l.outbox->creations.clear();
            l.progress = l.outbox->progress;
        }
        l.outbox->taken.notify_one();
        least = std::min(least, l.progress);
    }
    return least;
}

void ReportMerge::number(std::uint64_t upto) {
    for (;;) {
        Lane* first = nullptr;
        for (Lane& l : lanes_)
            if (!l.creations.empty() && l.creations.front() <= upto &&
                (!first || l.creations.front() < first->creations.front()))
                first = &l;
        if (!first) return;
        first->number_of.push_back(next_number_++);
        made_.push_back(first->creations.front());
        first->creations.pop_front();
    }
}

// The end of the input's reports go out by number while the workers are
// still flushing: a lane's next is settled once every lane has one waiting
// or is done.
bool ReportMerge::flush_settled() const {
    for (const Lane& l : lanes_)
        if (l.progress < Worker::kFlushing || (l.progress != Worker::kEnd && l.reports.empty())) return false;
    return true;
}

ReportMerge::Lane* ReportMerge::next_lane(std::uint64_t upto) {
    Lane* best = nullptr;
    std::uint64_t best_number = 0;
    const bool flushing = upto >= Worker::kFlushing && flush_settled();
    for (Lane& l : lanes_) {
        if (l.reports.empty()) continue;
        if (l.reports.front().event > upto && !(l.reports.front().event == Worker::kEnd && flushing)) continue;
        const Report& r = l.reports.front();
        const std::uint64_t n = l.number_of[r.local_id - 1];
        if (best) {
            const Report& b = best->reports.front();
            if (std::tie(b.event, b.phase, best_number) < std::tie(r.event, r.phase, n)) continue;
        }
        best = &l;
        best_number = n;
    }
    return best;
}

// One table makes room before it makes a connection while it holds
// max_connections; at one event its reports come before its new one.
bool ReportMerge::open_before(std::uint64_t event) {
    while (!made_.empty() && made_.front() < event) {
        if (max_connections_ > 0 && open_ >= max_connections_) return false;
        made_.pop_front();
        peak_open_ = std::max(peak_open_, ++open_);
    }
    return true;
}

void ReportMerge::write(Lane& lane) {
    Report r = std::move(lane.reports.front());
    lane.reports.pop_front();
    r.connection->renumber(lane.number_of[r.local_id - 1]);
    sink_.on_connection(*r.connection);
    --open_;
    ++written_;
}

bool ReportMerge::drain() {
    if (done_) return false;
    const std::uint64_t upto = collect();
    if (capped_) {
        settled_ = upto;
        done_ = upto == Worker::kEnd;
        return discard();
    }
    number(upto);
    bool wrote = false;
    while (Lane* lane = next_lane(upto)) {
        if (!open_before(lane->reports.front().event)) {
            capped_ = true;
            return wrote;
        }
        write(*lane);
        wrote = true;
    }
    // Every report up to `upto` is out: the connections made by then are
    // open in one table, which may have been full at one of them.
    if (upto != Worker::kEnd && !open_before(upto + 1)) capped_ = true;
    settled_ = upto;
    done_ = upto == Worker::kEnd;  // and so every report is written
    return wrote;
}

bool ReportMerge::discard() {
    for (Lane& l : lanes_) l.reports.clear();
    return false;
}

}  // namespace tfe::pipeline
