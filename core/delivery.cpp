// Delivery: when a segment seen on the wire reaches its receiver.
//
// The capture is an observer standing between the endpoints. A segment seen
// on the wire was sent by one endpoint (its sender-side input applies at
// once) and will be received by the other. Receipt is the subtle part: a
// FIN seen first may still be in flight when the peer sends its own FIN
// (seed case 4, simultaneous close). So a segment whose delivery would
// change the receiver's state is held "in flight" until the receiver's own
// segments show it arrived (their ACK covers it), a later segment of the
// same sender pushes it (per-direction FIFO), or the connection ends. A
// receiver segment whose ACK does not cover it proves it had not arrived
// yet. Decisions come from sequence and acknowledgment numbers, never from
// the order frames happen to appear in.
#include "core/connection.hpp"

#include <algorithm>

namespace tfe {

InFlight Connection::in_flight_of(const Segment& seg) {
    InFlight f;
    f.active = true;
    f.frame = seg.frame;
    f.ts = seg.ts;
    f.seq = seg.seq;
    f.seq_len = seg.seq_len();
    f.end = seg.seq_end();
    f.ack = seg.ack;
    f.flags = seg.flags;
    return f;
}

// Step 1: does this segment show that something in flight *to its sender*
// has arrived (its ACK covers it) or not yet (it does not)?
void Connection::confirm_or_contradict(const Segment& seg, Side sender, bool is_new) {
    InFlight& f = in_flight_[static_cast<int>(sender)];
    if (!f.active) return;
    if (f.flags.rst()) {
        // It spoke after the RST: it answered with a challenge ACK instead
        // of resetting (or sent its own RST, which speaks for itself).
        if (!seg.flags.rst()) note(Anomaly::rst_challenged, other(sender), f, f.seq.raw());
        f.active = false;
        return;
    }
    if (f.seq_len > 0) {
        // A SYN-bearing reply to a held SYN+ACK was sent before that SYN+ACK
        // arrived (simultaneous open): both share one sequence number, so
        // the ACK alone cannot tell.
        const bool syn_crossing = f.flags.syn() && f.flags.ack() && seg.flags.syn();
        if (seg.flags.ack() && after_eq(seg.ack, f.end) && !syn_crossing) {
            deliver_pending(sender, f.crossed ? Delivery::acknowledged : Delivery::on_arrival, &seg);
        } else if (!f.crossed) {
            f.crossed = true;
            f.crossed_frame = seg.frame;
            f.crossed_ack = seg.ack;
            f.crossed_flags = seg.flags;
        }
        return;
    }
    // A held bare ACK of this endpoint's SYN or FIN: a retransmission of
    // that SYN or FIN proves the ACK never reached it.
    const Endpoint& e = ep(sender);
    const bool resent_control =
        (seg.flags.syn() && !is_new) ||
        (seg.flags.fin() && e.fin_sent && seg.seq + seg.payload_len == e.fin_seq && !is_new);
    if (resent_control) {
        // The lost segment is the peer's (the held ACK), not the retransmitter's.
        // Behind a handshake ACK, more segments acknowledging the SYN (the
        // client's data): the SYN sent again refuses them all. One lost ACK
        // is loss after the capture point; all of them is a listener that
        // drops them (a full accept queue, Linux tcp_abort_on_overflow=0).
        if (seg.flags.syn() && f.followers > 0 && acks_syn_only(sender, f))
            extras().ack_of_syn_refused[static_cast<int>(sender)] = seg.frame;
        else
            note(Anomaly::ack_lost_after_capture, other(sender), f, f.ack.raw());
        f.active = false;
    } else {
        deliver_pending(sender, Delivery::on_arrival, &seg);
    }
}

// Step 2: a new segment from the sender pushes its own earlier held segment
// ahead of it (segments of one direction arrive in order) — but only when
// it needs the slot itself. A later segment that changes nothing once the
// held one has arrived (a window update after a FIN) proves only the order,
// not when either arrived: the held one waits for the receiver's own
// segments, which may yet show it had not arrived.
void Connection::push_in_flight(const Segment& seg, Side sender, bool is_new) {
    const Side receiver = other(sender);
    InFlight& g = in_flight_[static_cast<int>(receiver)];
    if (!g.active || !is_new) return;
    // A handshake ACK arrives before the data behind it, but a listener
    // may drop both (a full accept queue): only the receiver's own segments
    // show that it took them.
    if (acks_syn_only(receiver, g) && acks_syn_only(receiver, in_flight_of(seg))) {
        if (g.followers < 255) ++g.followers;
        return;
    }
    if (covered_by_held(seg, receiver)) return;
    deliver_pending(receiver, g.crossed ? Delivery::followed : Delivery::on_arrival, &seg);
}

// Whether a segment to `receiver` carries nothing beyond what the segment
// held in flight to it will do: no SYN, FIN or RST, and every input it
// brings stays in the state the held one leads to.
bool Connection::covered_by_held(const Segment& seg, Side receiver) const {
    const InFlight& held = in_flight_[static_cast<int>(receiver)];
    if (!held.active || held.flags.rst()) return false;
    if (seg.flags.syn() || seg.flags.fin() || seg.flags.rst()) return false;
    Input inputs[2];
    const int n = receive_inputs(receiver, in_flight_of(seg), inputs);
    const State after = state_after_in_flight(receiver);
    for (int i = 0; i < n; ++i)
        if (transition(after, inputs[i]).outcome != Outcome::stay) return false;
    return true;
}

bool Connection::rst_acceptable(Side receiver, const InFlight& f) const {
    const Endpoint& r = ep(receiver);
    const Endpoint& s = ep(other(receiver));
    if (r.state == State::SYN_SENT) {
        // RFC 9293 3.10.7.3: in SYN-SENT an RST counts only if it
        // acknowledges the SYN.
        return f.flags.ack() && acknowledges_syn(r, f.ack);
    }
    // Where the receiver expects the next byte: what it acknowledged, or
    // else what the sender had sent before the RST.
    const SeqNum rcv_nxt = r.ack_sent ? r.max_ack : f.seq;
    if (!r.window_seen || !s.seq_known) return true;
    // RFC 7323 2.2: windows in SYNs are never scaled; otherwise the shift
    // applies only if both sides offered it. Without the SYNs the shift is
    // unknown: assume the largest (14) rather than refuse a genuine RST.
    std::uint32_t wnd = r.last_window;
    const bool options_known = r.syn_options_seen && s.syn_options_seen;
    if (!r.window_in_syn) {
        if (!options_known) wnd <<= 14;
        else if (r.syn_options.has_wscale && s.syn_options.has_wscale) wnd <<= r.syn_options.wscale;
    }
    return in_window(f.seq, rcv_nxt, std::max<std::uint32_t>(wnd, 1));
}

// Step 4: deliver to the receiver now, or hold it until proof arrives.
void Connection::receive_now_or_hold(const Segment& seg, Side sender, bool is_new) {
    if (seg.flags.rst()) return;
    const Side receiver = other(sender);
    InFlight& held = in_flight_[static_cast<int>(receiver)];
    const InFlight f = in_flight_of(seg);
    if (held.active) {
        // Still holding the earlier copy of this very segment (a
        // retransmission): keep the first, which carries the first arrival.
        // A later one the held segment covers adds nothing (step 2).
        if (!is_new || covered_by_held(seg, receiver)) return;
        if (acks_syn_only(receiver, held) && acks_syn_only(receiver, f)) return;  // counted by push_in_flight
        deliver_pending(receiver, held.crossed ? Delivery::followed : Delivery::on_arrival, &seg);
    }
    Input inputs[2];
    const int n = receive_inputs(receiver, f, inputs);
    bool moves = seg.flags.syn() || seg.flags.fin();
    for (int i = 0; i < n && !moves; ++i) moves = changes_state(ep(receiver).state, inputs[i]);
    if (moves) {
        held = f;
    } else {
        for (int i = 0; i < n; ++i)
            apply(receiver, inputs[i], f, Delivery::on_arrival, {seg.frame, seg.ts, nullptr});
    }
}

int Connection::receive_inputs(Side receiver, const InFlight& f, Input out[2]) const {
    const Endpoint& r = ep(receiver);
    if (f.flags.rst()) {
        out[0] = Input::rcv_rst;
        return 1;
    }
    if (f.flags.syn()) {
        if (!f.flags.ack()) {
            out[0] = Input::rcv_syn;
            return 1;
        }
        if (acknowledges_syn(r, f.ack)) {
            out[0] = Input::rcv_syn_ack;
            return 1;
        }
        return 0;  // a SYN+ACK for some other SYN: the ACK check fails
    }
    int n = 0;
    const bool acks_syn = f.flags.ack() && r.state == State::SYN_RECEIVED && r.syn_sent &&
                          after_eq(f.ack, r.isn + 1);
    const bool acks_fin = f.flags.ack() && r.fin_sent && after_eq(f.ack, r.fin_seq + 1);
    if (acks_syn) out[n++] = Input::rcv_ack_of_syn;
    if (f.flags.fin()) out[n++] = acks_fin ? Input::rcv_fin_acking_fin : Input::rcv_fin;
    else if (acks_fin) out[n++] = Input::rcv_ack_of_fin;
    return n;
}

bool Connection::acks_syn_only(Side receiver, const InFlight& f) const {
    if (f.flags.any(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST)) return false;
    Input inputs[2];
    return receive_inputs(receiver, f, inputs) == 1 && inputs[0] == Input::rcv_ack_of_syn;
}

// At the end: an ACK of the SYN held for a receiver that has already
// refused one (ack_of_syn_refused) is not assumed taken.
void Connection::deliver_pending_at_end(Side receiver, Delivery how) {
    const InFlight& f = in_flight_[static_cast<int>(receiver)];
    if (f.active && extras_ && extras_->ack_of_syn_refused[static_cast<int>(receiver)] != 0 &&
        acks_syn_only(receiver, f)) {
        in_flight_[static_cast<int>(receiver)].active = false;
        return;
    }
    deliver_pending(receiver, how, nullptr);
}

void Connection::deliver_pending(Side receiver, Delivery how, const Segment* proof) {
    InFlight& slot = in_flight_[static_cast<int>(receiver)];
    if (!slot.active) return;
    const InFlight f = slot;
    slot.active = false;
    deliver(receiver, f, how, proof);
}

void Connection::deliver(Side receiver, const InFlight& f, Delivery how, const Segment* proof) {
    // Not contradicted: it took effect when it was seen. Otherwise it took
    // effect no earlier than the frame that proved it (or the last frame).
    Placement at{f.frame, f.ts, proof};
    if (f.crossed) {
        at.frame = proof ? proof->frame : last_frame_;
        at.ts = proof ? proof->ts : last_ts_;
    }
    Input inputs[2];
    const int n = receive_inputs(receiver, f, inputs);
    for (int i = 0; i < n; ++i) apply(receiver, inputs[i], f, how, at);
}

State Connection::state_after_in_flight(Side receiver) const {
    State st = ep(receiver).state;
    const InFlight& f = in_flight_[static_cast<int>(receiver)];
    if (!f.active) return st;
    Input inputs[2];
    const int n = receive_inputs(receiver, f, inputs);
    for (int i = 0; i < n; ++i) {
        const Cell c = transition(st, inputs[i]);
        if (c.outcome == Outcome::move) st = c.next;
    }
    return st;
}

}  // namespace tfe
