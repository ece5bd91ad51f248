// Segments the capture missed that moved a state, proven by the peer's
// acknowledgments (core/inferred.cpp): a capture of the server's direction
// only, a client FIN lost at the capture point, and what must not be read
// as a missed segment.
#include <catch2/catch.hpp>

#include <algorithm>

#include "analyzer/summary.hpp"
#include "analyzer/vocabulary.hpp"
#include "scenario.hpp"

using namespace tfe;
using namespace tfe::analyzer;
using namespace tfe::test;

TEST_CASE("states the peer's acknowledgments prove, not the last segment captured", "[state][uncaptured]") {
    struct Row {
        const char* name;
        std::vector<Step> steps;
        State client, server;
        std::uint32_t acks_proven, fins_proven, synacks_proven;
        std::string_view handshake, close;
        std::uint32_t late_copies = 0;  // proven first, captured after the ACK that proves them
    };
    const std::vector<Row> rows = {
        {"the client's direction only",
         {{'c', "S"}, {'c', ".", 1, 1}, {'c', "P.", 1, 1, 120}, {'c', ".", 121, 481}, {'c', "F.", 121, 481},
          {'c', ".", 122, 482}},
         State::TIME_WAIT, State::CLOSED, 0, 1, 1, "partly-seen", "three-way"},
        {"the client's direction, the connection left open",
         {{'c', "S"}, {'c', "S", 0, 0, 0, 1.0}, {'c', ".", 1, 1}, {'c', "P.", 1, 1, 120}},
         State::ESTABLISHED, State::ESTABLISHED, 0, 0, 1, "partly-seen", "open"},
        {"the client's SYN, then its own RST: nothing proven",
         {{'c', "S"}, {'c', "R.", 1, 1}},
         State::CLOSED, State::CLOSED, 0, 0, 0, "unanswered", "none"},
        {"the server's direction only",
         {{'s', "S.", 0, 1}, {'s', ".", 1, 121}, {'s', "P.", 1, 121, 480}, {'s', ".", 481, 122}, {'s', "F.", 481, 122}},
         State::TIME_WAIT, State::LAST_ACK, 1, 1, 0, "partly-seen", "four-way"},
        {"the server's direction, its FIN acking the client's",
         {{'s', "S.", 0, 1}, {'s', "P.", 1, 11, 100}, {'s', "F.", 101, 12}},
         State::TIME_WAIT, State::LAST_ACK, 1, 1, 0, "partly-seen", "three-way"},
        {"the client's FIN lost at the capture point",
         {{'c', "S"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'c', "P.", 1, 1, 100}, {'s', ".", 1, 101},
          {'s', ".", 1, 102}, {'s', "F.", 1, 102}, {'c', ".", 102, 2}},
         State::TIME_WAIT, State::CLOSED, 0, 1, 0, "three-way", "four-way"},
        {"two bytes beyond: data missed, no FIN",
         {{'c', "S"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'s', ".", 1, 3}},
         State::ESTABLISHED, State::ESTABLISHED, 0, 0, 0, "three-way", "open"},
        {"an ACK of only the SYN proves nothing more",
         {{'s', "S.", 0, 1}, {'s', "S.", 0, 1, 0, 1.0}},
         State::SYN_SENT, State::SYN_RECEIVED, 0, 0, 0, "incomplete", "open"},
        {"the SYN+ACK captured after the ACK that answers it",
         {{'c', "S"}, {'c', ".", 1, 1}, {'s', "S.", 0, 1}, {'c', "P.", 1, 1, 100}, {'s', ".", 1, 101}},
         State::ESTABLISHED, State::ESTABLISHED, 0, 0, 0, "three-way", "open", 1},
        {"the server's FIN captured after the client's ACK of it",
         {{'c', "S"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'c', ".", 2, 2},
          {'s', "F.", 1, 2}},
         State::TIME_WAIT, State::CLOSED, 0, 0, 0, "three-way", "four-way", 1},
        {"both captured late, then the FIN sent again: that one is a retransmission",
         {{'c', "S"}, {'c', ".", 1, 1}, {'s', "S.", 0, 1}, {'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'c', ".", 2, 2},
          {'s', "F.", 1, 2}, {'s', "F.", 1, 2, 0, 0.2}},
         State::TIME_WAIT, State::LAST_ACK, 0, 0, 0, "three-way", "four-way", 2},
        {"a SYN+ACK sent again after its ACK is a retransmission, not a late copy",
         {{'c', "S"}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'s', "S.", 0, 1, 0, 1.0}},
         State::ESTABLISHED, State::SYN_RECEIVED, 0, 0, 0, "three-way", "open", 0},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        const auto cs = Replay{}.run(row.steps);
        REQUIRE(cs.size() == 1);
        const Connection& c = cs[0];
        CHECK(c.final_state(Side::client) == row.client);
        CHECK(c.final_state(Side::server) == row.server);
        CHECK(c.anomaly_count(Anomaly::handshake_ack_not_captured) == row.acks_proven);
        CHECK(c.anomaly_count(Anomaly::fin_not_captured) == row.fins_proven);
        CHECK(c.anomaly_count(Anomaly::synack_not_captured) == row.synacks_proven);
        CHECK(c.anomaly_count(Anomaly::captured_after_its_ack) == row.late_copies);
        // A late copy is neither missed nor sent again.
        if (row.late_copies) CHECK(c.anomaly_count(Anomaly::synack_retransmission) == 0);
        CHECK(c.anomaly_count(Anomaly::fin_retransmission) == (row.late_copies == 2 ? 1u : 0u));
        // The whole direction missing is said once, not as ACKs of unseen data.
        if (c.endpoint(Side::server).packets == 0) CHECK(c.anomaly_count(Anomaly::acked_unseen_segment) == 0);
        const auto s = summarize(c);
        CHECK(handshake_name(s.handshake) == row.handshake);
        CHECK(close_name(s.close) == row.close);
        CHECK(c.endpoint(Side::client).packets == static_cast<std::uint64_t>(std::count_if(
                  row.steps.begin(), row.steps.end(), [](const Step& st) { return st.from == 'c'; })));
        // A missed segment raises no anomaly of its own making (no gap, no zero window).
        CHECK(c.anomaly_count(Anomaly::zero_window) == 0);
    }
}
