// Segments the capture missed whose arrival the peer's ACK proves.
//
// A one-sided capture (a span port or an asymmetric route that carries one
// direction) or loss at the capture point hides segments that moved a
// state. The receiver's acknowledgment still proves them: a listener in
// SYN_RECEIVED that acknowledges the client's data took the client's
// handshake ACK first (data is only accepted once synchronized), and an
// ACK one past everything the peer is known to have sent acknowledges its
// FIN. Such a segment is made from the proof and goes through the same
// pipeline, numbered with the proving frame and named by an anomaly event,
// so the states follow the packets instead of stopping at the last one
// captured. Missed data moves no state and needs no segment: the stream's
// missed bytes count it.
#include "core/connection.hpp"

#include <algorithm>

namespace tfe {

namespace {

// The peer's segment, as the proving segment's sender would receive it.
Segment made_from(const Segment& proof, SeqNum seq, SeqNum ack, std::uint8_t flags) {
    Segment g;
    g.frame = proof.frame;
    g.ts = proof.ts;
    g.src = proof.dst;
    g.dst = proof.src;
    g.sport = proof.dport;
    g.dport = proof.sport;
    g.seq = seq;
    g.ack = ack;
    g.flags = TcpFlags{flags};
    g.inferred = true;
    return g;
}

}  // namespace

void Connection::infer_uncaptured(const Segment& seg, Side sender) {
    if (!seg.flags.ack() || seg.flags.any(TcpFlags::SYN | TcpFlags::RST)) return;
    const Side peer = other(sender);
    const Endpoint& p = ep(peer);
    const Endpoint& s = ep(sender);
    if (!p.syn_sent && s.syn_sent && s.state == State::SYN_SENT) {
        infer_synack(seg, sender);
        return;
    }
    if (!p.isn_known || !s.syn_sent) return;
    // The peer's highest sequence end that is known: seen, or acknowledged before.
    SeqNum known = p.seq_known ? p.snd_nxt : p.isn + 1;
    if (s.ack_sent) known = max_seq(known, s.max_ack);
    if (!after(seg.ack, known)) return;
    if (p.state == State::SYN_SENT && s.state == State::SYN_RECEIVED && after(seg.ack, p.isn + 1)) {
        receive_inferred(made_from(seg, p.isn + 1, s.isn + 1, TcpFlags::ACK), peer);
        note(Anomaly::handshake_ack_not_captured, peer, seg);
    }
    if (!p.fin_sent && distance(known, seg.ack) == 1 &&
        (ep(peer).state == State::ESTABLISHED || ep(peer).state == State::CLOSE_WAIT)) {
        // A peer none of whose segments is captured (one direction only) is
        // taken to have received what the sender sent before: the usual
        // close, not a crossing the capture cannot show.
        const SeqNum peer_ack = p.packets == 0 ? s.snd_nxt : p.ack_sent ? p.max_ack : s.isn + 1;
        receive_inferred(made_from(seg, seg.ack - 1, peer_ack, TcpFlags::FIN | TcpFlags::ACK), peer);
        note(Anomaly::fin_not_captured, peer, seg);
    }
}

// A client in SYN_SENT acknowledges only a SYN+ACK it took (RFC 9293
// 3.10.7.3): its ACK proves the server's, from the server's ISN (the ACK
// less one), and the server, answering a SYN, was listening.
void Connection::infer_synack(const Segment& proof, Side client) {
    const Side server = other(client);
    if (ep(server).state != State::CLOSED || ep(server).packets != 0) return;
    start_in(server, Input::passive_open);
    receive_inferred(made_from(proof, proof.ack - 1, ep(client).isn + 1, TcpFlags::SYN | TcpFlags::ACK), server);
    note(Anomaly::synack_not_captured, server, proof);
}

// on_segment's steps for a segment that was not captured: no packet, byte
// or handshake counts, no capture-quality notes.
void Connection::receive_inferred(const Segment& made, Side sender) {
    const bool is_new = classify_in_stream(made, sender);
    record_sender_facts(made, sender, false);
    record_ack_facts(made, sender);
    confirm_or_contradict(made, sender, is_new);
    push_in_flight(made, sender, is_new);
    apply_sender_input(made, sender);
    receive_now_or_hold(made, sender, is_new);
}

// The captured copy of a segment an earlier ACK proved: the capture wrote it
// after the segment that answers it (a host stamping on several queues or
// CPUs). It takes the made segment's place (its frame, time and options),
// the "not captured" anomaly is withdrawn, and it moves no state again.
bool Connection::adopt_late_copy(const Segment& seg, Side sender) {
    const Anomaly proven = proven_by_earlier_ack(seg, sender);
    if (proven == Anomaly::count_) return false;
    Endpoint& e = ep(sender);
    HandshakeFacts& h = handshake_;
    if (proven == Anomaly::synack_not_captured) {
        h.synack_frame = seg.frame;
        h.synack_ts = seg.ts;
        h.synack_count = 1;
        h.synack_proven = false;
        e.syn_frame = seg.frame;
        e.syn_options = seg.options;
    } else if (proven == Anomaly::handshake_ack_not_captured) {
        h.ack_frame = seg.frame;
        h.ack_ts = seg.ts;
    } else {
        FinFacts& f = extras().fin[static_cast<int>(sender)];
        f.frame = seg.frame;  // its time stays the proof's: it was sent before that
        f.inferred = false;
    }
    const std::uint64_t proof = withdraw(proven, sender);
    note(Anomaly::captured_after_its_ack, sender, seg, static_cast<std::uint32_t>(proof));
    e.last = {seg.ts, seg.seq, seg.ack, seg.payload_len, seg.options.ts_val, seg.window, seg.ip_id,
              seg.flags, seg.direction, true, seg.ip_ttl};
    return true;
}

// Which made segment this captured one is, by sequence and acknowledgment
// numbers (not by order): Anomaly::count_ if none.
Anomaly Connection::proven_by_earlier_ack(const Segment& seg, Side sender) const {
    const Endpoint& e = ep(sender);
    // One that acknowledges more than its sender had is news: not a copy.
    if (seg.payload_len != 0 || seg.flags.rst() || !seg.flags.ack() || !e.ack_sent || after(seg.ack, e.max_ack))
        return Anomaly::count_;
    const Endpoint& p = ep(other(sender));
    const HandshakeFacts& h = handshake_;
    if (seg.flags.syn() && sender == Side::server && h.synack_proven && !h.synack_frame &&
        seg.seq == e.isn && p.isn_known && seg.ack == p.isn + 1)
        return Anomaly::synack_not_captured;
    if (!extras_) return Anomaly::count_;
    if (!seg.flags.any(TcpFlags::SYN | TcpFlags::FIN) && sender == Side::client && !h.ack_frame &&
        anomaly_count(Anomaly::handshake_ack_not_captured) && seg.seq == e.isn + 1 && seg.ack == p.isn + 1)
        return Anomaly::handshake_ack_not_captured;
    const FinFacts& f = extras_->fin[static_cast<int>(sender)];
    if (seg.flags.fin() && f.sent && f.inferred && seg.seq == f.seq) return Anomaly::fin_not_captured;
    return Anomaly::count_;
}

// Takes back one anomaly the sender was noted with; returns its frame.
std::uint64_t Connection::withdraw(Anomaly a, Side sender) {
    ConnectionExtras& x = extras();
    std::uint32_t& n = x.anomaly_counts[static_cast<int>(a)];
    if (n) n--;
    auto& evs = x.anomaly_events;
    const auto it = std::find_if(evs.begin(), evs.end(), [&](const AnomalyEvent& ev) {
        return ev.kind == a && ev.sender == sender;
    });
    if (it == evs.end()) return 0;
    const std::uint64_t frame = it->frame;
    evs.erase(it);
    return frame;
}

}  // namespace tfe
