// Honest handshakes (`handshake_segments`, "three-way" only with all three
// segments) and the failure kinds the lab's captures do not make, from
// replayed segments through the real pipeline.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analyzer/failure.hpp"
#include "analyzer/json_report.hpp"
#include "analyzer/summary.hpp"
#include "analyzer/vocabulary.hpp"
#include "scenario.hpp"

using namespace tfe;
using namespace tfe::analyzer;
using namespace tfe::test;

namespace {

nlohmann::json json_of(const Connection& c) {
    fmt::memory_buffer b;
    write_json(b, c, summarize(c), NumberStyle{});
    return nlohmann::json::parse(b.begin(), b.end());
}

}  // namespace

TEST_CASE("three-way only when SYN, SYN+ACK and ACK are all captured", "[failure][handshake]") {
    const auto all = Replay{}.run({{'c', "S"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}});
    REQUIRE(all.size() == 1);
    CHECK(handshake_name(summarize(all[0]).handshake) == "three-way");
    CHECK(json_of(all[0])["handshake_segments"] == nlohmann::json{{"syn", true}, {"syn_ack", true}, {"ack", true}});
    CHECK(json_of(all[0])["failure"].is_null());

    // The capture starts after the SYN: the same handshake, partly seen.
    const auto late = Replay{}.run({{'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'c', "P.", 1, 1, 10}});
    REQUIRE(late.size() == 1);
    CHECK(handshake_name(summarize(late[0]).handshake) == "partly-seen");
    const auto j = json_of(late[0]);
    CHECK(j["handshake_segments"] == nlohmann::json{{"syn", false}, {"syn_ack", true}, {"ack", true}});
    CHECK(j["failure"].is_null());  // not captured is not failed
}

TEST_CASE("a SYN+ACK the client never acknowledged", "[failure]") {
    const auto c = Replay{}.run({{'c', "S"}, {'s', "S.", 0, 1}, {'s', "S.", 0, 1, 0, 1.0}});
    REQUIRE(c.size() == 1);
    const Failure f = diagnose_failure(c[0]);
    CHECK(f.kind == FailureKind::synack_unacknowledged);
    CHECK(f.answer_frame == 2);
    CHECK(f.error.empty());
    CHECK(json_of(c[0])["handshake_segments"]["ack"] == false);
}

TEST_CASE("a RST during the handshake that is not a refusal", "[failure]") {
    // The client resets the server's SYN+ACK (it no longer wants the connection).
    const auto c = Replay{}.run({{'c', "S"}, {'s', "S.", 0, 1}, {'c', "R", 1}});
    REQUIRE(c.size() == 1);
    const Failure f = diagnose_failure(c[0]);
    CHECK(f.kind == FailureKind::reset_in_handshake);
    CHECK(f.answer_frame == 3);
    CHECK(f.error.empty());  // the client sent it: its application saw no error from the server
}

TEST_CASE("a SYN the client resets itself is aborted, not refused or timed out", "[failure]") {
    const auto c = Replay{}.run({{'c', "S", 0, 0, 0, 0.0}, {'c', "S", 0, 0, 0, 1.0}, {'c', "R", 1, 0, 0, 1.5}});
    REQUIRE(c.size() == 1);
    const Failure f = diagnose_failure(c[0]);
    CHECK(f.kind == FailureKind::client_aborted);
    CHECK(f.answer_frame == 3);
    CHECK(f.answer_ts - f.syn_times[0] == 1'500'000'000);
    CHECK(f.syns == 2);
    CHECK(f.error.empty());  // no errno from the network: the client's own side gave up
    CHECK(json_of(c[0])["failure"]["kind"] == "client-aborted");
    // Without the RST the same SYNs are unanswered.
    const auto open = Replay{}.run({{'c', "S"}, {'c', "S", 0, 0, 0, 1.0}});
    CHECK(diagnose_failure(open[0]).kind == FailureKind::no_answer);
}

TEST_CASE("SYN back-off read from the retry times", "[failure]") {
    const auto expo = Replay{}.run({{'c', "S"}, {'c', "S", 0, 0, 0, 1.0}, {'c', "S", 0, 0, 0, 3.0}, {'c', "S", 0, 0, 0, 7.0}});
    REQUIRE(expo.size() == 1);
    CHECK(diagnose_failure(expo[0]).backoff == Backoff::linux_exponential);
    const auto mixed = Replay{}.run({{'c', "S"}, {'c', "S", 0, 0, 0, 1.0}, {'c', "S", 0, 0, 0, 2.0},
                                     {'c', "S", 0, 0, 0, 3.0}, {'c', "S", 0, 0, 0, 5.0}, {'c', "S", 0, 0, 0, 9.0}});
    CHECK(diagnose_failure(mixed[0]).backoff == Backoff::linux_linear_then_exponential);
    const auto odd = Replay{}.run({{'c', "S"}, {'c', "S", 0, 0, 0, 3.0}, {'c', "S", 0, 0, 0, 3.5}});
    CHECK(diagnose_failure(odd[0]).backoff == Backoff::other);
    CHECK(diagnose_failure(odd[0]).error == "ETIMEDOUT");
}

namespace {

std::vector<std::string> client_path(const Connection& c) {
    std::vector<std::string> out;
    for (const Transition& t : c.transitions())
        if (t.endpoint == Side::client)
            out.push_back(fmt::format("{} {}>{} {}", t.frame, state_name(t.from), state_name(t.to), input_name(t.input)));
    return out;
}

}  // namespace

// Linux ends a SYN-SENT socket on every unreachable and time exceeded but
// fragmentation needed (core/icmp_error.hpp); a SYN sent after the error
// shows the stack kept it as a soft error (the socket was busy).
TEST_CASE("an ICMP error for the SYN closes the client unless it sends again", "[failure][icmp][state]") {
    struct Row {
        const char* name;
        std::vector<Step> steps;
        State client;
        std::vector<std::string> path;
    };
    const std::vector<Row> rows = {
        {"host unreachable", {{'c', "S"}, {'i', "3/1"}}, State::CLOSED,
         {"1 CLOSED>SYN_SENT snd_syn", "2 SYN_SENT>CLOSED rcv_icmp_error"}},
        {"soft, then the retry's error ends it", {{'c', "S"}, {'i', "3/1"}, {'c', "S", 0, 0, 0, 1.0}, {'i', "3/1"}},
         State::CLOSED, {"1 CLOSED>SYN_SENT snd_syn", "4 SYN_SENT>CLOSED rcv_icmp_error"}},
        {"soft: the SYN was sent again last", {{'c', "S"}, {'i', "3/0"}, {'c', "S", 0, 0, 0, 1.0}}, State::SYN_SENT,
         {"1 CLOSED>SYN_SENT snd_syn"}},
        {"time exceeded", {{'c', "S"}, {'i', "11/0"}}, State::CLOSED,
         {"1 CLOSED>SYN_SENT snd_syn", "2 SYN_SENT>CLOSED rcv_icmp_error"}},
        {"ICMPv6 administratively prohibited", {{'c', "S"}, {'i', "1/1", 0, 0, 6}}, State::CLOSED,
         {"1 CLOSED>SYN_SENT snd_syn", "2 SYN_SENT>CLOSED rcv_icmp_error"}},
        {"fragmentation needed does not abort", {{'c', "S"}, {'i', "3/4"}}, State::SYN_SENT, {"1 CLOSED>SYN_SENT snd_syn"}},
        {"an error quoting another seq is not the SYN's", {{'c', "S"}, {'i', "3/1", 7}}, State::SYN_SENT,
         {"1 CLOSED>SYN_SENT snd_syn"}},
        {"answered after the error: the connection goes on",
         {{'c', "S"}, {'i', "3/1"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}}, State::ESTABLISHED,
         {"1 CLOSED>SYN_SENT snd_syn", "3 SYN_SENT>ESTABLISHED rcv_syn_ack"}},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        const auto c = Replay{}.run(row.steps);
        REQUIRE(c.size() == 1);
        CHECK(c[0].final_state(Side::client) == row.client);
        CHECK(client_path(c[0]) == row.path);
    }
}

// The backlog-full sample's pattern, and a lost ACK that is not one.
TEST_CASE("a SYN+ACK sent again after the ACK and the data keeps the server SYN_RECEIVED", "[failure][state]") {
    // ACK and request, then SYN+ACK again: the listener took neither.
    const auto full = Replay{}.run({{'c', "S"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'c', "P.", 1, 1, 34},
                                    {'s', "S.", 0, 1, 0, 1.0}, {'c', ".", 35, 1}, {'c', "P.", 1, 1, 34, 1.2}});
    REQUIRE(full.size() == 1);
    CHECK(full[0].final_state(Side::server) == State::SYN_RECEIVED);
    CHECK(full[0].ack_of_syn_refused(Side::server) == 5);
    CHECK(full[0].anomaly_count(Anomaly::ack_lost_after_capture) == 0);
    CHECK(diagnose_failure(full[0]).kind == FailureKind::backlog_full);
    // The server answers the data: it did take the ACK behind its SYN+ACK.
    const auto taken = Replay{}.run({{'c', "S"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'c', "P.", 1, 1, 34},
                                     {'s', ".", 1, 35}});
    REQUIRE(taken.size() == 1);
    CHECK(taken[0].final_state(Side::server) == State::ESTABLISHED);
    CHECK(taken[0].ack_of_syn_refused(Side::server) == 0);
}

TEST_CASE("reset_reason from what came just before the RST", "[failure][reset]") {
    struct Row {
        const char* name;
        std::vector<Step> steps;
        const char* reason;
    };
    const std::vector<Step> open = {{'c', "S"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}};
    const auto with = [&](std::vector<Step> more) {
        std::vector<Step> all = open;
        all.insert(all.end(), more.begin(), more.end());
        return all;
    };
    const std::vector<Row> rows = {
        {"instead of a FIN, the peer's data unread", with({{'s', "P.", 1, 1, 100}, {'c', "R.", 1, 101}}), "abortive-close"},
        {"right after its own FIN", with({{'c', "F.", 1, 1}, {'c', "R.", 2, 1}}), "abortive-close"},
        {"answering data after its FIN", with({{'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'s', "P.", 1, 2, 10}, {'c', "R", 2}}),
         "data-after-close"},
        {"after a minute of silence", with({{'s', "R.", 1, 1, 0, 120.0}}), "after-idle"},
        {"a TTL unlike the client's own: injected",
         with({{'s', "P.", 1, 1, 100}, {'c', "R.", 1, 101, 0, -1, false, 512, 50}}), "injected"},
        {"refused: the failure says why", {{'c', "S"}, {'s', "R.", 0, 1}}, "null"},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        const auto c = Replay{}.run(row.steps);
        REQUIRE(c.size() == 1);
        const auto j = json_of(c[0]);
        CHECK((j["reset_reason"].is_null() ? std::string("null") : j["reset_reason"].get<std::string>()) == row.reason);
    }
}
