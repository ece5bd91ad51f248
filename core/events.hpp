// What the core records about a connection, for the analyzer to narrate.
// Every record carries the facts it was decided from (frames, numbers), so
// the reporter never has to look at a packet again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/flags.hpp"
#include "core/segment.hpp"
#include "core/seq.hpp"
#include "core/state.hpp"

namespace tfe {

enum class Side : std::uint8_t { client = 0, server = 1 };
constexpr Side other(Side s) { return s == Side::client ? Side::server : Side::client; }
constexpr std::string_view side_name(Side s) { return s == Side::client ? "client" : "server"; }

// How the observer knows a segment reached the endpoint whose state it moved.
enum class Delivery : std::uint8_t {
    sent,             // the endpoint sent the segment itself
    on_arrival,       // nothing contradicted delivery when the segment was seen
    acknowledged,     // the receiver's later ACK covered it (it had crossed one
                      // of the receiver's own segments)
    followed,         // a later segment from the same sender arrived after it
    end_of_capture,   // never acknowledged in the capture; assumed delivered
    timer,            // no segment: a timer expired in capture time
    silence,          // never acknowledged, but nothing came back for the
                      // linger after it (no retransmission): delivered
    icmp_error,       // an ICMP error quoting the endpoint's own segment (the
                      // cause, frame = the ICMP's) reached it, and it sent
                      // nothing after it: its stack acted on it
};

inline constexpr std::size_t kDeliveryCount = 8;

constexpr std::string_view delivery_name(Delivery d) {
    switch (d) {
        case Delivery::sent: return "sent";
        case Delivery::on_arrival: return "on_arrival";
        case Delivery::acknowledged: return "acknowledged";
        case Delivery::followed: return "followed";
        case Delivery::end_of_capture: return "end_of_capture";
        case Delivery::timer: return "timer";
        case Delivery::silence: return "silence";
        case Delivery::icmp_error: return "icmp_error";
    }
    return "?";
}

// Enough of one segment to label it (in a ladder line, in a sentence).
struct SegmentFacts {
    std::uint64_t frame = 0;     // 0: none
    SeqNum seq, ack;
    std::uint32_t payload_len = 0;
    TcpFlags flags;
    Side sender = Side::client;
};

// Why a delivery was placed later than its segment: the receiver's first
// segment that did not acknowledge the cause (it was sent before the cause
// arrived), and the segment that then proved arrival. Rare, so kept beside
// the transitions rather than in each.
struct Crossing {
    SegmentFacts evidence;       // the proving segment (frame 0: the connection ended first)
    std::uint64_t crossed_frame = 0;
    SeqNum crossed_ack;
    TcpFlags crossed_flags;      // without ACK, crossed_ack means nothing
};

struct Transition {
    static constexpr std::uint8_t kNoCrossing = 0xff;

    TimeNs ts = 0;               // when the observer places the change
    std::uint64_t frame = 0;     // the frame it is placed at (0: timer)
    std::uint64_t cause_frame = 0;  // the segment that caused it (0: timer)
    SeqNum seq, ack;             // the causing segment's numbers (absolute)
    std::uint32_t seq_len = 0;   // its length in sequence space
    TcpFlags flags;              // its flags
    Side endpoint = Side::client;
    State from = State::CLOSED, to = State::CLOSED;
    Input input = Input::snd_syn;
    Delivery delivery = Delivery::sent;
    std::uint8_t crossing = kNoCrossing;  // index into Connection::crossings()

    bool operator==(const Transition&) const = default;
};

// The side that sent the segment which caused a transition (for an ICMP
// error, the endpoint whose segment it quotes).
constexpr Side cause_sender(const Transition& t) {
    return t.delivery == Delivery::sent || t.delivery == Delivery::icmp_error ? t.endpoint : other(t.endpoint);
}

// Anomalies, named so a person can read them (after Zeek's weird names).
enum class Anomaly : std::uint8_t {
    retransmission,
    syn_retransmission,
    synack_retransmission,
    fin_retransmission,
    keep_alive,
    out_of_order,
    previous_segment_not_captured,
    acked_unseen_segment,
    duplicate_frame,
    data_after_fin,
    data_after_reset,       // data sent after the connection was reset
    syn_after_refusal,      // the same SYN again after an RST refused it (the stack retried)
    data_before_established,
    rst_out_of_window,
    rst_not_acking_syn,
    rst_challenged,         // in window but not at RCV.NXT: the receiver went on (RFC 5961 challenge ACK)
    unexpected_segment,     // an `invalid` cell of the transition table
    ack_lost_after_capture, // a retransmission proved an ACK never arrived
    odd_flags,
    bad_checksum,
    truncated_payload,
    zero_window,
    icmp_error,             // an ICMP/ICMPv6 error quoting one of the sender's segments (IcmpFact)
    handshake_ack_not_captured,  // its handshake ACK was not captured; the peer's ACK of its data proves it (frame: the peer's)
    fin_not_captured,            // its FIN was not captured; the peer's ACK, one past its data, proves it (frame: the peer's)
    synack_not_captured,         // its SYN+ACK was not captured; the client's ACK of it proves it (frame: the client's)
    captured_after_its_ack,      // one of the above, captured after all, after the ACK that proves it (value: that frame)
    time_wait_ack,               // an ACK of the previous connection, from TIME_WAIT, answering a SYN it may not take
    time_wait_reset_reply,       // the SYN_SENT side's RST <SEQ=SEG.ACK> answering it (RFC 9293 3.10.7.3): it stays
    // Wireshark's window and ACK analysis (classify.cpp, note_window_analysis):
    duplicate_ack,               // no data, same seq, ack and window as its sender's previous segment
    window_update,               // no data, same seq and ack, a new non-zero window
    window_full,                 // data up to the edge of the window the peer last offered
    keep_alive_ack,              // the duplicate ACK that answers a keep-alive probe
    zero_window_probe,           // one byte at the next sequence number into the peer's zero window
    count_
};
inline constexpr std::size_t kAnomalyCount = static_cast<std::size_t>(Anomaly::count_);

struct AnomalyEvent {
    TimeNs ts = 0;
    std::uint64_t frame = 0;
    SeqNum seq, ack;
    std::uint32_t value = 0;     // the number the anomaly is about (expected seq, window...)
    std::uint32_t payload_len = 0;
    TcpFlags flags;
    Side sender = Side::client;    // who sent the segment
    Anomaly kind = Anomaly::retransmission;
    State state = State::CLOSED;   // the sender's state, for unexpected_segment
    Input input = Input::snd_syn;  // the refused input, for unexpected_segment
};

}  // namespace tfe
