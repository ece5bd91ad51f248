// What the parked connections are, kept as they are parked and unparked
// (a parked connection does not change until it is unparked): how many
// sit in each pair of states, and, for the states connections are left
// waiting in, how many at each server endpoint and client host. A live
// view counts them from here: unpacking a million parked connections
// once a second would cost a second each time.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>

#include "core/connection.hpp"

namespace tfe {

class ParkedCensus {
public:
    // Endpoints counted at most; connections at further ones are counted
    // only (a peer once counted stays so: adding and removing agree).
    static constexpr std::size_t kMaxPeers = 16384;

    // Where connections are left waiting: the peer did not close
    // (CLOSE_WAIT), did not send its FIN (FIN_WAIT_2), the closer's duty
    // (TIME_WAIT), or the handshake's last ACK never came (SYN_RECEIVED).
    static bool waits_in(State s) {
        return s == State::CLOSE_WAIT || s == State::TIME_WAIT || s == State::FIN_WAIT_2 || s == State::SYN_RECEIVED;
    }
    // A server by its endpoint, a client by its host (port 0).
    struct Peer {
        HostPort at;
        State state = State::CLOSED;
        bool server = true;
        bool operator==(const Peer&) const = default;
    };
    // The peer `side` of `c` stands for, in its state now.
    static Peer peer_of(const Connection& c, Side side) {
        Peer p{c.addr(side), c.endpoint(side).state, side == Side::server};
        if (!p.server) p.at.port = 0;
        return p;
    }

    void add(const Connection& c) { change(c, +1); }
    void remove(const Connection& c) { change(c, -1); }

    std::uint64_t in_states(State client, State server) const {
        return by_states_[static_cast<std::size_t>(client)][static_cast<std::size_t>(server)];
    }
    // f(const Peer&, count) for each peer with parked connections waiting.
    template <class F>
    void for_each_waiting(F&& f) const {
        for (const auto& [peer, n] : peers_)
            if (n) f(peer, n);
    }
    // Parked connections waiting at peers beyond kMaxPeers.
    std::uint64_t untracked() const { return untracked_; }

private:
    struct PeerHash {
        std::size_t operator()(const Peer& p) const;
    };
    void change(const Connection& c, int by);

    std::array<std::array<std::uint64_t, kStateCount>, kStateCount> by_states_{};
    std::unordered_map<Peer, std::uint64_t, PeerHash> peers_;
    std::uint64_t untracked_ = 0;
};

}  // namespace tfe
