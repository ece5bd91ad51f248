// The rows of a connection's ladder, collected from the core's records: one
// row per segment that moved a state or raised an anomaly (every kept
// segment with --all-segments), the transitions placed on it per side, and
// what the ladder leaves out. The text ladder, the SVG and Mermaid pictures
// and the HTML report all draw these rows; none works a state out itself.
#pragma once

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "analyzer/describe.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

struct LadderRow {
    std::uint64_t frame = 0;
    std::optional<Side> sender;
    bool full = false;     // flags/seq/ack/len known (a transition's cause)
    bool numbers = false;  // seq/ack known (an anomaly event)
    TcpFlags flags;
    SeqNum seq, ack;
    std::uint32_t payload = 0;
    std::vector<Anomaly> tags;
    const IcmpFact* icmp = nullptr;  // an ICMP error's row: no segment, drawn towards the endpoint it is about
    std::uint32_t placed[2] = {};  // transitions drawn on this row, per side
    std::uint32_t first[2] = {};   // the first of them, an index into transitions()

    // A kept segment's flags and numbers.
    void take(const SegmentFacts& sf);
};

// The segments the ladder does not draw, and where they fall.
struct HiddenSegments {
    std::uint64_t segments = 0;
    std::uint64_t bytes = 0;  // their payload, when every drawn row's is known
    std::size_t gaps = 0;     // places they may be
    bool at_end = false;      // one of them after the last row
};

class LadderRows {
public:
    // `every_segment`: a row for each segment the core kept (--all-segments);
    // false folds them as when none was kept (the HTML page's first view).
    explicit LadderRows(const Connection& c, bool every_segment = true);

    std::span<const LadderRow> rows() const { return {rows_.data(), rows_.size()}; }
    // The `i`th transition drawn on `r` for `side`, in the core's order.
    const Transition* placed(const LadderRow& r, Side side, std::size_t i) const;
    // Lines a row takes: one per state it moved on the busier side.
    static std::size_t lines(const LadderRow& r) { return std::max<std::size_t>({1, r.placed[0], r.placed[1]}); }
    HiddenSegments hidden() const;
    // Segments may hide before a row whose frame does not follow the
    // previous row's (prev 0: the connection's first frame).
    bool gap_before(std::uint64_t prev, std::uint64_t frame) const;
    // The row of `frame`, or nullptr.
    const LadderRow* find(std::uint64_t frame) const;
    const Connection& connection() const { return c_; }

private:
    void collect();
    void collect_anomalies();
    // The row of `frame`, made on first use; the reference lasts until the
    // next call. The core's records come mostly in frame order: most rows
    // are the last one or go after it, and only the others are searched for.
    LadderRow& row_at(std::uint64_t frame) {
        if (!rows_.empty() && rows_.back().frame == frame) return rows_.back();
        if (rows_.empty() || rows_.back().frame < frame) {
            rows_.emplace_back().frame = frame;
            return rows_.back();
        }
        return row_before_last(frame);
    }
    LadderRow& row_before_last(std::uint64_t frame);

    const Connection& c_;
    bool every_segment_;
    // Sorted by frame. Most ladders have a handful of rows: they live in
    // the object itself, not in an allocation per connection.
    boost::container::small_vector<LadderRow, 24> rows_;
};

// Capture artefacts, not TCP events: they get no ladder row of their own.
bool ladder_worthy(Anomaly a);

// A row's arrow label: "[F.] seq 143 ack 268", "(retransmission) seq 5",
// "(segment not kept)".
void append_row_label(fmt::memory_buffer& out, const Connection& c, const LadderRow& r, const NumberStyle& st);

// Why a state is drawn at a later row than the segment that caused it:
// "client FIN_WAIT_1 → CLOSING at packet 3: packet 1 (FIN) was still in
// flight; packet 3, sent after it, shows it arrived".
void append_late_note(fmt::memory_buffer& out, const Connection& c, const Transition& t);

// A fold's words: "··· 4 more segments, 409 bytes of data ···" when the
// hidden segments are in one place, "···" when in several.
void append_fold_words(fmt::memory_buffer& out, const HiddenSegments& h);
// Under a ladder folded in several places: "··· 12 segments not drawn (800
// bytes of data): they changed no state"; nothing otherwise.
void append_fold_summary(fmt::memory_buffer& out, const HiddenSegments& h);

// The last TIME_WAIT timer transition per side (nullptr: none), and when.
struct Timers {
    const Transition* side[2] = {};
    TimeNs at = 0;
};
Timers timers(const Connection& c);

}  // namespace tfe::analyzer
