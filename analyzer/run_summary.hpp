// The closing summary of a text run: how many connections opened and closed
// which way, who closed first, where each side ended, and anomaly totals.
// Fed one connection at a time (the streaming path keeps no connection).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>

#include "analyzer/summary.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

class RunSummary {
public:
    void add(const Connection& c, const Summary& s);
    void write(fmt::memory_buffer& out, bool color) const;

    std::uint64_t connections() const { return connections_; }
    std::uint64_t handshakes(HandshakeKind k) const { return handshakes_[static_cast<std::size_t>(k)]; }
    std::uint64_t closes(CloseKind k) const { return closes_[static_cast<std::size_t>(k)]; }

private:
    std::uint64_t connections_ = 0;
    std::uint64_t packets_ = 0;
    std::uint64_t payload_bytes_ = 0;
    std::uint64_t roles_inferred_ = 0;
    std::array<std::uint64_t, kHandshakeKinds> handshakes_{};
    std::array<std::uint64_t, kCloseKinds> closes_{};
    std::array<std::uint64_t, 4> initiators_{};  // by Initiator
    std::array<std::array<std::uint64_t, kStateCount>, 2> final_states_{};  // [side][state]
    std::array<std::uint64_t, kAnomalyCount> anomalies_{};
};

}  // namespace tfe::analyzer
