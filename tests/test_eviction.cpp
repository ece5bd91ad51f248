// --max-connections: a full table ends the oldest half-open connection
// (SYN unanswered, SYN+ACK unanswered), else the oldest idle one, each
// reported as evicted and counted by kind; parking changes nothing.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "analyzer/flood_tally.hpp"
#include "analyzer/summary.hpp"
#include "tests/scenario.hpp"

using namespace tfe;
using namespace tfe::test;

namespace {

// Sends Steps from the client port given, one millisecond apart.
struct PortSender {
    const Replay& replay;
    FlowTable& table;
    std::uint64_t frame = 0;
    double t = 0;
    void operator()(std::uint16_t port, const Step& st) {
        Replay c = replay;
        c.client_port = port;
        t += 0.001;
        table.on_segment(c.segment(st, ++frame, t));
    }
};

struct Flooded {
    std::map<std::uint16_t, EndReason> ended;  // by client port, in the order reported
    std::vector<std::uint16_t> order;
    FlowTableStats stats;
};

// Four slots: three established connections (40001-40003), then half-open
// ones and mid-stream ones arriving while the table is full.
Flooded run_flood(std::size_t max_unparked, TimeNs idle_timeout) {
    Replay r;
    r.config.max_connections = 4;
    r.config.max_unparked = max_unparked;
    r.config.idle_timeout = idle_timeout;
    Collect sink;
    FlowTable table(r.config, sink);
    PortSender send{r, table};
    for (const std::uint16_t p : {std::uint16_t{40001}, std::uint16_t{40002}, std::uint16_t{40003}}) {
        send(p, {'c', "S", 0, 0});
        send(p, {'s', "S.", 0, 1});
        send(p, {'c', ".", 1, 1});
    }
    send(40004, {'c', "S", 0, 0});                          // open: 4, the table is full
    send(40005, {'c', "S", 0, 0});                          // evicts 40004 (SYN unanswered)
    send(40006, {'c', "S", 0, 0});                          // evicts 40005
    send(40006, {'s', "S.", 0, 1});                         // 40006 now waits for the final ACK
    send(40007, {'c', "S", 0, 0});                          // evicts 40006 (SYN+ACK unanswered)
    send(40001, {'c', "P.", 1, 1, 10});                     // 40001 busy again
    send(40008, {'c', "P.", 1, 1, 10});                     // mid-stream: evicts 40007
    send(40009, {'c', "P.", 1, 1, 10});                     // no half-open left: the oldest idle, 40002
    table.flush();
    Flooded f;
    for (const Connection& c : sink.done) {
        const auto port = c.addr(Side::client).port;
        f.ended[port] = c.end_reason();
        f.order.push_back(port);
    }
    f.stats = table.stats();
    return f;
}

}  // namespace

TEST_CASE("a full table evicts half-open connections first, then the oldest idle", "[eviction]") {
    for (const std::size_t unparked : {std::size_t{16384}, std::size_t{0}}) {
        for (const TimeNs idle : {TimeNs{0}, TimeNs{300'000'000'000}}) {
            INFO("max_unparked " << unparked << ", idle timeout " << idle);
            const Flooded f = run_flood(unparked, idle);
            CHECK(f.order == std::vector<std::uint16_t>{40004, 40005, 40006, 40007, 40002, 40001, 40003, 40008,
                                                        40009});
            for (const int p : {40004, 40005, 40006, 40007, 40002}) CHECK(f.ended.at(static_cast<std::uint16_t>(p)) == EndReason::evicted);
            for (const int p : {40001, 40003, 40008, 40009}) CHECK(f.ended.at(static_cast<std::uint16_t>(p)) == EndReason::capture_end);
            const auto kind = [&f](EvictionKind k) { return f.stats.evicted[static_cast<std::size_t>(k)]; };
            CHECK(kind(EvictionKind::syn_unanswered) == 3);
            CHECK(kind(EvictionKind::synack_unanswered) == 1);
            CHECK(kind(EvictionKind::idle) == 1);
            CHECK(f.stats.ended[static_cast<int>(EndReason::evicted)] == 5);
            CHECK(f.stats.peak_open == 4);
        }
    }
}

TEST_CASE("an evicted connection is reported with what it had seen", "[eviction]") {
    Replay r;
    r.config.max_connections = 1;
    Collect sink;
    FlowTable table(r.config, sink);
    table.on_segment(r.segment({'c', "S", 0, 0}, 1, 0.0));
    table.on_segment(r.segment({'s', "S.", 0, 1}, 2, 0.001));
    Replay other = r;
    other.client_port = 40001;
    table.on_segment(other.segment({'c', "S", 0, 0}, 3, 0.002));
    REQUIRE(sink.done.size() == 1);
    const Connection& c = sink.done[0];
    CHECK(c.end_reason() == EndReason::evicted);
    CHECK(c.endpoint(Side::server).packets == 1);
    CHECK(analyzer::summarize(c).handshake == analyzer::HandshakeKind::incomplete);
    CHECK(table.open_connections() == 1);
}

TEST_CASE("without a cap nothing is evicted", "[eviction]") {
    Replay r;
    r.config.max_connections = 0;
    Collect sink;
    FlowTable table(r.config, sink);
    for (std::uint16_t p = 1; p <= 2000; ++p) {
        Replay c = r;
        c.client_port = p;
        table.on_segment(c.segment({'c', "S", 0, 0}, p, 0.001 * p));
    }
    CHECK(table.open_connections() == 2000);
    CHECK(table.stats().ended[static_cast<int>(EndReason::evicted)] == 0);
}

TEST_CASE("distinct sources are counted exactly up to 1024, then estimated within 2%", "[eviction][flood]") {
    analyzer::DistinctCount few, many;
    std::uint64_t x = 0x9e3779b97f4a7c15ull;
    const auto next = [&x] {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift: distinct 64-bit values
        return x;
    };
    for (int i = 0; i < 1000; ++i) {
        const std::uint64_t h = next();
        few.add(h);
        few.add(h);  // the same source twice counts once
    }
    CHECK(few.exact());
    CHECK(few.count() == 1000);
    for (int i = 0; i < 200000; ++i) many.add(next());
    CHECK_FALSE(many.exact());
    CHECK(many.count() > 196000);
    CHECK(many.count() < 204000);
}

TEST_CASE("the half-open queue stays within the table on a long run of ordinary connections", "[eviction]") {
    Replay r;
    r.config.max_connections = 100000;
    Collect sink;
    FlowTable table(r.config, sink);
    std::uint64_t frame = 0;
    double t = 0;
    // 30 000 connections, each opened and closed in turn, with 2 000
    // left open alongside (never answered past the handshake's ACK).
    for (int i = 0; i < 32000; ++i) {
        Replay c = r;
        c.client_port = static_cast<std::uint16_t>(1024 + i % 60000);
        c.client_ip = IpAddr::v4(0x0a000100u + static_cast<std::uint32_t>(i / 60000));
        const bool stays_open = i % 16 == 0;
        for (const Step& st : std::vector<Step>{{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', ".", 1, 1},
                                                {'c', "F.", 1, 1}, {'s', "F.", 1, 2}, {'c', ".", 2, 2}}) {
            if (stays_open && st.flags == "F.") break;
            t += 0.0001;
            table.on_segment(c.segment(st, ++frame, t));
        }
        sink.done.clear();
    }
    const FlowTableStats st = table.stats();
    CHECK(st.ended[static_cast<int>(EndReason::evicted)] == 0);
    CHECK(st.half_open_queued <= table.open_connections() + table.open_connections() / 2 + 1024);
}

// With an idle timeout, parking follows the LRU order. A connection waiting
// out TIME_WAIT at its head (scheduled: it ends by its deadline before it
// could go idle) must not hold up the parking of those behind it: once it
// did, and a flood with --idle-timeout (every live run) filled the slots,
// twice the memory of the same flood offline.
TEST_CASE("a connection in TIME_WAIT at the head of the LRU list does not stop parking", "[eviction][parking]") {
    for (const TimeNs idle : {TimeNs{0}, TimeNs{300'000'000'000}}) {
        INFO("idle timeout " << idle);
        Replay r;
        r.config.max_unparked = 1;
        r.config.idle_timeout = idle;
        Collect sink;
        FlowTable table(r.config, sink);
        PortSender send{r, table};
        // Client closes first: four waves, the client left in TIME_WAIT.
        for (const Step& st : {Step{'c', "S", 0, 0}, Step{'s', "S.", 0, 1}, Step{'c', ".", 1, 1},
                               Step{'c', "F.", 1, 1}, Step{'s', ".", 1, 2}, Step{'s', "F.", 1, 2},
                               Step{'c', ".", 2, 2}})
            send(40000, st);
        for (std::uint16_t p = 41000; p < 41200; ++p) send(p, {'c', "S", 0, 0});
        CHECK(table.open_connections() == 201);
        // All but the TIME_WAIT one and the newest SYN (max_unparked 1) parked.
        CHECK(table.parked_connections() == 199);
        table.flush();
        REQUIRE(sink.done.size() == 201);
        CHECK(sink.done.front().final_state(Side::client) == State::TIME_WAIT);
        for (const Connection& c : sink.done) CHECK(c.end_reason() == EndReason::capture_end);
    }
}

namespace {

// "port reason" per connection, in the order reported.
using Ends = std::vector<std::string>;

// A connection left in TIME_WAIT, then `steps` (port, step, seconds),
// through a table that parks (max_unparked 1) and one that never does.
Ends ends_after(const FlowTableConfig& config, const std::vector<std::tuple<std::uint16_t, Step, double>>& steps) {
    Replay r;
    r.config = config;
    Collect sink;
    FlowTable table(r.config, sink);
    std::uint64_t frame = 0;
    for (const auto& [port, st, t] : steps) {
        Replay c = r;
        c.client_port = port;
        table.on_segment(c.segment(st, ++frame, t));
    }
    table.flush();
    Ends ends;
    for (const Connection& c : sink.done)
        ends.push_back(std::to_string(c.addr(Side::client).port) + " " + std::string(end_reason_name(c.end_reason())));
    return ends;
}

std::vector<std::tuple<std::uint16_t, Step, double>> time_wait_then(
    std::initializer_list<std::tuple<std::uint16_t, Step, double>> more) {
    std::vector<std::tuple<std::uint16_t, Step, double>> steps;
    double t = 0;
    for (const Step& st : {Step{'c', "S", 0, 0}, Step{'s', "S.", 0, 1}, Step{'c', ".", 1, 1},
                           Step{'c', "F.", 1, 1}, Step{'s', ".", 1, 2}, Step{'s', "F.", 1, 2},
                           Step{'c', ".", 2, 2}})
        steps.emplace_back(40000, st, t += 0.001);
    steps.insert(steps.end(), more);
    return steps;
}

}  // namespace

TEST_CASE("connections behind one waiting out TIME_WAIT end as without parking", "[eviction][parking]") {
    SECTION("a full table ends the TIME_WAIT one first: it loses nothing") {
        FlowTableConfig config;
        config.idle_timeout = 300'000'000'000;
        config.max_connections = 4;
        const auto steps = time_wait_then({{40001, {'c', "S", 0, 0}, 0.1}, {40001, {'s', "S.", 0, 1}, 0.101},
                                           {40001, {'c', ".", 1, 1}, 0.102}, {40002, {'c', "S", 0, 0}, 0.2},
                                           {40002, {'s', "S.", 0, 1}, 0.201}, {40002, {'c', ".", 1, 1}, 0.202},
                                           {40003, {'c', "P.", 1, 1, 10}, 0.3}, {40004, {'c', "P.", 1, 1, 10}, 0.4},
                                           {40005, {'c', "P.", 1, 1, 10}, 0.5}});
        const Ends plain = ends_after(config, steps);
        config.max_unparked = 1;
        CHECK(ends_after(config, steps) == plain);
        CHECK(plain == Ends{"40000 time_wait", "40001 evicted", "40002 capture_end", "40003 capture_end",
                            "40004 capture_end", "40005 capture_end"});
    }
    SECTION("with time gone backwards, one behind it goes idle by its own clock, parked or not") {
        FlowTableConfig config;
        config.idle_timeout = 10'000'000'000;
        config.tracker.msl = 4'000'000'000;  // TIME_WAIT ends 8 s on, before the 10 s of idleness
        config.tracker.linger = 60'000'000'000;
        const auto steps = time_wait_then({{40001, {'c', "S", 0, 0}, -5.0}, {40002, {'c', "S", 0, 0}, -4.9},
                                           {40003, {'c', "S", 0, 0}, 6.0}, {40004, {'c', "S", 0, 0}, 9.0}});
        const Ends plain = ends_after(config, steps);
        config.max_unparked = 1;
        CHECK(ends_after(config, steps) == plain);
        CHECK(plain == Ends{"40001 idle", "40002 idle", "40000 time_wait_expired", "40003 capture_end",
                            "40004 capture_end"});
    }
}
