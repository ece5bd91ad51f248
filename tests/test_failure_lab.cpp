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
    {"backlog-abort", "backlog-reset"},
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
        REQUIRE(failure.is_object());
        REQUIRE(kKinds.count(scenario) == 1);
        CHECK(failure["kind"] == kKinds.at(scenario));
        CHECK(failure["errno"] == connect_errno(kernel));
        if (failure["kind"] == "unreachable") {
            CHECK(failure["icmp"]["quotes_syn"] == true);
            CHECK(failure["icmp"]["errno"] == failure["errno"]);
        }
        ++checked;
    }
    CHECK(checked == static_cast<int>(kKinds.size()));
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
