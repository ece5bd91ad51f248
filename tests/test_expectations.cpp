// Expectation files: every field the JSON writer emits is one an
// expectation may pin (so the validator cannot fall behind the writer),
// typos and impossible values are named, and --update-expect keeps what a
// line pins.
#include <catch2/catch.hpp>

#include "analyzer/expectations.hpp"
#include "sample_pipeline.hpp"

using tfe::analyzer::behaviour_of;
using tfe::analyzer::Expectation;
using tfe::analyzer::expectation_problem;
using tfe::analyzer::updated_expectations;
using json = tfe::analyzer::json_line;

TEST_CASE("every connection the writer emits, over every sample, is a valid expectation", "[expect]") {
    std::size_t checked = 0;
    for (const auto& dir : tfe::test::sample_dirs(TFE_SAMPLES_DIR)) {
        const auto r = tfe::test::run_pipeline(tfe::test::capture_in(dir));
        for (const auto& c : r.connections) {
            INFO(dir.filename().string() << ": " << c.dump());
            CHECK(expectation_problem(c) == "");
            ++checked;
        }
    }
    CHECK(checked >= 30);
}

TEST_CASE("a bad expectation line is named, with what was expected", "[expect]") {
    const std::vector<std::pair<const char*, const char*>> bad = {
        {R"({"closee":"four-way"})", "unknown field 'closee'"},
        {R"({"close":"three-wave"})", R"(close: "three-wave" is not a close kind (four-way, three-way)"},
        {R"({"handshake":"3-way"})", "is not a handshake kind"},
        {R"({"close_initiator":"nobody"})", "close_initiator: \"nobody\" is not a side"},
        {R"({"final_state":{"client":"TIMEWAIT"}})", "final_state.client: \"TIMEWAIT\" is not a state"},
        {R"({"final_state":{"clients":"TIME_WAIT"}})", "unknown field 'final_state.clients'"},
        {R"({"final_state":"TIME_WAIT"})", "final_state: expected an object"},
        {R"({"anomalies":{"retransmision":1}})", "unknown anomaly 'retransmision'"},
        {R"({"anomalies":{"retransmission":-1}})", "anomalies.*: -1 is not a whole number"},
        {R"({"client":{"port":70000}})", "client.port: 70000 is not a whole number from 0 to 65535"},
        {R"({"client":{"ip":"10.0.0.300"}})", "client.ip: \"10.0.0.300\" is not an IPv4 or IPv6 address"},
        {R"({"id":0})", "id: 0 is not a whole number from 1"},
        {R"({"transitions":[{"from":"OPEN"}]})", "transitions[].from: \"OPEN\" is not a state"},
        {R"({"transitions":{"from":"CLOSED"}})", "transitions: expected an array"},
        {R"([1,2])", "the line: expected an object"},
    };
    for (const auto& [line, message] : bad) {
        INFO(line);
        const std::string p = expectation_problem(json::parse(line));
        CHECK(p.find(message) != std::string::npos);
        CAPTURE(p);
    }
    CHECK(expectation_problem(json::parse(R"({"options":{"client":null},"isn":{"server":null}})")) == "");
    CHECK(expectation_problem(json::parse(R"({"close_initiator":null,"anomalies":{"zero_window":2}})")) == "");
}

namespace {

json seed1() {
    const auto r = tfe::test::run_pipeline(std::string(TFE_SAMPLES_DIR) + "/seed-1-merged-close/capture.pcap");
    REQUIRE(r.connections.size() == 1);
    return r.connections[0];
}

}  // namespace

TEST_CASE("update-expect keeps the fields each line pins, with today's values", "[expect]") {
    const json now = seed1();
    // The README's own example, with one value out of date.
    const json readme = json::parse(
        R"({"id":1,"close":"four-way","close_initiator":"client","final_state":{"client":"TIME_WAIT"}})");
    const auto updated = updated_expectations({{1, readme}}, {now}, false);
    REQUIRE(updated.size() == 1);
    CHECK(updated[0].dump() ==
          R"({"id":1,"close":"three-way","close_initiator":"client","final_state":{"client":"TIME_WAIT"}})");
    // A line whose connection is gone is dropped; one with a field the
    // writer no longer has loses that field only.
    const json gone = json::parse(R"({"id":7,"close":"reset"})");
    CHECK(updated_expectations({{1, gone}}, {now}, false).empty());
}

TEST_CASE("a new expectation file pins behaviour, not incidental numbers", "[expect]") {
    const json now = seed1();
    const auto fresh = updated_expectations({}, {now}, false);
    REQUIRE(fresh.size() == 1);
    CHECK(fresh[0] == behaviour_of(now));
    CHECK(fresh[0].dump() == R"({"id":1,"handshake":"three-way","close":"three-way","close_initiator":"client",)"
                             R"("final_state":{"client":"TIME_WAIT","server":"CLOSED"},"failure":null})");
    CHECK_FALSE(fresh[0].contains("client"));  // ports change on every capture
    CHECK_FALSE(fresh[0].contains("isn"));
    // --expect-all with --update-expect: connections the file lacks are added.
    json other = now;
    other["id"] = 2;
    const json pinned_first = json::parse(R"({"id":1,"close":"three-way"})");
    CHECK(updated_expectations({{1, pinned_first}}, {now, other}, false).size() == 1);
    const auto all = updated_expectations({{1, pinned_first}}, {now, other}, true);
    REQUIRE(all.size() == 2);
    CHECK(all[1] == behaviour_of(other));
}
