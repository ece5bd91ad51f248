// RFC 9293 connection states and the per-endpoint transition table.
//
// The table is the specification (as in netfilter's conntrack): one row per
// input *as seen by one endpoint*, one column per state, and a cell says the
// next state and why. Guards such as "does this FIN also acknowledge ours?"
// are computed before the lookup (see Connection), so no cell needs an `if`.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tfe {

enum class State : std::uint8_t {
    CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED,
    FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT,
};
inline constexpr std::size_t kStateCount = 11;

// At namespace scope, not inside the function: a local array would be
// rebuilt on every call (C++20 has no static locals in constexpr functions).
inline constexpr std::array<std::string_view, kStateCount> kStateNames = {
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
    "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};
constexpr std::string_view state_name(State s) { return kStateNames[static_cast<std::size_t>(s)]; }

// What happened to one endpoint. "snd_*" inputs are segments the endpoint
// sent; "rcv_*" inputs are segments delivered to it.
enum class Input : std::uint8_t {
    snd_syn,              // sent SYN without ACK (active open)
    snd_syn_ack,          // sent SYN+ACK
    snd_fin,              // sent FIN (first time or again)
    snd_rst,              // sent RST
    rcv_syn,              // peer's SYN without ACK delivered
    rcv_syn_ack,          // peer's SYN+ACK that acknowledges our SYN
    rcv_ack_of_syn,       // ACK covering our SYN (no SYN in it)
    rcv_fin,              // peer's FIN that does not acknowledge a FIN of ours
    rcv_fin_acking_fin,   // peer's FIN that also acknowledges our FIN (merged)
    rcv_ack_of_fin,       // ACK covering our FIN, no FIN in it
    rcv_rst,              // acceptable RST (in window; in SYN_SENT: acks our SYN)
    rcv_icmp_error,       // an ICMP/ICMPv6 error quoting our SYN, of a kind Linux aborts
                          // a connection attempt on, and nothing sent after it
    timer_2msl,           // 2*MSL of capture time passed in TIME_WAIT
    // How an endpoint's first state is inferred when the capture does not
    // show how it got there (initial states: no transition is recorded).
    passive_open,         // it answered a SYN: it was listening
    seen_mid_stream,      // its first segment came mid-connection: synchronized before
};
inline constexpr std::size_t kInputCount = 15;

// A segment the endpoint sent (snd_*), rather than one delivered to it.
constexpr bool is_sent(Input i) { return i <= Input::snd_rst; }

inline constexpr std::array<std::string_view, kInputCount> kInputNames = {
    "snd_syn", "snd_syn_ack", "snd_fin", "snd_rst",
    "rcv_syn", "rcv_syn_ack", "rcv_ack_of_syn", "rcv_fin",
    "rcv_fin_acking_fin", "rcv_ack_of_fin", "rcv_rst", "rcv_icmp_error", "timer_2msl",
    "passive_open", "seen_mid_stream",
};
constexpr std::string_view input_name(Input i) { return kInputNames[static_cast<std::size_t>(i)]; }

// What a cell means.
enum class Outcome : std::uint8_t {
    move,     // a state change (or TIME_WAIT restarting its timer)
    stay,     // legitimate, nothing changes (retransmission, duplicate)
    invalid,  // a stack would not do / accept this here: noted as an anomaly
};

struct Cell {
    State next;
    Outcome outcome;
    std::string_view why;  // one line, RFC 9293 wording where there is one
};

// Plain text: no '"', '\\' or control character, so a reason can stand in a
// JSON string (or a terminal) as it is. Every reason in the table is
// (checked at compile time in state.cpp).
constexpr bool is_plain_text(std::string_view s) {
    for (const char ch : s)
        if (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return false;
    return true;
}

// Looks up table[input][state].
Cell transition(State from, Input input);

// The stable machine name of a cell, "<state>_<input>" in lower case
// ("time_wait_snd_fin"): what an `invalid` cell's refusal is called in JSON
// and in --fail-on.
std::string refusal_name(State in, Input on);

// The (state, input) pair called `name`; false when none is.
bool refusal_from_name(std::string_view name, State& in, Input& on);

// Whether an input, delivered in `from`, changes anything: used to decide
// which delivered segments must wait for confirmation (see Connection).
inline bool changes_state(State from, Input input) {
    return transition(from, input).outcome == Outcome::move;
}

}  // namespace tfe
