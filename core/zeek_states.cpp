// Zeek's endpoint state machine (TCPSessionAdapter::UpdateStateMachine and
// its Update*State) and conn.log's conn_state from the two final states.
#include "core/zeek_view.hpp"

namespace tfe {

void ZeekView::update_states(End& e, End& p, const Segment& seg) {
    switch (e.state) {
        case ZeekState::inactive: inactive_state(e, p, seg); break;
        case ZeekState::syn_sent:
        case ZeekState::syn_ack_sent: syn_sent_state(e, seg.flags); break;
        case ZeekState::established:
        case ZeekState::partial: established_state(e, p, seg.flags); break;
        case ZeekState::closed: closed_state(e, p, seg.flags); break;
        case ZeekState::reset: break;
    }
}

void ZeekView::inactive_state(End& e, End& p, const Segment& seg) {
    const TcpFlags f = seg.flags;
    if (f.syn()) inactive_syn(e, p, seg);
    if (f.fin()) set_state(e, ZeekState::closed);
    if (f.rst()) set_state(e, ZeekState::reset);
    if (e.state != ZeekState::inactive) return;
    // No control flag moved it.
    const End& orig = end(orig_is_a_);
    if (!is_orig(e) && seg.payload_len == 0 && orig.state == ZeekState::syn_sent) {
        // an ACK of the SYN before the SYN+ACK: not yet a partial connection
    } else if (f.ack() && p.state == ZeekState::established) {
        set_state(e, ZeekState::established);  // the SYN was missed, the handshake seen
        partial_ = false;
        first_seen_ = static_cast<std::uint8_t>(first_seen_ | (is_orig(e) ? 1 : 2));
    } else {
        set_state(e, ZeekState::partial);
    }
}

void ZeekView::inactive_syn(End& e, End& p, const Segment& seg) {
    const TcpFlags f = seg.flags;
    if (is_orig(e)) {
        set_state(e, f.ack() ? ZeekState::syn_ack_sent : ZeekState::syn_sent);
        return;
    }
    if (!f.ack() && p.state == ZeekState::syn_ack_sent && seg.seq == e.start) {
        // The SYN+ACK was seen before its SYN: Zeek flips the roles.
        partial_ = false;
        orig_is_a_ = !orig_is_a_;
        first_seen_ = static_cast<std::uint8_t>(((first_seen_ & 1) << 1) | ((first_seen_ & 2) >> 1));
        history_ += '^';
        set_state(p, ZeekState::established);
        first_seen_ |= 1;
    }
    if (p.state == ZeekState::syn_sent) set_state(p, ZeekState::established);
    set_state(e, ZeekState::established);
}

void ZeekView::syn_sent_state(End& e, TcpFlags f) {
    if (f.fin()) set_state(e, ZeekState::closed);
    if (f.rst()) set_state(e, ZeekState::reset);
}

void ZeekView::established_state(End& e, End& p, TcpFlags f) {
    if (f.syn() && e.state == ZeekState::partial && p.state == ZeekState::inactive && !f.ack())
        set_state(e, ZeekState::syn_sent);
    if (f.fin() && !f.rst()) {
        set_state(e, ZeekState::closed);
        // The peer's FIN then RST: normal termination after all.
        if (p.state == ZeekState::reset && p.prev == ZeekState::closed) set_state(p, ZeekState::closed);
    }
    if (f.rst()) set_state(e, ZeekState::reset);
}

void ZeekView::closed_state(End& e, const End& p, TcpFlags f) {
    // A RST after a FIN exchange leaves the closed state as it is.
    if (f.rst() && p.state != ZeekState::closed) set_state(e, ZeekState::reset);
}

// TCP_Endpoint::Size(): the bytes its sequence numbers span.
std::uint64_t ZeekView::size(const End& e, const End& peer) {
    const bool no_data_acked = e.ack == e.start || e.ack == e.start + 1;
    if (e.prev == ZeekState::syn_sent && e.state == ZeekState::reset && peer.state == ZeekState::inactive &&
        !no_data_acked)
        return 0;
    std::uint64_t n = span(e.start, after(e.last, e.ack) ? e.last : e.ack);
    if (n > 0) --n;                  // the SYN
    if (e.fin_seen && n > 0) --n;    // the FIN
    return n;
}

// conn_state() of base/protocols/conn/main.zeek.
std::string_view ZeekView::conn_state() const {
    const End& o = end(orig_is_a_);
    const End& r = end(!orig_is_a_);
    using S = ZeekState;
    const S os = o.state, rs = r.state;
    const bool o_inactive = os == S::inactive || os == S::partial;
    const bool r_inactive = rs == S::inactive || rs == S::partial;
    if (rs == S::reset) {
        if (os == S::syn_sent || os == S::syn_ack_sent || (os == S::reset && size(o, r) == 0 && size(r, o) == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == S::reset) {
        if (!r_inactive) return "RSTO";
        // /\^?S[^HAFGIQ]*R.*/: a SYN, then the originator's RST, nothing between
        std::string_view h = history_;
        if (!h.empty() && h[0] == '^') h.remove_prefix(1);
        if (h.empty() || h[0] != 'S') return "OTH";
        const auto stop = h.find_first_of("HAFGIQR", 1);
        return stop != std::string_view::npos && h[stop] == 'R' ? "RSTOS0" : "OTH";
    }
    if (rs == S::closed && os == S::closed) return "SF";
    if (os == S::closed) return r_inactive ? "SH" : "S2";
    if (rs == S::closed) return o_inactive ? "SHR" : "S3";
    if (os == S::syn_sent && rs == S::inactive) return "S0";
    if (os == S::established && rs == S::established) return "S1";
    return "OTH";
}

}  // namespace tfe
