// The unordered 4-tuple that names a connection, in canonical order (the
// lower address:port first), and a seeded hash over it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/segment.hpp"

namespace tfe {

struct HostPort {
    IpAddr ip;
    std::uint16_t port = 0;
    bool operator==(const HostPort&) const = default;
    auto operator<=>(const HostPort&) const = default;
};

// An unkeyed hash of an endpoint and a few bits more (a role, a state), for
// the tallies keyed by peer: not the flow table's seeded hash.
std::size_t hash_host_port(const HostPort& hp, std::uint64_t more);

// An address as inet_ntop writes it (RFC 5952 for IPv6), at `out`; returns
// the end. At most kIpTextMax bytes. Written by hand because every report
// prints addresses and glibc's inet_ntop formats each group with sprintf.
inline constexpr std::size_t kIpTextMax = 45;
char* write_ip(char* out, const IpAddr& ip);
// "10.0.0.1:80" or "[::1]:80"; at most kHostPortTextMax bytes.
inline constexpr std::size_t kHostPortTextMax = 1 + kIpTextMax + 2 + 5;
char* write_host_port(char* out, const HostPort& hp);

std::string to_string(const IpAddr& ip);
// "10.0.0.1:80" or "[::1]:80".
std::string to_string(const HostPort& hp);

struct FlowKey {
    HostPort a, b;  // a < b

    // Builds the canonical key of a segment; `forward` tells whether the
    // segment travels a -> b.
    static FlowKey of(const Segment& s, bool& forward) {
        HostPort src{s.src, s.sport}, dst{s.dst, s.dport};
        forward = !(dst < src);
        return forward ? FlowKey{src, dst} : FlowKey{dst, src};
    }
    // Member-wise equality, with each address compared as two 64-bit words
    // (the hot path compares a key per segment).
    bool operator==(const FlowKey& o) const {
        return a.port == o.a.port && b.port == o.b.port && same_ip(a.ip, o.a.ip) && same_ip(b.ip, o.b.ip);
    }

private:
    static bool same_ip(const IpAddr& x, const IpAddr& y) {
        std::uint64_t xw[2], yw[2];
        std::memcpy(xw, x.bytes.data(), 16);
        std::memcpy(yw, y.bytes.data(), 16);
        return ((xw[0] ^ yw[0]) | (xw[1] ^ yw[1])) == 0 && x.version == y.version;
    }
};

// A keyed hash of the 4-tuple's five 64-bit words. The key is random per
// run, so crafted 4-tuples cannot aim at one bucket of the open-addressing
// FlowTable. Each pair of words, xored with its own part of the key, is
// multiplied to 128 bits and folded (wyhash's "mum"); the three products
// do not wait for each other, and one splitmix64 finaliser spreads the
// result. A chain of five finalisers, one per word, did the same job with
// twice the instructions and three times the latency, on every segment.
class FlowHasher {
public:
    explicit FlowHasher(std::uint64_t seed) {
        for (std::uint64_t& k : key_) k = mix(seed += 0x9e3779b97f4a7c15ull);
    }
    std::uint64_t operator()(const FlowKey& k) const {
        std::uint64_t w[5];
        std::memcpy(&w[0], k.a.ip.bytes.data(), 16);
        std::memcpy(&w[2], k.b.ip.bytes.data(), 16);
        w[4] = (std::uint64_t{k.a.port} << 32) | (std::uint64_t{k.b.port} << 16) |
               (std::uint64_t{k.a.ip.version} << 8) | k.b.ip.version;
        return mix(mum(w[0] ^ key_[0], w[1] ^ key_[1]) ^ mum(w[2] ^ key_[2], w[3] ^ key_[3]) ^
                   mum(w[4] ^ key_[4], key_[5]));
    }

private:
    __extension__ typedef unsigned __int128 Product;  // GCC and Clang's; one MUL on x86-64
    static std::uint64_t mum(std::uint64_t a, std::uint64_t b) {
        const Product r = static_cast<Product>(a) * b;
        return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
    }
    static std::uint64_t mix(std::uint64_t x) {
        // splitmix64's finaliser: full avalanche.
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        return x ^ (x >> 31);
    }
    std::uint64_t key_[6];
};

}  // namespace tfe
