#include "analyzer/text/narrator.hpp"

#include "analyzer/reset_reason.hpp"
#include "analyzer/stream_bytes.hpp"

#include "analyzer/text/layout.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer::text {

void Narrator::roles(Buf& out) const {
    const std::uint16_t sp = c.addr(Side::server).port, cp = c.addr(Side::client).port;
    append(out, "roles inferred: no SYN seen — server is ");
    if ((sp < 1024) != (cp < 1024)) cat(out, "the side on port ", sp, " (well-known port)");
    else if (sp != cp) cat(out, "the side on the lower port, ", sp, " (ephemeral ports are allocated high)");
    else append(out, "the destination of the first packet");
}

void Narrator::options(Buf& out) const {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    const auto offered = [&](const TcpOptions& op) {
        List items(out);
        if (op.has_mss) cat(items.next(), "MSS ", op.mss);
        if (op.has_wscale) cat(items.next(), "wscale ", op.wscale);
        if (op.sack_permitted) append(items.next(), "SACK");
        if (op.has_timestamps) append(items.next(), "timestamps");
        if (op.has_fast_open) append(items.next(), op.fast_open_cookie_len ? "Fast Open cookie" : "Fast Open cookie request");
        if (items.empty()) append(out, "no options");
    };
    const auto none = [](const Endpoint& e) {
        const TcpOptions& op = e.syn_options;
        return !e.syn_options_seen || !(op.has_mss || op.has_wscale || op.sack_permitted || op.has_timestamps || op.has_fast_open);
    };
    if (!cl.syn_options_seen && !sv.syn_options_seen) return;
    if (none(cl) && none(sv)) {
        append(out, " No TCP options in the SYNs (no window scaling, no SACK, no timestamps).");
        return;
    }
    append(out, " Options offered:");
    if (cl.syn_options_seen) {
        append(out, " client ");
        offered(cl.syn_options);
    }
    if (cl.syn_options_seen && sv.syn_options_seen) append(out, ";");
    if (sv.syn_options_seen) {
        append(out, " server ");
        offered(sv.syn_options);
    }
    append(out, ".");
    if (cl.syn_options_seen && sv.syn_options_seen) {
        const TcpOptions& a = cl.syn_options;
        const TcpOptions& b = sv.syn_options;
        List on(out, ", ", " Negotiated: ");
        if (a.has_wscale && b.has_wscale)
            cat(on.next(), "window scaling (client windows ×", 1u << a.wscale, ", server windows ×", 1u << b.wscale,
                ")");
        else if (a.has_wscale || b.has_wscale)
            cat(on.next(), "no window scaling (only the ", a.has_wscale ? "client" : "server", " offered it)");
        if (a.sack_permitted && b.sack_permitted) append(on.next(), "SACK");
        if (a.has_timestamps && b.has_timestamps) append(on.next(), "timestamps");
        if (a.has_mss && b.has_mss)
            cat(on.next(), "segments of at most ", a.mss, " bytes to the client and ", b.mss, " to the server");
        if (!on.empty()) append(out, ".");
    }
    const HandshakeFacts& h = c.handshake();
    if (h.syn_data) cat(out, " The SYN carried ", h.syn_payload, " bytes of data (TCP Fast Open).");
}

void Narrator::timing(Buf& out) const {
    if (!s.syn_to_synack && !s.synack_to_ack) return;
    append(out, " Handshake timing at the capture point:");
    if (s.syn_to_synack)
        cat(out, " SYN → SYN+ACK ", Duration{s.syn_to_synack}, " (the server's side of the path, and the server)");
    if (s.syn_to_synack && s.synack_to_ack) append(out, ",");
    if (s.synack_to_ack) cat(out, " SYN+ACK → ACK ", Duration{s.synack_to_ack}, " (the client's side)");
    if (s.syn_to_synack && s.synack_to_ack)
        cat(out, "; the handshake round trip seen from here is ", Duration{s.syn_to_synack + s.synack_to_ack});
    append(out, ".");
}

void Narrator::retransmitted(Buf& out, std::uint32_t n, std::string_view what) const {
    if (n) cat(out, ", after ", n, " ", what, " ", n == 1 ? "retransmission" : "retransmissions", " (sent ", n + 1,
        " times)");
}

void Narrator::opening_three_way(Buf& out) const {
    const HandshakeFacts& h = c.handshake();
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    append(out, "Three-way handshake: ");
    if (h.syn_frame) {
        cat(out, "the client sent SYN (packet ", h.syn_frame, ", ISN ", cl.isn.raw(), ")");
        retransmitted(out, s.syn_retransmissions, "SYN");
        append(out, "; ");
    } else {
        cat(out, "the client's SYN was not captured (the client is assumed to have been in ", state_name(cl.initial_state), "); ");
    }
    if (h.synack_frame) {
        cat(out, "the server answered SYN+ACK (packet ", h.synack_frame, ", ISN ", sv.isn.raw(), ", ack ",
            (cl.isn + 1).raw(), " = client ISN + 1)");
        retransmitted(out, s.synack_retransmissions, "SYN+ACK");
        if (const AnomalyEvent* late = late_copy_event(c, Side::server, h.synack_frame))
            cat(out, ", captured after the client's ACK of it (packet ", late->value,
                "): the capture's order is not the wire's");
        append(out, "; ");
    } else if (const AnomalyEvent* ev = uncaptured_event(c, Anomaly::synack_not_captured, Side::server)) {
        cat(out, "the server's SYN+ACK was not captured, but the client's ACK of it (packet ", ev->frame, ", ack ",
            sv.isn.raw() + 1u, ") proves it was sent and arrived: the server's ISN is ", sv.isn.raw(), "; ");
    }
    if (h.ack_frame) {
        cat(out, "the client's ACK (packet ", h.ack_frame, ") completed it. ");
    } else if (const AnomalyEvent* ev = uncaptured_event(c, Anomaly::handshake_ack_not_captured, Side::client)) {
        cat(out, "the client's ACK was not captured, but the server's ACK of the client's data (packet ", ev->frame,
            ", ack ", rel_seq(c, Side::client, ev->ack, o.numbers), ") proves it was sent and arrived: it completed "
            "the handshake. ");
    }
    if (first_time(&TextbookNotes::three_segments))
        append(out, "Three segments, so that an old delayed SYN cannot open a connection the client never asked for.");
}

void Narrator::opening_incomplete(Buf& out) const {
    const HandshakeFacts& h = c.handshake();
    const Endpoint& sv = c.endpoint(Side::server);
    if (!h.syn_frame && h.synack_frame)
        cat(out, "The capture starts at the server's SYN+ACK (packet ", h.synack_frame,
            "): the client's SYN was not captured, so the client is assumed to have been in ",
            state_name(c.endpoint(Side::client).initial_state), "; no ACK completed the handshake in the capture.");
    else if (h.synack_frame)
        cat(out, "Incomplete handshake: SYN (packet ", h.syn_frame, "), SYN+ACK (packet ", h.synack_frame,
            "), but no ACK from the client in the capture.");
    else if (const TimeWaitCollision& tw = c.time_wait_collision(); tw.acks)
        cat(out, "Incomplete handshake: the client's SYN (packet ", h.syn_frame,
            ") was answered by an ACK of the previous connection from the server's TIME_WAIT (packet ",
            tw.first_ack_frame, "), never by SYN+ACK (see why below).");
    else
        cat(out, "Incomplete handshake: the client's SYN (packet ", h.syn_frame,
            ") was seen, the server's SYN+ACK was not, yet the server sent ",
            plural(sv.packets, "packet", "packets"), ".");
}

void Narrator::opening_unanswered(Buf& out) const {
    const HandshakeFacts& h = c.handshake();
    cat(out, "Unanswered: ", plural(h.syn_count, "SYN", "SYNs"), ", no answer (");
    // The last SYN's time is its retransmission's event, when it was kept.
    const AnomalyEvent* last = nullptr;
    for (const AnomalyEvent& ev : c.anomaly_events())
        if (ev.kind == Anomaly::syn_retransmission) last = &ev;
    if (h.syn_count == 1) cat(out, "packet ", h.syn_frame, ", ", Utc{h.syn_ts}, " UTC");
    else cat(out, "first at packet ", h.syn_frame, ", ", Utc{h.syn_ts}, " UTC");
    if (h.syn_count > 1 && last && c.anomaly_count(Anomaly::syn_retransmission) + 1 == h.syn_count)
        cat(out, "; the last one, packet ", last->frame, ", ", Duration{last->ts - h.syn_ts}, " later");
    append(out, "). The server never replied in this capture: it may be down, a firewall may drop the SYN, or "
                "the capture misses the other direction.");
    const ResetFacts& r = c.reset();
    if (r.seen && r.sender == Side::client)
        cat(out, " The client then gave up and sent RST itself (packet ", r.frame,
            "): it aborted its own attempt; nobody refused it.");
}

// A stack that retries a refused SYN sends it again after each RST: each
// try is told as refused, not as one SYN retransmitted and then refused.
void Narrator::opening_refused(Buf& out) const {
    const HandshakeFacts& h = c.handshake();
    const std::uint32_t retries = c.anomaly_count(Anomaly::syn_after_refusal);
    if (h.refusals > 1) cat(out, "Refused ", h.refusals, " times: the server answered the SYN (packet ", h.syn_frame);
    else cat(out, "Refused: the server answered the SYN (packet ", h.syn_frame);
    retransmitted(out, s.syn_retransmissions, "SYN");
    cat(out, ") with RST (packet ", h.refused_frame, ")");
    if (retries > 0) {
        append(out, "; the client sent the same SYN (same ISN) again after ");
        if (retries == 1) append(out, "the refusal (packet ");
        else cat(out, "each refusal, ", plural(retries, "time", "times"), " (packets ");
        const char* sep = "";
        for (const AnomalyEvent& ev : c.anomaly_events())
            if (ev.kind == Anomaly::syn_after_refusal) { cat(out, sep, ev.frame); sep = ", "; }
        append(out, ")");
        if (h.refusals > retries)
            cat(out, retries == 1 ? ", and it was refused in turn, the RST at packet "
                                  : ", and each was refused in turn, the last RST at packet ",
                h.last_refused_frame, ", ", Duration{h.last_refused_ts - h.syn_ts}, " after the first SYN");
        else append(out, "; the last try got no answer in the capture");
        append(out, ". Some stacks (Windows among them) retry a refused connect() before reporting it; Linux "
                    "reports the first RST");
    }
    cat(out, retries > 0 ? ". Nothing" : ": nothing", " listens on port ", c.addr(Side::server).port,
        " (or a firewall rejects the connection). The client's connect() fails with \"connection refused\"",
        retries > 0 && h.refusals > retries ? " after the last refusal." : ".");
}

// A handshake that opened after its first SYN met the previous
// connection's TIME_WAIT, and a client RST ended it.
void Narrator::opening_after_time_wait(Buf& out) const {
    const TimeWaitCollision& tw = c.time_wait_collision();
    if (!tw.acks || !tw.released_frame) return;
    cat(out, " Its first SYN met the previous connection on these ports (packets ", tw.previous_first_frame, "–",
        tw.previous_last_frame, "), which the server still held in TIME_WAIT: the server answered with an ACK of "
        "that connection (packet ", tw.first_ack_frame, "), the client, in SYN_SENT, with RST (packet ",
        tw.first_reset_frame, "; RFC 9293 3.10.7.3), and ");
    if (tw.released_frame == tw.first_reset_frame) append(out, "that RST");
    else cat(out, "its RST of packet ", tw.released_frame);
    append(out, " ended TIME_WAIT (RFC 9293 3.10.7.4; Linux's default, net.ipv4.tcp_rfc1337=0), so the SYN sent "
                "again found the listener.");
}

void Narrator::opening(Buf& out) const {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    switch (s.handshake) {
        case HandshakeKind::three_way:
        case HandshakeKind::partly_seen:
            opening_three_way(out);
            opening_after_time_wait(out);
            break;
        case HandshakeKind::simultaneous_open:
            cat(out, "Simultaneous open: both sides sent SYN (client packet ", cl.syn_frame, ", server packet ",
                sv.syn_frame, ") before either saw the other's, so each answered the other's SYN and went "
                "SYN_SENT → SYN_RECEIVED → ESTABLISHED (RFC 9293 figure 7).");
            break;
        case HandshakeKind::refused: opening_refused(out); break;
        case HandshakeKind::unanswered: opening_unanswered(out); break;
        case HandshakeKind::incomplete: opening_incomplete(out); break;
        case HandshakeKind::not_seen:
            cat(out, "The capture starts mid-connection (packet ", c.first_frame(),
                "): no SYN, so both sides were assumed ");
            if (cl.initial_state == sv.initial_state)
                append(out, state_name(cl.initial_state));
            else
                cat(out, "client ", state_name(cl.initial_state), ", server ", state_name(sv.initial_state));
            append(out,
                   " and their ISNs "
                   "are unknown; relative numbers count from the first byte seen of each side (that byte is 1).");
            break;
    }
    const bool three_way = s.handshake == HandshakeKind::three_way || s.handshake == HandshakeKind::partly_seen;
    if (three_way || s.handshake == HandshakeKind::simultaneous_open) {
        options(out);
        if (three_way) timing(out);
        if (!o.numbers.absolute && first_time(&TextbookNotes::relative_numbers))
            append(out,
                   " Sequence numbers below are relative to each side's ISN (the SYN is seq 0, the first data byte "
                   "seq 1), as Wireshark shows them.");
    }
}

void Narrator::data(Buf& out) const {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    if (cl.payload_bytes == 0 && sv.payload_bytes == 0) {
        const bool proven = stream_bytes(c, Side::client).sent > 0 || stream_bytes(c, Side::server).sent > 0;
        append(out, proven ? "No data was captured in either direction." : "No data in either direction.");
    } else {
        cat(out, "The client sent ", plural(cl.payload_bytes, "byte", "bytes"), " and the server ",
            plural(sv.payload_bytes, "byte", "bytes"));
        const std::uint32_t resent = c.anomaly_count(Anomaly::retransmission) + c.anomaly_count(Anomaly::duplicate_frame);
        if (resent) append(out, " (counting retransmitted and duplicated segments)");
        append(out, ".");
    }
    uncaptured_data(out, Side::client);
    uncaptured_data(out, Side::server);
}

// "The server's sequence numbers prove it sent 2,902 bytes, none of them
// captured.": what a late start, a one-sided tap or loss hid.
void Narrator::uncaptured_data(Buf& out, Side side) const {
    const StreamBytes stream = stream_bytes(c, side);
    if (stream.not_captured == 0) return;
    cat(out, side == Side::client ? " The client's" : " The server's", " sequence numbers prove it sent ",
        plural(stream.sent, "byte", "bytes"));
    if (stream.not_captured == stream.sent) append(out, stream.sent == 1 ? ", not captured." : ", none of them captured.");
    else cat(out, ", ", stream.not_captured, " of them not captured.");
}

void Narrator::state_path(Buf& out, Side side) const {
    append(out, state_name(c.endpoint(side).initial_state));
    for (const Transition& t : c.transitions())
        if (t.endpoint == side && t.delivery != Delivery::timer) {
            append(out, " → ");
            append(out, state_name(t.to));
        }
}

// Why a side that moved ends CLOSED, from its last transition.
void Narrator::closed_note(Buf& out, const Transition* last) const {
    if (!last) append(out, " It shows no state change in the capture.");
    else if (last->input == Input::rcv_rst && last->from == State::SYN_SENT && c.handshake().refusals > 1)
        cat(out, " Its connection attempts were refused, ", plural(c.handshake().refusals, "time", "times"), ".");
    else if (last->input == Input::rcv_rst && last->from == State::SYN_SENT)
        append(out, " Its connection attempt was refused.");
    else if (last->input == Input::rcv_icmp_error)
        cat(out, " The ICMP error of packet ", last->cause_frame,
            " ended its connection attempt: it sent nothing after it.");
    else if (last->input == Input::snd_rst && last->from == State::SYN_SENT)
        append(out, " It aborted its own connection attempt: it sent the RST.");
    else if (last->input == Input::rcv_rst || last->input == Input::snd_rst)
        append(out, " The connection was reset.");
    else if (last->from == State::LAST_ACK)
        cat(out, " It closed second (passive close): the ACK of its FIN (packet ", last->cause_frame,
            ") closed it fully, with no TIME_WAIT on this side.");
}

void Narrator::time_wait_note(Buf& out, Side side) const {
    const Transition* tw = find_last(c, [&](const Transition& t) {
        return t.endpoint == side && t.to == State::TIME_WAIT && t.delivery != Delivery::timer;
    });
    if (const TimeWaitCollision& held = c.time_wait_collision(); held.seen && held.holder == side && !tw)
        cat(out, " It is the TIME_WAIT of the previous connection on these ports (packets ", held.previous_first_frame,
            "–", held.previous_last_frame,
            "): the 4-tuple was still taken, so it answered this connection's SYNs with ACKs of that one.");
    cat(out, " It waits 2*MSL = ", Duration{2 * o.msl}, " (MSL ", Duration{o.msl}, ")");
    if (first_time(&TextbookNotes::time_wait_reason))
        append(out, " so that, if its last ACK was lost, it can answer the peer's retransmitted FIN; the "
                    "4-tuple stays taken meanwhile");
    out.push_back('.');
    if (const Transition* timer = find_first(c, [&](const Transition& t) {
            return t.endpoint == side && t.delivery == Delivery::timer;
        }))
        cat(out, " That time passed within the capture: CLOSED at ", Utc{timer->ts}, " UTC.");
    else if (tw)
        cat(out, " It entered TIME_WAIT at packet ", tw->frame, ", so it waits until ", Utc{tw->ts + 2 * o.msl},
            " UTC in capture time.");
}

void Narrator::final_state(Buf& out, Side side) const {
    const State st = c.final_state(side);
    const Endpoint& e = c.endpoint(side);
    cat(out, "The ", who(side), " ends in ", state_name(st), " (");
    state_path(out, side);
    append(out, ").");
    const Transition* last = find_last(c, [&](const Transition& t) { return t.endpoint == side && t.delivery != Delivery::timer; });
    switch (st) {
        case State::TIME_WAIT: time_wait_note(out, side); break;
        case State::CLOSE_WAIT:
            append(out,
                   " It received the peer's FIN but never sent its own: its application has not called close(). A "
                   "socket stuck in CLOSE_WAIT is an application that does not close, not a network problem.");
            break;
        case State::FIN_WAIT_1: append(out, " Its FIN was not acknowledged in the capture."); break;
        case State::FIN_WAIT_2:
            append(out,
                   " Its FIN was acknowledged; it waits for the peer's FIN (Linux gives an orphaned FIN_WAIT_2 socket "
                   "tcp_fin_timeout, 60 s by default).");
            break;
        case State::LAST_ACK: append(out, " It sent its FIN after the peer's; the ACK of it was not seen."); break;
        case State::CLOSING: append(out, " The FINs crossed; the ACK of its own FIN was not seen."); break;
        case State::ESTABLISHED: append(out, " The connection was still open for it."); break;
        case State::SYN_SENT:
            if (c.time_wait_collision().acks)
                append(out, " Its SYNs were answered only by ACKs from the server's TIME_WAIT, never with SYN+ACK.");
            else
                append(out, " Its SYN was never answered.");
            break;
        case State::SYN_RECEIVED:
            if (const std::uint64_t again = c.ack_of_syn_refused(side))
                cat(out, " It answered the SYN, but sent its SYN+ACK again at packet ", again,
                    " after the peer's ACK and the segments behind it: it took none of them, as a listener whose "
                    "accept queue is full drops them.");
            else
                append(out, " It answered the SYN; the handshake's final ACK was not seen.");
            break;
        case State::LISTEN: append(out, " It is listening."); break;
        case State::CLOSED: closed_note(out, last); break;
    }
    if (e.state_inferred)
        cat(out, " (Its initial state, ", state_name(e.initial_state),
            ", is assumed: the capture does not show the start.)");
    if (e.packets == 0 && last)
        cat(out, " None of its segments was captured (a capture of one direction): its states are what the ",
            who(other(side)), "'s acknowledgments prove.");
}

namespace {

// What crossed the cause segment on the wire: the receiver's own FIN when
// it lies between the cause and the proof and did not acknowledge it.
void put_crossing_segment(Buf& out, const Connection& c, const Transition& t, const NumberStyle& numbers) {
    const Crossing* x = c.crossing(t);
    const std::uint64_t crossed_frame = x ? x->crossed_frame : 0;
    if (crossed_frame != 0 && !x->crossed_flags.ack()) {
        cat(out, "the ", side_name(t.endpoint), "'s packet ", crossed_frame, " ([", x->crossed_flags.tcpdump(),
            "], acknowledging nothing yet)");
        return;
    }
    if (crossed_frame != 0 && !(c.fin(t.endpoint).sent && c.fin(t.endpoint).frame == crossed_frame)) {
        cat(out, "the ", side_name(t.endpoint), "'s packet ", crossed_frame, " (ack ",
            rel_seq(c, cause_sender(t), x->crossed_ack, numbers), ", not covering it)");
        return;
    }
    const FinFacts& own = c.fin(t.endpoint);
    if (own.sent && own.frame > t.cause_frame && own.frame <= t.frame && !(own.acked_peer_fin && t.flags.fin())) {
        cat(out, "the ", side_name(t.endpoint), "'s own FIN (packet ", own.frame, ")");
        return;
    }
    cat(out, "a segment of the ", side_name(t.endpoint), "'s");
}

}  // namespace

void Narrator::delivery_note(Buf& out, const Transition& t) const {
    const Side sender = cause_sender(t);
    const Crossing* x = c.crossing(t);
    const std::uint64_t proof_frame = x ? x->evidence.frame : 0;
    const auto what = [&] {
        cat(out, "the ", who(sender), "'s ", segment_kind(t.flags, payload_of(t)), " (packet ", t.cause_frame, ")");
    };
    switch (t.delivery) {
        case Delivery::acknowledged:
            what();
            append(out, " crossed ");
            put_crossing_segment(out, c, t, o.numbers);
            cat(out, " on the wire: that segment did not yet acknowledge it; packet ", proof_frame,
                "'s ack covered it, so the ", who(t.endpoint), "'s ", state_name(t.to), " is placed at packet ",
                t.frame, ".");
            break;
        case Delivery::followed:
            what();
            append(out, " crossed ");
            put_crossing_segment(out, c, t, o.numbers);
            cat(out, " on the wire; packet ", proof_frame, ", sent by the ", who(sender),
                " after it, shows it had arrived (one direction delivers in order), so the ", who(t.endpoint), "'s ",
                state_name(t.to), " is placed at packet ", t.frame, ".");
            break;
        case Delivery::end_of_capture:
            append(out, "Nothing in the capture confirms that ");
            what();
            cat(out, " arrived; it is assumed delivered: the ", who(t.endpoint), "'s ", state_name(t.to), " at packet ",
                t.frame, ".");
            break;
        case Delivery::silence:
            append(out, "No segment acknowledges ");
            what();
            cat(out, ", but nothing came back in the ", Duration{c.linger()}, " after it: had it been lost, the ",
                who(t.endpoint), " would have retransmitted. So it arrived: the ", who(t.endpoint), "'s ",
                state_name(t.to), " at packet ", t.frame, ".");
            break;
        default: break;
    }
}

}  // namespace tfe::analyzer::text
