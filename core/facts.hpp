// The facts the core records about a connection, for the analyzer to read:
// each endpoint's stream and counters, the handshake, each side's first FIN,
// the accepted RST, and the rarer facts kept apart (ConnectionExtras).
#pragma once

#include <cstdint>
#include <string_view>
#include <optional>
#include <vector>

#include "core/events.hpp"
#include "core/segment.hpp"
#include "core/state.hpp"

namespace tfe {

// What one endpoint sent, as far as the capture shows. Its address is the
// connection's (Connection::addr): the flow key already holds both.
// Ordered by how often a segment touches them: the stream's numbers, flags
// and last segment first (every segment of either side reads them), the
// counters next, what only the report reads last.
struct Endpoint {
    // Its byte stream.
    SeqNum isn;                   // ISN, or first seq - 1 when no SYN was seen
    SeqNum snd_nxt;               // highest sequence end it sent
    SeqNum max_ack;               // what it acknowledged of the peer
    SeqNum fin_seq;
    // One gap in its stream (previous segment not captured), so a late
    // segment filling it is called out-of-order, not a retransmission.
    SeqNum hole_start, hole_end;
    // Its receive window.
    std::uint16_t last_window = 0;

    State state = State::CLOSED;
    State initial_state = State::CLOSED;
    bool state_inferred = false;  // no SYN seen: initial state is a guess
    bool seq_known = false;       // any segment seen from it
    bool isn_known = false;       // its SYN seen
    bool isn_inferred = false;    // no SYN: isn counts from the first byte seen
    bool syn_sent = false;
    bool fin_sent = false;
    bool has_hole = false;
    bool ack_sent = false;
    bool syn_options_seen = false;
    bool window_seen = false;
    bool window_in_syn = false;   // last_window came from its SYN: never scaled

    // Last segment, to recognise the same frame captured twice.
    struct Last {
        TimeNs ts = 0;
        SeqNum seq, ack;
        std::uint32_t payload_len = 0;
        std::uint32_t ts_val = 0;
        std::uint16_t window = 0, ip_id = 0;
        TcpFlags flags;
        PacketDirection direction = PacketDirection::unknown;
        bool valid = false;
        std::uint8_t ttl = 0;         // not compared for duplicates (a router's two copies differ)
        bool keep_alive = false;      // it was a keep-alive probe (its answer is a keep-alive ACK)
        bool operator==(const Last&) const = default;
    } last;

    // Counters.
    std::uint64_t packets = 0;
    std::uint64_t payload_bytes = 0;   // sequence-space payload, retransmissions included
    std::uint64_t frame_bytes = 0;     // whole frames as on the wire (tshark's conversation bytes)
    // Stream bytes its later segments skipped (gaps) that no out-of-order
    // segment filled: sent, by its sequence numbers, but not captured.
    std::uint64_t bytes_skipped = 0;
    // The interfaces its frames were captured on: bit n-1 for the run's
    // interface n (Segment::interface_id), those past 31 sharing bit 31.
    std::uint32_t interfaces = 0;

    // Its first SYN and the options it offered there (its FIN's frame and
    // time are in FinFacts).
    std::uint64_t syn_frame = 0;
    TcpOptions syn_options;

    bool operator==(const Endpoint&) const = default;
};

// The first FIN of each side and who acknowledged it first: enough for the
// analyzer to call a close four-way, three-way or simultaneous.
// The bit of Endpoint::interfaces for a Segment's interface_id (0: none).
constexpr std::uint32_t interface_bit(std::uint16_t interface_id) {
    return interface_id == 0 ? 0u : std::uint32_t{1} << (interface_id > 32 ? 31 : interface_id - 1);
}

struct FinFacts {
    std::uint64_t frame = 0;
    TimeNs ts = 0;
    std::uint64_t acked_by_frame = 0;
    TimeNs acked_ts = 0;
    SeqNum seq;
    bool sent = false;
    bool acked_peer_fin = false;   // its ACK already covered the peer's FIN
    bool acked = false;            // some segment of the peer covered it
    bool acked_by_fin = false;     // ...and that segment carried the peer's FIN
    bool inferred = false;         // made from the peer's ACK; no frame of its own yet
};

struct HandshakeFacts {
    std::uint64_t syn_frame = 0, synack_frame = 0, ack_frame = 0;  // first of each
    TimeNs syn_ts = 0, synack_ts = 0, ack_ts = 0;
    TimeNs last_syn_ts = 0;  // the client's most recent SYN before the handshake's ACK (Wireshark's iRTT)
    std::uint64_t refused_frame = 0, last_refused_frame = 0;  // the first and the last RST refusing a SYN
    TimeNs last_refused_ts = 0;
    std::uint32_t syn_count = 0, synack_count = 0;
    std::uint32_t refusals = 0;         // RSTs that refused a SYN (some stacks retry a refused one)
    std::uint32_t syn_payload = 0;
    bool simultaneous_open = false;     // both sides sent SYN without ACK
    bool refused = false;               // the SYN was answered by an RST
    bool syn_data = false;              // data in the SYN (TCP Fast Open)
    // The SYN+ACK was not captured (synack_frame stays 0), but the client's
    // ACK of it proves it arrived (anomaly synack_not_captured).
    bool synack_proven = false;

    bool operator==(const HandshakeFacts&) const = default;
};

struct ResetFacts {
    std::uint64_t frame = 0;
    TimeNs ts = 0;
    bool seen = false;            // an accepted RST
    Side sender = Side::client;
    State sender_state = State::CLOSED;    // before the RST
    State receiver_state = State::CLOSED;  // before the RST
    // What came just before it (Connection::note_reset_context), for the
    // analyzer's reset_reason.
    TimeNs quiet_before = 0;         // since the connection's previous segment
    bool answered_peer_data = false; // the peer's data came after the sender's own last segment
    bool ttl_unlike = false;         // its TTL / hop limit is not the one the sender's previous segment had
    std::uint8_t ttl = 0, sender_ttl = 0;  // the RST's, and the sender's previous segment's (0: none)
};

// A SYN that met the previous connection's TIME_WAIT on its 4-tuple: its
// sequence number was not above that connection's end (and no newer
// timestamp), so the holder may not take it (RFC 6191; Linux
// tcp_timewait_state_process) and answers with an ACK of the old
// connection (RFC 9293 3.10.7.4); the SYN's sender, in SYN_SENT, answers
// that ACK with a RST <SEQ=SEG.ACK> and stays there (3.10.7.3). Whether
// the RST ended TIME_WAIT (RFC 9293; Linux's default) or was ignored
// (RFC 1337, tcp_rfc1337=1) shows in the holder's next segment.
struct TimeWaitCollision {
    bool seen = false;
    Side holder = Side::server;
    std::uint64_t previous_first_frame = 0, previous_last_frame = 0;  // the connection it held
    SeqNum old_seq, old_ack;           // the holder's SND.NXT and RCV.NXT there: what its ACKs carry
    std::uint32_t acks = 0;            // SYNs the holder answered with such an ACK
    std::uint64_t first_ack_frame = 0;
    std::uint32_t resets = 0;          // the sender's RSTs answering them
    std::uint64_t first_reset_frame = 0;
    std::uint32_t resets_ignored = 0;  // ...after which the holder answered from TIME_WAIT again
    std::uint64_t pending_reset_frame = 0;  // the last RST, until the holder's next segment judges it
    TimeNs pending_reset_ts = 0;
    std::uint64_t released_frame = 0;  // the RST that ended TIME_WAIT (0: it did not, or not yet)
};

// What a connection needs only once something rarer than data happens (a
// FIN, an RST, an anomaly, a crossed delivery) or with --all-segments.
// Allocated on first use, so an open connection carries one pointer instead
// (a third of its size).
// Every refusal of one table cell (unexpected_segment events are kept only
// up to a limit; these count them all).
struct RefusedCell {
    State in = State::CLOSED;
    Input on = Input::snd_syn;
    std::uint32_t count = 0;
    std::uint64_t first_frame = 0;
};

// An ICMP or ICMPv6 error that quoted one of this connection's segments
// (core/icmp_error.hpp), and what that segment was to its sender.
struct IcmpFact {
    std::uint64_t frame = 0;
    TimeNs ts = 0;
    IpAddr router;
    std::uint8_t version = 4, type = 0, code = 0;
    Side about = Side::client;       // the endpoint whose segment it quotes
    SeqNum quoted_seq;
    TcpFlags quoted_flags;           // only with flags_quoted
    bool flags_quoted = false;
    bool quotes_syn = false;         // the quote is that endpoint's SYN (its ISN, a SYN or no flags quoted)
    State about_state = State::CLOSED;  // that endpoint's state when the error was captured
};

struct ConnectionExtras {
    FinFacts fin[2];
    ResetFacts reset;
    std::uint32_t anomaly_counts[kAnomalyCount] = {};
    std::vector<AnomalyEvent> anomaly_events;
    std::vector<RefusedCell> refused_cells;  // in order of first refusal
    std::vector<Crossing> crossings;
    std::vector<SegmentFacts> segments;
    std::vector<IcmpFact> icmp_errors;  // up to max_anomaly_events; all counted as icmp_error
    // The last error that may have ended its endpoint's connection attempt
    // (connection_icmp.cpp): dropped when that endpoint sends again (its
    // stack took it as a soft error), applied when the connection ends.
    std::optional<IcmpFact> icmp_pending;
    // By receiver: the frame of its SYN (or SYN+ACK) sent again after the
    // peer's ACK of it was held, showing it did not take that ACK (a full
    // accept queue drops it, Linux tcp_abort_on_overflow=0); 0: none. Its
    // later ACKs of the SYN are then delivered only on its own word.
    std::uint64_t ack_of_syn_refused[2] = {};
    TimeWaitCollision time_wait;
};

// RFC 9293 3.10.7.3: an ACK of our SYN is acceptable when
// ISS < SEG.ACK <= SND.NXT (SND.NXT is past the SYN's data with Fast Open).
inline bool acknowledges_syn(const Endpoint& e, SeqNum ack) {
    return e.syn_sent && e.isn_known && after(ack, e.isn) && before_eq(ack, e.snd_nxt);
}

enum class EndReason : std::uint8_t {
    closed,          // both endpoints reached CLOSED
    time_wait_expired,  // 2*MSL passed in TIME_WAIT (capture time)
    idle,            // no segment for the idle timeout
    superseded,      // a new SYN started another connection on the 4-tuple
    capture_end,     // the capture ended
    time_wait,       // settled with TIME_WAIT still running: reported after
                     // the linger, its 4-tuple remembered until 2*MSL
    evicted,         // the table was full (--max-connections): ended to
                     // make room, half-open ones first (core/eviction.hpp)
};
inline constexpr std::size_t kEndReasons = 7;
std::string_view end_reason_name(EndReason r);

}  // namespace tfe
