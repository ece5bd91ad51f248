// The failure lab (samples/netns_lab.py): for every samples/failure-*
// capture of the real Linux stack, the diagnosed `failure` names the kind
// the scenario made and the errno the client's connect() returned
// (kernel.json "application"; null when connect() succeeded).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>

#include "sample_pipeline.hpp"

using namespace tfe;
using namespace tfe::test;
using json = nlohmann::ordered_json;

namespace {

// The committed netns captures, always: the live kernel-truth run points
// TFE_SAMPLES_DIR at freshly made loopback captures, which have none of them.
std::string samples_root() { return TFE_SAMPLES_DIR; }

// The kind each scenario makes, by its kernel.json "scenario".
const std::map<std::string, std::string> kKinds = {
    {"refused", "refused"},           {"no-answer", "no-answer"},       {"host-unreachable", "unreachable"},
    {"net-unreachable", "unreachable"}, {"prohibited", "unreachable"},  {"ttl-exceeded", "unreachable"},
    {"v6-no-route", "unreachable"},   {"v6-prohibited", "unreachable"}, {"backlog-full", "backlog-full"},
    {"backlog-abort", "backlog-reset"}, {"time-wait-collision", "time-wait-collision"},
    {"time-wait-reset", ""},  // the collision resolved: connect() succeeded
};

// connect()'s errno, or null when it succeeded.
json connect_errno(const json& kernel) {
    for (const json& call : kernel["application"])
        if (call["call"] == "connect") return call.contains("errno") ? call["errno"] : json(nullptr);
    FAIL("kernel.json has no connect call");
    return nullptr;
}

std::string hostport(const json& ep) {
    const std::string ip = ep.at("ip").get<std::string>();
    const bool v6 = ip.find(':') != std::string::npos;
    return (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(ep.at("port").get<int>());
}

}  // namespace

TEST_CASE("every failure-lab scenario's failure maps to the errno the kernel returned", "[kernel][failure]") {
    int checked = 0;
    for (const auto& dir : sample_dirs(samples_root())) {
        if (dir.filename().string().rfind("failure-", 0) != 0) continue;
        std::ifstream in(dir / "kernel.json");
        const json kernel = json::parse(in);
        const std::string scenario = kernel["scenario"].get<std::string>();
        INFO("scenario " << scenario);
        const PipelineResult r = run_pipeline(capture_in(dir));
        const json* measured = nullptr;
        for (const json& c : r.connections)
            if (hostport(c["client"]) == kernel["client"] && hostport(c["server"]) == kernel["server"]) measured = &c;
        REQUIRE(measured != nullptr);
        const json& failure = (*measured)["failure"];
        REQUIRE(kKinds.count(scenario) == 1);
        if (kKinds.at(scenario).empty()) {
            CHECK(failure.is_null());
            CHECK(connect_errno(kernel).is_null());
            ++checked;
            continue;
        }
        REQUIRE(failure.is_object());
        CHECK(failure["kind"] == kKinds.at(scenario));
        CHECK(failure["errno"] == connect_errno(kernel));
        if (failure["kind"] == "time-wait-collision") {
            // The server's socket ss saw is the previous connection's TIME_WAIT,
            // and it ignored every RST it was shown ignoring (tcp_rfc1337=1).
            CHECK((*measured)["final_state"]["server"] == "TIME_WAIT");
            CHECK(failure["time_wait"]["ended_by_reset_packet"].is_null());
            CHECK(failure["time_wait"]["resets"] == failure["time_wait"]["acks"]);
            CHECK(failure["time_wait"]["resets_ignored"].get<int>() + 1 == failure["time_wait"]["resets"].get<int>());
            CHECK((*measured)["close"] == "none");
        }
        if (failure["kind"] == "unreachable") {
            CHECK(failure["icmp"]["quotes_syn"] == true);
            CHECK(failure["icmp"]["errno"] == failure["errno"]);
        }
        ++checked;
    }
    CHECK(checked == static_cast<int>(kKinds.size()));
}

TEST_CASE("a client RST that ends the server's TIME_WAIT lets the SYN sent again open", "[kernel][failure]") {
    const PipelineResult r =
        run_pipeline(capture_in(std::filesystem::path(samples_root()) / "failure-time-wait-reset"));
    REQUIRE(r.connections.size() == 2);
    const json& c = r.connections.back();
    CHECK(c["initial_state"]["server"] == "TIME_WAIT");
    CHECK(c["anomalies"]["time_wait_ack"] == 1);
    CHECK(c["anomalies"]["time_wait_reset_reply"] == 1);
    CHECK(c["handshake"] == "three-way");
    std::vector<std::string> server_path;
    for (const json& t : c["transitions"])
        if (t["endpoint"] == "server") server_path.push_back(t["from"].get<std::string>() + ">" + t["to"].get<std::string>());
    CHECK(server_path == std::vector<std::string>{"TIME_WAIT>CLOSED", "CLOSED>LISTEN", "LISTEN>SYN_RECEIVED",
                                                  "SYN_RECEIVED>ESTABLISHED"});
    for (const json& t : c["transitions"])
        if (t["endpoint"] == "client") CHECK(t["to"] != "CLOSED");  // its RST was no abort
    CHECK(r.text.find("that RST ended TIME_WAIT") != std::string::npos);
}

TEST_CASE("no-answer's SYN times are read as Linux's linear retries", "[kernel][failure]") {
    const PipelineResult r = run_pipeline(capture_in(std::filesystem::path(samples_root()) / "failure-no-answer"));
    REQUIRE(r.connections.size() == 1);
    const json& f = r.connections[0]["failure"];
    CHECK(f["syn_packets"].size() == 6);
    CHECK(f["backoff"] == "linux-linear");
    // The lab's other SYN-SENT captures retried once, 1 s after the first.
    const PipelineResult u = run_pipeline(capture_in(std::filesystem::path(samples_root()) / "unanswered"));
    CHECK(u.connections.back()["failure"]["kind"] == "no-answer");
}
