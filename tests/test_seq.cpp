#include <catch2/catch.hpp>

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
