// Under a flood the report must stay readable: half-open connections
// (handshake unanswered or incomplete) are tallied per server port with
// how many distinct sources sent them, so the summary can say "flood of
// N half-open connections to PORT from M sources" instead of leaving a
// person a million lines to scroll.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "analyzer/summary.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

// Distinct values of 64-bit hashes: exact up to kExact of them, then a
// HyperLogLog estimate (16384 registers, about 0.8% error), so a million
// sources cost 16 KiB.
class DistinctCount {
public:
    void add(std::uint64_t hash);
    std::uint64_t count() const;
    bool exact() const { return registers_.empty(); }

private:
    static constexpr std::size_t kExact = 1024;
    static constexpr unsigned kBits = 14;
    void to_registers();
    std::vector<std::uint64_t> seen_;       // while exact, sorted
    std::vector<std::uint8_t> registers_;   // once estimated
};

struct Flood {
    std::uint16_t port = 0;
    std::uint64_t half_open = 0;
    std::uint64_t connections = 0;  // to the port, all outcomes
    std::uint64_t sources = 0;
    bool sources_exact = true;      // else a HyperLogLog estimate
};

class FloodTally {
public:
    // A flood: at least this many half-open connections to one port, and
    // more than half of all connections to it (a busy server's share of
    // unanswered SYNs is not one).
    static constexpr std::uint64_t kFloodMin = 1000;

    void add(const Connection& c, const Summary& s);
    // "flood of 1000000 half-open connections to port 80 from 65536
    // sources", one per flooded port, most first.
    std::vector<std::string> lines() const;
    // The same floods, most half-open first.
    std::vector<Flood> floods() const;

private:
    struct Port {
        std::uint64_t connections = 0;
        std::uint64_t half_open = 0;
        DistinctCount sources;
    };
    std::unordered_map<std::uint16_t, Port> ports_;
};

}  // namespace tfe::analyzer
