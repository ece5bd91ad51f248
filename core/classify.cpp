// Classification, in order, before a segment can move a state: the same
// frame captured twice, capture quality (checksum, truncation), and the
// segment's place in its sender's stream (new, retransmitted, out of order,
// keep-alive, after a gap, late).
#include "core/connection.hpp"

#include <algorithm>

namespace tfe {

bool Connection::is_duplicate(const Segment& seg, const Endpoint& e) const {
    const auto& l = e.last;
    if (!l.valid || seg.ts - l.ts > config_->duplicate_window) return false;
    const bool same = l.seq == seg.seq && l.ack == seg.ack && l.flags == seg.flags &&
                      l.payload_len == seg.payload_len && l.window == seg.window &&
                      l.ip_id == seg.ip_id && l.ts_val == seg.options.ts_val;
    if (!same) return false;
    // Linux cooked captures say which copy went out and which came in; a
    // real retransmission is sent (outgoing) both times.
    if (l.direction != PacketDirection::unknown && seg.direction != PacketDirection::unknown)
        return l.direction != seg.direction;
    return true;
}

// What a single segment shows about the capture itself.
void Connection::note_capture_quality(const Segment& seg, Side sender) {
    if (seg.checksum_checked && !seg.checksum_ok) note(Anomaly::bad_checksum, sender, seg);
    if (seg.captured_len < seg.payload_len) note(Anomaly::truncated_payload, sender, seg, seg.payload_len - seg.captured_len);
    if (seg.flags.oddity()) note(Anomaly::odd_flags, sender, seg, seg.flags.bits);
}

namespace {

// Wireshark's keep-alive: at most one byte, one before the next sequence
// number (a SYN or an RST is never one; classify_in_stream sorts those first).
bool keep_alive_shape(const Segment& seg, const Endpoint& e) {
    return !seg.flags.fin() && seg.payload_len <= 1 && distance(e.snd_nxt, seg.seq) == -1;
}

}  // namespace

std::uint32_t Connection::scaled_window(const Endpoint& e, std::uint16_t window, bool in_syn) const {
    const Endpoint& peer = &e == &ep_[0] ? ep_[1] : ep_[0];
    // RFC 7323 2.2: a SYN's window is never scaled; scaling holds when both offered it.
    const bool scaled = !in_syn && e.syn_options.has_wscale && peer.syn_options.has_wscale;
    return scaled ? std::uint32_t{window} << e.syn_options.wscale : window;
}

// Wireshark's analysis of the window and the ACK (packet-tcp.c's order),
// beside our own: each names what a segment without news says. Wireshark
// stops at a zero-window probe and at a keep-alive.
bool Connection::note_window_analysis(const Segment& seg, Side sender) {
    const Endpoint& e = ep(sender);
    const Endpoint& r = ep(other(sender));
    if (seg.flags.any(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) || seg.inferred || !e.seq_known) return false;
    const std::uint32_t len = seg.payload_len;
    if (len == 1 && seg.seq == e.snd_nxt && r.last.valid && r.last.window == 0) {
        note(Anomaly::zero_window_probe, sender, seg);
        return false;
    }
    if (keep_alive_shape(seg, e)) return true;  // noted by classify_in_stream
    if (!e.last.valid) return false;
    const std::uint32_t window = scaled_window(e, seg.window, false);
    const std::uint32_t last_window = scaled_window(e, e.last.window, e.last.flags.syn());
    const bool same_numbers = len == 0 && seg.seq == e.snd_nxt && seg.flags.ack() && e.last.flags.ack() &&
                              seg.ack == e.last.ack;
    if (same_numbers && window != 0 && window != last_window) note(Anomaly::window_update, sender, seg, window);
    const bool scale_known = e.syn_options_seen && r.syn_options_seen;
    if (len > 0 && scale_known && r.last.valid && r.last.flags.ack() &&
        seg.seq + len == r.last.ack + scaled_window(r, r.last.window, r.last.flags.syn()))
        note(Anomaly::window_full, sender, seg);
    if (same_numbers && window != 0 && window == last_window)
        note(r.last.keep_alive ? Anomaly::keep_alive_ack : Anomaly::duplicate_ack, sender, seg);
    return false;
}

// Places the segment in its sender's stream (Wireshark's order: keep-alive
// before retransmission) and says whether it is new: not a retransmission,
// keep-alive or late copy, i.e. it may push earlier segments ahead of it.
bool Connection::classify_in_stream(const Segment& seg, Side sender) {
    Endpoint& e = ep(sender);
    if (seg.flags.rst()) {
        // An RST occupies no sequence space and may be stale or forged: it
        // neither starts nor advances the stream (its window check is
        // rst_acceptable's job).
        return true;
    }
    if (!e.seq_known || (seg.flags.syn() && !e.isn_known)) {
        e.seq_known = true;
        if (seg.flags.syn()) {
            e.isn = seg.seq;
            e.isn_known = true;
        } else if (!e.isn_known && !e.isn_inferred) {
            // No SYN: count from the first byte seen, as Wireshark does.
            e.isn = seg.seq - 1;
            e.isn_inferred = true;
        }
        e.snd_nxt = seg.seq_end();
        return true;
    }
    bool is_new = true;
    const std::uint32_t len = seg.seq_len();
    const std::int32_t gap = distance(e.snd_nxt, seg.seq);  // > 0: bytes missing
    if (seg.flags.syn()) {
        const bool same_isn = e.isn_known && seg.seq == e.isn;
        // Still in SYN_SENT, its pure SYN is the same attempt, whatever it
        // sent in between (a RST answering an ACK from TIME_WAIT).
        const bool same_kind = (e.last.valid && e.last.flags.syn() && e.last.flags.ack() == seg.flags.ack()) ||
                               (!seg.flags.ack() && e.state == State::SYN_SENT);
        if (same_isn && same_kind) {
            // After an RST refused it, the same SYN is a new try, not a
            // copy of one that was lost.
            if (sender == Side::client && !seg.flags.ack() && handshake_.refused && e.state == State::CLOSED)
                note(Anomaly::syn_after_refusal, sender, seg, static_cast<std::uint32_t>(handshake_.last_refused_frame));
            else
                note(seg.flags.ack() ? Anomaly::synack_retransmission : Anomaly::syn_retransmission, sender, seg);
            is_new = false;
        }
    } else if (keep_alive_shape(seg, e)) {
        note(Anomaly::keep_alive, sender, seg);
        is_new = false;
    } else if (len > 0 && gap > 0) {
        // A segment made from an ACK was not captured itself: the gap is not news.
        if (!seg.inferred) note(Anomaly::previous_segment_not_captured, sender, seg, static_cast<std::uint32_t>(gap));
        e.bytes_skipped += static_cast<std::uint32_t>(gap);
        e.hole_start = e.snd_nxt;
        e.hole_end = seg.seq;
        e.has_hole = true;
    } else if (len > 0 && gap < 0) {
        is_new = false;
        note_late_segment(seg, sender);
    }
    e.snd_nxt = max_seq(e.snd_nxt, seg.seq_end());
    return is_new;
}

// A segment at or below the stream's highest sequence number: it fills the
// gap we saw (out of order), repeats the FIN, or repeats data.
void Connection::note_late_segment(const Segment& seg, Side sender) {
    Endpoint& e = ep(sender);
    const std::uint32_t hole_len = span(e.hole_start, e.hole_end);
    if (e.has_hole && in_window(seg.seq, e.hole_start, hole_len)) {
        note(Anomaly::out_of_order, sender, seg);
        const std::uint32_t filled = span(seg.seq, before(seg.seq_end(), e.hole_end) ? seg.seq_end() : e.hole_end);
        e.bytes_skipped -= std::min<std::uint64_t>(e.bytes_skipped, filled);
        if (!before(seg.seq_end(), e.hole_end)) e.has_hole = false;
        else e.hole_start = seg.seq_end();
    } else if (seg.flags.fin() && e.fin_sent && seg.seq + seg.payload_len == e.fin_seq) {
        note(Anomaly::fin_retransmission, sender, seg);
    } else {
        note(Anomaly::retransmission, sender, seg);
    }
}

}  // namespace tfe
