// The transition table. Each cell names its column and its row: "in
// FIN_WAIT_2, on snd_fin: stays FIN_WAIT_2, invalid, because ...". A cell
// gives the next state and the one-line reason the reporter quotes;
// `invalid` cells are what a real stack would drop or answer with a
// challenge ACK, and the observer reports them as anomalies, named
// "<state>_<input>" (refusal_name). tests/data/transition-table.txt lists
// every cell: an edit here shows there as a reviewed diff.
#include "core/state.hpp"

#include <algorithm>

namespace tfe {
namespace {

using enum State;
using enum Input;
constexpr Outcome M = Outcome::move;
constexpr Outcome S = Outcome::stay;
constexpr Outcome X = Outcome::invalid;

struct Entry {
    State in;      // the endpoint's state (the column)
    Input on;      // what happened to it (the row)
    State to;      // the next state
    Outcome is;
    std::string_view why;
};

constexpr Entry kEntries[] = {
    // on snd_syn
    {.in = CLOSED, .on = snd_syn, .to = SYN_SENT, .is = M, .why = "active open: sent SYN (RFC 9293 3.5)"},
    {.in = LISTEN, .on = snd_syn, .to = SYN_SENT, .is = M, .why = "a listening endpoint sent SYN (RFC 9293 3.10.2, SEND in LISTEN)"},
    {.in = SYN_SENT, .on = snd_syn, .to = SYN_SENT, .is = S, .why = "SYN retransmitted with the same ISN"},
    {.in = SYN_RECEIVED, .on = snd_syn, .to = SYN_RECEIVED, .is = S, .why = "SYN retransmitted after the peer's SYN arrived"},
    {.in = ESTABLISHED, .on = snd_syn, .to = ESTABLISHED, .is = X, .why = "SYN on a synchronized connection"},
    {.in = FIN_WAIT_1, .on = snd_syn, .to = FIN_WAIT_1, .is = X, .why = "SYN on a synchronized connection"},
    {.in = FIN_WAIT_2, .on = snd_syn, .to = FIN_WAIT_2, .is = X, .why = "SYN on a synchronized connection"},
    {.in = CLOSE_WAIT, .on = snd_syn, .to = CLOSE_WAIT, .is = X, .why = "SYN on a synchronized connection"},
    {.in = CLOSING, .on = snd_syn, .to = CLOSING, .is = X, .why = "SYN on a synchronized connection"},
    {.in = LAST_ACK, .on = snd_syn, .to = LAST_ACK, .is = X, .why = "SYN on a synchronized connection"},
    {.in = TIME_WAIT, .on = snd_syn, .to = TIME_WAIT, .is = X, .why = "SYN from the TIME-WAIT side of the connection"},
    // on snd_syn_ack
    {.in = CLOSED, .on = snd_syn_ack, .to = SYN_RECEIVED, .is = M, .why = "answered a SYN the capture did not show with SYN+ACK"},
    {.in = LISTEN, .on = snd_syn_ack, .to = SYN_RECEIVED, .is = M, .why = "passive open: answered the SYN with SYN+ACK"},
    {.in = SYN_SENT, .on = snd_syn_ack, .to = SYN_RECEIVED, .is = M, .why = "simultaneous open: answered the peer's SYN with SYN+ACK"},
    {.in = SYN_RECEIVED, .on = snd_syn_ack, .to = SYN_RECEIVED, .is = S, .why = "SYN+ACK sent again (retransmission or simultaneous open)"},
    {.in = ESTABLISHED, .on = snd_syn_ack, .to = ESTABLISHED, .is = S, .why = "SYN+ACK retransmitted after the handshake completed"},
    {.in = FIN_WAIT_1, .on = snd_syn_ack, .to = FIN_WAIT_1, .is = X, .why = "SYN+ACK on a closing connection"},
    {.in = FIN_WAIT_2, .on = snd_syn_ack, .to = FIN_WAIT_2, .is = X, .why = "SYN+ACK on a closing connection"},
    {.in = CLOSE_WAIT, .on = snd_syn_ack, .to = CLOSE_WAIT, .is = X, .why = "SYN+ACK on a closing connection"},
    {.in = CLOSING, .on = snd_syn_ack, .to = CLOSING, .is = X, .why = "SYN+ACK on a closing connection"},
    {.in = LAST_ACK, .on = snd_syn_ack, .to = LAST_ACK, .is = X, .why = "SYN+ACK on a closing connection"},
    {.in = TIME_WAIT, .on = snd_syn_ack, .to = TIME_WAIT, .is = X, .why = "SYN+ACK in TIME-WAIT"},
    // on snd_fin
    {.in = CLOSED, .on = snd_fin, .to = CLOSED, .is = X, .why = "FIN from an endpoint without a connection"},
    {.in = LISTEN, .on = snd_fin, .to = LISTEN, .is = X, .why = "FIN from a listening endpoint"},
    {.in = SYN_SENT, .on = snd_fin, .to = SYN_SENT, .is = X, .why = "FIN before the handshake completed (RFC 9293: CLOSE in SYN-SENT sends none)"},
    {.in = SYN_RECEIVED, .on = snd_fin, .to = FIN_WAIT_1, .is = M, .why = "closed during the handshake: sent FIN (RFC 9293 3.10.4, CLOSE in SYN-RECEIVED)"},
    {.in = ESTABLISHED, .on = snd_fin, .to = FIN_WAIT_1, .is = M, .why = "closed first: sent FIN (active close)"},
    {.in = FIN_WAIT_1, .on = snd_fin, .to = FIN_WAIT_1, .is = S, .why = "FIN retransmitted"},
    {.in = FIN_WAIT_2, .on = snd_fin, .to = FIN_WAIT_2, .is = X, .why = "FIN sent again after it was acknowledged (that ACK was lost after the capture point)"},
    {.in = CLOSE_WAIT, .on = snd_fin, .to = LAST_ACK, .is = M, .why = "closed after the peer: sent its own FIN (passive close)"},
    {.in = CLOSING, .on = snd_fin, .to = CLOSING, .is = S, .why = "FIN retransmitted"},
    {.in = LAST_ACK, .on = snd_fin, .to = LAST_ACK, .is = S, .why = "FIN retransmitted"},
    {.in = TIME_WAIT, .on = snd_fin, .to = TIME_WAIT, .is = X, .why = "FIN sent again from TIME-WAIT"},
    // on snd_rst
    {.in = CLOSED, .on = snd_rst, .to = CLOSED, .is = S, .why = "RST from an endpoint without a connection (nothing listens, or the connection is unknown to it)"},
    {.in = LISTEN, .on = snd_rst, .to = CLOSED, .is = M, .why = "refused the connection with RST"},
    {.in = SYN_SENT, .on = snd_rst, .to = CLOSED, .is = M, .why = "aborted the connection attempt with RST"},
    {.in = SYN_RECEIVED, .on = snd_rst, .to = CLOSED, .is = M, .why = "aborted the handshake with RST"},
    {.in = ESTABLISHED, .on = snd_rst, .to = CLOSED, .is = M, .why = "aborted the connection: sent RST (RFC 9293 3.10.7)"},
    {.in = FIN_WAIT_1, .on = snd_rst, .to = CLOSED, .is = M, .why = "aborted while closing: sent RST"},
    {.in = FIN_WAIT_2, .on = snd_rst, .to = CLOSED, .is = M, .why = "aborted while closing: sent RST"},
    {.in = CLOSE_WAIT, .on = snd_rst, .to = CLOSED, .is = M, .why = "aborted while closing: sent RST"},
    {.in = CLOSING, .on = snd_rst, .to = CLOSED, .is = M, .why = "aborted while closing: sent RST"},
    {.in = LAST_ACK, .on = snd_rst, .to = CLOSED, .is = M, .why = "aborted while closing: sent RST"},
    {.in = TIME_WAIT, .on = snd_rst, .to = CLOSED, .is = M, .why = "sent RST from TIME-WAIT"},
    // on rcv_syn
    {.in = CLOSED, .on = rcv_syn, .to = CLOSED, .is = S, .why = "SYN arrived; no answer seen yet"},
    {.in = LISTEN, .on = rcv_syn, .to = SYN_RECEIVED, .is = M, .why = "passive open: received SYN"},
    {.in = SYN_SENT, .on = rcv_syn, .to = SYN_RECEIVED, .is = M, .why = "simultaneous open: the peer's SYN crossed ours (RFC 9293 figure 7)"},
    {.in = SYN_RECEIVED, .on = rcv_syn, .to = SYN_RECEIVED, .is = S, .why = "peer's SYN retransmitted"},
    {.in = ESTABLISHED, .on = rcv_syn, .to = ESTABLISHED, .is = X, .why = "SYN on a synchronized connection (stacks answer with a challenge ACK, RFC 5961)"},
    {.in = FIN_WAIT_1, .on = rcv_syn, .to = FIN_WAIT_1, .is = X, .why = "SYN on a synchronized connection"},
    {.in = FIN_WAIT_2, .on = rcv_syn, .to = FIN_WAIT_2, .is = X, .why = "SYN on a synchronized connection"},
    {.in = CLOSE_WAIT, .on = rcv_syn, .to = CLOSE_WAIT, .is = X, .why = "SYN on a synchronized connection"},
    {.in = CLOSING, .on = rcv_syn, .to = CLOSING, .is = X, .why = "SYN on a synchronized connection"},
    {.in = LAST_ACK, .on = rcv_syn, .to = LAST_ACK, .is = X, .why = "SYN on a synchronized connection"},
    {.in = TIME_WAIT, .on = rcv_syn, .to = TIME_WAIT, .is = S, .why = "a SYN TIME-WAIT may not take (not above the old connection's end, RFC 6191): answered with an ACK of the old connection (RFC 9293 3.10.7.4)"},
    // on rcv_syn_ack
    {.in = CLOSED, .on = rcv_syn_ack, .to = CLOSED, .is = X, .why = "SYN+ACK for a SYN this endpoint did not send"},
    {.in = LISTEN, .on = rcv_syn_ack, .to = LISTEN, .is = X, .why = "SYN+ACK to a listening endpoint"},
    {.in = SYN_SENT, .on = rcv_syn_ack, .to = ESTABLISHED, .is = M, .why = "the peer's SYN+ACK acknowledged our SYN"},
    {.in = SYN_RECEIVED, .on = rcv_syn_ack, .to = ESTABLISHED, .is = M, .why = "simultaneous open: the peer's SYN+ACK acknowledged our SYN"},
    {.in = ESTABLISHED, .on = rcv_syn_ack, .to = ESTABLISHED, .is = S, .why = "duplicate SYN+ACK"},
    {.in = FIN_WAIT_1, .on = rcv_syn_ack, .to = FIN_WAIT_1, .is = X, .why = "old SYN+ACK on a closing connection"},
    {.in = FIN_WAIT_2, .on = rcv_syn_ack, .to = FIN_WAIT_2, .is = X, .why = "old SYN+ACK on a closing connection"},
    {.in = CLOSE_WAIT, .on = rcv_syn_ack, .to = CLOSE_WAIT, .is = X, .why = "old SYN+ACK on a closing connection"},
    {.in = CLOSING, .on = rcv_syn_ack, .to = CLOSING, .is = X, .why = "old SYN+ACK on a closing connection"},
    {.in = LAST_ACK, .on = rcv_syn_ack, .to = LAST_ACK, .is = X, .why = "old SYN+ACK on a closing connection"},
    {.in = TIME_WAIT, .on = rcv_syn_ack, .to = TIME_WAIT, .is = X, .why = "old SYN+ACK in TIME-WAIT"},
    // on rcv_ack_of_syn
    {.in = CLOSED, .on = rcv_ack_of_syn, .to = CLOSED, .is = X, .why = "ACK to an endpoint without a connection"},
    {.in = LISTEN, .on = rcv_ack_of_syn, .to = LISTEN, .is = X, .why = "ACK to a listening endpoint"},
    {.in = SYN_SENT, .on = rcv_ack_of_syn, .to = SYN_SENT, .is = X, .why = "ACK without SYN in SYN-SENT is dropped"},
    {.in = SYN_RECEIVED, .on = rcv_ack_of_syn, .to = ESTABLISHED, .is = M, .why = "the handshake's ACK acknowledged our SYN"},
    {.in = ESTABLISHED, .on = rcv_ack_of_syn, .to = ESTABLISHED, .is = S, .why = "already synchronized"},
    {.in = FIN_WAIT_1, .on = rcv_ack_of_syn, .to = FIN_WAIT_1, .is = S, .why = "already synchronized"},
    {.in = FIN_WAIT_2, .on = rcv_ack_of_syn, .to = FIN_WAIT_2, .is = S, .why = "already synchronized"},
    {.in = CLOSE_WAIT, .on = rcv_ack_of_syn, .to = CLOSE_WAIT, .is = S, .why = "already synchronized"},
    {.in = CLOSING, .on = rcv_ack_of_syn, .to = CLOSING, .is = S, .why = "already synchronized"},
    {.in = LAST_ACK, .on = rcv_ack_of_syn, .to = LAST_ACK, .is = S, .why = "already synchronized"},
    {.in = TIME_WAIT, .on = rcv_ack_of_syn, .to = TIME_WAIT, .is = S, .why = "already synchronized"},
    // on rcv_fin
    {.in = CLOSED, .on = rcv_fin, .to = CLOSED, .is = X, .why = "FIN to an endpoint without a connection"},
    {.in = LISTEN, .on = rcv_fin, .to = LISTEN, .is = X, .why = "FIN to a listening endpoint"},
    {.in = SYN_SENT, .on = rcv_fin, .to = SYN_SENT, .is = X, .why = "FIN in SYN-SENT is dropped (RFC 9293 3.10.7.3)"},
    {.in = SYN_RECEIVED, .on = rcv_fin, .to = CLOSE_WAIT, .is = M, .why = "the peer closed during the handshake: received FIN"},
    {.in = ESTABLISHED, .on = rcv_fin, .to = CLOSE_WAIT, .is = M, .why = "the peer closed first: received FIN, may still send (half-close)"},
    {.in = FIN_WAIT_1, .on = rcv_fin, .to = CLOSING, .is = M, .why = "simultaneous close: the peer's FIN arrived before the ACK of ours"},
    {.in = FIN_WAIT_2, .on = rcv_fin, .to = TIME_WAIT, .is = M, .why = "the peer's FIN arrived after ours was acknowledged (four-way close)"},
    {.in = CLOSE_WAIT, .on = rcv_fin, .to = CLOSE_WAIT, .is = S, .why = "the peer's FIN retransmitted"},
    {.in = CLOSING, .on = rcv_fin, .to = CLOSING, .is = S, .why = "the peer's FIN retransmitted"},
    {.in = LAST_ACK, .on = rcv_fin, .to = LAST_ACK, .is = S, .why = "the peer's FIN retransmitted"},
    {.in = TIME_WAIT, .on = rcv_fin, .to = TIME_WAIT, .is = M, .why = "the peer's FIN retransmitted: acknowledged again, 2*MSL restarts (RFC 9293 3.10.7.4)"},
    // on rcv_fin_acking_fin
    {.in = CLOSED, .on = rcv_fin_acking_fin, .to = CLOSED, .is = X, .why = "FIN to an endpoint without a connection"},
    {.in = LISTEN, .on = rcv_fin_acking_fin, .to = LISTEN, .is = X, .why = "FIN to a listening endpoint"},
    {.in = SYN_SENT, .on = rcv_fin_acking_fin, .to = SYN_SENT, .is = X, .why = "FIN in SYN-SENT is dropped"},
    {.in = SYN_RECEIVED, .on = rcv_fin_acking_fin, .to = SYN_RECEIVED, .is = X, .why = "FIN acknowledging a FIN that was not sent"},
    {.in = ESTABLISHED, .on = rcv_fin_acking_fin, .to = ESTABLISHED, .is = X, .why = "FIN acknowledging a FIN that was not sent"},
    {.in = FIN_WAIT_1, .on = rcv_fin_acking_fin, .to = TIME_WAIT, .is = M, .why = "the peer's FIN also acknowledged ours: ACK and FIN merged (three-way close)"},
    {.in = FIN_WAIT_2, .on = rcv_fin_acking_fin, .to = TIME_WAIT, .is = M, .why = "the peer's FIN arrived after ours was acknowledged (four-way close)"},
    {.in = CLOSE_WAIT, .on = rcv_fin_acking_fin, .to = CLOSE_WAIT, .is = X, .why = "FIN acknowledging a FIN that was not sent"},
    {.in = CLOSING, .on = rcv_fin_acking_fin, .to = TIME_WAIT, .is = M, .why = "the peer's FIN, sent again, now acknowledges ours"},
    {.in = LAST_ACK, .on = rcv_fin_acking_fin, .to = CLOSED, .is = M, .why = "the peer's FIN, sent again, acknowledged ours: passive close complete"},
    {.in = TIME_WAIT, .on = rcv_fin_acking_fin, .to = TIME_WAIT, .is = M, .why = "the peer's FIN retransmitted: acknowledged again, 2*MSL restarts (RFC 9293 3.10.7.4)"},
    // on rcv_ack_of_fin
    {.in = CLOSED, .on = rcv_ack_of_fin, .to = CLOSED, .is = S, .why = "duplicate ACK of our FIN"},
    {.in = LISTEN, .on = rcv_ack_of_fin, .to = LISTEN, .is = X, .why = "ACK to a listening endpoint"},
    {.in = SYN_SENT, .on = rcv_ack_of_fin, .to = SYN_SENT, .is = X, .why = "ACK of a FIN in SYN-SENT"},
    {.in = SYN_RECEIVED, .on = rcv_ack_of_fin, .to = SYN_RECEIVED, .is = X, .why = "ACK of a FIN in SYN-RECEIVED"},
    {.in = ESTABLISHED, .on = rcv_ack_of_fin, .to = ESTABLISHED, .is = X, .why = "ACK of a FIN that was not sent"},
    {.in = FIN_WAIT_1, .on = rcv_ack_of_fin, .to = FIN_WAIT_2, .is = M, .why = "our FIN was acknowledged; waiting for the peer's FIN"},
    {.in = FIN_WAIT_2, .on = rcv_ack_of_fin, .to = FIN_WAIT_2, .is = S, .why = "duplicate ACK of our FIN"},
    {.in = CLOSE_WAIT, .on = rcv_ack_of_fin, .to = CLOSE_WAIT, .is = X, .why = "ACK of a FIN that was not sent"},
    {.in = CLOSING, .on = rcv_ack_of_fin, .to = TIME_WAIT, .is = M, .why = "our FIN was acknowledged after the FINs crossed"},
    {.in = LAST_ACK, .on = rcv_ack_of_fin, .to = CLOSED, .is = M, .why = "our FIN was acknowledged: passive close complete"},
    {.in = TIME_WAIT, .on = rcv_ack_of_fin, .to = TIME_WAIT, .is = S, .why = "duplicate ACK of our FIN"},
    // on rcv_rst
    {.in = CLOSED, .on = rcv_rst, .to = CLOSED, .is = S, .why = "RST to an endpoint without a connection"},
    {.in = LISTEN, .on = rcv_rst, .to = LISTEN, .is = S, .why = "a listening endpoint ignores RST (RFC 9293 3.10.7.2)"},
    {.in = SYN_SENT, .on = rcv_rst, .to = CLOSED, .is = M, .why = "the connection attempt was refused: RST acknowledged our SYN"},
    {.in = SYN_RECEIVED, .on = rcv_rst, .to = CLOSED, .is = M, .why = "RST during the handshake"},
    {.in = ESTABLISHED, .on = rcv_rst, .to = CLOSED, .is = M, .why = "RST received: the connection was reset"},
    {.in = FIN_WAIT_1, .on = rcv_rst, .to = CLOSED, .is = M, .why = "RST received while closing"},
    {.in = FIN_WAIT_2, .on = rcv_rst, .to = CLOSED, .is = M, .why = "RST received while closing"},
    {.in = CLOSE_WAIT, .on = rcv_rst, .to = CLOSED, .is = M, .why = "RST received while closing"},
    {.in = CLOSING, .on = rcv_rst, .to = CLOSED, .is = M, .why = "RST received while closing"},
    {.in = LAST_ACK, .on = rcv_rst, .to = CLOSED, .is = M, .why = "RST received while closing"},
    {.in = TIME_WAIT, .on = rcv_rst, .to = CLOSED, .is = M, .why = "RST in TIME-WAIT ended it early (RFC 1337)"},
    // on rcv_icmp_error (core/connection_icmp.cpp decides it: an error quoting
    // the SYN, not fragmentation needed, and no segment from the endpoint after it)
    {.in = CLOSED, .on = rcv_icmp_error, .to = CLOSED, .is = S, .why = "no connection for the ICMP error to end"},
    {.in = LISTEN, .on = rcv_icmp_error, .to = LISTEN, .is = S, .why = "a listening endpoint ignores ICMP errors"},
    {.in = SYN_SENT, .on = rcv_icmp_error, .to = CLOSED, .is = M, .why = "an ICMP error for its SYN ended the connection attempt (Linux aborts SYN-SENT on any unreachable or time exceeded; RFC 1122 4.2.3.9, RFC 5461 section 4)"},
    {.in = SYN_RECEIVED, .on = rcv_icmp_error, .to = SYN_RECEIVED, .is = S, .why = "an ICMP error in SYN-RECEIVED: whether the stack dropped the half-open connection the capture cannot show"},
    {.in = ESTABLISHED, .on = rcv_icmp_error, .to = ESTABLISHED, .is = S, .why = "a synchronized connection goes on after an ICMP error (RFC 1122 4.2.3.9)"},
    {.in = FIN_WAIT_1, .on = rcv_icmp_error, .to = FIN_WAIT_1, .is = S, .why = "a synchronized connection goes on after an ICMP error (RFC 1122 4.2.3.9)"},
    {.in = FIN_WAIT_2, .on = rcv_icmp_error, .to = FIN_WAIT_2, .is = S, .why = "a synchronized connection goes on after an ICMP error (RFC 1122 4.2.3.9)"},
    {.in = CLOSE_WAIT, .on = rcv_icmp_error, .to = CLOSE_WAIT, .is = S, .why = "a synchronized connection goes on after an ICMP error (RFC 1122 4.2.3.9)"},
    {.in = CLOSING, .on = rcv_icmp_error, .to = CLOSING, .is = S, .why = "a synchronized connection goes on after an ICMP error (RFC 1122 4.2.3.9)"},
    {.in = LAST_ACK, .on = rcv_icmp_error, .to = LAST_ACK, .is = S, .why = "a synchronized connection goes on after an ICMP error (RFC 1122 4.2.3.9)"},
    {.in = TIME_WAIT, .on = rcv_icmp_error, .to = TIME_WAIT, .is = S, .why = "TIME-WAIT ignores ICMP errors"},
    // on timer_2msl
    {.in = CLOSED, .on = timer_2msl, .to = CLOSED, .is = S, .why = "no timer"},
    {.in = LISTEN, .on = timer_2msl, .to = LISTEN, .is = S, .why = "no timer"},
    {.in = SYN_SENT, .on = timer_2msl, .to = SYN_SENT, .is = S, .why = "no timer"},
    {.in = SYN_RECEIVED, .on = timer_2msl, .to = SYN_RECEIVED, .is = S, .why = "no timer"},
    {.in = ESTABLISHED, .on = timer_2msl, .to = ESTABLISHED, .is = S, .why = "no timer"},
    {.in = FIN_WAIT_1, .on = timer_2msl, .to = FIN_WAIT_1, .is = S, .why = "no timer"},
    {.in = FIN_WAIT_2, .on = timer_2msl, .to = FIN_WAIT_2, .is = S, .why = "no timer"},
    {.in = CLOSE_WAIT, .on = timer_2msl, .to = CLOSE_WAIT, .is = S, .why = "no timer"},
    {.in = CLOSING, .on = timer_2msl, .to = CLOSING, .is = S, .why = "no timer"},
    {.in = LAST_ACK, .on = timer_2msl, .to = LAST_ACK, .is = S, .why = "no timer"},
    {.in = TIME_WAIT, .on = timer_2msl, .to = CLOSED, .is = M, .why = "2*MSL of capture time passed in TIME-WAIT"},
    // on passive_open (an initial state, inferred)
    {.in = CLOSED, .on = passive_open, .to = LISTEN, .is = M, .why = "it answered the SYN, so it was listening (passive OPEN, RFC 9293 3.10.1)"},
    {.in = LISTEN, .on = passive_open, .to = LISTEN, .is = S, .why = "already listening"},
    {.in = SYN_SENT, .on = passive_open, .to = SYN_SENT, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    {.in = SYN_RECEIVED, .on = passive_open, .to = SYN_RECEIVED, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    {.in = ESTABLISHED, .on = passive_open, .to = ESTABLISHED, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    {.in = FIN_WAIT_1, .on = passive_open, .to = FIN_WAIT_1, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    {.in = FIN_WAIT_2, .on = passive_open, .to = FIN_WAIT_2, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    {.in = CLOSE_WAIT, .on = passive_open, .to = CLOSE_WAIT, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    {.in = CLOSING, .on = passive_open, .to = CLOSING, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    {.in = LAST_ACK, .on = passive_open, .to = LAST_ACK, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    {.in = TIME_WAIT, .on = passive_open, .to = TIME_WAIT, .is = X, .why = "only an endpoint not yet seen is inferred to have been listening"},
    // on seen_mid_stream (an initial state, inferred)
    {.in = CLOSED, .on = seen_mid_stream, .to = ESTABLISHED, .is = M, .why = "its first segment came mid-connection: synchronized before the capture began"},
    {.in = LISTEN, .on = seen_mid_stream, .to = LISTEN, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
    {.in = SYN_SENT, .on = seen_mid_stream, .to = SYN_SENT, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
    {.in = SYN_RECEIVED, .on = seen_mid_stream, .to = SYN_RECEIVED, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
    {.in = ESTABLISHED, .on = seen_mid_stream, .to = ESTABLISHED, .is = S, .why = "already synchronized"},
    {.in = FIN_WAIT_1, .on = seen_mid_stream, .to = FIN_WAIT_1, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
    {.in = FIN_WAIT_2, .on = seen_mid_stream, .to = FIN_WAIT_2, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
    {.in = CLOSE_WAIT, .on = seen_mid_stream, .to = CLOSE_WAIT, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
    {.in = CLOSING, .on = seen_mid_stream, .to = CLOSING, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
    {.in = LAST_ACK, .on = seen_mid_stream, .to = LAST_ACK, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
    {.in = TIME_WAIT, .on = seen_mid_stream, .to = TIME_WAIT, .is = X, .why = "only an endpoint not yet seen is inferred to have been synchronized"},
};
static_assert(std::size(kEntries) == kStateCount * kInputCount, "one entry per state and input");

using Row = std::array<Cell, kStateCount>;

// The entries as a table indexed [input][state]; a cell given twice or not
// at all stops the build.
constexpr std::array<Row, kInputCount> build_table() {
    std::array<Row, kInputCount> t{};
    std::array<std::array<bool, kStateCount>, kInputCount> given{};
    for (const Entry& e : kEntries) {
        auto& seen = given[static_cast<std::size_t>(e.on)][static_cast<std::size_t>(e.in)];
        if (seen) throw "a cell is given twice";
        seen = true;
        t[static_cast<std::size_t>(e.on)][static_cast<std::size_t>(e.in)] = Cell{e.to, e.is, e.why};
    }
    return t;
}
constexpr std::array<Row, kInputCount> kTable = build_table();

constexpr const Cell& cell(State s, Input i) {
    return kTable[static_cast<std::size_t>(i)][static_cast<std::size_t>(s)];
}

// Pin the teardown cells the whole product depends on (STYLE.md, practice 3).
static_assert(cell(FIN_WAIT_1, Input::rcv_fin_acking_fin).next == TIME_WAIT,
              "merged close: FIN_WAIT_1 + peer FIN acknowledging ours -> TIME_WAIT");
static_assert(cell(FIN_WAIT_1, Input::rcv_fin).next == CLOSING,
              "simultaneous close: FIN_WAIT_1 + peer FIN not acknowledging ours -> CLOSING");
static_assert(cell(CLOSING, Input::rcv_ack_of_fin).next == TIME_WAIT);
static_assert(cell(FIN_WAIT_1, Input::rcv_ack_of_fin).next == FIN_WAIT_2);
static_assert(cell(FIN_WAIT_2, Input::rcv_fin).next == TIME_WAIT);
static_assert(cell(ESTABLISHED, Input::rcv_fin).next == CLOSE_WAIT);
static_assert(cell(CLOSE_WAIT, Input::snd_fin).next == LAST_ACK);
static_assert(cell(LAST_ACK, Input::rcv_ack_of_fin).next == CLOSED);
static_assert(cell(SYN_SENT, Input::rcv_syn).next == SYN_RECEIVED);
static_assert(cell(SYN_SENT, Input::rcv_syn_ack).next == ESTABLISHED);
static_assert(cell(TIME_WAIT, Input::timer_2msl).next == CLOSED);
static_assert(cell(SYN_SENT, Input::rcv_icmp_error).next == CLOSED);

// Every `stay` cell keeps its column's state.
constexpr bool stays_are_consistent() {
    for (std::size_t i = 0; i < kInputCount; ++i)
        for (std::size_t s = 0; s < kStateCount; ++s)
            if (kTable[i][s].outcome != Outcome::move &&
                static_cast<std::size_t>(kTable[i][s].next) != s)
                return false;
    return true;
}
static_assert(stays_are_consistent());

constexpr bool reasons_are_plain_text() {
    for (const Row& row : kTable)
        for (const Cell& c : row)
            if (!is_plain_text(c.why)) return false;
    return true;
}
static_assert(reasons_are_plain_text(), "reports write the reasons into JSON strings unescaped");

}  // namespace

Cell transition(State from, Input input) { return cell(from, input); }

std::string refusal_name(State in, Input on) {
    std::string name(state_name(in));
    std::transform(name.begin(), name.end(), name.begin(), [](char ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; });
    name += '_';
    name += input_name(on);
    return name;
}

bool refusal_from_name(std::string_view name, State& in, Input& on) {
    for (std::size_t s = 0; s < kStateCount; ++s)
        for (std::size_t i = 0; i < kInputCount; ++i)
            if (refusal_name(static_cast<State>(s), static_cast<Input>(i)) == name) {
                in = static_cast<State>(s);
                on = static_cast<Input>(i);
                return true;
            }
    return false;
}

}  // namespace tfe
