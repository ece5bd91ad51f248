#include "analyzer/flood_tally.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace tfe::analyzer {

namespace {

// splitmix64's finaliser: every input bit moves every output bit.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

std::uint64_t hash_of(const IpAddr& ip) {
    std::uint64_t w[2];
    std::memcpy(w, ip.bytes.data(), sizeof w);
    return mix(mix(w[0] ^ ip.version) ^ w[1]);
}

}  // namespace

void DistinctCount::add(std::uint64_t hash) {
    if (registers_.empty()) {
        const auto at = std::lower_bound(seen_.begin(), seen_.end(), hash);
        if (at != seen_.end() && *at == hash) return;
        seen_.insert(at, hash);
        if (seen_.size() > kExact) to_registers();
        return;
    }
    const std::size_t reg = hash >> (64 - kBits);
    const auto rank = static_cast<std::uint8_t>(std::countl_zero((hash << kBits) | (1ull << (kBits - 1))) + 1);
    registers_[reg] = std::max(registers_[reg], rank);
}

void DistinctCount::to_registers() {
    registers_.assign(std::size_t{1} << kBits, 0);
    std::vector<std::uint64_t> seen;
    seen.swap(seen_);
    for (const std::uint64_t h : seen) add(h);
}

// HyperLogLog's estimate, with linear counting while registers are empty.
std::uint64_t DistinctCount::count() const {
    if (registers_.empty()) return seen_.size();
    const double m = static_cast<double>(registers_.size());
    double sum = 0;
    std::size_t zeros = 0;
    for (const std::uint8_t r : registers_) {
        sum += std::ldexp(1.0, -r);
        zeros += r == 0;
    }
    double e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
    if (e <= 2.5 * m && zeros != 0) e = m * std::log(m / static_cast<double>(zeros));
    return static_cast<std::uint64_t>(std::llround(e));
}

void FloodTally::add(const Connection& c, const Summary& s) {
    Port& p = ports_[c.addr(Side::server).port];
    ++p.connections;
    if (s.handshake != HandshakeKind::unanswered && s.handshake != HandshakeKind::incomplete) return;
    ++p.half_open;
    p.sources.add(hash_of(c.addr(Side::client).ip));
}

std::vector<Flood> FloodTally::floods() const {
    std::vector<Flood> out;
    for (const auto& [port, p] : ports_)
        if (p.half_open >= kFloodMin && p.half_open * 2 > p.connections)
            out.push_back({port, p.half_open, p.connections, p.sources.count(), p.sources.exact()});
    std::sort(out.begin(), out.end(), [](const Flood& a, const Flood& b) {
        return a.half_open != b.half_open ? a.half_open > b.half_open : a.port < b.port;
    });
    return out;
}

std::vector<std::string> FloodTally::lines() const {
    std::vector<std::string> out;
    for (const Flood& f : floods())
        out.push_back(fmt::format("flood of {} half-open connections to port {} from {}{} source{}", f.half_open,
                                  f.port, f.sources_exact ? "" : "about ", f.sources, f.sources == 1 ? "" : "s"));
    return out;
}

}  // namespace tfe::analyzer
