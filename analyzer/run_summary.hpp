// The closing summary of a text run: how many connections opened and closed
// which way, who closed first, where each side ended, and anomaly totals.
// Fed one connection at a time (the streaming path keeps no connection).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/flood_tally.hpp"
#include "analyzer/pile_ups.hpp"
#include "analyzer/summary.hpp"
#include "core/connection.hpp"
#include "core/eviction.hpp"
#include "core/smallest_ids.hpp"

namespace tfe::analyzer {

// A count, and the smallest connection ids it counts: examples a person
// can look up with --id.
struct Tally {
    std::uint64_t n = 0;
    SmallestIds ids;
    void add(std::uint64_t id) {
        ++n;
        ids.add(id);
    }
    // "2 three-way handshake (#1, #2)"; "(#1, #4, #9, …)" when it counts more.
    std::string examples() const;
};

// "#2, #4, #9": the ids kept, smallest first.
std::string id_list(const SmallestIds& ids);

class RunSummary {
public:
    void add(const Connection& c, const Summary& s);
    // width: as TextOptions::width (0: rows as long as they are).
    void write(fmt::memory_buffer& out, bool color, std::size_t width = 0) const;
    // What the flow table ended to make room (its counts: one source for
    // the summary, the status line and stderr), and the cap it kept.
    void set_evictions(const EvictionCounts& evicted, std::size_t max_connections) {
        evicted_ = evicted;
        max_connections_ = max_connections;
    }
    const FloodTally& floods() const { return floods_; }
    const PileUps& pile_ups() const { return pile_ups_; }
    // The run summary as one JSON object (--summary-json), the same facts
    // as write()'s text, and the run's input notes.
    std::string json(const std::vector<std::string>& input_notes = {}) const;

    std::uint64_t connections() const { return connections_; }
    std::uint64_t handshakes(HandshakeKind k) const { return handshakes_[static_cast<std::size_t>(k)].n; }
    std::uint64_t closes(CloseKind k) const { return closes_[static_cast<std::size_t>(k)].n; }

private:
    std::uint64_t connections_ = 0;
    std::uint64_t packets_ = 0;
    std::uint64_t payload_bytes_ = 0;
    std::uint64_t roles_inferred_ = 0;
    std::array<Tally, kHandshakeKinds> handshakes_{};
    std::array<Tally, kCloseKinds> closes_{};
    std::array<Tally, 4> initiators_{};  // by Initiator
    std::array<std::array<Tally, kStateCount>, 2> final_states_{};  // [side][state]
    std::array<std::uint64_t, kAnomalyCount> anomalies_{};  // events
    std::array<Tally, kAnomalyCount> anomalous_{};          // connections with at least one
    FloodTally floods_;
    PileUps pile_ups_;
    EvictionCounts evicted_{};
    std::size_t max_connections_ = 0;
};

// "1500001 connections evicted (the table was full at --max-connections
// 500000): 1000000 half-open, SYN unanswered · 500001 oldest idle", or
// empty when none was.
std::string eviction_line(const EvictionCounts& evicted, std::size_t max_connections);

}  // namespace tfe::analyzer
