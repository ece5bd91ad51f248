// Where connections pile up: per server endpoint (ip:port) and per client
// host, how many ended in CLOSE_WAIT, FIN_WAIT_2 or TIME_WAIT, were left
// half-open, failed, or were reset, so the summary can answer "which peer
// leaves sockets in CLOSE_WAIT?" with "192.0.2.7:443 left 240 connections
// in CLOSE_WAIT". Fed one connection at a time; memory is bounded by a cap
// on the peers tracked (further ones are counted, not named).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyzer/failure.hpp"
#include "analyzer/reset_reason.hpp"
#include "analyzer/summary.hpp"
#include "core/connection.hpp"
#include "core/smallest_ids.hpp"

namespace tfe::analyzer {

// Worst first: an application that never closes, then a peer that never
// sends its FIN, attempts stuck or refused, resets; TIME_WAIT last (the
// closer's normal duty, a problem only in numbers).
enum class PileUpKind : std::uint8_t { close_wait, fin_wait_2, half_open, failed, reset, time_wait };
inline constexpr std::size_t kPileUpKinds = 6;

std::string_view pile_up_name(PileUpKind k);  // stable: "close-wait", "half-open", ...

// A server endpoint (port set), or a client host (port 0).
struct Peer {
    HostPort at;
    bool server = true;
    bool operator==(const Peer&) const = default;
};

struct PileUp {
    Peer peer;
    PileUpKind kind = PileUpKind::close_wait;
    std::uint64_t connections = 0;
    SmallestIds ids;
    // What the count is made of: failed and half-open by failure kind,
    // reset by reset reason (zeros elsewhere).
    std::array<std::uint32_t, kFailureKinds> failures{};
    std::array<std::uint32_t, 5> resets{};  // by ResetReason
};

class PileUps {
public:
    // Peers named at most; connections at further peers are counted only.
    static constexpr std::size_t kMaxPeers = 16384;
    // The text lists pile-ups of at least this many connections, and at
    // most kTextLines of them (the JSON summary lists every one).
    static constexpr std::uint64_t kTextMin = 2;
    static constexpr std::size_t kTextLines = 10;

    void add(const Connection& c, const Summary& s);
    // Every pile-up, worst first: by kind, then most connections.
    std::vector<PileUp> sorted() const;
    // The summary's sentences, kTextMin and kTextLines applied.
    std::vector<std::string> lines() const;
    // Connections whose peer was not tracked (the cap was reached).
    std::uint64_t untracked() const { return untracked_; }

private:
    struct PeerHash {
        std::size_t operator()(const Peer& p) const;
    };
    // A peer's pile-ups by kind: 1 + the index in pile_ups_, 0 for none.
    // Most peers pile up in one kind, so the pile-ups are made as they
    // occur rather than six per peer (16 384 peers held 13 MB that way).
    struct Slots {
        std::array<std::uint32_t, kPileUpKinds> at{};
    };
    PileUp* slot(const Connection& c, Side side, PileUpKind kind);
    std::unordered_map<Peer, Slots, PeerHash> peers_;
    std::vector<PileUp> pile_ups_;
    std::uint64_t untracked_ = 0;
};

// The names a pile-up's breakdown counts under, by index: failure kinds,
// and reset reasons ("other" where none was decided). Text and JSON alike.
std::string_view failure_breakdown_name(std::size_t i);
std::string_view reset_breakdown_name(std::size_t i);

// "192.0.2.7:443 left 240 connections in CLOSE_WAIT: it received the
// clients' FINs and never closed (#3, #8, #9, …)".
std::string pile_up_sentence(const PileUp& p);

}  // namespace tfe::analyzer
