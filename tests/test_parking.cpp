// The pieces of parking: the byte codec is exact for every value, and the
// store hands out, reuses and frees strings by handle. (That a parked
// connection comes back exactly as it was is checked over every sample in
// test_samples.cpp and over random streams in test_core_fuzz.cpp.)
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "core/park_codec.hpp"
#include "core/parked_connection.hpp"
#include "core/parked_store.hpp"

using namespace tfe;

TEST_CASE("the park codec brings back every value exactly, and small distances in few bytes", "[parking]") {
    std::uint8_t buf[256];
    const std::uint64_t u64s[] = {0, 1, 2, 1000, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull};
    const std::int64_t i64s[] = {0, 1, -1, 1'700'000'000'000'000'000, std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max()};
    const std::uint32_t u32s[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu, 12345};
    // Every value against every base: written, read back, and the reader
    // ends where the writer did.
    auto round_trips = [&buf](const auto& values, auto wrap) {
        for (const auto& v : values)
            for (const auto& base : values) {
                park::ParkWriter w(buf);
                auto in = wrap(v), out = wrap(12);
                w.near(in, wrap(base));
                park::ParkReader r(buf);
                r.near(out, wrap(base));
                CHECK(out == wrap(v));
                CHECK(r.end() == w.end());
            }
    };
    round_trips(u64s, [](std::uint64_t v) { return v; });
    round_trips(i64s, [](std::int64_t v) { return v; });
    round_trips(u32s, [](std::uint32_t v) { return SeqNum(v); });
    SECTION("sizes") {
        auto size_of = [&](SeqNum v, SeqNum base) {
            park::ParkWriter w(buf);
            w.near(v, base);
            return w.end() - buf;
        };
        CHECK(size_of(SeqNum(0), SeqNum(0xfffffff0u)) == 1);           // zero is its own code
        CHECK(size_of(SeqNum(0xfffffff0u), SeqNum(0xfffffff0u)) == 1);  // the base itself
        CHECK(size_of(SeqNum(5), SeqNum(0xfffffff0u)) == 1);            // 21 bytes on, across the wrap
        CHECK(size_of(SeqNum(0xffffff00u), SeqNum(0xfffffff0u)) == 2);  // 240 bytes back
    }
    SECTION("flags") {
        bool a = true, b = false, c = true, x = false, y = true, z = false;
        park::ParkWriter w(buf);
        w.flags(a, b, c);
        CHECK(w.end() - buf == 1);
        park::ParkReader r(buf);
        r.flags(x, y, z);
        CHECK((x && !y && z));
    }
}

TEST_CASE("the parked store reuses freed strings of the same size and keeps each intact", "[parking]") {
    ParkedStore store;
    std::vector<std::uint8_t> s(200);
    std::vector<std::uint32_t> handles;
    for (int i = 0; i < 30000; ++i) {  // 6 MB: three chunks, strings never straddle one
        for (std::size_t j = 0; j < s.size(); ++j) s[j] = static_cast<std::uint8_t>(i + j);
        handles.push_back(store.put(s.data(), s.size()));
    }
    CHECK(store.bytes() == 30000 * 200);
    CHECK(store.reserved() == 3 * kHugePageBytes);
    for (int i = 0; i < 30000; i += 997) {
        const std::uint8_t* p = store.at(handles[i]);
        for (std::size_t j = 0; j < s.size(); j += 17) CHECK(p[j] == static_cast<std::uint8_t>(i + j));
    }
    store.free(handles[10], 200);
    store.free(handles[20], 197);  // the same 25 granules
    CHECK(store.put(s.data(), 199) == handles[20]);
    CHECK(store.put(s.data(), 193) == handles[10]);
    const std::uint32_t other = store.put(s.data(), 100);  // another size: new room
    CHECK(other != handles[10]);
    CHECK(store.reserved() == 3 * kHugePageBytes);
    CHECK(store.at(handles[11])[0] == static_cast<std::uint8_t>(11));  // neighbours untouched
}

namespace {

// Round-trips `value` through `transfer(io, object)` and says whether it
// came back equal.
template <class T, class Transfer>
bool round_trips(const T& value, Transfer transfer) {
    std::uint8_t buf[1024];
    T in = value, out{};
    park::ParkWriter w(buf);
    transfer(w, in);
    park::ParkReader r(buf);
    transfer(r, out);
    return out == value && r.end() == w.end();
}

// Changes every byte of `base` in turn (its low bit: a bool stays a bool)
// and checks that each change that makes a different value (not padding)
// survives the transfer: a field the transfer forgets fails here, with no
// list of fields to keep up to date. Returns how many bytes were fields.
template <class T, class Transfer>
int every_field_round_trips(const T& base, Transfer transfer) {
    static_assert(std::is_trivially_copyable_v<T>);
    int fields = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        T changed = base;
        auto* bytes = reinterpret_cast<std::uint8_t*>(&changed);
        bytes[i] ^= 1;
        if (changed == base) continue;  // padding
        ++fields;
        INFO(typeid(T).name() << " byte " << i);
        CHECK(round_trips(changed, transfer));
    }
    return fields;
}

}  // namespace

TEST_CASE("every field of every parked struct comes back: each byte changed in turn", "[parking]") {
    // Optional parts are present in the base (a last segment, a segment in
    // flight), so that their fields are written too.
    ParkBases at;
    at.ts = 1'700'000'000'000'000'000;
    at.frame = 7;
    at.isn[0] = SeqNum(1000);
    at.isn[1] = SeqNum(0xfffffff0u);
    CHECK(every_field_round_trips(TcpOptions{}, [](auto& io, TcpOptions& o) { park::transfer(io, o); }) >= 13);
    CHECK(every_field_round_trips(HandshakeFacts{}, [&](auto& io, HandshakeFacts& h) { park::transfer(io, h, at); }) >=
          14);
    // What the connection transfers ahead of these structs (each side's
    // ISN, whether a segment is in flight) is transferred here the same way.
    for (int side = 0; side < 2; ++side) {
        Endpoint e;
        e.isn = at.isn[side];
        e.last.valid = true;
        CHECK(every_field_round_trips(e, [&](auto& io, Endpoint& x) {
                  io.raw(x.isn);
                  ParkBases with = at;
                  with.isn[side] = x.isn;
                  park::transfer(io, x, side, with);
              }) >= 40);
        InFlight f;
        f.active = true;
        CHECK(every_field_round_trips(f, [&](auto& io, InFlight& x) {
                  io.flags(x.active);
                  park::transfer(io, x, side, at);
              }) >= 12);
    }
}
