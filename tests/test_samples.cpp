// Golden regression tests over samples/: every capture's JSON must equal
// its committed expected.jsonl, field by field; a few text narratives must
// equal expected.txt; and where the kernel was asked (kernel.json, written
// by samples/lab.py from `ss -tan`), each endpoint's final state must be
// the kernel's.
//
// TFE_SAMPLES_DIR overrides the directory: the live kernel-truth test
// points it at captures the lab has just made.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "analyzer/checks.hpp"
#include "sample_pipeline.hpp"

using namespace tfe;
using namespace tfe::test;
using json = nlohmann::ordered_json;

namespace {

std::string samples_root() {
    const char* env = std::getenv("TFE_SAMPLES_DIR");
    return env && *env ? env : TFE_SAMPLES_DIR;
}

// ss's state names -> ours. A socket that is gone is CLOSED.
std::string from_ss(const std::string& s) {
    static const std::map<std::string, std::string> names = {
        {"ESTAB", "ESTABLISHED"}, {"SYN-SENT", "SYN_SENT"}, {"SYN-RECV", "SYN_RECEIVED"},
        {"FIN-WAIT-1", "FIN_WAIT_1"}, {"FIN-WAIT-2", "FIN_WAIT_2"}, {"CLOSE-WAIT", "CLOSE_WAIT"},
        {"CLOSING", "CLOSING"}, {"LAST-ACK", "LAST_ACK"}, {"TIME-WAIT", "TIME_WAIT"},
        {"CLOSED", "CLOSED"}, {"UNCONN", "CLOSED"},
    };
    const auto it = names.find(s);
    return it == names.end() ? s : it->second;
}

std::string hostport(const json& ep) {
    const std::string ip = ep.at("ip").get<std::string>();
    const bool v6 = ip.find(':') != std::string::npos;
    return (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(ep.at("port").get<int>());
}

// ss writes IPv6 as [::1]:port too, but may write IPv4-mapped forms.
std::string normal_hostport(std::string s) {
    if (s.rfind("[::ffff:", 0) == 0) {
        const auto close = s.find(']');
        s = s.substr(8, close - 8) + s.substr(close + 1);
    }
    return s;
}

}  // namespace

TEST_CASE("every sample matches its expected JSON", "[golden]") {
    int checked = 0;
    for (const auto& dir : sample_dirs(samples_root())) {
        const auto expected_path = dir / "expected.jsonl";
        if (!std::filesystem::exists(expected_path)) continue;
        SECTION(dir.filename().string()) {
            const PipelineResult r = run_pipeline(capture_in(dir));
            const auto expected = analyzer::load_json_lines(expected_path.string());
            const auto diffs = analyzer::compare_expectations(expected, r.connections, /*report_unlisted=*/true);
            INFO(dir.filename().string() << ":\n" << analyzer::format_differences(diffs)
                 << "(regenerate with: build/apps/tcpflow-explain --format json " << capture_in(dir) << " > "
                 << expected_path.string() << ")");
            CHECK(diffs.empty());
            // Equal in both directions: no field was added without a golden update.
            for (std::size_t i = 0; i < std::min(expected.size(), r.connections.size()); ++i) {
                std::vector<std::string> missing;
                for (const auto& [k, v] : r.connections[i].items())
                    if (!expected[i].contains(k)) missing.push_back(k);
                INFO("fields not in the golden: " << fmt::format("{}", fmt::join(missing, ", ")));
                CHECK(missing.empty());
            }
        }
        ++checked;
    }
    if (!std::getenv("TFE_SAMPLES_DIR")) CHECK(checked >= 15);
}

TEST_CASE("a handful of narratives match their expected text", "[golden][text]") {
    int checked = 0;
    for (const auto& dir : sample_dirs(samples_root())) {
        const auto expected_path = dir / "expected.txt";
        if (!std::filesystem::exists(expected_path)) continue;
        std::ifstream in(expected_path);
        std::stringstream expected;
        expected << in.rdbuf();
        const PipelineResult r = run_pipeline(capture_in(dir));
        INFO(dir.filename().string() << ": the text differs from " << expected_path.string()
             << " (regenerate with: build/apps/tcpflow-explain --color never " << capture_in(dir) << " > "
             << expected_path.string() << ")");
        CHECK(r.text == expected.str());
        ++checked;
    }
    if (!std::getenv("TFE_SAMPLES_DIR")) CHECK(checked >= 5);
}

// Parking packs an open connection into bytes and unpacks it for its next
// segment. With nothing left unpacked, every connection goes through that
// after each of its segments: every report, ladder included, must come out
// exactly as without parking.
TEST_CASE("parking every connection after each segment changes no report", "[golden][parking]") {
    int checked = 0;
    for (const auto& dir : sample_dirs(samples_root())) {
        for (const auto& [ladder, idle] : {std::pair{false, TimeNs{0}}, {true, TimeNs{0}}, {false, TimeNs{500'000'000}}}) {
            INFO(dir.filename().string() << (ladder ? " with every segment kept" : "")
                                         << (idle ? " with a 0.5 s idle timeout" : ""));
            const PipelineResult plain =
                run_pipeline(capture_in(dir), {.keep_segments = ladder, .idle_timeout = idle});
            const PipelineResult parked =
                run_pipeline(capture_in(dir), {.max_unparked = 0, .keep_segments = ladder, .idle_timeout = idle});
            CHECK(plain.stats.parks == 0);
            CHECK(parked.stats.parks > 0);
            CHECK(parked.stats.unparks == parked.stats.parks);  // every one unpacked again, at the latest for its report
            REQUIRE(parked.connections.size() == plain.connections.size());
            for (std::size_t i = 0; i < plain.connections.size(); ++i)
                CHECK(parked.connections[i].dump() == plain.connections[i].dump());
            CHECK(parked.text == plain.text);
        }
        ++checked;
    }
    if (!std::getenv("TFE_SAMPLES_DIR")) CHECK(checked >= 15);
}

namespace {

// The side whose final state the capture cannot show, by the failure
// diagnosed: a client that gave up its SYNs (no-answer, time-wait-collision:
// its stack's give-up timer sends nothing). "" for none. An ICMP error that ended the attempt
// (unreachable) and a server that did not take the handshake's ACK
// (backlog-full) are transitions the core records, so they are checked.
std::string unshown_side(const json& c) {
    if (!c["failure"].is_object()) return "";
    const std::string kind = c["failure"]["kind"].get<std::string>();
    return kind == "no-answer" || kind == "time-wait-collision" ? "client" : "";
}

}  // namespace

TEST_CASE("final states agree with what the kernel reported (ss)", "[kernel]") {
    int checked = 0, closes = 0;
    for (const auto& dir : sample_dirs(samples_root())) {
        const auto kernel_path = dir / "kernel.json";
        if (!std::filesystem::exists(kernel_path)) continue;
        std::ifstream in(kernel_path);
        const json kernel = json::parse(in);
        const PipelineResult r = run_pipeline(capture_in(dir));
        REQUIRE_FALSE(r.connections.empty());
        // The kernel knows only the latest connection on each 4-tuple.
        std::map<std::pair<std::string, std::string>, const json*> latest;
        for (const json& c : r.connections) latest[{hostport(c["client"]), hostport(c["server"])}] = &c;
        for (const auto& [tuple, conn] : latest) {
            const auto& [client, server] = tuple;
            std::string kernel_client = "CLOSED", kernel_server = "CLOSED";
            for (const json& s : kernel["sockets"]) {
                const std::string local = normal_hostport(s["local"]), peer = normal_hostport(s["peer"]);
                if (local == client && peer == server) kernel_client = from_ss(s["state"]);
                if (local == server && peer == client) kernel_server = from_ss(s["state"]);
            }
            INFO("scenario " << dir.filename().string() << ", connection " << client << " -> " << server
                 << " (close " << (*conn)["close"].dump() << ")");
            // What the packets cannot show (see unshown_side): `failure` and
            // its errno are checked instead (test_failure_lab.cpp).
            const std::string unshown = unshown_side(*conn);
            if (unshown != "client") CHECK((*conn)["final_state"]["client"].get<std::string>() == kernel_client);
            if (unshown != "server") CHECK((*conn)["final_state"]["server"].get<std::string>() == kernel_server);
            ++checked;
        }
        // The close kind the packets show, as the lab decided it on its own
        // (samples/lab.py, close_from_packets), for the connection ss saw.
        if (kernel.contains("close_from_packets")) {
            const auto it = latest.find({normal_hostport(kernel["client"]), normal_hostport(kernel["server"])});
            INFO("scenario " << dir.filename().string() << ", connection " << kernel["client"].get<std::string>()
                 << " -> " << kernel["server"].get<std::string>());
            REQUIRE(it != latest.end());
            CHECK((*it->second)["close"] == kernel["close_from_packets"]);
            ++closes;
        }
    }
    CHECK(checked >= 10);
    CHECK(closes >= 10);
}
