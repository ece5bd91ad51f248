#include <catch2/catch.hpp>
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <bit>
#include <random>
#include <string>
#include <vector>

#include "core/seq.hpp"
#include "core/flow_key.hpp"

using namespace tfe;

TEST_CASE("SeqNum compares modulo 2^32", "[seq]") {
    const std::uint32_t base = GENERATE(0u, 1u, 0x7fffffffu, 0xfffffffeu, 0xffffffffu);
    const SeqNum a(base);
    CHECK(before(a, a + 1));
    CHECK(after(a + 1, a));
    CHECK(before_eq(a, a));
    CHECK(!before(a, a));
    CHECK(distance(a, a + 1000) == 1000);
    CHECK(distance(a + 1000, a) == -1000);
    CHECK(in_window(a + 5, a, 10));
    CHECK(!in_window(a + 10, a, 10));
    CHECK(!in_window(a - 1, a, 10));
    CHECK(max_seq(a, a + 7) == a + 7);
    CHECK(unwrap(a + 0x90000000u, a, 0x80000000) == 0x90000000ll);
}

TEST_CASE("FlowKey is the same in both directions", "[flowkey]") {
    Segment s;
    s.src = IpAddr::v4(0x0a000002);
    s.dst = IpAddr::v4(0x0a000001);
    s.sport = 80;
    s.dport = 40000;
    bool fwd1 = false, fwd2 = false;
    const FlowKey k1 = FlowKey::of(s, fwd1);
    std::swap(s.src, s.dst);
    std::swap(s.sport, s.dport);
    const FlowKey k2 = FlowKey::of(s, fwd2);
    CHECK(k1 == k2);
    CHECK(fwd1 != fwd2);
    const FlowHasher h(7);
    CHECK(h(k1) == h(k2));
    CHECK(FlowHasher(8)(k1) != h(k1));
    CHECK(to_string(k1.a) == "10.0.0.1:40000");
}

TEST_CASE("FlowHasher spreads 4-tuples that differ in a few bits over the table", "[flowkey][hash]") {
    // What busy captures look like: one server, clients differing only in
    // their port or the low bits of their address. The open-addressing
    // index takes the hash's low bits; with 4 keys per bucket on average a
    // good hash leaves no bucket with more than a couple of dozen.
    const FlowHasher h(0x5eed);
    constexpr std::size_t kBuckets = 1 << 14;
    for (const bool vary_port : {true, false}) {
        std::vector<int> load(kBuckets);
        Segment s;
        s.dst = IpAddr::v4(0xc0000201);
        s.dport = 443;
        for (std::uint32_t i = 0; i < 4 * kBuckets; ++i) {
            s.src = IpAddr::v4(vary_port ? 0x0a000001 : 0x0a000000 + i);
            s.sport = static_cast<std::uint16_t>(vary_port ? i : 40000);
            bool forward = false;
            ++load[h(FlowKey::of(s, forward)) & (kBuckets - 1)];
        }
        INFO("varying the " << (vary_port ? "port" : "address"));
        CHECK(*std::max_element(load.begin(), load.end()) <= 24);
        CHECK(std::count(load.begin(), load.end(), 0) < int(kBuckets) / 20);  // Poisson(4): 1.8 % empty
    }
    // Avalanche: flipping one input bit flips about half of the output bits.
    Segment s;
    s.src = IpAddr::v4(0x0a000001);
    s.dst = IpAddr::v4(0xc0000201);
    s.sport = 40000;
    s.dport = 443;
    bool forward = false;
    const std::uint64_t base = h(FlowKey::of(s, forward));
    int flipped = 0, trials = 0;
    for (int bit = 0; bit < 32; ++bit) {
        Segment t = s;
        t.src = IpAddr::v4(0x0a000001u ^ (1u << bit));
        flipped += std::popcount(base ^ h(FlowKey::of(t, forward)));
        ++trials;
    }
    for (int bit = 0; bit < 16; ++bit) {
        Segment t = s;
        t.sport = static_cast<std::uint16_t>(40000 ^ (1 << bit));
        flipped += std::popcount(base ^ h(FlowKey::of(t, forward)));
        ++trials;
    }
    const double mean = double(flipped) / trials;
    CHECK(mean > 28);
    CHECK(mean < 36);
}

TEST_CASE("IPv6 flows group by their 4-tuple and never mix with IPv4", "[flowkey][ipv6]") {
    std::uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8};
    std::uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8};
    a6[15] = 1;
    b6[15] = 2;
    Segment s;
    s.src = IpAddr::v6(a6);
    s.dst = IpAddr::v6(b6);
    s.sport = 40000;
    s.dport = 443;
    bool fwd = false, back = false;
    const FlowKey k = FlowKey::of(s, fwd);
    std::swap(s.src, s.dst);
    std::swap(s.sport, s.dport);
    CHECK(FlowKey::of(s, back) == k);
    CHECK(fwd != back);
    CHECK(to_string(k.a) == "[2001:db8::1]:40000");
    // ::1.0.0.0 style bytes that equal an IPv4 address's first bytes must not collide with it.
    std::uint8_t v4like[16] = {10, 0, 0, 1};
    Segment t;
    t.src = IpAddr::v6(v4like);
    t.dst = IpAddr::v4(0x0a000002);
    Segment u;
    u.src = IpAddr::v4(0x0a000001);
    u.dst = IpAddr::v4(0x0a000002);
    bool f1 = false, f2 = false;
    CHECK(!(FlowKey::of(t, f1) == FlowKey::of(u, f2)));
}

TEST_CASE("IpAddr orders like its bytes, then its version", "[flow_key]") {
    // The flow key's canonical order (and so which side is `a`) rests on
    // this; it must stay the plain lexicographic order of the bytes.
    std::mt19937_64 next(0x9e3779b97f4a7c15ull);
    for (int n = 0; n < 20000; ++n) {
        IpAddr x, y;
        for (auto& b : x.bytes) b = static_cast<std::uint8_t>(next() % 4);  // few values: many ties
        // A common prefix of 0..16 bytes, then independent bytes: later
        // bytes must not outweigh the first difference.
        const std::size_t prefix = next() % 17;
        for (std::size_t i = 0; i < 16; ++i)
            y.bytes[i] = i < prefix ? x.bytes[i] : static_cast<std::uint8_t>(next() % 4);
        x.version = next() % 2 ? 4 : 6;
        y.version = next() % 2 ? 4 : 6;
        const bool bytes_less = std::lexicographical_compare(x.bytes.begin(), x.bytes.end(), y.bytes.begin(), y.bytes.end());
        const bool bytes_equal = x.bytes == y.bytes;
        const bool expected_less = bytes_less || (bytes_equal && x.version < y.version);
        REQUIRE((x < y) == expected_less);
        REQUIRE((x == y) == (bytes_equal && x.version == y.version));
    }
}

TEST_CASE("write_ip writes what inet_ntop writes", "[flow_key]") {
    const auto ntop = [](const IpAddr& a) {
        char buf[INET6_ADDRSTRLEN] = {};
        inet_ntop(a.version == 6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf);
        return std::string(buf);
    };
    const auto mine = [](const IpAddr& a) {
        char buf[kIpTextMax];
        return std::string(buf, write_ip(buf, a));
    };
    std::mt19937_64 next(0x2545f4914f6cdd1dull);
    // Groups drawn from 0, 1, ffff and random, so zero runs of every length
    // and place occur, embedded IPv4 forms (::a.b.c.d, ::ffff:a.b.c.d) too.
    for (int n = 0; n < 200000; ++n) {
        std::uint8_t b[16];
        for (int g = 0; g < 8; ++g) {
            const std::uint64_t r = next();
            const unsigned v = r % 4 == 0 ? 0 : r % 4 == 1 ? 1 : r % 4 == 2 ? 0xffff : static_cast<unsigned>(r >> 32) & 0xffff;
            const unsigned group = (next() % 3 == 0) ? 0 : v;
            b[2 * g] = static_cast<std::uint8_t>(group >> 8);
            b[2 * g + 1] = static_cast<std::uint8_t>(group);
        }
        const IpAddr v6 = IpAddr::v6(b);
        REQUIRE(mine(v6) == ntop(v6));
        const IpAddr v4 = IpAddr::v4(static_cast<std::uint32_t>(next()));
        REQUIRE(mine(v4) == ntop(v4));
    }
    REQUIRE(to_string(HostPort{IpAddr::v6(std::array<std::uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}.data()), 80}) == "[::1]:80");
    REQUIRE(to_string(HostPort{IpAddr::v4(0x0a000001), 443}) == "10.0.0.1:443");
}
