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
