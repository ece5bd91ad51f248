// Connection <-> parked bytes: every field, named once (see park_codec.hpp).
#include <cassert>

#include "core/connection.hpp"
#include "core/park_codec.hpp"

namespace tfe {

namespace {

// A field added to one of these without being added to transfer() below
// would be lost on every park: the sizes are pinned so that such a change
// stops here. Update transfer(), then the size.
static_assert(sizeof(Endpoint) == 128, "Endpoint changed: update Connection::transfer");
static_assert(sizeof(HandshakeFacts) == 72, "HandshakeFacts changed: update Connection::transfer");
static_assert(sizeof(TcpOptions) == 20, "TcpOptions changed: update Connection::transfer");
static_assert(sizeof(TransitionLog) == 144, "TransitionLog changed: update TransitionLog::transfer");
static_assert(sizeof(Connection) == 704, "Connection changed: update Connection::transfer");

template <class Io>
void transfer_key(Io& io, FlowKey& key) {
    for (HostPort* hp : {&key.a, &key.b}) {
        io.number(hp->ip.version);
        io.bytes(hp->ip.bytes.data(), hp->ip.version == 4 ? 4 : 16);
        io.raw(hp->port);
    }
}

template <class Io>
void transfer_options(Io& io, TcpOptions& o) {
    io.flags(o.has_mss, o.has_wscale, o.sack_permitted, o.has_timestamps, o.has_fast_open);
    io.number(o.wscale);
    io.number(o.sack_blocks);
    io.number(o.fast_open_cookie_len);
    io.number(o.mss);
    io.number(o.ts_val);
    io.number(o.ts_ecr);
}

// `base`: the connection's first time and frame; `peer_isn`: the base of
// what this endpoint acknowledges.
template <class Io>
void transfer_endpoint(Io& io, Endpoint& e, SeqNum peer_isn, TimeNs first_ts, std::uint64_t first_frame) {
    io.near(e.snd_nxt, e.isn);
    io.near(e.max_ack, peer_isn);
    io.near(e.fin_seq, e.isn);
    io.near(e.hole_start, e.isn);
    io.near(e.hole_end, e.isn);
    io.number(e.last_window);
    io.number(e.state);
    io.number(e.initial_state);
    io.flags(e.state_inferred, e.seq_known, e.isn_known, e.isn_inferred, e.syn_sent, e.fin_sent, e.has_hole,
             e.ack_sent, e.syn_options_seen, e.window_seen, e.window_in_syn, e.last.valid);
    transfer_options(io, e.syn_options);
    // Before its first segment `last` is as constructed.
    if (e.last.valid) {
        Endpoint::Last& l = e.last;
        io.near(l.ts, first_ts);
        io.near(l.seq, e.isn);
        io.near(l.ack, peer_isn);
        io.number(l.payload_len);
        io.near(l.ts_val, e.syn_options.ts_val);
        io.number(l.window);
        io.number(l.ip_id);
        io.raw(l.flags);
        io.number(l.direction);
    }
    io.number(e.packets);
    io.number(e.payload_bytes);
    io.number(e.frame_bytes);
    io.near(e.syn_frame, first_frame);
}

}  // namespace

template <class Io>
void Connection::transfer(Io& io) {
    // What parked_id and parked_key_is read, first.
    transfer_key(io, key_);
    io.number(id_);
    io.raw(first_ts_);
    io.number(first_frame_);
    const TimeNs ts0 = first_ts_;
    const std::uint64_t f0 = first_frame_;

    bool has_extras = static_cast<bool>(extras_);
    io.flags(client_is_a_, roles_inferred_, finished_, has_extras, in_flight_[0].active, in_flight_[1].active);
    io.number(end_reason_);
    io.number(final_state_[0]);
    io.number(final_state_[1]);
    io.near(last_ts_, ts0);
    io.near(last_frame_, f0);
    io.near(time_wait_deadline_, ts0);
    if (has_extras) extras_.transfer(io);

    io.raw(ep_[0].isn);
    io.raw(ep_[1].isn);
    const SeqNum isn[2] = {ep_[0].isn, ep_[1].isn};
    for (int s = 0; s < 2; ++s) transfer_endpoint(io, ep_[s], isn[1 - s], ts0, f0);

    // Indexed by receiver; a segment in flight was sent by the other side.
    // Nothing reads an inactive one: it comes back as constructed.
    for (int r = 0; r < 2; ++r) {
        InFlight& f = in_flight_[r];
        if (!f.active) continue;
        const SeqNum sender_isn = isn[1 - r];
        io.near(f.frame, f0);
        io.near(f.ts, ts0);
        io.near(f.seq, sender_isn);
        io.near(f.end, sender_isn);
        io.near(f.ack, isn[r]);
        io.number(f.seq_len);
        io.raw(f.flags);
        io.flags(f.crossed);
        io.raw(f.crossed_flags);
        io.near(f.crossed_ack, isn[r]);
        io.near(f.crossed_frame, f0);
    }

    HandshakeFacts& h = handshake_;
    io.near(h.syn_frame, f0);
    io.near(h.synack_frame, f0);
    io.near(h.ack_frame, f0);
    io.near(h.syn_ts, ts0);
    io.near(h.synack_ts, ts0);
    io.near(h.ack_ts, ts0);
    io.near(h.refused_frame, f0);
    io.number(h.syn_count);
    io.number(h.synack_count);
    io.number(h.syn_payload);
    io.flags(h.simultaneous_open, h.refused, h.syn_data);

    log_.transfer(io, isn);
}

// decoded_ is not transferred: a cache of log_, rebuilt on demand.
std::size_t Connection::park(std::uint8_t* out) {
    park::ParkWriter w(out);
    transfer(w);
    assert(static_cast<std::size_t>(w.end() - out) <= kMaxParkedBytes);
    return static_cast<std::size_t>(w.end() - out);
}

Connection* Connection::unpark(void* storage, const std::uint8_t* bytes, const TrackerConfig* config,
                               std::size_t& length) {
    auto* c = new (storage) Connection(config);
    park::ParkReader r(bytes);
    c->transfer(r);
    length = static_cast<std::size_t>(r.end() - bytes);
    return c;
}

namespace {
// Skips the 4-tuple at the start of parked bytes.
const std::uint8_t* after_key(const std::uint8_t* p) {
    for (int i = 0; i < 2; ++i) p += 1 + (*p == 4 ? 4 : 16) + 2;
    return p;
}
}  // namespace

std::uint64_t Connection::parked_id(const std::uint8_t* bytes) {
    park::ParkReader r(after_key(bytes));
    return r.varint();
}

bool Connection::parked_key_is(const std::uint8_t* bytes, const FlowKey& key) {
    FlowKey k;
    park::ParkReader r(bytes);
    transfer_key(r, k);
    return k == key;
}

}  // namespace tfe
