// One TCP connection as seen from the capture point: two endpoints, each
// with its own RFC 9293 state, moved segment by segment: classify
// (classify.cpp), deliver (delivery.cpp, which explains why a segment may be
// held in flight), apply (connection.cpp, through the transition table).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/copied_ptr.hpp"
#include "core/events.hpp"
#include "core/facts.hpp"
#include "core/flow_key.hpp"
#include "core/icmp_error.hpp"
#include "core/in_flight.hpp"
#include "core/segment.hpp"
#include "core/state.hpp"
#include "core/transition_log.hpp"
#include "core/zeek_view.hpp"

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
    // Keep Zeek's view of each connection (core/zeek_view.hpp) beside ours,
    // for the JSON's `zeek` object: about 200 bytes more per connection.
    bool zeek_view = false;
};

class Connection {
public:
    Connection(std::uint64_t id, const FlowKey& key, const Segment& first, bool forward,
               const TrackerConfig* config);

    // The core pipeline: one segment, travelling a->b when `forward`.
    void on_segment(const Segment& seg, bool forward);

    // An ICMP error quoting a segment that travelled a->b when `forward`
    // (connection_icmp.cpp): a fact, and, for one quoting the SYN of an
    // endpoint in SYN_SENT, a pending rcv_icmp_error: whether the stack
    // acted on it (Linux keeps it as a soft error while the socket is busy)
    // shows only in what the endpoint sends after it.
    void on_icmp_error(const IcmpError& error, bool forward);

    // Would this segment start a new connection on the same 4-tuple (port
    // reuse)? A SYN without ACK after this one is over, or with a new ISN.
    bool is_new_connection(const Segment& seg, bool forward) const;

    // For a SYN that supersedes this connection: the facts a new connection
    // inherits when the SYN's receiver is in TIME_WAIT here and may not take
    // it (time_wait_collision.cpp); nullopt when it may.
    std::optional<TimeWaitCollision> time_wait_collision_for(const Segment& syn, bool forward) const;
    // Called on the new connection before its first segment: the holder
    // starts in TIME_WAIT with the old numbers, until `deadline`.
    void inherit_time_wait(const TimeWaitCollision& tw, TimeNs deadline);

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

    // Accessors for the analyzer.
    std::uint64_t id() const { return id_; }
    // The multi-threaded pipeline's workers number their own connections;
    // a report takes the run's number (the one table's) before it is written.
    void renumber(std::uint64_t id) { id_ = id; }
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
    // Every table cell that refused a segment, with how often (all of
    // them, whether or not their events were kept).
    const std::vector<RefusedCell>& refused_cells() const { return extras_or_none().refused_cells; }
    const HandshakeFacts& handshake() const { return handshake_; }
    // The frame of the side's SYN or SYN+ACK sent again that showed it did
    // not take the peer's ACK of it (0: none; see ConnectionExtras).
    std::uint64_t ack_of_syn_refused(Side s) const { return extras_or_none().ack_of_syn_refused[static_cast<int>(s)]; }
    const FinFacts& fin(Side s) const { return extras_or_none().fin[static_cast<int>(s)]; }
    const ResetFacts& reset() const { return extras_or_none().reset; }
    const TimeWaitCollision& time_wait_collision() const { return extras_or_none().time_wait; }
    const std::vector<IcmpFact>& icmp_errors() const { return extras_or_none().icmp_errors; }
    // States right after the last captured segment (before any timer).
    State final_state(Side s) const { return final_state_[static_cast<int>(s)]; }
    EndReason end_reason() const { return end_reason_; }
    // What Zeek would log for it, or nullptr (TrackerConfig::zeek_view off).
    const ZeekView* zeek() const { return zeek_ ? &*zeek_ : nullptr; }
    bool finished() const { return finished_; }

private:
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
    // Wireshark's window and ACK analysis; true: the segment is shaped as a
    // keep-alive probe (kept in Endpoint::Last for its answer).
    bool note_window_analysis(const Segment& seg, Side sender);
    std::uint32_t scaled_window(const Endpoint& e, std::uint16_t window, bool in_syn) const;
    void infer_uncaptured(const Segment& seg, Side sender);
    void infer_synack(const Segment& proof, Side client);
    bool adopt_late_copy(const Segment& seg, Side sender);
    Anomaly proven_by_earlier_ack(const Segment& seg, Side sender) const;
    std::uint64_t withdraw(Anomaly a, Side sender);
    void receive_inferred(const Segment& made, Side sender);
    void note_late_segment(const Segment& seg, Side sender);
    void note_early_data(const Segment& seg, Side sender);
    void record_sender_facts(const Segment& seg, Side sender, bool keep_alive);
    bool is_duplicate(const Segment& seg, const Endpoint& e) const;
    void record_ack_facts(const Segment& seg, Side sender);
    // `is_new`: the segment advances its sender's stream (see classify_in_stream).
    void confirm_or_contradict(const Segment& seg, Side sender, bool is_new);
    void push_in_flight(const Segment& seg, Side sender, bool is_new);
    bool covered_by_held(const Segment& seg, Side receiver) const;
    void apply_sender_input(const Segment& seg, Side sender);
    void outlive_icmp_error(Side sender);
    void note_reset_context(const Segment& seg, Side sender, const Endpoint::Last& before, TimeNs previous_ts);
    void apply_pending_icmp_error();
    void receive_now_or_hold(const Segment& seg, Side sender, bool is_new);
    // Delivers `f` to `receiver`; `proof` is the segment that showed it
    // arrived (nullptr at the end of the connection).
    void deliver(Side receiver, const InFlight& f, Delivery how, const Segment* proof);
    void deliver_pending(Side receiver, Delivery how, const Segment* proof);
    void deliver_pending_at_end(Side receiver, Delivery how);
    // `f`, delivered to `receiver`, would only acknowledge its SYN.
    bool acks_syn_only(Side receiver, const InFlight& f) const;
    // The inputs a delivered segment means to `receiver`, in RFC order.
    int receive_inputs(Side receiver, const InFlight& f, Input out[2]) const;
    bool rst_acceptable(Side receiver, const InFlight& f) const;
    // time_wait_collision.cpp
    bool answers_from_time_wait(const Segment& seg, Side sender) const;
    void judge_time_wait_reset(const Segment& seg, Side sender);
    bool takes_time_wait_reply(const Segment& seg, Side sender);
    InFlight end_time_wait_by_reset();  // the RST, as delivered
    void settle_time_wait_reset();
    // The receiver's state once its in-flight segment (if any) arrives.
    State state_after_in_flight(Side receiver) const;
    bool segment_is_new(const Segment& seg, const Endpoint& e) const;

    struct Placement {
        std::uint64_t frame = 0;
        TimeNs ts = 0;
        const Segment* proof = nullptr;
    };
    void apply(Side who, Input input, const InFlight& cause, Delivery how, const Placement& at);
    void start_in(Side who, Input input);
    void set_state(Side who, State next, bool initial);
    // Counts an anomaly and keeps its event (up to max_anomaly_events);
    // `who` sent the segment it is about.
    void note(Anomaly a, Side who, const Segment& seg, std::uint32_t value = 0);
    void note(Anomaly a, Side who, const InFlight& f, std::uint32_t value, State st = State::CLOSED,
              Input in = Input::snd_syn);
    void note(const AnomalyEvent& ev);

    static InFlight in_flight_of(const Segment& seg);

    // Parking (the flow table's, through ParkedConnection) reads and
    // writes every field; the report prefetch reads where the rare facts
    // live. Neither is part of what a connection does.
    friend class ParkedConnection;
    friend class ReportPrefetch;
    // For unpacking: every field is then transferred from the bytes.
    explicit Connection(const TrackerConfig* config) : config_(config) {}
    // Names the connection's own fields once (parked_connection.cpp).
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
    CopiedPtr<ZeekView> zeek_;
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
