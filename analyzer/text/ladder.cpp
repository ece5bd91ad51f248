#include "analyzer/text/ladder.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "analyzer/text/facts.hpp"
#include "analyzer/text/layout.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer::text {

namespace {

std::string_view anomaly_tag(Anomaly a) { return terms(a).tag; }

// Capture artefacts, not TCP events: they get no ladder line of their own.
bool ladder_worthy(Anomaly a) { return a != Anomaly::bad_checksum && a != Anomaly::truncated_payload; }

struct Row {
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
    void take(const SegmentFacts& sf) {
        sender = sf.sender;
        full = true;
        flags = sf.flags;
        seq = sf.seq;
        ack = sf.ack;
        payload = sf.payload_len;
    }
};

std::string_view superscript(std::size_t n) {
    static constexpr std::string_view digits[] = {"¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    return n >= 1 && n <= 9 ? digits[n - 1] : "*";
}

// A line of the ladder is
//   "  <client state> <frame> <arrow>  <server state><anomaly tags>"
// without trailing blanks.
class Ladder {
public:
    Ladder(const Connection& c, const TextOptions& o) : c_(c), o_(o) { collect(); }
    void write(Buf& b);

private:
    void collect();
    void collect_anomalies();
    // The row of `frame`, made on first use; the reference lasts until the
    // next call. The core's records come mostly in frame order: most rows
    // are the last one or go after it, and only the others are searched for.
    Row& row_at(std::uint64_t frame) {
        if (!rows_.empty() && rows_.back().frame == frame) return rows_.back();
        if (rows_.empty() || rows_.back().frame < frame) {
            rows_.emplace_back().frame = frame;
            return rows_.back();
        }
        return row_before_last(frame);
    }
    Row& row_before_last(std::uint64_t frame);
    void label(Buf& out, const Row& r) const;
    const Transition* placed(const Row& r, Side side, std::size_t i) const;
    void put_arrow(Line& line, const Row& r) const;
    void put_state(Line& line, const Transition* t, std::size_t width);
    void put_frame(Line& line, std::uint64_t frame) const;
    void put_no_frame(Line& line) const { line.blank(frame_width_ + 2); }
    void put_gap(Buf& b, std::string_view text, std::size_t text_columns) const;

    // The segments the ladder does not draw, and where they fall.
    struct Hidden {
        std::uint64_t segments = 0;
        std::uint64_t bytes = 0;  // their payload, when every drawn row's is known
        std::size_t gaps = 0;     // places they may be
        bool at_end = false;      // one of them after the last row
    };
    Hidden hidden() const;
    bool gap_before(std::uint64_t prev, std::uint64_t frame) const;
    void draw_gap_line(Buf& gap_line, const Hidden& h) const;
    void write_heading(Buf& b) const;
    void write_row(Buf& b, const Row& row);
    void write_timers(Buf& b) const;

    const Connection& c_;
    const TextOptions& o_;
    // Sorted by frame. Most ladders have a handful of rows: they live in
    // the Ladder itself, not in an allocation per connection.
    boost::container::small_vector<Row, 24> rows_;
    std::size_t frame_width_ = 1;
    Buf footnotes_;          // as printed, one line each
    std::size_t footnote_count_ = 0;
};

Row& Ladder::row_before_last(std::uint64_t frame) {
    auto it = std::lower_bound(rows_.begin(), rows_.end(), frame,
                               [](const Row& r, std::uint64_t f) { return r.frame < f; });
    if (it == rows_.end() || it->frame != frame) {
        it = rows_.insert(it, Row{});
        it->frame = frame;
    }
    return *it;
}

void Ladder::collect() {
    rows_.reserve(c_.segments().size() + 2 * c_.transitions().size());
    // --all-segments: every segment the core kept gets a line of its own.
    for (const SegmentFacts& sf : c_.segments()) row_at(sf.frame).take(sf);
    const std::span<const Transition> transitions = c_.transitions();
    for (std::uint32_t k = 0; k < transitions.size(); ++k) {
        const Transition& t = transitions[k];
        if (t.delivery == Delivery::timer) continue;
        Row& cause = row_at(t.cause_frame);
        cause.sender = cause_sender(t);
        cause.full = true;
        cause.flags = t.flags;
        cause.seq = t.seq;
        cause.ack = t.ack;
        cause.payload = payload_of(t);
        Row& at = row_at(t.frame);  // `cause` is not used past here
        if (at.placed[static_cast<int>(t.endpoint)]++ == 0) at.first[static_cast<int>(t.endpoint)] = k;
        const Crossing* x = c_.crossing(t);
        if (!at.full && x && x->evidence.frame == t.frame) {
            // The segment that proved delivery: the core kept its numbers.
            at.take(x->evidence);
        }
        if (!at.sender) {
            // The proof of delivery: a segment from the receiver (its ACK)
            // or a later one from the sender.
            if (t.delivery == Delivery::acknowledged) at.sender = t.endpoint;
            else if (t.delivery == Delivery::followed) at.sender = other(t.endpoint);
        }
    }
    collect_anomalies();
    // The widest frame number is the last row's: rows are sorted by frame.
    if (!rows_.empty()) frame_width_ = fmt::format_int(rows_.back().frame).size();
}

// Rows for the segments that raised an anomaly, tagged with it.
void Ladder::collect_anomalies() {
    for (const AnomalyEvent& ev : c_.anomaly_events()) {
        if (!ladder_worthy(ev.kind)) continue;
        Row& r = row_at(ev.frame);
        if (ev.kind == Anomaly::icmp_error) {
            for (const IcmpFact& f : c_.icmp_errors())
                if (f.frame == ev.frame) r.icmp = &f;
            r.sender = other(ev.sender);
        } else if (!r.full) {
            r.sender = ev.sender;
            r.numbers = true;
            r.seq = ev.seq;
            r.ack = ev.ack;
            if (ev.flags.bits != 0) {
                r.full = true;
                r.flags = ev.flags;
                r.payload = ev.payload_len;
            }
        }
        if (std::find(r.tags.begin(), r.tags.end(), ev.kind) == r.tags.end()) r.tags.push_back(ev.kind);
    }
}

void Ladder::label(Buf& out, const Row& r) const {
    if (r.icmp) {
        cat(out, r.icmp->version == 4 ? "ICMP " : "ICMPv6 ", r.icmp->type, "/", r.icmp->code, " from ",
            to_string(r.icmp->router));
    } else if (r.tags.size() == 1 && r.tags.front() == Anomaly::icmp_error) {
        append(out, "ICMP error");
    } else if (r.full) {
        append_segment_label(out, c_, *r.sender, r.flags, r.seq, r.ack, r.payload, o_.numbers);
    } else if (r.numbers) {
        // No flags kept for it: named by its anomaly instead.
        cat(out, "(", r.tags.empty() ? "?" : anomaly_tag(r.tags.front()), ") seq ",
            rel_seq(c_, *r.sender, r.seq, o_.numbers));
        if (r.ack.raw() != 0) cat(out, " ack ", rel_seq(c_, other(*r.sender), r.ack, o_.numbers));
    } else {
        append(out, "(segment not kept)");
    }
}

// The `i`th transition drawn on `r` for `side`, in the core's order.
const Transition* Ladder::placed(const Row& r, Side side, std::size_t i) const {
    if (i >= r.placed[static_cast<int>(side)]) return nullptr;
    const auto& all = c_.transitions();
    for (std::size_t k = r.first[static_cast<int>(side)]; k < all.size(); ++k) {
        const Transition& t = all[k];
        if (t.delivery != Delivery::timer && t.frame == r.frame && t.endpoint == side && i-- == 0) return &t;
    }
    return nullptr;
}

void Ladder::put_arrow(Line& line, const Row& r) const {
    Buf text;
    if (!r.sender) {
        // Direction unknown: the label alone, centred.
        append(text, "· ");
        label(text, r);
        append(text, " ·");
        put_centered(line, view(text), columns(view(text)), kArrowWidth);
        return;
    }
    // The arrow is assembled in one piece (head, label, rule, point) and
    // goes on the line as one.
    const std::string_view code = r.full && r.flags.rst() ? kRed : !r.full ? kYellow : std::string_view{};
    const bool painted = o_.color && !code.empty();
    if (painted) append(text, code);
    if (*r.sender == Side::client) append(text, "──");
    else append(text, "◀──");
    const std::size_t label_at = text.size();
    label(text, r);
    const std::size_t w = columns(view(text).substr(label_at));
    const std::size_t fill = kArrowWidth > w + 3 ? kArrowWidth - w - 3 : 1;
    append(text, rule(fill, *r.sender == Side::client));
    if (painted) append(text, kReset);
    line.text(view(text));
}

// The state a transition entered, as a cell `width` columns wide, with a
// footnote when the state is drawn later than the segment that caused it.
void Ladder::put_state(Line& line, const Transition* t, std::size_t width) {
    if (!t) {
        line.blank(width);
        return;
    }
    std::string_view mark;
    if (t->frame != t->cause_frame) {
        const Crossing* x = c_.crossing(*t);
        const std::uint64_t proof_frame = x ? x->evidence.frame : 0;
        mark = superscript(++footnote_count_);
        cat(footnotes_, "  ", mark, " ", side_name(t->endpoint), " ", state_name(t->from), " → ", state_name(t->to),
            " at packet ", t->frame, ": packet ", t->cause_frame, " (", segment_kind(t->flags, payload_of(*t)),
            ") was still in flight; ");
        switch (t->delivery) {
            case Delivery::acknowledged: cat(footnotes_, "packet ", proof_frame, "'s ACK shows it arrived"); break;
            case Delivery::followed:
                cat(footnotes_, "packet ", proof_frame, ", sent after it, shows it arrived");
                break;
            case Delivery::end_of_capture: append(footnotes_, "assumed delivered at the end of the capture"); break;
            case Delivery::silence: append(footnotes_, "nothing came back after it, so it arrived"); break;
            default: append(footnotes_, delivery_name(t->delivery)); break;
        }
        footnotes_.push_back('\n');
    }
    put_state_cell(line, o_.color, t->to, width, mark);
}

void Ladder::put_frame(Line& line, std::uint64_t frame) const {
    const fmt::format_int digits(frame);
    line.blank(1 + (frame_width_ > digits.size() ? frame_width_ - digits.size() : 0));
    line.text({digits.data(), digits.size()});
    line.blank(1);
}

void Ladder::put_gap(Buf& b, std::string_view text, std::size_t text_columns) const {
    Line line(b);
    line.blank(2 + kStateWidth);
    put_no_frame(line);
    put_centered(line, text, text_columns, kArrowWidth);
    line.end();
}

void Ladder::write_heading(Buf& b) const {
    {
        Line line(b);
        line.blank(2);
        put_cell(line, false, "", "client", columns("client"), kStateWidth);
        put_no_frame(line);
        line.blank(kArrowWidth + 2);
        line.text("server");
        line.end();
    }
    Line line(b);
    line.blank(2);
    put_state_cell(line, o_.color, c_.endpoint(Side::client).initial_state, kStateWidth);
    put_no_frame(line);
    line.blank(kArrowWidth + 2);
    put_state_cell(line, o_.color, c_.endpoint(Side::server).initial_state, 0);
    line.end();
}

// Where segments may hide: before a row whose frame does not follow the
// previous row's (or the connection's first frame), and after the last.
bool Ladder::gap_before(std::uint64_t prev, std::uint64_t frame) const {
    return prev == 0 ? frame > c_.first_frame() : frame > prev + 1;
}

Ladder::Hidden Ladder::hidden() const {
    Hidden h;
    const std::uint64_t total = c_.endpoint(Side::client).packets + c_.endpoint(Side::server).packets;
    h.segments = total > rows_.size() ? total - rows_.size() : 0;
    std::uint64_t shown_bytes = 0, prev = 0;
    bool bytes_known = true;
    for (const Row& row : rows_) {
        if (row.full) shown_bytes += row.payload;
        else bytes_known = false;
        h.gaps += gap_before(prev, row.frame);
        prev = row.frame;
    }
    const std::uint64_t all_bytes = c_.endpoint(Side::client).payload_bytes + c_.endpoint(Side::server).payload_bytes;
    if (bytes_known && all_bytes > shown_bytes) h.bytes = all_bytes - shown_bytes;
    h.at_end = prev < c_.last_frame();
    h.gaps += h.at_end;
    return h;
}

// Every gap line of a ladder is the same: drawn once, then copied.
void Ladder::draw_gap_line(Buf& gap_line, const Hidden& h) const {
    if (h.segments == 0) return;
    Buf text;
    if (h.gaps == 1) {
        cat(text, "··· ", plural(h.segments, "more segment", "more segments"));
        if (h.bytes) cat(text, ", ", plural(h.bytes, "byte of data", "bytes of data"));
        append(text, " ···");
    } else {
        append(text, "···");
    }
    put_gap(gap_line, view(text), columns(view(text)));
}

// One line per state this segment moved, sides side by side.
void Ladder::write_row(Buf& b, const Row& row) {
    const std::size_t lines = std::max<std::size_t>({1, row.placed[0], row.placed[1]});
    for (std::size_t i = 0; i < lines; ++i) {
        Line line(b);
        line.blank(2);
        put_state(line, placed(row, Side::client, i), kStateWidth);
        if (i == 0) {
            put_frame(line, row.frame);
            put_arrow(line, row);
        } else {
            put_no_frame(line);
            line.blank(kArrowWidth);
        }
        line.blank(2);
        put_state(line, placed(row, Side::server, i), 0);
        if (i == 0)
            for (std::size_t k = row.full ? 0 : 1; k < row.tags.size(); ++k) {
                line.blank(2);
                if (o_.color) line.text(kYellow);
                line.text("⚠ ");
                line.text(anomaly_tag(row.tags[k]));
                if (o_.color) line.text(kReset);
            }
        line.end();
    }
}

// Timers: TIME_WAIT's 2*MSL when it passed within the capture.
void Ladder::write_timers(Buf& b) const {
    const Transition* timer[2] = {};  // the last per side
    TimeNs at = 0;
    for (const Transition& t : c_.transitions()) {
        if (t.delivery != Delivery::timer) continue;
        timer[static_cast<int>(t.endpoint)] = &t;
        at = t.ts;
    }
    if (!timer[0] && !timer[1]) return;
    Line line(b);
    line.blank(2);
    if (timer[0]) put_state_cell(line, o_.color, timer[0]->to, kStateWidth);
    else line.blank(kStateWidth);
    put_no_frame(line);
    Buf middle;
    cat(middle, "2*MSL later (", Utc{at}, " UTC)");
    put_centered(line, view(middle), columns(view(middle)), kArrowWidth);
    line.blank(2);
    if (timer[1]) put_state_cell(line, o_.color, timer[1]->to, 0);
    line.end();
}

void Ladder::write(Buf& b) {
    write_heading(b);
    // Segments not drawn: the data transfer and ACKs that changed nothing.
    const Hidden h = hidden();
    Buf gap_line;
    draw_gap_line(gap_line, h);
    std::uint64_t prev = 0;
    for (const Row& row : rows_) {
        if (h.segments > 0 && gap_before(prev, row.frame)) append(b, view(gap_line));
        prev = row.frame;
        write_row(b, row);
    }
    if (h.segments > 0 && h.at_end) append(b, view(gap_line));
    write_timers(b);
    if (h.segments > 0 && h.gaps > 1) {
        cat(b, "  ··· ", plural(h.segments, "segment", "segments"), " not drawn");
        if (h.bytes) cat(b, " (", plural(h.bytes, "byte", "bytes"), " of data)");
        append(b, ": they changed no state\n");
    }
    append(b, view(footnotes_));
    if (o_.all_segments && c_.segments().empty() && h.segments > 0)
        append(b,
               "  (every segment on its own line needs the core to keep them: TrackerConfig::keep_segments, "
               "which --all-segments sets)\n");
}

}  // namespace

void write_ladder(Buf& b, const Connection& c, const TextOptions& o) { Ladder(c, o).write(b); }

}  // namespace tfe::analyzer::text
