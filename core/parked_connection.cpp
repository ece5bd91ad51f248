// Connection <-> parked bytes: the connection's own fields, then each
// struct's (parked_connection.hpp).
#include "core/parked_connection.hpp"

#include <cassert>

namespace tfe {

template <class Io>
void Connection::transfer(Io& io) {
    // What ParkedConnection::id and key_is read, first.
    park::transfer(io, key_);
    io.number(id_);
    io.raw(first_ts_);
    io.number(first_frame_);
    ParkBases at;
    at.ts = first_ts_;
    at.frame = first_frame_;

    bool has_extras = static_cast<bool>(extras_);
    bool has_zeek = static_cast<bool>(zeek_);
    io.flags(client_is_a_, roles_inferred_, finished_, has_extras, in_flight_[0].active, in_flight_[1].active,
             has_zeek);
    io.number(end_reason_);
    io.number(final_state_[0]);
    io.number(final_state_[1]);
    io.near(last_ts_, at.ts);
    io.near(last_frame_, at.frame);
    io.near(time_wait_deadline_, at.ts);
    if (has_extras) extras_.transfer(io);
    if (has_zeek) zeek_.transfer(io);

    io.raw(ep_[0].isn);
    io.raw(ep_[1].isn);
    at.isn[0] = ep_[0].isn;
    at.isn[1] = ep_[1].isn;
    for (int s = 0; s < 2; ++s) park::transfer(io, ep_[s], s, at);
    for (int r = 0; r < 2; ++r) park::transfer(io, in_flight_[r], r, at);
    park::transfer(io, handshake_, at);
    log_.transfer(io, at.isn);
}

// decoded_ is not transferred: a cache of log_, rebuilt on demand.
std::size_t ParkedConnection::pack(Connection& c, std::uint8_t* out) {
    park::ParkWriter w(out);
    c.transfer(w);
    assert(static_cast<std::size_t>(w.end() - out) <= kMaxBytes);
    return static_cast<std::size_t>(w.end() - out);
}

Connection* ParkedConnection::unpack(void* storage, const std::uint8_t* bytes, const TrackerConfig* config,
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

std::uint64_t ParkedConnection::id(const std::uint8_t* bytes) {
    park::ParkReader r(after_key(bytes));
    return r.varint();
}

bool ParkedConnection::key_is(const std::uint8_t* bytes, const FlowKey& key) {
    FlowKey k;
    park::ParkReader r(bytes);
    park::transfer(r, k);
    return k == key;
}

}  // namespace tfe
