// Pile-ups in the run summary: per server endpoint and client host, the
// connections left in CLOSE_WAIT, FIN_WAIT_2, TIME_WAIT, half-open, failed
// or reset. Over real captures (samples/close-wait-pileup: a server that
// never closes, checked with ss by the lab), and, over every sample, the
// rule that a pile-up counts exactly the connections whose JSON says so.
#include <catch2/catch.hpp>

#include <map>

#include "sample_pipeline.hpp"

using namespace tfe;
using namespace tfe::test;
using json = nlohmann::ordered_json;

namespace {

const std::filesystem::path kRoot = TFE_SAMPLES_DIR;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const json* find_pile_up(const json& summary, const std::string& kind, const std::string& role) {
    for (const json& p : summary["pile_ups"])
        if (p["kind"] == kind && p["role"] == role) return &p;
    return nullptr;
}

// kind -> connections, as each connection's own JSON tells it.
std::map<std::string, std::uint64_t> kinds_from_connections(const std::vector<json>& connections) {
    std::map<std::string, std::uint64_t> n;
    for (const json& c : connections) {
        const bool inherited = !c["failure"].is_null() && !c["failure"]["time_wait"].is_null() &&
                               c["failure"]["time_wait"]["ended_by_reset_packet"].is_null();
        for (const char* side : {"client", "server"}) {
            const std::string st = c["final_state"][side];
            if (inherited && std::string(side) == "server" && st == "TIME_WAIT") continue;  // the previous one's
            if (st == "CLOSE_WAIT") ++n["close-wait"];
            if (st == "FIN_WAIT_2") ++n["fin-wait-2"];
            if (st == "TIME_WAIT") ++n["time-wait"];
        }
        if (!c["failure"].is_null()) {
            const std::string f = c["failure"]["kind"];
            const bool half_open = f == "no-answer" || f == "synack-unacknowledged" || f == "backlog-full" ||
                                   f == "incomplete";
            ++n[half_open ? "half-open" : "failed"];
        } else if (c["close"] == "reset") {
            ++n["reset"];
        }
    }
    return n;
}

}  // namespace

TEST_CASE("a server that never closes: its endpoint's CLOSE_WAIT pile-up, worst first", "[pile-ups]") {
    const PipelineResult r = run_pipeline(capture_in(kRoot / "close-wait-pileup"));
    REQUIRE(r.connections.size() == 3);
    const json& server = r.connections.front()["server"];
    const std::string endpoint = server["ip"].get<std::string>() + ":" + std::to_string(server["port"].get<int>());
    INFO(r.text);
    CHECK(contains(r.text, "pile-ups        " + endpoint +
                               " left 3 connections in CLOSE_WAIT: it received the clients' FINs and never "
                               "closed (#1, #2, #3)"));
    CHECK(contains(r.text, "client 127.0.0.1 left 3 connections in FIN_WAIT_2: it closed, and the servers "
                           "acknowledged its FIN but never sent theirs (#1, #2, #3)"));
    // Worst first: the application that never closes before the peer
    // waiting for it.
    const std::string summary_text = r.text.substr(r.text.find("\nSummary: "));
    CHECK(summary_text.find("in CLOSE_WAIT") < summary_text.find("in FIN_WAIT_2"));

    const json summary = json::parse(r.summary_json);
    REQUIRE(summary["pile_ups"].size() == 2);
    const json& first = summary["pile_ups"][0];
    CHECK(first["kind"] == "close-wait");
    CHECK(first["role"] == "server");
    CHECK(first["peer"] == json({{"ip", server["ip"]}, {"port", server["port"]}}));
    CHECK(first["connections"] == 3);
    CHECK(first["examples"] == json({1, 2, 3}));
    const json* clients = find_pile_up(summary, "fin-wait-2", "client");
    REQUIRE(clients != nullptr);
    CHECK((*clients)["peer"]["port"].is_null());
    CHECK(summary["final_states"]["server"]["CLOSE_WAIT"]["connections"] == 3);
    CHECK(summary["closes"]["half-closed"]["connections"] == 3);
}

TEST_CASE("one connection is not a pile-up in the text, but the JSON summary lists it", "[pile-ups]") {
    const PipelineResult r = run_pipeline(capture_in(kRoot / "failure-refused"));
    INFO(r.text);
    CHECK_FALSE(contains(r.text, "pile-ups"));
    const json summary = json::parse(r.summary_json);
    const json* failed = find_pile_up(summary, "failed", "server");
    REQUIRE(failed != nullptr);
    CHECK((*failed)["connections"] == 1);
    CHECK((*failed)["failures"] == json({{"refused", 1}}));
}

TEST_CASE("attempts that stay half-open are counted at the service they tried", "[pile-ups]") {
    const PipelineResult r = run_pipeline(capture_in(kRoot / "failure-no-answer"));
    const json summary = json::parse(r.summary_json);
    const json* half_open = find_pile_up(summary, "half-open", "server");
    REQUIRE(half_open != nullptr);
    CHECK((*half_open)["failures"].contains("no-answer"));
    CHECK((*half_open)["peer"] == json({{"ip", r.connections.front()["server"]["ip"]},
                                        {"port", r.connections.front()["server"]["port"]}}));
}

TEST_CASE("a reset is counted at the peer that sent it, with its reason", "[pile-ups]") {
    const PipelineResult r = run_pipeline(capture_in(kRoot / "abort-server"));
    REQUIRE(r.connections.size() == 1);
    const json& c = r.connections.front();
    const json summary = json::parse(r.summary_json);
    const json* reset = find_pile_up(summary, "reset", "server");
    REQUIRE(reset != nullptr);
    const std::string reason = c["reset_reason"].is_null() ? "other" : c["reset_reason"].get<std::string>();
    CHECK((*reset)["reset_reasons"] == json({{reason, 1}}));
    CHECK(find_pile_up(summary, "reset", "client") == nullptr);
}

TEST_CASE("over every sample, each pile-up kind counts what the connections' JSON says", "[pile-ups][golden]") {
    int samples = 0;
    for (const auto& dir : sample_dirs(kRoot.string())) {
        const PipelineResult r = run_pipeline(capture_in(dir));
        const json summary = json::parse(r.summary_json);
        std::map<std::string, std::uint64_t> piled;
        for (const json& p : summary["pile_ups"]) piled[p["kind"]] += p["connections"].get<std::uint64_t>();
        INFO("sample " << dir.filename().string());
        CHECK(piled == kinds_from_connections(r.connections));
        CHECK(summary["connections"] == r.connections.size());
        CHECK(summary["pile_ups_untracked"] == 0);
        ++samples;
    }
    CHECK(samples >= 40);
}
