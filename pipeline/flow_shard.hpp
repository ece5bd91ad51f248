// Which part of the run a connection belongs to: its unordered 4-tuple's
// keyed hash, taken modulo the number of parts. Every segment of a
// connection, and every ICMP error quoting one, lands in the same part,
// and so does every later connection on the same 4-tuple.
//
// Shards (--shard K/N, one process each, perhaps on other machines) must
// agree, so their key is fixed and documented: kShardSeed. Worker threads
// need only agree within one process: a random key per run keeps crafted
// 4-tuples from piling onto one worker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/flow_key.hpp"
#include "core/icmp_error.hpp"
#include "core/segment.hpp"

namespace tfe::pipeline {

// "tcpflow\0" read as a big-endian number: FlowHasher(kShardSeed).
inline constexpr std::uint64_t kShardSeed = 0x746370666c6f7700ull;

inline FlowKey key_of(const IcmpError& e) {
    const HostPort src{e.quoted_src, e.quoted_sport}, dst{e.quoted_dst, e.quoted_dport};
    return dst < src ? FlowKey{dst, src} : FlowKey{src, dst};
}
inline FlowKey key_of(const Segment& s) {
    bool forward = true;
    return FlowKey::of(s, forward);
}

// One part of N, by the keyed hash.
class FlowParts {
public:
    FlowParts(std::uint64_t seed, std::uint32_t parts) : hasher_(seed), parts_(parts) {}
    std::uint32_t part_of(const FlowKey& k) const { return static_cast<std::uint32_t>(hasher_(k) % parts_); }
    std::uint32_t parts() const { return parts_; }

private:
    FlowHasher hasher_;
    std::uint32_t parts_;
};

// --shard K/N: this process analyses part K (0-based) of N.
struct ShardSpec {
    std::uint32_t index = 0;
    std::uint32_t count = 1;
};

// "K/N" with 0 <= K < N; nullopt when it is not one.
std::optional<ShardSpec> parse_shard(const std::string& text);

}  // namespace tfe::pipeline
