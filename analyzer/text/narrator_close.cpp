// The narrative's "How it closed": which FIN or RST came first, what each
// did to its sender and receiver, from the recorded FIN and RST facts.
#include "analyzer/reset_reason.hpp"
#include "analyzer/text/layout.hpp"
#include "analyzer/text/narrator.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer::text {

const Transition* Narrator::entered(Side side, std::uint64_t cause_frame) const {
    return find_last(c, [&](const Transition& t) {
        return t.endpoint == side && t.cause_frame == cause_frame && t.delivery != Delivery::timer;
    });
}

void Narrator::took_to(Buf& out, Side side, std::uint64_t cause_frame, std::string_view lead) const {
    if (const Transition* t = entered(side, cause_frame)) cat(out, lead, state_name(t->to));
}

// Where the side's FIN went: its own sending, not what else that frame did
// (a FIN the capture missed shares its frame with the ACK that proves it).
void Narrator::fin_took_to(Buf& out, Side side, std::string_view lead) const {
    const FinFacts& f = c.fin(side);
    // One captured after its ACK moved the state at that ACK.
    const AnomalyEvent* late = late_copy_event(c, side, f.frame);
    const std::uint64_t cause = late ? late->value : f.frame;
    const Transition* t = find_last(c, [&](const Transition& x) {
        return x.endpoint == side && x.cause_frame == cause && x.input == Input::snd_fin;
    });
    if (t) cat(out, lead, state_name(t->to));
}

// "packet 4, seq 121", or for a FIN the capture missed "not captured: packet
// 4's ack 122 proves it, seq 121".
void Narrator::fin_place(Buf& out, Side side) const {
    const FinFacts& f = c.fin(side);
    if (const AnomalyEvent* ev = uncaptured_event(c, Anomaly::fin_not_captured, side); ev && ev->frame == f.frame)
        cat(out, "not captured: packet ", f.frame, "'s ack ", seq(side, ev->ack), " proves it, seq ", seq(side, f.seq));
    else if (const AnomalyEvent* late = late_copy_event(c, side, f.frame))
        cat(out, "packet ", f.frame, ", seq ", seq(side, f.seq), ", captured after packet ", late->value,
            " that acknowledges it");
    else
        cat(out, "packet ", f.frame, ", seq ", seq(side, f.seq));
}

// "Four-way close ..., initiated by the client. The client closed first: its
// FIN (packet 4, seq 121) took it to FIN_WAIT_1. "
void Narrator::first_fin(Buf& out, CloseKind kind, Side a) const {
    cat(out, close_words(kind), ", initiated by the ", who(a), ". The ", who(a), " closed first: its FIN (");
    fin_place(out, a);
    append(out, ")");
    fin_took_to(out, a, " took it to ");
    append(out, ". ");
}

void Narrator::close_four_way(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    first_fin(out, CloseKind::four_way, a);
    if (fa.acked) {
        const auto ack = ack_of(fa.acked_by_frame, b);
        cat(out, "The ", who(b), " acknowledged it on its own (packet ", fa.acked_by_frame, ", ack ",
            ack ? *ack : seq(a, fa.seq + 1), " = FIN seq ", seq(a, fa.seq), " + 1)");
        const Transition* on_fin = entered(b, fa.frame);
        const Transition* on_ack = entered(a, fa.acked_by_frame);
        if (on_fin) cat(out, ": the ", who(b), " went to ", state_name(on_fin->to));
        if (on_ack) cat(out, on_fin ? ", the " : ": the ", who(a), on_fin ? " to " : " went to ", state_name(on_ack->to));
        append(out, ". ");
        if (fb.ts >= fa.acked_ts) {
            cat(out, Duration{fb.ts - fa.acked_ts}, " later the ", who(b), " sent its own FIN (");
            fin_place(out, b);
            append(out, ")");
            fin_took_to(out, b, " and went to ");
            append(out, ". ");
        }
    } else {
        cat(out, "The ", who(b), " sent its own FIN (");
        fin_place(out, b);
        append(out, "). ");
    }
    if (fb.acked) {
        const auto ack = ack_of(fb.acked_by_frame, a);
        cat(out, "The ", who(a), "'s ACK (packet ", fb.acked_by_frame, ", ack ", ack ? *ack : seq(b, fb.seq + 1),
            ") acknowledged it. ");
    } else {
        cat(out, "No ACK of the ", who(b), "'s FIN was captured. ");
    }
    cat(out, "Four segments, not three: the ", who(b),
        " acknowledged the FIN before its application closed — TCP closes each direction "
        "on its own (half-close), and it could still have sent data in between.");
}

void Narrator::close_three_way(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    const auto ack = ack_of(fb.frame, b);
    first_fin(out, CloseKind::three_way, a);
    // Did a segment of b's cross a's FIN first (seed case 2: the data ACK)?
    const Transition* crossed = find_first(c, [&](const Transition& t) {
        return t.endpoint == b && t.cause_frame == fa.frame && t.delivery == Delivery::acknowledged;
    });
    if (crossed)
        cat(out, "The ", who(b), " first sent a segment whose ack did not cover that FIN (it acknowledged data "
            "only; the FIN, at seq ", seq(a, fa.seq), ", was still on its way). ");
    if (c.endpoint(b).packets == 0 && uncaptured_event(c, Anomaly::fin_not_captured, b))
        cat(out, "The ", who(b), "'s FIN was not captured; the ", who(a), "'s ACK of it (packet ", fb.frame,
            ") proves it. Whether it also acknowledged the ", who(a), "'s FIN (three waves) or an ACK of its own "
            "came first (four waves) only the ", who(b), "'s direction could show, and the capture does not hold "
            "it: three waves is the fewest segments the ", who(a), "'s acknowledgments need. ");
    else
        cat(out, "The ", who(b), "'s FIN (packet ", fb.frame, ") also acknowledged the ", who(a), "'s FIN (ack ",
            ack ? *ack : seq(a, fa.seq + 1), " = FIN seq ", seq(a, fa.seq),
            " + 1), so its ACK and FIN travelled in one segment: three segments instead of " "four — the ", who(b),
            " had nothing left to send. ");
    if (fb.acked) {
        const auto last = ack_of(fb.acked_by_frame, a);
        cat(out, "The ", who(a), "'s ACK (packet ", fb.acked_by_frame, ", ack ", last ? *last : seq(b, fb.seq + 1),
            " = FIN seq ", seq(b, fb.seq), " + 1) acknowledged it.");
    } else {
        cat(out, "No ACK of the ", who(b), "'s FIN was captured.");
    }
}

void Narrator::close_simultaneous(Buf& out) const {
    const Side a = s.first_fin == Initiator::server ? Side::server : Side::client;
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    const FinFacts& fb = c.fin(b);
    cat(out, close_words(CloseKind::simultaneous), ". The ", who(a), "'s FIN (packet ", fa.frame, ", seq ",
        seq(a, fa.seq), ") and the ", who(b), "'s FIN (packet ", fb.frame, ", seq ", seq(b, fb.seq), ") crossed: ");
    if (const auto ack = ack_of(fb.frame, b))
        cat(out, "packet ", fb.frame, "'s ack ", *ack, " did not cover packet ", fa.frame,
            "'s FIN (which occupies seq ", seq(a, fa.seq), "): ");
    append(out, "each side sent its FIN before it saw the other's. ");
    // Each side's way through CLOSING and into TIME_WAIT, first FIN's sender first.
    const Side order[2] = {a, b};
    const Transition* closing[2] = {};
    const Transition* tw[2] = {};
    std::size_t n_closing = 0, n_tw = 0;
    for (const Side x : order) {
        if (const Transition* t = find_first(c, [&](const Transition& u) { return u.endpoint == x && u.to == State::CLOSING; }))
            closing[n_closing++] = t;
        if (const Transition* t = find_first(c, [&](const Transition& u) {
                return u.endpoint == x && u.to == State::TIME_WAIT && u.delivery != Delivery::timer;
            }))
            tw[n_tw++] = t;
    }
    if (n_closing == 2)
        cat(out, "Each received the other's FIN in FIN_WAIT_1 and went to CLOSING (the ", who(closing[0]->endpoint),
            " at packet ", closing[0]->frame, ", the ", who(closing[1]->endpoint), " at packet ", closing[1]->frame,
            "), ");
    else if (n_closing == 1)
        cat(out, "Only the ", who(closing[0]->endpoint), " at packet ", closing[0]->frame,
            " is shown going through CLOSING, ");
    if (n_tw) {
        append(out, "then to TIME_WAIT on the ACK of its own FIN (");
        List list(out);
        for (std::size_t i = 0; i < n_tw; ++i)
            cat(list.next(), "the ", who(tw[i]->endpoint), " on packet ", tw[i]->cause_frame);
        append(out, ").");
    }
    if (n_tw == 2) append(out, " Both sides end in TIME_WAIT.");
}

void Narrator::close_reset(Buf& out) const {
    const ResetFacts& r = c.reset();
    const Side sender = r.sender, receiver = other(r.sender);
    cat(out, "Reset: the ", who(sender), " sent RST (packet ", r.frame, ") while in ", state_name(r.sender_state),
        "; the ", who(receiver), " was in ", state_name(r.receiver_state),
        ". An RST aborts both directions at once: both sides went to CLOSED with no "
        "TIME_WAIT, and anything still in flight is lost.");
    if (c.anomaly_count(Anomaly::rst_challenged) && c.final_state(receiver) != State::CLOSED)
        cat(out, " But the RST was not at the sequence number the ", who(receiver), " expected, and the ",
            who(receiver), " went on sending: it answered with a challenge ACK (RFC 5961) and stayed in ",
            state_name(c.final_state(receiver)), ".");
    for (Side x : {Side::client, Side::server})
        if (c.fin(x).sent && c.fin(x).frame < r.frame)
            cat(out, " The ", who(x), " had sent FIN before (packet ", c.fin(x).frame, ").");
    reset_reason_note(out);
}

// The reset's reason (analyzer/reset_reason.cpp), in words.
void Narrator::reset_reason_note(Buf& out) const {
    const ResetFacts& r = c.reset();
    switch (reset_reason(c)) {
        case ResetReason::none: break;
        case ResetReason::injected:
            cat(out, " Its TTL (", r.ttl, ") is not the one the ", who(r.sender), "'s own segments carried (",
                r.sender_ttl, "): it was likely injected by a middlebox, not sent by the ", who(r.sender), ".");
            break;
        case ResetReason::data_after_close:
            cat(out, " It answers the ", who(other(r.sender)), "'s data sent after the ", who(r.sender),
                "'s FIN: data reaching a closed socket draws an RST.");
            break;
        case ResetReason::after_idle:
            cat(out, " It came after ", Duration{r.quiet_before},
                " of silence: an idle timeout (the application's, a NAT's or a firewall's).");
            break;
        case ResetReason::abortive_close:
            cat(out, " An abortive close: the ", who(r.sender),
                " reset instead of closing gracefully (close() with data unread, or SO_LINGER 0).");
            break;
    }
}

void Narrator::close_half(Buf& out, Side a) const {
    const Side b = other(a);
    const FinFacts& fa = c.fin(a);
    cat(out, "Half-closed: the ", who(a), " closed its direction (FIN, ");
    fin_place(out, a);
    if (fa.acked) cat(out, ", acknowledged by packet ", fa.acked_by_frame);
    append(out, "); ");
    if (c.final_state(b) == State::CLOSE_WAIT)
        cat(out, "the ", who(b),
            " never sent FIN — it is still in CLOSE_WAIT: its application has not called close().");
    else
        cat(out, "the ", who(b), " never sent FIN; it ends in ", state_name(c.final_state(b)), ".");
    if (c.final_state(a) == State::FIN_WAIT_2)
        cat(out, " The ", who(a), " waits in FIN_WAIT_2 for a FIN that has not come.");
}

void Narrator::closing(Buf& out) const {
    const Side first = s.first_fin == Initiator::server ? Side::server : Side::client;
    switch (s.close) {
        case CloseKind::four_way: close_four_way(out, first); break;
        case CloseKind::three_way: close_three_way(out, first); break;
        case CloseKind::simultaneous: close_simultaneous(out); break;
        case CloseKind::reset: close_reset(out); break;
        case CloseKind::half_closed: close_half(out, first); break;
        case CloseKind::open:
            cat(out, "No FIN, no RST: the connection was still open (client ", state_name(c.final_state(Side::client)),
                ", server ", state_name(c.final_state(Side::server)), ") when ",
                c.end_reason() == EndReason::idle      ? "it went idle"
                : c.end_reason() == EndReason::evicted ? "the connection table was full and it was evicted"
                                                       : o.input_end,
                ".");
            break;
        case CloseKind::none:
            return;
    }
    ignored_resets(out);
}

// The RSTs the receiver ignored, in the anomaly list's own terms.
void Narrator::ignored_resets(Buf& out) const {
    const std::uint32_t outside = c.anomaly_count(Anomaly::rst_out_of_window);
    const std::uint32_t not_acking = c.anomaly_count(Anomaly::rst_not_acking_syn);
    if (outside)
        cat(out, " ", plural(outside, "RST", "RSTs"), " outside the receive window ", outside == 1 ? "was" : "were",
            " ignored.");
    if (not_acking)
        cat(out, " ", plural(not_acking, "RST", "RSTs"), " in SYN_SENT that did not acknowledge the SYN ",
            not_acking == 1 ? "was" : "were", " ignored.");
}

}  // namespace tfe::analyzer::text
