#include "analyzer/summary.hpp"

#include "analyzer/failure.hpp"

namespace tfe::analyzer {

std::string_view initiator_name(Initiator i) {
    switch (i) {
        case Initiator::client: return "client";
        case Initiator::server: return "server";
        case Initiator::both: return "both";
        case Initiator::none: return "null";
    }
    return "?";
}

namespace {

Initiator of(Side s) { return s == Side::client ? Initiator::client : Initiator::server; }

HandshakeKind handshake_kind(const Connection& c) {
    const HandshakeFacts& h = c.handshake();
    if (h.refused) return HandshakeKind::refused;
    if (h.simultaneous_open) return HandshakeKind::simultaneous_open;
    if (h.syn_frame == 0 && h.synack_frame == 0) return HandshakeKind::not_seen;
    if (h.synack_frame == 0 && !h.synack_proven) {
        // Only SYNs: unanswered, unless the server spoke some other way
        // (a SYN+ACK the capture missed).
        return c.endpoint(Side::server).packets == 0 ? HandshakeKind::unanswered
                                                     : HandshakeKind::incomplete;
    }
    // "three-way" only when all three segments are in the capture; an ACK
    // the server's acknowledgment of the client's data proves, or a SYN+ACK
    // the client's ACK proves, is partly seen.
    const bool ack_proven = c.anomaly_count(Anomaly::handshake_ack_not_captured) > 0;
    if (h.ack_frame == 0 && !ack_proven) return HandshakeKind::incomplete;
    return h.syn_frame != 0 && h.synack_frame != 0 && h.ack_frame != 0 ? HandshakeKind::three_way : HandshakeKind::partly_seen;
}

// The close, from who acknowledged which FIN first (see the JSON schema in
// docs/json-schema.md for the definitions).
CloseKind close_kind(const Connection& c, HandshakeKind hs, Initiator& initiator, Initiator& first_fin) {
    const FinFacts& fc = c.fin(Side::client);
    const FinFacts& fs = c.fin(Side::server);
    const ResetFacts& rst = c.reset();
    initiator = Initiator::none;
    first_fin = Initiator::none;
    if (fc.sent || fs.sent) {
        first_fin = (fc.sent && (!fs.sent || fc.frame <= fs.frame)) ? Initiator::client : Initiator::server;
    }
    if (hs == HandshakeKind::unanswered || hs == HandshakeKind::refused) return CloseKind::none;
    if (met_only_time_wait(c)) return CloseKind::none;

    const bool both_fins = fc.sent && fs.sent;
    const std::uint64_t second_fin_frame = both_fins ? std::max(fc.frame, fs.frame) : 0;
    if (rst.seen && (!both_fins || rst.frame < second_fin_frame)) {
        // Who closed first: the first FIN or RST sent (a FIN, then the
        // peer's RST, was begun by the FIN's sender).
        const FinFacts* first = first_fin == Initiator::client ? &fc : first_fin == Initiator::server ? &fs : nullptr;
        const bool fin_first = first && first->frame < rst.frame;
        initiator = fin_first ? first_fin : of(rst.sender);
        return CloseKind::reset;
    }
    if (!fc.sent && !fs.sent) return CloseKind::open;
    if (!both_fins) {
        initiator = first_fin;
        return CloseKind::half_closed;
    }
    if (!fc.acked_peer_fin && !fs.acked_peer_fin) {
        // Each side's FIN was sent before it acknowledged the other's.
        initiator = Initiator::both;
        return CloseKind::simultaneous;
    }
    initiator = first_fin;
    const FinFacts& first = first_fin == Initiator::client ? fc : fs;
    return first.acked_by_fin ? CloseKind::three_way : CloseKind::four_way;
}

}  // namespace

Summary summarize(const Connection& c) {
    Summary s;
    s.handshake = handshake_kind(c);
    s.close = close_kind(c, s.handshake, s.initiator, s.first_fin);
    const HandshakeFacts& h = c.handshake();
    // A SYN tried again after a refusal is a new attempt, not a copy.
    const std::uint32_t retries = c.anomaly_count(Anomaly::syn_after_refusal);
    s.syn_retransmissions = h.syn_count > 1 + retries ? h.syn_count - 1 - retries : 0;
    s.synack_retransmissions = h.synack_count > 1 ? h.synack_count - 1 : 0;
    // Stamps out of order (the SYN+ACK after its ACK) measure nothing.
    const bool stamps_in_order = !h.ack_frame || h.ack_ts >= h.synack_ts;
    if (h.syn_frame && h.synack_frame && h.synack_ts >= h.syn_ts && stamps_in_order)
        s.syn_to_synack = h.synack_ts - h.syn_ts;
    if (h.synack_frame && h.ack_frame && h.ack_ts >= h.synack_ts) s.synack_to_ack = h.ack_ts - h.synack_ts;
    if (h.syn_frame && h.ack_frame && h.ack_ts >= h.last_syn_ts)
        s.initial_rtt = h.ack_ts - h.last_syn_ts;
    return s;
}

}  // namespace tfe::analyzer
