#include "core/connection.hpp"

#include <algorithm>

namespace tfe {

const ConnectionExtras Connection::kNoExtras{};

std::string_view end_reason_name(EndReason r) {
    switch (r) {
        case EndReason::closed: return "closed";
        case EndReason::time_wait_expired: return "time_wait_expired";
        case EndReason::idle: return "idle";
        case EndReason::superseded: return "superseded";
        case EndReason::capture_end: return "capture_end";
        case EndReason::time_wait: return "time_wait";
        case EndReason::evicted: return "evicted";
    }
    return "?";
}

namespace {

bool is_pure_syn(TcpFlags f) { return f.syn() && !f.ack(); }
bool is_syn_ack(TcpFlags f) { return f.syn() && f.ack(); }

// Roles without a SYN: the well-known port is the server's; between two
// unprivileged ports the lower one is (ephemeral ports are allocated high);
// on a tie the first segment's destination is.
bool destination_looks_like_server(const Segment& s) {
    const bool src_priv = s.sport < 1024, dst_priv = s.dport < 1024;
    if (src_priv != dst_priv) return dst_priv;
    if (s.sport != s.dport) return s.dport < s.sport;
    return true;
}

}  // namespace

Connection::Connection(std::uint64_t id, const FlowKey& key, const Segment& first, bool forward,
                       const TrackerConfig* config)
    : key_(key), config_(config), id_(id) {
    first_ts_ = last_ts_ = first.ts;
    first_frame_ = last_frame_ = first.frame;
    assign_roles(first, forward);
    infer_initial_states(first, sender_of(forward));
    if (config->zeek_view) zeek_.emplace(first, forward);
}

void Connection::assign_roles(const Segment& first, bool forward) {
    bool sender_is_client;
    if (is_pure_syn(first.flags)) {
        sender_is_client = true;
    } else if (is_syn_ack(first.flags)) {
        sender_is_client = false;
    } else {
        roles_inferred_ = true;
        sender_is_client = destination_looks_like_server(first);
    }
    // The sender of `first` is key.a when forward.
    client_is_a_ = (sender_is_client == forward);
}

void Connection::infer_initial_states(const Segment& first, Side sender) {
    Endpoint& s = ep(sender);
    Endpoint& r = ep(other(sender));
    if (is_pure_syn(first.flags)) {
        return;  // both CLOSED; the server becomes LISTEN when it answers
    }
    if (is_syn_ack(first.flags)) {
        // The SYN was not captured: the client must be waiting in SYN_SENT,
        // and the server, answering it, was listening.
        start_in(other(sender), Input::snd_syn);
        start_in(sender, Input::passive_open);
        r.state_inferred = s.state_inferred = true;
        r.isn = first.ack - 1;
        r.isn_known = r.syn_sent = true;
        return;
    }
    // Mid-stream: both were synchronized before the capture began.
    start_in(sender, Input::seen_mid_stream);
    start_in(other(sender), Input::seen_mid_stream);
    s.state_inferred = r.state_inferred = true;
    if (first.flags.ack()) {
        r.isn = first.ack - 1;  // so that its first byte counts as 1
        r.isn_inferred = true;
    }
}

// ---------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------

void Connection::on_segment(const Segment& seg, bool forward) {
    if (zeek_) zeek_->on_segment(seg, forward);  // Zeek sees every packet, duplicates too
    const Side sender = sender_of(forward);
    const TimeNs previous_ts = last_ts_;
    last_ts_ = std::max(last_ts_, seg.ts);
    last_frame_ = seg.frame;

    Endpoint& e = ep(sender);
    e.packets++;
    e.payload_bytes += seg.payload_len;
    e.frame_bytes += seg.wire_len;
    e.interfaces |= interface_bit(seg.interface_id);  // duplicates too: a router's two interfaces
    if (config_->keep_segments)
        extras().segments.push_back({seg.frame, seg.seq, seg.ack, seg.payload_len, seg.flags, sender});
    if (is_duplicate(seg, e)) {
        note(Anomaly::duplicate_frame, sender, seg);
        return;  // the same frame captured twice carries no new fact
    }
    if (adopt_late_copy(seg, sender)) return;
    judge_time_wait_reset(seg, sender);
    infer_uncaptured(seg, sender);
    const bool first_from_sender = !e.seq_known;
    const Endpoint::Last before = e.last;
    outlive_icmp_error(sender);
    note_capture_quality(seg, sender);
    const bool keep_alive = note_window_analysis(seg, sender);
    const bool is_new = classify_in_stream(seg, sender);
    record_sender_facts(seg, sender, keep_alive);
    record_ack_facts(seg, sender);
    // Answering a SYN it was seen to receive: it was listening (start_in
    // leaves one that already moved, say listened and was reset, as it was).
    if (first_from_sender && is_syn_ack(seg.flags) && in_flight_[static_cast<int>(sender)].active &&
        is_pure_syn(in_flight_[static_cast<int>(sender)].flags)) {
        start_in(sender, Input::passive_open);
    }
    confirm_or_contradict(seg, sender, is_new);
    if (is_new && seg.payload_len > 0 && !seg.flags.syn()) note_early_data(seg, sender);
    push_in_flight(seg, sender, is_new);
    apply_sender_input(seg, sender);
    if (seg.flags.rst()) note_reset_context(seg, sender, before, previous_ts);
    receive_now_or_hold(seg, sender, is_new);
}

// For the accepted RST this segment is: what came just before it.
void Connection::note_reset_context(const Segment& seg, Side sender, const Endpoint::Last& before, TimeNs previous_ts) {
    if (!extras_ || !extras_->reset.seen || extras_->reset.frame != seg.frame) return;
    ResetFacts& r = extras_->reset;
    const Endpoint::Last& peer = ep(other(sender)).last;
    r.quiet_before = seg.ts - previous_ts;
    r.answered_peer_data = peer.valid && peer.payload_len > 0 && (!before.valid || peer.ts >= before.ts);
    r.ttl = seg.ip_ttl;
    r.sender_ttl = before.valid ? before.ttl : 0;
    r.ttl_unlike = before.valid && before.ttl != 0 && seg.ip_ttl != 0 && before.ttl != seg.ip_ttl;
}

// Data outside a SYN from an endpoint whose handshake has not completed:
// after what it has received so far (confirm_or_contradict), it could not
// send any. A Fast Open server may answer data in the SYN before the
// handshake's last ACK (RFC 7413 4.2.2), so that is not early.
void Connection::note_early_data(const Segment& seg, Side sender) {
    const State st = ep(sender).state;
    const bool fast_open_reply = st == State::SYN_RECEIVED && handshake_.syn_data;
    if ((st == State::SYN_SENT || st == State::SYN_RECEIVED) && !fast_open_reply)
        note(Anomaly::data_before_established, sender, seg);
}

// Its SYN and FIN, what it acknowledged, its window, and its identity for
// recognising the same frame captured twice.
void Connection::record_sender_facts(const Segment& seg, Side sender, bool keep_alive) {
    Endpoint& e = ep(sender);
    const Endpoint& r = ep(other(sender));
    if (seg.flags.syn()) {
        if (!e.isn_known) {
            // A SYN fixes the ISN even if other segments came first (e.g.
            // a stray RST before the real SYN+ACK).
            e.isn = seg.seq;
            e.isn_known = true;
        }
        if (!e.syn_sent) {
            e.syn_sent = true;
            e.syn_frame = seg.frame;
            e.syn_options = seg.options;
            e.syn_options_seen = true;
        }
    }
    if (seg.flags.fin() && !e.fin_sent) {
        e.fin_sent = true;
        e.fin_seq = seg.seq + seg.payload_len;
    }
    if (e.fin_sent && seg.payload_len > 0 && after(seg.seq_end(), e.fin_seq + 1))
        note(Anomaly::data_after_fin, sender, seg, e.fin_seq.raw());
    if (seg.payload_len > 0 && !seg.flags.rst() && extras_ && extras_->reset.seen)
        note(Anomaly::data_after_reset, sender, seg, static_cast<std::uint32_t>(extras_->reset.frame));
    // An ACK from TIME_WAIT acknowledges the old connection, not this one.
    if (seg.flags.ack() && !answers_from_time_wait(seg, sender)) {
        // Not when none of the peer's segments is captured: the whole
        // direction is missing, which the report says once.
        if (r.seq_known && after(seg.ack, r.snd_nxt) && r.packets != 0)
            note(Anomaly::acked_unseen_segment, sender, seg, r.snd_nxt.raw());
        // A RST's ack field is no acknowledgment of data (RFC 9293 3.10.7):
        // it may confirm what was seen, never prove unseen bytes.
        const bool unseen = r.seq_known && after(seg.ack, r.snd_nxt);
        const SeqNum ack = seg.flags.rst() && unseen ? r.snd_nxt : seg.ack;
        e.max_ack = e.ack_sent ? max_seq(e.max_ack, ack) : ack;
        e.ack_sent = true;
    }
    if (seg.inferred) return;  // no window, identity or timing of its own
    if (seg.window == 0 && !seg.flags.syn() && !seg.flags.rst() && !seg.flags.fin())
        note(Anomaly::zero_window, sender, seg);
    e.last_window = seg.window;
    e.window_seen = true;
    e.window_in_syn = seg.flags.syn();
    e.last = {seg.ts, seg.seq, seg.ack, seg.payload_len, seg.options.ts_val, seg.window, seg.ip_id,
              seg.flags, seg.direction, true, seg.ip_ttl, keep_alive};
}

// Observer-level facts about the handshake and the FINs: who acknowledged
// what first. They do not depend on delivery.
void Connection::record_ack_facts(const Segment& seg, Side sender) {
    const Side peer = other(sender);
    // Until a FIN exists there are no FIN facts (and no extras to touch).
    if (seg.flags.fin() || extras_) {
        FinFacts& pf = extras().fin[static_cast<int>(peer)];
        if (seg.flags.ack() && pf.sent && !pf.acked && after_eq(seg.ack, pf.seq + 1)) {
            pf.acked = true;
            pf.acked_by_frame = seg.frame;
            pf.acked_ts = seg.ts;
            pf.acked_by_fin = seg.flags.fin();
        }
        FinFacts& mf = extras().fin[static_cast<int>(sender)];
        if (seg.flags.fin() && !mf.sent) {
            mf.sent = true;
            mf.frame = seg.frame;
            mf.ts = seg.ts;
            mf.inferred = seg.inferred;
            mf.seq = seg.seq + seg.payload_len;
            mf.acked_peer_fin = seg.flags.ack() && pf.sent && after_eq(seg.ack, pf.seq + 1);
        }
    }

    HandshakeFacts& h = handshake_;
    const Endpoint& r = ep(peer);
    if (is_pure_syn(seg.flags)) {
        if (sender == Side::client) {
            if (!h.syn_frame) { h.syn_frame = seg.frame; h.syn_ts = seg.ts; }
            h.syn_count++;
            if (!h.ack_frame) h.last_syn_ts = seg.ts;
            if (seg.payload_len > 0) { h.syn_data = true; h.syn_payload = seg.payload_len; }
        } else {
            h.simultaneous_open = true;
        }
    } else if (is_syn_ack(seg.flags) && seg.inferred) {
        h.synack_proven = true;  // no frame of its own: the proving ACK is the handshake's ACK
    } else if (is_syn_ack(seg.flags)) {
        if (!h.synack_frame) { h.synack_frame = seg.frame; h.synack_ts = seg.ts; }
        h.synack_count++;
    } else if (sender == Side::client && !seg.inferred && (h.synack_frame || h.synack_proven) && !h.ack_frame &&
               seg.flags.ack() &&
               !seg.flags.rst() && r.isn_known && after_eq(seg.ack, r.isn + 1)) {
        h.ack_frame = seg.frame;
        h.ack_ts = seg.ts;
    }
    // Each RST that finds the client's SYN pending refuses one attempt.
    if (seg.flags.rst() && sender == Side::server && !h.synack_frame && h.syn_frame && seg.flags.ack() &&
        (!h.refused || ep(Side::client).state == State::SYN_SENT) && acknowledges_syn(ep(Side::client), seg.ack)) {
        if (!h.refused) h.refused_frame = seg.frame;
        h.refused = true;
        h.refusals++;
        h.last_refused_frame = seg.frame;
        h.last_refused_ts = seg.ts;
    }
}

// Step 3: what sending this segment did to its sender.
void Connection::apply_sender_input(const Segment& seg, Side sender) {
    const InFlight f = in_flight_of(seg);
    const Side receiver = other(sender);
    if (seg.flags.rst()) {
        if (takes_time_wait_reply(seg, sender)) return;
        const bool syn_sent_state = ep(receiver).state == State::SYN_SENT;
        if (!rst_acceptable(receiver, f)) {
            // What it should have carried: the ack of the receiver's SYN, or a
            // seq near what the receiver had acknowledged (0: nothing yet).
            const Endpoint& r = ep(receiver);
            if (syn_sent_state) note(Anomaly::rst_not_acking_syn, sender, seg, r.snd_nxt.raw());
            else note(Anomaly::rst_out_of_window, sender, seg, r.ack_sent ? r.max_ack.raw() : 0);
            return;
        }
        ResetFacts& reset = extras().reset;
        if (!reset.seen) {
            reset = {.frame = seg.frame, .ts = seg.ts, .seen = true,
                      .sender = sender, .sender_state = ep(sender).state,
                      .receiver_state = ep(receiver).state};
        }
        const Placement here{seg.frame, seg.ts, nullptr};
        // It aborted: whatever was still in flight to it no longer matters
        // (its stack answers such segments with RST, RFC 9293 3.10.7.1).
        in_flight_[static_cast<int>(sender)].active = false;
        apply(sender, Input::snd_rst, f, Delivery::sent, here);
        // RFC 5961 3.2 (Linux does it): an RST in the window but not exactly
        // at RCV.NXT only draws a challenge ACK. Hold such an RST: if the
        // receiver speaks again it did not reset.
        const Endpoint& s = ep(sender);
        const Endpoint& r = ep(receiver);
        const bool exact = syn_sent_state || !s.seq_known || f.seq == s.snd_nxt ||
                           (r.ack_sent && f.seq == r.max_ack);
        if (exact) apply(receiver, Input::rcv_rst, f, Delivery::on_arrival, here);
        else in_flight_[static_cast<int>(receiver)] = f;
        return;
    }
    if (seg.flags.syn()) {
        apply(sender, seg.flags.ack() ? Input::snd_syn_ack : Input::snd_syn, f, Delivery::sent,
              {seg.frame, seg.ts, nullptr});
    }
    if (seg.flags.fin()) apply(sender, Input::snd_fin, f, Delivery::sent, {seg.frame, seg.ts, nullptr});
}

void Connection::apply(Side who, Input input, const InFlight& cause, Delivery how, const Placement& at) {
    Endpoint& e = ep(who);
    const Cell c = transition(e.state, input);
    if (c.outcome == Outcome::invalid) {
        note(Anomaly::unexpected_segment, how == Delivery::sent ? who : other(who), cause, 0, e.state, input);
        return;
    }
    if (c.outcome == Outcome::stay) return;
    Transition t;
    t.ts = at.ts;
    t.frame = at.frame;
    t.cause_frame = cause.frame;
    t.seq = cause.seq;
    t.ack = cause.ack;
    t.seq_len = cause.seq_len;
    t.flags = cause.flags;
    t.endpoint = who;
    t.from = e.state;
    t.to = c.next;
    t.input = input;
    t.delivery = how;
    if (cause.crossed && extras().crossings.size() < Transition::kNoCrossing) {
        std::vector<Crossing>& crossings = extras().crossings;
        Crossing x;
        if (at.proof) {
            const Segment& p = *at.proof;
            const bool forward = HostPort{p.src, p.sport} == key_.a;
            x.evidence = {p.frame, p.seq, p.ack, p.payload_len, p.flags, sender_of(forward)};
        }
        x.crossed_frame = cause.crossed_frame;
        x.crossed_ack = cause.crossed_ack;
        x.crossed_flags = cause.crossed_flags;
        t.crossing = static_cast<std::uint8_t>(crossings.size());
        crossings.push_back(x);
    }
    log_.append(t, {first_ts_, first_frame_});
    set_state(who, c.next, false);
    if (c.next == State::TIME_WAIT && input != Input::timer_2msl)
        time_wait_deadline_ = std::max(time_wait_deadline_, at.ts + 2 * config_->msl);
}

// An initial state the capture does not show being entered, inferred
// through the table like any other (no transition is recorded: the report
// gives it as the initial state). Only for an endpoint not yet seen to
// move: one back in CLOSED after a reset keeps its history, and what it
// does next is recorded as a transition.
void Connection::start_in(Side who, Input input) {
    const Endpoint& e = ep(who);
    if (e.state != State::CLOSED || e.initial_state != State::CLOSED) return;
    const Cell c = transition(e.state, input);
    if (c.outcome == Outcome::move) set_state(who, c.next, true);
}

// The one place an endpoint's state is written.
void Connection::set_state(Side who, State next, bool initial) {
    Endpoint& e = ep(who);
    e.state = next;
    if (initial) e.initial_state = next;
}

void Connection::note(Anomaly a, Side who, const Segment& seg, std::uint32_t value) {
    note(a, who, in_flight_of(seg), value);
}

void Connection::note(Anomaly a, Side who, const InFlight& f, std::uint32_t value, State st, Input in) {
    AnomalyEvent ev;
    ev.ts = f.ts;
    ev.frame = f.frame;
    ev.seq = f.seq;
    ev.ack = f.ack;
    ev.value = value;
    ev.payload_len = f.seq_len - (f.flags.syn() ? 1u : 0u) - (f.flags.fin() ? 1u : 0u);
    ev.flags = f.flags;
    ev.sender = who;
    ev.kind = a;
    ev.state = st;
    ev.input = in;
    note(ev);
}

void Connection::note(const AnomalyEvent& ev) {
    ConnectionExtras& x = extras();
    x.anomaly_counts[static_cast<int>(ev.kind)]++;
    if (x.anomaly_events.size() < config_->max_anomaly_events) x.anomaly_events.push_back(ev);
    if (ev.kind != Anomaly::unexpected_segment) return;
    auto& cells = x.refused_cells;
    const auto it = std::find_if(cells.begin(), cells.end(),
                                 [&](const RefusedCell& r) { return r.in == ev.state && r.on == ev.input; });
    if (it != cells.end()) it->count++;
    else cells.push_back({ev.state, ev.input, 1, ev.frame});
}

// ---------------------------------------------------------------------------
// Lifetime
// ---------------------------------------------------------------------------

bool Connection::is_new_connection(const Segment& seg, bool forward) const {
    if (!is_pure_syn(seg.flags)) return false;
    const Endpoint& e = ep_[static_cast<int>(sender_of(forward))];
    const auto over = [](State s) { return s == State::CLOSED || s == State::TIME_WAIT; };
    const bool same_isn = e.isn_known && seg.seq == e.isn;
    if (over(ep_[0].state) && over(ep_[1].state)) return !same_isn;
    if (!e.seq_known) return false;  // its first SYN: a simultaneous open
    return !same_isn;
}

bool Connection::settled() const {
    const auto done = [](State s) { return s == State::CLOSED || s == State::TIME_WAIT; };
    return done(state_after_in_flight(Side::client)) && done(state_after_in_flight(Side::server));
}

void Connection::finish(EndReason why, TimeNs now) {
    if (finished_) return;
    settle_time_wait_reset();
    // What is still in flight is assumed delivered, oldest first.
    const int first = (in_flight_[0].active && in_flight_[1].active &&
                       in_flight_[1].frame < in_flight_[0].frame) ? 1 : 0;
    // A linger of silence after the last segment is evidence in itself: a
    // receiver that missed it would have retransmitted by then.
    const Delivery how = now - last_ts_ >= config_->linger ? Delivery::silence : Delivery::end_of_capture;
    for (int k = 0; k < 2; ++k) {
        const Side receiver = static_cast<Side>((first + k) % 2);
        deliver_pending_at_end(receiver, how);
    }
    apply_pending_icmp_error();
    final_state_[0] = ep_[0].state;
    final_state_[1] = ep_[1].state;
    end_reason_ = why;
    if (time_wait_deadline_ != 0 && now >= time_wait_deadline_) {
        InFlight none;
        for (Side s : {Side::client, Side::server})
            if (ep(s).state == State::TIME_WAIT)
                apply(s, Input::timer_2msl, none, Delivery::timer, {0, time_wait_deadline_, nullptr});
    }
    finished_ = true;
}

}  // namespace tfe
