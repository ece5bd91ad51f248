#include "analyzer/ladder_rows.hpp"

#include <algorithm>

#include "analyzer/text/facts.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer {

using namespace text;

void LadderRow::take(const SegmentFacts& sf) {
    sender = sf.sender;
    full = true;
    flags = sf.flags;
    seq = sf.seq;
    ack = sf.ack;
    payload = sf.payload_len;
}

bool ladder_worthy(Anomaly a) { return a != Anomaly::bad_checksum && a != Anomaly::truncated_payload; }

LadderRows::LadderRows(const Connection& c, bool every_segment) : c_(c), every_segment_(every_segment) { collect(); }

LadderRow& LadderRows::row_before_last(std::uint64_t frame) {
    auto it = std::lower_bound(rows_.begin(), rows_.end(), frame,
                               [](const LadderRow& r, std::uint64_t f) { return r.frame < f; });
    if (it == rows_.end() || it->frame != frame) {
        it = rows_.insert(it, LadderRow{});
        it->frame = frame;
    }
    return *it;
}

const LadderRow* LadderRows::find(std::uint64_t frame) const {
    auto it = std::lower_bound(rows_.begin(), rows_.end(), frame,
                               [](const LadderRow& r, std::uint64_t f) { return r.frame < f; });
    return it != rows_.end() && it->frame == frame ? &*it : nullptr;
}

void LadderRows::collect() {
    const std::span<const SegmentFacts> kept =
        every_segment_ ? std::span<const SegmentFacts>(c_.segments()) : std::span<const SegmentFacts>();
    rows_.reserve(kept.size() + 2 * c_.transitions().size());
    // --all-segments: every segment the core kept gets a line of its own.
    for (const SegmentFacts& sf : kept) row_at(sf.frame).take(sf);
    const std::span<const Transition> transitions = c_.transitions();
    for (std::uint32_t k = 0; k < transitions.size(); ++k) {
        const Transition& t = transitions[k];
        if (t.delivery == Delivery::timer) continue;
        if (t.delivery == Delivery::icmp_error) {
            // The ICMP error's own row (collect_anomalies) carries the state.
            LadderRow& at = row_at(t.frame);
            if (at.placed[static_cast<int>(t.endpoint)]++ == 0) at.first[static_cast<int>(t.endpoint)] = k;
            continue;
        }
        LadderRow& cause = row_at(t.cause_frame);
        // A segment the capture missed is not drawn: its row is the proof's,
        // drawn from the proof's anomaly event.
        if (cause_not_captured(c_, t)) {
            LadderRow& at = row_at(t.frame);
            if (at.placed[static_cast<int>(t.endpoint)]++ == 0) at.first[static_cast<int>(t.endpoint)] = k;
            continue;
        }
        cause.sender = cause_sender(t);
        cause.full = true;
        cause.flags = t.flags;
        cause.seq = t.seq;
        cause.ack = t.ack;
        cause.payload = payload_of(t);
        LadderRow& at = row_at(t.frame);  // `cause` is not used past here
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
}

// Rows for the segments that raised an anomaly, tagged with it.
void LadderRows::collect_anomalies() {
    for (const AnomalyEvent& ev : c_.anomaly_events()) {
        if (!ladder_worthy(ev.kind)) continue;
        LadderRow& r = row_at(ev.frame);
        if (ev.kind == Anomaly::icmp_error) {
            for (const IcmpFact& f : c_.icmp_errors())
                if (f.frame == ev.frame) r.icmp = &f;
            r.sender = other(ev.sender);
        } else if (!r.full) {
            r.sender = names_uncaptured(ev.kind) ? other(ev.sender) : ev.sender;
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

const Transition* LadderRows::placed(const LadderRow& r, Side side, std::size_t i) const {
    if (i >= r.placed[static_cast<int>(side)]) return nullptr;
    const auto& all = c_.transitions();
    for (std::size_t k = r.first[static_cast<int>(side)]; k < all.size(); ++k) {
        const Transition& t = all[k];
        if (t.delivery != Delivery::timer && t.frame == r.frame && t.endpoint == side && i-- == 0) return &t;
    }
    return nullptr;
}

bool LadderRows::gap_before(std::uint64_t prev, std::uint64_t frame) const {
    return prev == 0 ? frame > c_.first_frame() : frame > prev + 1;
}

HiddenSegments LadderRows::hidden() const {
    HiddenSegments h;
    const std::uint64_t total = c_.endpoint(Side::client).packets + c_.endpoint(Side::server).packets;
    h.segments = total > rows_.size() ? total - rows_.size() : 0;
    std::uint64_t shown_bytes = 0, prev = 0;
    bool bytes_known = true;
    for (const LadderRow& row : rows_) {
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

void append_row_label(fmt::memory_buffer& out, const Connection& c, const LadderRow& r, const NumberStyle& st) {
    if (r.icmp) {
        cat(out, r.icmp->version == 4 ? "ICMP " : "ICMPv6 ", r.icmp->type, "/", r.icmp->code, " from ",
            to_string(r.icmp->router));
    } else if (r.tags.size() == 1 && r.tags.front() == Anomaly::icmp_error) {
        append(out, "ICMP error");
    } else if (r.full) {
        append_segment_label(out, c, *r.sender, r.flags, r.seq, r.ack, r.payload, st);
    } else if (r.numbers) {
        // No flags kept for it: named by its anomaly instead.
        cat(out, "(", r.tags.empty() ? "?" : terms(r.tags.front()).tag, ") seq ", rel_seq(c, *r.sender, r.seq, st));
        if (r.ack.raw() != 0) cat(out, " ack ", rel_seq(c, other(*r.sender), r.ack, st));
    } else {
        append(out, "(segment not kept)");
    }
}

void append_late_note(fmt::memory_buffer& out, const Connection& c, const Transition& t) {
    const Crossing* x = c.crossing(t);
    const std::uint64_t proof_frame = x ? x->evidence.frame : 0;
    cat(out, side_name(t.endpoint), " ", state_name(t.from), " → ", state_name(t.to), " at packet ", t.frame,
        ": packet ", t.cause_frame, " (", segment_kind(t.flags, payload_of(t)), ") was still in flight; ");
    switch (t.delivery) {
        case Delivery::acknowledged: cat(out, "packet ", proof_frame, "'s ACK shows it arrived"); break;
        case Delivery::followed: cat(out, "packet ", proof_frame, ", sent after it, shows it arrived"); break;
        case Delivery::end_of_capture: append(out, "assumed delivered at the end of the capture"); break;
        case Delivery::silence: append(out, "nothing came back after it, so it arrived"); break;
        default: append(out, delivery_name(t.delivery)); break;
    }
}

void append_fold_words(fmt::memory_buffer& out, const HiddenSegments& h) {
    if (h.gaps == 1) {
        cat(out, "··· ", plural(h.segments, "more segment", "more segments"));
        if (h.bytes) cat(out, ", ", plural(h.bytes, "byte of data", "bytes of data"));
        append(out, " ···");
    } else {
        append(out, "···");
    }
}

void append_fold_summary(fmt::memory_buffer& out, const HiddenSegments& h) {
    if (h.segments == 0 || h.gaps <= 1) return;
    cat(out, "··· ", plural(h.segments, "segment", "segments"), " not drawn");
    if (h.bytes) cat(out, " (", plural(h.bytes, "byte", "bytes"), " of data)");
    append(out, ": they changed no state");
}

Timers timers(const Connection& c) {
    Timers tm;
    for (const Transition& t : c.transitions()) {
        if (t.delivery != Delivery::timer) continue;
        tm.side[static_cast<int>(t.endpoint)] = &t;
        tm.at = t.ts;
    }
    return tm;
}

}  // namespace tfe::analyzer
