// One TCP connection as seen from the capture point: two endpoints, each
// with its own RFC 9293 state, moved segment by segment.
//
// The capture is an observer standing between the endpoints. A segment seen
// on the wire was sent by one endpoint (its sender-side input applies at
// once) and will be received by the other. Receipt is the subtle part: a
// FIN seen first may still be in flight when the peer sends its own FIN
// (seed case 4, simultaneous close). So a segment whose delivery would
// change the receiver's state is held "in flight" until the receiver's own
// segments show it arrived (their ACK covers it), a later segment of the
// same sender pushes it (per-direction FIFO), or the connection ends. A
// receiver segment whose ACK does not cover it proves it had not arrived
// yet. Decisions come from sequence and acknowledgment numbers, never from
// the order frames happen to appear in.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/events.hpp"
#include "core/flow_key.hpp"
#include "core/segment.hpp"
#include "core/state.hpp"
#include "core/transition_log.hpp"

namespace tfe {

struct TrackerConfig {
    TimeNs msl = 30'000'000'000;       // RFC 9293 MSL; Linux's TIME_WAIT is 60 s = 2*30
    TimeNs duplicate_window = 10'000'000;  // same frame twice within 10 ms
    // How long a settled connection (both sides CLOSED or TIME_WAIT) is kept
    // without segments before it is reported: long enough for the first
    // retransmissions of a FIN whose last ACK was lost (Linux: 0.2, 0.6,
    // 1.4 s at the minimum RTO). Silence that long also counts as delivery
    // of what is still in flight (Delivery::silence).
    TimeNs linger = 2'000'000'000;
    std::size_t max_anomaly_events = 16;   // per connection; all are counted
    // --all-segments: keep every segment's facts for the ladder. Memory then
    // grows with each connection's length; off by default (streaming).
    bool keep_segments = false;
};

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
    } last;

    // Counters.
    std::uint64_t packets = 0;
    std::uint64_t payload_bytes = 0;   // sequence-space payload, retransmissions included
    std::uint64_t frame_bytes = 0;     // whole frames as on the wire (tshark's conversation bytes)

    // Its first SYN and the options it offered there (its FIN's frame and
    // time are in FinFacts).
    std::uint64_t syn_frame = 0;
    TcpOptions syn_options;
};

// The first FIN of each side and who acknowledged it first: enough for the
// analyzer to call a close four-way, three-way or simultaneous.
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
};

struct HandshakeFacts {
    std::uint64_t syn_frame = 0, synack_frame = 0, ack_frame = 0;  // first of each
    TimeNs syn_ts = 0, synack_ts = 0, ack_ts = 0;
    std::uint64_t refused_frame = 0;
    std::uint32_t syn_count = 0, synack_count = 0;
    std::uint32_t syn_payload = 0;
    bool simultaneous_open = false;     // both sides sent SYN without ACK
    bool refused = false;               // the SYN was answered by an RST
    bool syn_data = false;              // data in the SYN (TCP Fast Open)
};

struct ResetFacts {
    std::uint64_t frame = 0;
    TimeNs ts = 0;
    std::uint32_t ignored = 0;    // RSTs outside the window
    bool seen = false;            // an accepted RST
    Side sender = Side::client;
    State sender_state = State::CLOSED;    // before the RST
    State receiver_state = State::CLOSED;  // before the RST
};

// What a connection needs only once something rarer than data happens (a
// FIN, an RST, an anomaly, a crossed delivery) or with --all-segments.
// Allocated on first use, so an open connection carries one pointer instead
// (a third of its size).
struct ConnectionExtras {
    FinFacts fin[2];
    ResetFacts reset;
    std::uint32_t anomaly_counts[kAnomalyCount] = {};
    std::vector<AnomalyEvent> anomaly_events;
    std::vector<Crossing> crossings;
    std::vector<SegmentFacts> segments;
};

// A unique_ptr that copies what it points to, so a Connection stays a value
// (tests collect finished connections in vectors).
template <class T>
class CopiedPtr {
public:
    CopiedPtr() = default;
    CopiedPtr(const CopiedPtr& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
    CopiedPtr& operator=(const CopiedPtr& o) {
        if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
        return *this;
    }
    CopiedPtr(CopiedPtr&&) noexcept = default;
    CopiedPtr& operator=(CopiedPtr&&) noexcept = default;

    explicit operator bool() const { return p_ != nullptr; }
    T& operator*() const { return *p_; }
    T* operator->() const { return p_.get(); }
    T& make() {
        if (!p_) p_ = std::make_unique<T>();
        return *p_;
    }
    template <class Io>
    void transfer(Io& io) { io.owned(p_); }

private:
    std::unique_ptr<T> p_;
};

enum class EndReason : std::uint8_t {
    closed,          // both endpoints reached CLOSED
    time_wait_expired,  // 2*MSL passed in TIME_WAIT (capture time)
    idle,            // no segment for the idle timeout
    superseded,      // a new SYN started another connection on the 4-tuple
    capture_end,     // the capture ended
    time_wait,       // settled with TIME_WAIT still running: reported after
                     // the linger, its 4-tuple remembered until 2*MSL
};
inline constexpr std::size_t kEndReasons = 6;
std::string_view end_reason_name(EndReason r);

class Connection {
public:
    Connection(std::uint64_t id, const FlowKey& key, const Segment& first, bool forward,
               const TrackerConfig* config);

    // The core pipeline: one segment, travelling a->b when `forward`.
    void on_segment(const Segment& seg, bool forward);

    // Would this segment start a new connection on the same 4-tuple (port
    // reuse)? A SYN without ACK after this one is over, or with a new ISN.
    bool is_new_connection(const Segment& seg, bool forward) const;

    // Ends the connection: delivers what is still in flight (assumed),
    // freezes the final states, and, if TIME_WAIT's 2*MSL has passed by
    // `now`, records that timer.
    void finish(EndReason why, TimeNs now);

    // Both endpoints CLOSED or in TIME_WAIT once what is in flight arrives:
    // only a retransmitted FIN (the last ACK lost) or strays can still come.
    bool settled() const;
    TimeNs linger() const { return config_->linger; }
    // Earliest capture time at which TIME_WAIT may expire (0: none).
    TimeNs time_wait_deadline() const { return time_wait_deadline_; }

    // Asks for what a report reads outside the connection's own slot (the
    // transition log once it has outgrown its inline room, the rare facts
    // once there are any), so that it is there when the report starts.
    // Only a hint.
    void prefetch_rare_facts() const {
        log_.prefetch();
        if (!extras_) return;
        const auto* p = reinterpret_cast<const char*>(&*extras_);
        for (std::size_t off = 0; off < sizeof(ConnectionExtras); off += 64) __builtin_prefetch(p + off);
    }

    // Parking. A connection that no segment has touched for a while can be
    // kept as bytes (park_codec.hpp): about a third of its size. park()
    // writes them at `out` (room for kMaxParkedBytes) and returns how many;
    // what the connection owned on the heap (its rare facts, a spilled
    // log) now belongs to the bytes, and the connection must be destroyed
    // next. unpark() builds it again in `storage`, exactly as it was, and
    // says how many bytes it read; they are then spent. The 4-tuple and id
    // come first, readable without unparking.
    // Every field at its longest takes about 720 bytes.
    static constexpr std::size_t kMaxParkedBytes = 1024;
    std::size_t park(std::uint8_t* out);
    static Connection* unpark(void* storage, const std::uint8_t* bytes, const TrackerConfig* config,
                              std::size_t& length);
    static std::uint64_t parked_id(const std::uint8_t* bytes);
    static bool parked_key_is(const std::uint8_t* bytes, const FlowKey& key);

    // Accessors for the analyzer.
    std::uint64_t id() const { return id_; }
    const FlowKey& key() const { return key_; }
    const Endpoint& endpoint(Side s) const { return ep_[static_cast<int>(s)]; }
    // The endpoint's address and port (one side of the flow key).
    const HostPort& addr(Side s) const { return (s == Side::client) == client_is_a_ ? key_.a : key_.b; }
    bool roles_inferred() const { return roles_inferred_; }
    TimeNs first_ts() const { return first_ts_; }
    TimeNs last_ts() const { return last_ts_; }
    std::uint64_t first_frame() const { return first_frame_; }
    std::uint64_t last_frame() const { return last_frame_; }
    // Every state change so far, in the order the core recorded them. The
    // compact log is decoded on first read (normally once, by the report).
    std::span<const Transition> transitions() const {
        if (decoded_.size() != log_.size()) log_.decode(decoded_, {first_ts_, first_frame_});
        return decoded_;
    }
    // How a late-placed transition's delivery was shown, or nullptr.
    const Crossing* crossing(const Transition& t) const {
        return t.crossing == Transition::kNoCrossing ? nullptr : &extras_->crossings[t.crossing];
    }
    // Every segment, in capture order, when TrackerConfig::keep_segments.
    const std::vector<SegmentFacts>& segments() const { return extras_or_none().segments; }
    const std::vector<AnomalyEvent>& anomaly_events() const { return extras_or_none().anomaly_events; }
    std::uint32_t anomaly_count(Anomaly a) const { return extras_or_none().anomaly_counts[static_cast<int>(a)]; }
    const HandshakeFacts& handshake() const { return handshake_; }
    const FinFacts& fin(Side s) const { return extras_or_none().fin[static_cast<int>(s)]; }
    const ResetFacts& reset() const { return extras_or_none().reset; }
    // States right after the last captured segment (before any timer).
    State final_state(Side s) const { return final_state_[static_cast<int>(s)]; }
    EndReason end_reason() const { return end_reason_; }
    bool finished() const { return finished_; }

private:
    // A segment whose delivery would move the receiver, waiting for proof.
    struct InFlight {
        std::uint64_t frame = 0;
        TimeNs ts = 0;
        SeqNum seq, end, ack;
        std::uint32_t seq_len = 0;
        TcpFlags flags;
        bool active = false;
        bool crossed = false;     // the receiver sent something not covering it
        TcpFlags crossed_flags;
        SeqNum crossed_ack;
        std::uint64_t crossed_frame = 0;  // the first segment of the receiver not covering it
    };

    static const ConnectionExtras kNoExtras;
    const ConnectionExtras& extras_or_none() const { return extras_ ? *extras_ : kNoExtras; }
    ConnectionExtras& extras() { return extras_.make(); }

    Endpoint& ep(Side s) { return ep_[static_cast<int>(s)]; }
    const Endpoint& ep(Side s) const { return ep_[static_cast<int>(s)]; }
    Side sender_of(bool forward) const { return (forward == client_is_a_) ? Side::client : Side::server; }

    void assign_roles(const Segment& first, bool forward);
    void infer_initial_states(const Segment& first, Side sender);
    void note_capture_quality(const Segment& seg, Side sender);
    bool classify_in_stream(const Segment& seg, Side sender);
    void note_late_segment(const Segment& seg, Side sender);
    void record_sender_facts(const Segment& seg, Side sender);
    bool is_duplicate(const Segment& seg, const Endpoint& e) const;
    void record_ack_facts(const Segment& seg, Side sender);
    // `is_new`: the segment advances its sender's stream (see classify_in_stream).
    void confirm_or_contradict(const Segment& seg, Side sender, bool is_new);
    void push_in_flight(const Segment& seg, Side sender, bool is_new);
    void apply_sender_input(const Segment& seg, Side sender);
    void receive_now_or_hold(const Segment& seg, Side sender, bool is_new);
    // Delivers `f` to `receiver`; `proof` is the segment that showed it
    // arrived (nullptr at the end of the connection).
    void deliver(Side receiver, const InFlight& f, Delivery how, const Segment* proof);
    void deliver_pending(Side receiver, Delivery how, const Segment* proof);
    // The inputs a delivered segment means to `receiver`, in RFC order.
    int receive_inputs(Side receiver, const InFlight& f, Input out[2]) const;
    bool rst_acceptable(Side receiver, const InFlight& f) const;
    // The receiver's state once its in-flight segment (if any) arrives.
    State state_after_in_flight(Side receiver) const;
    bool segment_is_new(const Segment& seg, const Endpoint& e) const;

    struct Placement {
        std::uint64_t frame = 0;
        TimeNs ts = 0;
        const Segment* proof = nullptr;
    };
    void apply(Side who, Input input, const InFlight& cause, Delivery how, const Placement& at);
    // Counts an anomaly and keeps its event (up to max_anomaly_events);
    // `who` sent the segment it is about.
    void note(Anomaly a, Side who, const Segment& seg, std::uint32_t value = 0);
    void note(Anomaly a, Side who, const InFlight& f, std::uint32_t value, State st = State::CLOSED,
              Input in = Input::snd_syn);
    void note(const AnomalyEvent& ev);

    static InFlight in_flight_of(const Segment& seg);

    // For unpark: every field is then transferred from the bytes.
    explicit Connection(const TrackerConfig* config) : config_(config) {}
    // Names every field once, for park and unpark (connection_park.cpp).
    template <class Io>
    void transfer(Io& io);

    // What every segment reads or writes comes first and together (about
    // seven cache lines: on a busy capture a segment's connection is
    // rarely still in cache, and each line it touches is a miss); what only
    // the report reads, and the transition log, come after.
    FlowKey key_;
    bool client_is_a_ = true;
    bool roles_inferred_ = false;
    bool finished_ = false;
    EndReason end_reason_ = EndReason::capture_end;
    State final_state_[2] = {State::CLOSED, State::CLOSED};
    TimeNs last_ts_ = 0;
    std::uint64_t last_frame_ = 0;
    const TrackerConfig* config_;
    CopiedPtr<ConnectionExtras> extras_;
    TimeNs time_wait_deadline_ = 0;
    InFlight in_flight_[2];  // indexed by receiver
    Endpoint ep_[2];
    HandshakeFacts handshake_;

    TransitionLog log_;
    mutable std::vector<Transition> decoded_;  // log_, decoded by transitions()
    std::uint64_t id_;
    TimeNs first_ts_ = 0;
    std::uint64_t first_frame_ = 0;
};

}  // namespace tfe
