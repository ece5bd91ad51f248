// Random segment streams through the real FlowTable: nothing crashes, and
// every reported connection's records are coherent (each endpoint's
// transitions chain from its initial state, and its final state is where
// the last segment left it). Deterministic seeds, so a failure replays.
#include <catch2/catch.hpp>

#include <random>

#include "analyzer/json_report.hpp"
#include "analyzer/summary.hpp"
#include "scenario.hpp"

using namespace tfe;
using namespace tfe::test;

namespace {

class Checker : public ConnectionSink {
public:
    void on_connection(const Connection& c) override {
        ++connections;
        for (Side side : {Side::client, Side::server}) {
            State at = c.endpoint(side).initial_state;
            bool after_timer = false;
            State final_seen = at;
            for (const Transition& t : c.transitions()) {
                if (t.endpoint != side) continue;
                if (t.from != at) ++broken_chains;
                at = t.to;
                if (t.delivery == Delivery::timer) after_timer = true;
                else if (!after_timer) final_seen = t.to;
            }
            if (c.final_state(side) != final_seen) ++bad_finals;
        }
        (void)analyzer::summarize(c);  // must not trip on any record
    }
    std::uint64_t connections = 0, broken_chains = 0, bad_finals = 0;
};

}  // namespace

namespace {

// Every report in full (ladder included), to compare two runs.
class Recorder : public ConnectionSink {
public:
    void on_connection(const Connection& c) override {
        fmt::memory_buffer b;
        analyzer::write_json(b, c, analyzer::summarize(c), analyzer::NumberStyle{});
        reports.emplace_back(b.data(), b.size());
    }
    std::vector<std::string> reports;
};

// 20 000 random segments over eight 4-tuples, some with random ISNs.
void random_stream(std::uint32_t seed, FlowTable& table) {
    std::mt19937 rng(seed);
    double t = 0;
    for (std::uint64_t frame = 1; frame <= 20000; ++frame) {
        const RandomSegment d = random_segment(rng, 8, t);
        table.on_segment(d.replay.segment(d.step, frame, t));
    }
    table.flush();
}

FlowTableConfig fuzz_config(std::uint32_t seed) {
    FlowTableConfig config = Replay{}.config;
    config.hash_seed = seed;
    config.tracker.msl = 1'000'000'000;  // short TIME_WAIT so timers fire too
    return config;
}

}  // namespace

TEST_CASE("random segment streams keep every connection's records coherent", "[fuzz]") {
    const std::uint32_t seed = GENERATE(1u, 2u, 3u, 4u);
    Checker sink;
    FlowTable table(fuzz_config(seed), sink);
    random_stream(seed, table);
    CHECK(sink.connections > 8);
    CHECK(sink.broken_chains == 0);
    CHECK(sink.bad_finals == 0);
}

// Random streams reach states no sample does (crossed deliveries, holes,
// anomalies, spilled logs) at the moment of parking.
TEST_CASE("parking after every segment changes no report of a random stream", "[fuzz][parking]") {
    const std::uint32_t seed = GENERATE(1u, 2u, 3u, 4u);
    const bool ladder = GENERATE(false, true);
    // With an idle timeout, parked connections must expire in the same
    // order as unpacked ones (the 3 s gaps of the stream expire many).
    const TimeNs idle = GENERATE(TimeNs{0}, TimeNs{2'000'000'000});
    FlowTableConfig plain_config = fuzz_config(seed), parked_config = fuzz_config(seed);
    plain_config.tracker.keep_segments = parked_config.tracker.keep_segments = ladder;
    plain_config.idle_timeout = parked_config.idle_timeout = idle;
    parked_config.max_unparked = 0;
    Recorder plain, parked;
    FlowTable plain_table(plain_config, plain), parked_table(parked_config, parked);
    random_stream(seed, plain_table);
    random_stream(seed, parked_table);
    CHECK(parked_table.stats().parks > 1000);
    CHECK(parked_table.stats().unparks == parked_table.stats().parks);
    if (idle > 0) CHECK(parked_table.stats().ended[static_cast<int>(EndReason::idle)] > 10);
    CHECK(parked_table.stats().ended[static_cast<int>(EndReason::idle)] ==
          plain_table.stats().ended[static_cast<int>(EndReason::idle)]);
    REQUIRE(parked.reports.size() == plain.reports.size());
    for (std::size_t i = 0; i < plain.reports.size(); ++i) CHECK(parked.reports[i] == plain.reports[i]);
}

TEST_CASE("a table destroyed with parked connections frees what they own", "[parking]") {
    // No flush: the destructor must unpack them (ASan/LSan would see a
    // leak of their rare facts and spilled logs otherwise).
    Recorder sink;
    FlowTableConfig config = fuzz_config(7);
    config.idle_timeout = GENERATE(TimeNs{0}, TimeNs{60'000'000'000});  // strings with a serial too
    config.max_unparked = 0;
    config.tracker.keep_segments = true;
    {
        FlowTable table(config, sink);
        Replay r;
        r.server_isn = 0xfffff000u;
        for (std::uint16_t i = 0; i < 50; ++i) {
            r.client_port = static_cast<std::uint16_t>(40000 + i);
            table.on_segment(r.segment({'c', "S", 0, 0, 0}, 3 * i + 1, 0.001 * i));
            table.on_segment(r.segment({'s', "S.", 0, 0, 0}, 3 * i + 2, 0.001 * i));
            table.on_segment(r.segment({'c', "FP.", 1, 1, 5}, 3 * i + 3, 0.001 * i));
        }
        CHECK(table.parked_connections() == 50);
    }
    CHECK(sink.reports.empty());
}
