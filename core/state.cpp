// The transition table. Rows are inputs, columns are states in the order of
// the State enum. Each cell gives the next state and the one-line reason the
// reporter quotes; `invalid` cells are what a real stack would drop or
// answer with a challenge ACK, and the observer reports them as anomalies.
#include "core/state.hpp"

namespace tfe {
namespace {

using enum State;
constexpr Outcome M = Outcome::move;
constexpr Outcome S = Outcome::stay;
constexpr Outcome X = Outcome::invalid;

using Row = std::array<Cell, kStateCount>;

// Columns: CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1,
//          FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT
constexpr std::array<Row, kInputCount> kTable = {{
    // snd_syn
    Row{{
        {SYN_SENT, M, "active open: sent SYN (RFC 9293 3.5)"},
        {SYN_SENT, M, "a listening endpoint sent SYN (RFC 9293 3.10.2, SEND in LISTEN)"},
        {SYN_SENT, S, "SYN retransmitted with the same ISN"},
        {SYN_RECEIVED, S, "SYN retransmitted after the peer's SYN arrived"},
        {ESTABLISHED, X, "SYN on a synchronized connection"},
        {FIN_WAIT_1, X, "SYN on a synchronized connection"},
        {FIN_WAIT_2, X, "SYN on a synchronized connection"},
        {CLOSE_WAIT, X, "SYN on a synchronized connection"},
        {CLOSING, X, "SYN on a synchronized connection"},
        {LAST_ACK, X, "SYN on a synchronized connection"},
        {TIME_WAIT, X, "SYN from the TIME-WAIT side of the connection"},
    }},
    // snd_syn_ack
    Row{{
        {SYN_RECEIVED, M, "answered a SYN the capture did not show with SYN+ACK"},
        {SYN_RECEIVED, M, "passive open: answered the SYN with SYN+ACK"},
        {SYN_RECEIVED, M, "simultaneous open: answered the peer's SYN with SYN+ACK"},
        {SYN_RECEIVED, S, "SYN+ACK sent again (retransmission or simultaneous open)"},
        {ESTABLISHED, S, "SYN+ACK retransmitted after the handshake completed"},
        {FIN_WAIT_1, X, "SYN+ACK on a closing connection"},
        {FIN_WAIT_2, X, "SYN+ACK on a closing connection"},
        {CLOSE_WAIT, X, "SYN+ACK on a closing connection"},
        {CLOSING, X, "SYN+ACK on a closing connection"},
        {LAST_ACK, X, "SYN+ACK on a closing connection"},
        {TIME_WAIT, X, "SYN+ACK in TIME-WAIT"},
    }},
    // snd_fin
    Row{{
        {CLOSED, X, "FIN from an endpoint without a connection"},
        {LISTEN, X, "FIN from a listening endpoint"},
        {SYN_SENT, X, "FIN before the handshake completed (RFC 9293: CLOSE in SYN-SENT sends none)"},
        {FIN_WAIT_1, M, "closed during the handshake: sent FIN (RFC 9293 3.10.4, CLOSE in SYN-RECEIVED)"},
        {FIN_WAIT_1, M, "closed first: sent FIN (active close)"},
        {FIN_WAIT_1, S, "FIN retransmitted"},
        {FIN_WAIT_2, X, "FIN sent again after it was acknowledged (that ACK was lost after the capture point)"},
        {LAST_ACK, M, "closed after the peer: sent its own FIN (passive close)"},
        {CLOSING, S, "FIN retransmitted"},
        {LAST_ACK, S, "FIN retransmitted"},
        {TIME_WAIT, X, "FIN sent again from TIME-WAIT"},
    }},
    // snd_rst
    Row{{
        {CLOSED, S, "RST from an endpoint without a connection (nothing listens, or the connection is unknown to it)"},
        {CLOSED, M, "refused the connection with RST"},
        {CLOSED, M, "aborted the connection attempt with RST"},
        {CLOSED, M, "aborted the handshake with RST"},
        {CLOSED, M, "aborted the connection: sent RST (RFC 9293 3.10.7)"},
        {CLOSED, M, "aborted while closing: sent RST"},
        {CLOSED, M, "aborted while closing: sent RST"},
        {CLOSED, M, "aborted while closing: sent RST"},
        {CLOSED, M, "aborted while closing: sent RST"},
        {CLOSED, M, "aborted while closing: sent RST"},
        {CLOSED, M, "sent RST from TIME-WAIT"},
    }},
    // rcv_syn
    Row{{
        {CLOSED, S, "SYN arrived; no answer seen yet"},
        {SYN_RECEIVED, M, "passive open: received SYN"},
        {SYN_RECEIVED, M, "simultaneous open: the peer's SYN crossed ours (RFC 9293 figure 7)"},
        {SYN_RECEIVED, S, "peer's SYN retransmitted"},
        {ESTABLISHED, X, "SYN on a synchronized connection (stacks answer with a challenge ACK, RFC 5961)"},
        {FIN_WAIT_1, X, "SYN on a synchronized connection"},
        {FIN_WAIT_2, X, "SYN on a synchronized connection"},
        {CLOSE_WAIT, X, "SYN on a synchronized connection"},
        {CLOSING, X, "SYN on a synchronized connection"},
        {LAST_ACK, X, "SYN on a synchronized connection"},
        {TIME_WAIT, X, "SYN reached TIME-WAIT"},
    }},
    // rcv_syn_ack
    Row{{
        {CLOSED, X, "SYN+ACK for a SYN this endpoint did not send"},
        {LISTEN, X, "SYN+ACK to a listening endpoint"},
        {ESTABLISHED, M, "the peer's SYN+ACK acknowledged our SYN"},
        {ESTABLISHED, M, "simultaneous open: the peer's SYN+ACK acknowledged our SYN"},
        {ESTABLISHED, S, "duplicate SYN+ACK"},
        {FIN_WAIT_1, X, "old SYN+ACK on a closing connection"},
        {FIN_WAIT_2, X, "old SYN+ACK on a closing connection"},
        {CLOSE_WAIT, X, "old SYN+ACK on a closing connection"},
        {CLOSING, X, "old SYN+ACK on a closing connection"},
        {LAST_ACK, X, "old SYN+ACK on a closing connection"},
        {TIME_WAIT, X, "old SYN+ACK in TIME-WAIT"},
    }},
    // rcv_ack_of_syn
    Row{{
        {CLOSED, X, "ACK to an endpoint without a connection"},
        {LISTEN, X, "ACK to a listening endpoint"},
        {SYN_SENT, X, "ACK without SYN in SYN-SENT is dropped"},
        {ESTABLISHED, M, "the handshake's ACK acknowledged our SYN"},
        {ESTABLISHED, S, "already synchronized"},
        {FIN_WAIT_1, S, "already synchronized"},
        {FIN_WAIT_2, S, "already synchronized"},
        {CLOSE_WAIT, S, "already synchronized"},
        {CLOSING, S, "already synchronized"},
        {LAST_ACK, S, "already synchronized"},
        {TIME_WAIT, S, "already synchronized"},
    }},
    // rcv_fin
    Row{{
        {CLOSED, X, "FIN to an endpoint without a connection"},
        {LISTEN, X, "FIN to a listening endpoint"},
        {SYN_SENT, X, "FIN in SYN-SENT is dropped (RFC 9293 3.10.7.3)"},
        {CLOSE_WAIT, M, "the peer closed during the handshake: received FIN"},
        {CLOSE_WAIT, M, "the peer closed first: received FIN, may still send (half-close)"},
        {CLOSING, M, "simultaneous close: the peer's FIN arrived before the ACK of ours"},
        {TIME_WAIT, M, "the peer's FIN arrived after ours was acknowledged (four-way close)"},
        {CLOSE_WAIT, S, "the peer's FIN retransmitted"},
        {CLOSING, S, "the peer's FIN retransmitted"},
        {LAST_ACK, S, "the peer's FIN retransmitted"},
        {TIME_WAIT, M, "the peer's FIN retransmitted: acknowledged again, 2*MSL restarts (RFC 9293 3.10.7.4)"},
    }},
    // rcv_fin_acking_fin
    Row{{
        {CLOSED, X, "FIN to an endpoint without a connection"},
        {LISTEN, X, "FIN to a listening endpoint"},
        {SYN_SENT, X, "FIN in SYN-SENT is dropped"},
        {SYN_RECEIVED, X, "FIN acknowledging a FIN that was not sent"},
        {ESTABLISHED, X, "FIN acknowledging a FIN that was not sent"},
        {TIME_WAIT, M, "the peer's FIN also acknowledged ours: ACK and FIN merged (three-way close)"},
        {TIME_WAIT, M, "the peer's FIN arrived after ours was acknowledged (four-way close)"},
        {CLOSE_WAIT, X, "FIN acknowledging a FIN that was not sent"},
        {TIME_WAIT, M, "the peer's FIN, sent again, now acknowledges ours"},
        {CLOSED, M, "the peer's FIN, sent again, acknowledged ours: passive close complete"},
        {TIME_WAIT, M, "the peer's FIN retransmitted: acknowledged again, 2*MSL restarts (RFC 9293 3.10.7.4)"},
    }},
    // rcv_ack_of_fin
    Row{{
        {CLOSED, S, "duplicate ACK of our FIN"},
        {LISTEN, X, "ACK to a listening endpoint"},
        {SYN_SENT, X, "ACK of a FIN in SYN-SENT"},
        {SYN_RECEIVED, X, "ACK of a FIN in SYN-RECEIVED"},
        {ESTABLISHED, X, "ACK of a FIN that was not sent"},
        {FIN_WAIT_2, M, "our FIN was acknowledged; waiting for the peer's FIN"},
        {FIN_WAIT_2, S, "duplicate ACK of our FIN"},
        {CLOSE_WAIT, X, "ACK of a FIN that was not sent"},
        {TIME_WAIT, M, "our FIN was acknowledged after the FINs crossed"},
        {CLOSED, M, "our FIN was acknowledged: passive close complete"},
        {TIME_WAIT, S, "duplicate ACK of our FIN"},
    }},
    // rcv_rst
    Row{{
        {CLOSED, S, "RST to an endpoint without a connection"},
        {LISTEN, S, "a listening endpoint ignores RST (RFC 9293 3.10.7.2)"},
        {CLOSED, M, "the connection attempt was refused: RST acknowledged our SYN"},
        {CLOSED, M, "RST during the handshake"},
        {CLOSED, M, "RST received: the connection was reset"},
        {CLOSED, M, "RST received while closing"},
        {CLOSED, M, "RST received while closing"},
        {CLOSED, M, "RST received while closing"},
        {CLOSED, M, "RST received while closing"},
        {CLOSED, M, "RST received while closing"},
        {CLOSED, M, "RST in TIME-WAIT ended it early (RFC 1337)"},
    }},
    // timer_2msl
    Row{{
        {CLOSED, S, "no timer"}, {LISTEN, S, "no timer"}, {SYN_SENT, S, "no timer"},
        {SYN_RECEIVED, S, "no timer"}, {ESTABLISHED, S, "no timer"},
        {FIN_WAIT_1, S, "no timer"}, {FIN_WAIT_2, S, "no timer"},
        {CLOSE_WAIT, S, "no timer"}, {CLOSING, S, "no timer"}, {LAST_ACK, S, "no timer"},
        {CLOSED, M, "2*MSL of capture time passed in TIME-WAIT"},
    }},
}};

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

}  // namespace tfe
