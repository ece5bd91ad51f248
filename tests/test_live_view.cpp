// The live view's figures count parked connections (untouched lately,
// kept packed) as well as unpacked ones: the census by states and the
// pile-up lines come out the same however the table holds its
// connections. Over samples/close-wait-pileup (a server that never
// closes, checked with ss by the lab), replayed from 12 client ports.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "apps/live_stats.hpp"
#include "apps/live_table.hpp"
#include "capture/pcap_source.hpp"
#include "core/flow_table.hpp"

using namespace tfe;

namespace {

struct Collect final : capture::SegmentSink {
    std::vector<Segment> segments;
    void on_segment(const Segment& s) override { segments.push_back(s); }
    void on_icmp_error(const IcmpError&) override {}
};

struct Ignore final : ConnectionSink {
    void on_connection(const Connection&) override {}
};

std::vector<Segment> pile_up_segments() {
    Collect c;
    std::uint64_t frames = 0;
    capture::read_capture_file(std::string(TFE_SAMPLES_DIR) + "/close-wait-pileup/capture.pcap", {}, frames, c);
    REQUIRE(c.segments.size() == 27);
    std::vector<Segment> all;
    for (std::uint16_t round = 0; round < 12; ++round)  // the same three connections from other client ports
        for (Segment s : c.segments) {
            (s.dport == 41017 ? s.sport : s.dport) += static_cast<std::uint16_t>(round * 10);
            s.frame += round * 27u;
            all.push_back(s);
        }
    return all;
}

std::vector<std::string> screen_of(std::size_t max_unparked, std::size_t& parked) {
    Ignore ignore;
    FlowTableConfig config;
    config.hash_seed = 1;
    config.max_unparked = max_unparked;
    FlowTable table(config, ignore);
    for (const Segment& s : pile_up_segments()) table.on_segment(s);
    parked = table.parked_connections();
    REQUIRE(table.open_connections() == 36);
    const app::OpenCensus census = app::take_census(table);
    // FIN_WAIT_1 as recorded: no later client segment shows the ACK of its FIN arrived.
    CHECK(census.by_states.at({State::FIN_WAIT_1, State::CLOSE_WAIT}) == 36);
    CHECK(census.parked == parked);
    std::vector<std::string> screen = app::table_screen(table, analyzer::RunSummary{}, capture::LiveStats{}, 0, 200, 50);
    table.flush();  // every parked connection is unpacked to be reported: the census is empty again
    CHECK(table.parked_census().in_states(State::FIN_WAIT_1, State::CLOSE_WAIT) == 0);
    std::uint64_t waiting = 0;
    table.parked_census().for_each_waiting([&waiting](const ParkedCensus::Peer&, std::uint64_t n) { waiting += n; });
    CHECK(waiting == 0);
    return screen;
}

bool has(const std::vector<std::string>& lines, const std::string& part) {
    for (const std::string& l : lines)
        if (l.find(part) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("the live view counts parked connections in its census and pile-ups", "[live][parking]") {
    std::size_t unpacked_parked = 0, parked = 0;
    const std::vector<std::string> unpacked = screen_of(FlowTableConfig{}.max_unparked, unpacked_parked);
    const std::vector<std::string> packed = screen_of(0, parked);
    CHECK(unpacked_parked == 0);
    REQUIRE(parked > 0);  // else this test would show nothing
    INFO(fmt::format("{}", fmt::join(packed, "\n")));
    for (const auto* lines : {&unpacked, &packed}) {
        CHECK(has(*lines, "open 36: FIN_WAIT_1/CLOSE_WAIT 36"));
        CHECK(has(*lines, "pile-up: 36 connections with 127.0.0.1:41017 in CLOSE_WAIT"));
    }
    CHECK(has(packed, fmt::format("({} of them parked)", parked)));
    CHECK(has(packed, fmt::format("{} parked: idle, counted above, not unpacked to list", parked)));
}
