// A connection as parked bytes, and back (the byte format: park_codec.hpp).
//
// One list of fields, two directions: each transfer() below names every
// field of one struct once and runs with a ParkWriter (fields -> bytes) or
// a ParkReader (bytes -> fields). tests/test_parking.cpp round-trips each
// struct with every byte changed in turn, so a field added to a struct but
// not here fails a test.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/connection.hpp"
#include "core/park_codec.hpp"

namespace tfe {

// What the fields of one connection are stored relative to: its first
// segment's time and frame, and each side's ISN.
struct ParkBases {
    TimeNs ts = 0;
    std::uint64_t frame = 0;
    SeqNum isn[2];
};

namespace park {

template <class Io>
void transfer(Io& io, FlowKey& key) {
    for (HostPort* hp : {&key.a, &key.b}) {
        io.number(hp->ip.version);
        io.bytes(hp->ip.bytes.data(), hp->ip.version == 4 ? 4 : 16);
        io.raw(hp->port);
    }
}

template <class Io>
void transfer(Io& io, TcpOptions& o) {
    io.flags(o.has_mss, o.has_wscale, o.sack_permitted, o.has_timestamps, o.has_fast_open);
    io.number(o.wscale);
    io.number(o.sack_blocks);
    io.number(o.fast_open_cookie_len);
    io.number(o.mss);
    io.number(o.ts_val);
    io.number(o.ts_ecr);
}

template <class Io>
void transfer(Io& io, Endpoint::Last& l, const Endpoint& e, SeqNum peer_isn, const ParkBases& at) {
    io.near(l.ts, at.ts);
    io.near(l.seq, e.isn);
    io.near(l.ack, peer_isn);
    io.number(l.payload_len);
    io.near(l.ts_val, e.syn_options.ts_val);
    io.number(l.window);
    io.number(l.ip_id);
    io.raw(l.flags);
    io.number(l.direction);
    io.number(l.ttl);
}

// Side `s` of a connection whose ISNs are already in `at`.
template <class Io>
void transfer(Io& io, Endpoint& e, int s, const ParkBases& at) {
    const SeqNum peer_isn = at.isn[1 - s];
    e.isn = at.isn[s];
    io.near(e.snd_nxt, e.isn);
    io.near(e.max_ack, peer_isn);
    io.near(e.fin_seq, e.isn);
    io.near(e.hole_start, e.isn);
    io.near(e.hole_end, e.isn);
    io.number(e.last_window);
    io.number(e.state);
    io.number(e.initial_state);
    io.flags(e.state_inferred, e.seq_known, e.isn_known, e.isn_inferred, e.syn_sent, e.fin_sent, e.has_hole,
             e.ack_sent, e.syn_options_seen, e.window_seen, e.window_in_syn, e.last.valid,
             e.last.keep_alive);
    transfer(io, e.syn_options);
    if (e.last.valid) transfer(io, e.last, e, peer_isn, at);  // else: as constructed
    io.number(e.packets);
    io.number(e.payload_bytes);
    io.number(e.frame_bytes);
    io.number(e.bytes_skipped);
    io.number(e.interfaces);
    io.near(e.syn_frame, at.frame);
}

// A segment in flight to receiver `r` (sent by the other side). Nothing
// reads an inactive one: it comes back as constructed.
template <class Io>
void transfer(Io& io, InFlight& f, int r, const ParkBases& at) {
    if (!f.active) return;
    const SeqNum sender_isn = at.isn[1 - r];
    io.near(f.frame, at.frame);
    io.near(f.ts, at.ts);
    io.near(f.seq, sender_isn);
    io.near(f.end, sender_isn);
    io.near(f.ack, at.isn[r]);
    io.number(f.seq_len);
    io.raw(f.flags);
    io.flags(f.crossed);
    io.raw(f.crossed_flags);
    io.near(f.crossed_ack, at.isn[r]);
    io.near(f.crossed_frame, at.frame);
    io.number(f.followers);
}

template <class Io>
void transfer(Io& io, HandshakeFacts& h, const ParkBases& at) {
    io.near(h.syn_frame, at.frame);
    io.near(h.synack_frame, at.frame);
    io.near(h.ack_frame, at.frame);
    io.near(h.syn_ts, at.ts);
    io.near(h.synack_ts, at.ts);
    io.near(h.ack_ts, at.ts);
    io.near(h.last_syn_ts, at.ts);
    io.near(h.refused_frame, at.frame);
    io.near(h.last_refused_frame, at.frame);
    io.near(h.last_refused_ts, at.ts);
    io.number(h.refusals);
    io.number(h.syn_count);
    io.number(h.synack_count);
    io.number(h.syn_payload);
    io.flags(h.simultaneous_open, h.refused, h.syn_data, h.synack_proven);
}

}  // namespace park

// What the flow table's parking lot does with a connection.
class ParkedConnection {
public:
    // Every field at its longest takes about 720 bytes.
    static constexpr std::size_t kMaxBytes = 1024;

    // Writes `c` at `out` (room for kMaxBytes) and returns how many bytes.
    // What `c` owned on the heap (its rare facts, a spilled log) now
    // belongs to the bytes: `c` must be destroyed next.
    static std::size_t pack(Connection& c, std::uint8_t* out);
    // Builds the connection again in `storage`, exactly as it was, and
    // says how many bytes it read; they are then spent.
    static Connection* unpack(void* storage, const std::uint8_t* bytes, const TrackerConfig* config,
                              std::size_t& length);
    // The 4-tuple and id come first, readable without unpacking.
    static std::uint64_t id(const std::uint8_t* bytes);
    static bool key_is(const std::uint8_t* bytes, const FlowKey& key);
};

}  // namespace tfe
