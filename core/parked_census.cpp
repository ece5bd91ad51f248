#include "core/parked_census.hpp"

namespace tfe {

std::size_t ParkedCensus::PeerHash::operator()(const Peer& p) const {
    return hash_host_port(p.at, std::uint64_t{static_cast<std::uint8_t>(p.state)} << 1 | p.server);
}

void ParkedCensus::change(const Connection& c, int by) {
    const State client = c.endpoint(Side::client).state, server = c.endpoint(Side::server).state;
    by_states_[static_cast<std::size_t>(client)][static_cast<std::size_t>(server)] += static_cast<std::uint64_t>(by);
    for (const Side side : {Side::client, Side::server}) {
        if (!waits_in(c.endpoint(side).state)) continue;
        const Peer peer = peer_of(c, side);
        auto it = peers_.find(peer);
        if (it == peers_.end() && by > 0 && peers_.size() < kMaxPeers) it = peers_.emplace(peer, 0).first;
        if (it == peers_.end()) untracked_ += static_cast<std::uint64_t>(by);
        else it->second += static_cast<std::uint64_t>(by);
    }
}

}  // namespace tfe
