// Random segment streams through the real FlowTable: nothing crashes, and
// every reported connection's records are coherent (each endpoint's
// transitions chain from its initial state, and its final state is where
// the last segment left it). Deterministic seeds, so a failure replays.
#include <catch2/catch.hpp>

#include <random>

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

TEST_CASE("random segment streams keep every connection's records coherent", "[fuzz]") {
    const std::uint32_t seed = GENERATE(1u, 2u, 3u, 4u);
    std::mt19937 rng(seed);
    Replay base;
    base.config.hash_seed = seed;
    base.config.tracker.msl = 1'000'000'000;  // short TIME_WAIT so timers fire too
    Checker sink;
    FlowTable table(base.config, sink);
    const char* kinds[] = {"S", "S.", ".", "P.", "F.", "R", "R.", "FP.", "SF", "", "SR", "F"};
    std::uniform_int_distribution<int> kind(0, 11), flow(0, 7), small(0, 40), side(0, 1);
    double t = 0;
    for (std::uint64_t frame = 1; frame <= 20000; ++frame) {
        Replay r = base;
        r.client_port = static_cast<std::uint16_t>(40000 + flow(rng));
        r.client_isn = 1000u * r.client_port + (rng() % 3 == 0 ? static_cast<std::uint32_t>(rng()) : 0u);
        r.server_isn = 0xfffff000u;
        const Step st{side(rng) ? 'c' : 's', kinds[kind(rng)], static_cast<std::uint32_t>(small(rng)),
                      static_cast<std::uint32_t>(small(rng)), static_cast<std::uint32_t>(small(rng) % 4 == 0 ? small(rng) : 0)};
        t += (rng() % 100 == 0) ? 3.0 : 0.001;
        table.on_segment(r.segment(st, frame, t));
    }
    table.flush();
    CHECK(sink.connections > 8);
    CHECK(sink.broken_chains == 0);
    CHECK(sink.bad_finals == 0);
}
