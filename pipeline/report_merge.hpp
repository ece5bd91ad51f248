// The workers' reports, merged into the order and numbering of one flow
// table (on the reader's thread, between batches and at the end):
//   - a connection's number is its place in the run's order of creation:
//     the workers say which event made each of theirs;
//   - reports go out by the event that ended them, at one event first
//     what the clock ended then what the event's own segment ended, and
//     at one moment in order of number (FlowTable::expire_due's rule; at
//     the end of the input, FlowTable::flush's).
// A report is written once every worker has passed its event: nothing
// earlier can still come. The merge also counts what one table would
// have held open, for its peak and for --max-connections: the moment one
// table would have had to make room, the merge stops (capped()), having
// written exactly what one table would have written before then.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "core/connection.hpp"
#include "core/flow_table.hpp"
#include "pipeline/worker.hpp"

namespace tfe::pipeline {

class ReportMerge {
public:
    ReportMerge(std::vector<Outbox*> outboxes, ConnectionSink& sink, std::size_t max_connections);

    // Writes every report whose place is settled; whether it wrote any.
    bool drain();
    // Whether every worker has finished and every report is written (or,
    // once capped, dropped).
    bool done() const { return done_; }
    bool capped() const { return capped_; }
    // Every report up to this event is written (the least progress of the
    // workers at the last drain).
    std::uint64_t settled() const { return settled_; }
    std::uint64_t written() const { return written_; }
    std::uint64_t peak_open() const { return peak_open_; }
    // The run's number of worker `lane`'s connection `local_id` (0: not numbered).
    std::uint64_t run_number(std::size_t lane, std::uint64_t local_id) const {
        if (lane >= lanes_.size() || local_id == 0 || local_id > lanes_[lane].number_of.size()) return 0;
        return lanes_[lane].number_of[local_id - 1];
    }

private:
    struct Lane {
        Outbox* outbox = nullptr;
        std::deque<Report> reports;
        std::deque<std::uint64_t> creations;  // not yet numbered
        std::vector<std::uint64_t> number_of;  // local id - 1 -> the run's number
        std::uint64_t progress = 0;
    };
    // Takes what the workers published; the least progress of all.
    std::uint64_t collect();
    // Numbers every connection made up to event `upto`, in event order.
    void number(std::uint64_t upto);
    // The lane whose first report comes next, if it is settled by `upto`.
    Lane* next_lane(std::uint64_t upto);
    bool flush_settled() const;
    void write(Lane& lane);
    // Once capped: what the workers still send is dropped.
    bool discard();
    // What one table would hold open when the report at `event` is written.
    bool open_before(std::uint64_t event);

    std::deque<Lane> lanes_;  // a deque: a Lane is not copied
    ConnectionSink& sink_;
    std::size_t max_connections_;
    std::deque<std::uint64_t> made_;  // numbered, not yet counted open
    std::uint64_t next_number_ = 1;
    std::uint64_t open_ = 0, peak_open_ = 0, written_ = 0, settled_ = 0;
    bool capped_ = false, done_ = false;
};

}  // namespace tfe::pipeline
