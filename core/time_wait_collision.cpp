// A new SYN on a 4-tuple whose previous connection one side still holds in
// TIME_WAIT (facts.hpp, TimeWaitCollision): the holder's ACKs of the old
// connection, the SYN sender's RST replies to them, and whether a reply
// ended TIME_WAIT, judged by the holder's next segment.
#include "core/connection.hpp"

namespace tfe {

std::optional<TimeWaitCollision> Connection::time_wait_collision_for(const Segment& syn, bool forward) const {
    if (!syn.flags.syn() || syn.flags.ack()) return std::nullopt;
    const Side sender = sender_of(forward);
    const Endpoint& s = ep(sender);
    const Endpoint& h = ep(other(sender));
    if (state_after_in_flight(other(sender)) != State::TIME_WAIT || !h.ack_sent || !h.seq_known) return std::nullopt;
    // RFC 6191 (Linux too): a SYN above the old connection's end, or with
    // a newer timestamp, may reopen the 4-tuple from TIME_WAIT.
    if (after(syn.seq, h.max_ack)) return std::nullopt;
    if (syn.options.has_timestamps && s.syn_options_seen && s.syn_options.has_timestamps && s.last.valid &&
        static_cast<std::int32_t>(syn.options.ts_val - s.last.ts_val) > 0)
        return std::nullopt;
    TimeWaitCollision tw;
    tw.seen = true;
    tw.holder = Side::server;  // the SYN's sender is the new connection's client
    tw.previous_first_frame = first_frame_;
    tw.previous_last_frame = last_frame_;
    tw.old_seq = h.snd_nxt;
    tw.old_ack = h.max_ack;
    return tw;
}

void Connection::inherit_time_wait(const TimeWaitCollision& tw, TimeNs deadline) {
    Endpoint& h = ep(tw.holder);
    set_state(tw.holder, State::TIME_WAIT, true);
    h.seq_known = true;
    h.isn = tw.old_seq - 1;  // its segments count from the old connection's next byte
    h.isn_inferred = true;
    h.snd_nxt = tw.old_seq;  // what it acknowledged there is not this connection's (tw.old_ack)
    time_wait_deadline_ = deadline;
    extras().time_wait = tw;
}

// The holder's bare ACK with the old connection's numbers: its answer to
// a SYN it may not take.
bool Connection::answers_from_time_wait(const Segment& seg, Side sender) const {
    const TimeWaitCollision& tw = extras_or_none().time_wait;
    return tw.seen && sender == tw.holder && ep(sender).state == State::TIME_WAIT && seg.flags.ack() &&
           !seg.flags.any(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) && seg.payload_len == 0 &&
           seg.seq == tw.old_seq && seg.ack == tw.old_ack;
}

// Before anything else of the holder's segment: another ACK from TIME_WAIT
// means the last RST was ignored (RFC 1337); anything else, that it ended
// TIME_WAIT and the listener answers the 4-tuple again.
void Connection::judge_time_wait_reset(const Segment& seg, Side sender) {
    if (!extras_ || !extras_->time_wait.seen || sender != extras_->time_wait.holder) return;
    TimeWaitCollision& tw = extras_->time_wait;
    if (answers_from_time_wait(seg, sender)) {
        note(Anomaly::time_wait_ack, sender, seg);
        if (tw.acks++ == 0) tw.first_ack_frame = seg.frame;
        if (tw.pending_reset_frame) {
            ++tw.resets_ignored;
            tw.pending_reset_frame = 0;
        }
        return;
    }
    if (!tw.pending_reset_frame) return;
    // The listener holds the 4-tuple again from the RST on.
    const InFlight rst = end_time_wait_by_reset();
    apply(tw.holder, Input::passive_open, rst, Delivery::on_arrival, {rst.frame, rst.ts, nullptr});
}

// The SYN sender's RST <SEQ=SEG.ACK> answering the holder's ACK (RFC 9293
// 3.10.7.3): not an abort, it stays in SYN_SENT; the RST waits for the
// holder's next segment to show what it did there.
bool Connection::takes_time_wait_reply(const Segment& seg, Side sender) {
    if (!extras_ || !extras_->time_wait.seen) return false;
    TimeWaitCollision& tw = extras_->time_wait;
    if (sender == tw.holder || ep(sender).state != State::SYN_SENT || seg.flags.ack() || seg.seq != tw.old_ack ||
        ep(tw.holder).state != State::TIME_WAIT)
        return false;
    note(Anomaly::time_wait_reset_reply, sender, seg);
    if (tw.resets++ == 0) tw.first_reset_frame = seg.frame;
    tw.pending_reset_frame = seg.frame;
    tw.pending_reset_ts = seg.ts;
    return true;
}

// The pending RST reached TIME_WAIT and ended it; the old connection's
// numbers end with it.
InFlight Connection::end_time_wait_by_reset() {
    TimeWaitCollision& tw = extras().time_wait;
    InFlight rst;
    rst.active = true;
    rst.frame = tw.pending_reset_frame;
    rst.ts = tw.pending_reset_ts;
    rst.seq = rst.end = tw.old_ack;
    rst.flags = TcpFlags(TcpFlags::RST);
    apply(tw.holder, Input::rcv_rst, rst, Delivery::on_arrival, {rst.frame, rst.ts, nullptr});
    tw.released_frame = tw.pending_reset_frame;
    tw.pending_reset_frame = 0;
    time_wait_deadline_ = 0;
    Endpoint& h = ep(tw.holder);
    h.seq_known = h.isn_known = h.isn_inferred = h.ack_sent = h.window_seen = false;
    h.last.valid = false;
    return rst;
}

// At the end, a RST nothing judged: RFC 9293 ends TIME_WAIT on it, unless
// this holder already showed it ignores such RSTs.
void Connection::settle_time_wait_reset() {
    if (!extras_ || !extras_->time_wait.pending_reset_frame) return;
    if (extras_->time_wait.resets_ignored == 0) end_time_wait_by_reset();
}

}  // namespace tfe
