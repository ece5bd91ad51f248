// The core's state machine, one behaviour per test case (after smoltcp's
// test names), each replayed at ISNs around the 2^32 wrap.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "analyzer/checks.hpp"
#include "analyzer/json_report.hpp"
#include "analyzer/summary.hpp"
#include "scenario.hpp"

using namespace tfe;
using namespace tfe::test;
using analyzer::CloseKind;
using analyzer::HandshakeKind;
using analyzer::Initiator;
using Lines = std::vector<std::string>;

namespace {

Replay replay_at_generated_isns() {
    Replay r = replay_at(GENERATE(0u, 1u, 0x7fffffffu, 0xfffffffeu, 0xffffffffu));
    r.config.hash_seed = 42;
    return r;
}

const Lines kHandshakeTransitions = {
    "1 client CLOSED>SYN_SENT", "1 server LISTEN>SYN_RECEIVED",
    "2 client SYN_SENT>ESTABLISHED", "3 server SYN_RECEIVED>ESTABLISHED",
};

Lines plus(Lines a, const Lines& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("three-way handshake then four-way close, client first", "[handshake][close]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "P.", 1, 1, 100}, {'s', ".", 1, 101}, {'s', "P.", 1, 101, 200}, {'c', ".", 101, 201},
        {'c', "F.", 101, 201}, {'s', ".", 201, 102}, {'s', "F.", 201, 102}, {'c', ".", 102, 202},
    }));
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    CHECK(transitions(c) == plus(kHandshakeTransitions, {
        "8 client ESTABLISHED>FIN_WAIT_1", "8 server ESTABLISHED>CLOSE_WAIT",
        "9 client FIN_WAIT_1>FIN_WAIT_2", "10 server CLOSE_WAIT>LAST_ACK",
        "10 client FIN_WAIT_2>TIME_WAIT", "11 server LAST_ACK>CLOSED",
    }));
    const auto s = analyzer::summarize(c);
    CHECK(s.handshake == HandshakeKind::three_way);
    CHECK(s.close == CloseKind::four_way);
    CHECK(s.initiator == Initiator::client);
    CHECK(c.final_state(Side::client) == State::TIME_WAIT);
    CHECK(c.final_state(Side::server) == State::CLOSED);
    CHECK(c.endpoint(Side::client).payload_bytes == 100);
    CHECK(c.endpoint(Side::server).payload_bytes == 200);
}

TEST_CASE("four-way close, server first", "[close]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'s', "F.", 1, 1}, {'c', ".", 1, 2}, {'c', "F.", 1, 2}, {'s', ".", 2, 2},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(transitions(conns[0]) == plus(kHandshakeTransitions, {
        "4 server ESTABLISHED>FIN_WAIT_1", "4 client ESTABLISHED>CLOSE_WAIT",
        "5 server FIN_WAIT_1>FIN_WAIT_2", "6 client CLOSE_WAIT>LAST_ACK",
        "6 server FIN_WAIT_2>TIME_WAIT", "7 client LAST_ACK>CLOSED",
    }));
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.close == CloseKind::four_way);
    CHECK(s.initiator == Initiator::server);
}

TEST_CASE("merged close: the server's FIN acknowledges the client's FIN (seed 1)", "[close]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "P.", 1, 1, 142}, {'s', ".", 1, 143}, {'s', "P.", 1, 143, 267}, {'c', ".", 143, 268},
        {'c', "F.", 143, 268}, {'s', "F.", 268, 144}, {'c', ".", 144, 269},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(transitions(conns[0]) == plus(kHandshakeTransitions, {
        "8 client ESTABLISHED>FIN_WAIT_1", "8 server ESTABLISHED>CLOSE_WAIT",
        "9 server CLOSE_WAIT>LAST_ACK", "9 client FIN_WAIT_1>TIME_WAIT",
        "10 server LAST_ACK>CLOSED",
    }));
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.close == CloseKind::three_way);
    CHECK(s.initiator == Initiator::client);
}

TEST_CASE("merged close, server first, with a data ACK that does not cover the FIN (seed 2)", "[close]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "P.", 1, 1, 3}, {'s', ".", 1, 4}, {'s', "P.", 1, 4, 6}, {'s', "F.", 7, 4},
        {'c', ".", 4, 7}, {'c', "F.", 4, 8}, {'s', ".", 8, 5},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(transitions(conns[0]) == plus(kHandshakeTransitions, {
        "7 server ESTABLISHED>FIN_WAIT_1",
        // The client's ACK in frame 8 (ack 7) shows the FIN had not arrived yet.
        "9 client ESTABLISHED>CLOSE_WAIT", "9 client CLOSE_WAIT>LAST_ACK",
        "9 server FIN_WAIT_1>TIME_WAIT", "10 client LAST_ACK>CLOSED",
    }));
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.close == CloseKind::three_way);
    CHECK(s.initiator == Initiator::server);
    CHECK(conns[0].final_state(Side::server) == State::TIME_WAIT);
    CHECK(conns[0].final_state(Side::client) == State::CLOSED);
}

TEST_CASE("simultaneous close mid-stream goes through CLOSING on both sides (seed 4)", "[close][midstream]") {
    Replay r = replay_at_generated_isns();
    r.server_port = 443;
    r.client_port = 46556;
    const auto conns = r.run({
        {'s', "F.", 1, 1}, {'c', "F.", 1, 1}, {'s', ".", 2, 2}, {'c', ".", 2, 2},
    });
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    CHECK(c.roles_inferred());
    CHECK(c.addr(Side::server).port == 443);
    CHECK(transitions(c) == Lines{
        "1 server ESTABLISHED>FIN_WAIT_1", "2 client ESTABLISHED>FIN_WAIT_1",
        "2 server FIN_WAIT_1>CLOSING", "3 client FIN_WAIT_1>CLOSING",
        "3 client CLOSING>TIME_WAIT", "4 server CLOSING>TIME_WAIT",
    });
    const auto s = analyzer::summarize(c);
    CHECK(s.handshake == HandshakeKind::not_seen);
    CHECK(s.close == CloseKind::simultaneous);
    CHECK(s.initiator == Initiator::both);
}

TEST_CASE("simultaneous open: SYNs cross, both pass SYN_RECEIVED", "[handshake]") {
    const auto conns = replay_at_generated_isns().run({
        {'c', "S", 0, 0}, {'s', "S", 0, 0}, {'c', "S.", 0, 1}, {'s', "S.", 0, 1},
        {'c', ".", 1, 1}, {'c', "F.", 1, 1}, {'s', "F.", 1, 2}, {'c', ".", 2, 2},
    });
    REQUIRE(conns.size() == 1);
    CHECK(transitions(conns[0]) == Lines{
        "1 client CLOSED>SYN_SENT", "2 server CLOSED>SYN_SENT",
        "2 client SYN_SENT>SYN_RECEIVED", "3 server SYN_SENT>SYN_RECEIVED",
        // The client's ACK (5) changes nothing once its SYN+ACK (3) has
        // arrived: it proves their order, not when; the FIN (6) needs the
        // slot and pushes the SYN+ACK ahead of it.
        "4 client SYN_RECEIVED>ESTABLISHED", "6 server SYN_RECEIVED>ESTABLISHED",
        "6 client ESTABLISHED>FIN_WAIT_1", "6 server ESTABLISHED>CLOSE_WAIT",
        "7 server CLOSE_WAIT>LAST_ACK", "7 client FIN_WAIT_1>TIME_WAIT", "8 server LAST_ACK>CLOSED",
    });
    CHECK(analyzer::summarize(conns[0]).handshake == HandshakeKind::simultaneous_open);
}

TEST_CASE("SYN retransmitted with the same ISN is the same connection", "[handshake][retransmission]") {
    const auto conns = replay_at_generated_isns().run({
        {'c', "S", 0, 0, 0, 0.0}, {'c', "S", 0, 0, 0, 1.0}, {'s', "S.", 0, 1, 0, 1.001}, {'c', ".", 1, 1},
    });
    REQUIRE(conns.size() == 1);
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.handshake == HandshakeKind::three_way);
    CHECK(s.syn_retransmissions == 1);
    CHECK(conns[0].anomaly_count(Anomaly::syn_retransmission) == 1);
    CHECK(conns[0].final_state(Side::server) == State::ESTABLISHED);
}

TEST_CASE("SYN+ACK retransmitted: the handshake ACK was lost after the capture point", "[handshake][retransmission]") {
    const auto conns = replay_at_generated_isns().run({
        {'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'s', "S.", 0, 1, 0, 1.0}, {'c', ".", 1, 1},
        {'c', "P.", 1, 1, 10},
    });
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    CHECK(c.anomaly_count(Anomaly::synack_retransmission) == 1);
    CHECK(c.anomaly_count(Anomaly::ack_lost_after_capture) == 1);
    // The server left SYN_RECEIVED only on the second ACK.
    CHECK(transitions(c) == Lines{
        "1 client CLOSED>SYN_SENT", "1 server LISTEN>SYN_RECEIVED",
        "2 client SYN_SENT>ESTABLISHED", "5 server SYN_RECEIVED>ESTABLISHED",
    });
    CHECK(analyzer::summarize(c).synack_retransmissions == 1);
}

TEST_CASE("refused: SYN answered by RST+ACK", "[handshake][rst]") {
    const auto conns = replay_at_generated_isns().run({{'c', "S", 0, 0}, {'s', "R.", 0, 1}});
    REQUIRE(conns.size() == 1);
    CHECK(transitions(conns[0]) == Lines{"1 client CLOSED>SYN_SENT", "2 client SYN_SENT>CLOSED"});
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.handshake == HandshakeKind::refused);
    CHECK(s.close == CloseKind::none);
    CHECK(s.initiator == Initiator::none);
    CHECK(conns[0].final_state(Side::server) == State::CLOSED);
}

TEST_CASE("unanswered SYNs", "[handshake]") {
    const auto conns = replay_at_generated_isns().run({
        {'c', "S", 0, 0, 0, 0}, {'c', "S", 0, 0, 0, 1}, {'c', "S", 0, 0, 0, 3},
    });
    REQUIRE(conns.size() == 1);
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.handshake == HandshakeKind::unanswered);
    CHECK(s.syn_retransmissions == 2);
    CHECK(s.close == CloseKind::none);
    CHECK(conns[0].final_state(Side::client) == State::SYN_SENT);
    CHECK(conns[0].final_state(Side::server) == State::CLOSED);
}

TEST_CASE("an RST in SYN_SENT that does not acknowledge the SYN is ignored", "[handshake][rst]") {
    const auto conns = replay_at_generated_isns().run({
        {'c', "S", 0, 0}, {'s', "R.", 0, 77}, {'s', "S.", 0, 1}, {'c', ".", 1, 1},
    });
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].anomaly_count(Anomaly::rst_not_acking_syn) == 1);
    CHECK(analyzer::summarize(conns[0]).handshake == HandshakeKind::three_way);
    CHECK(conns[0].final_state(Side::client) == State::ESTABLISHED);
}

TEST_CASE("half-close: data flows after the first FIN, CLOSE_WAIT and FIN_WAIT_2 remain", "[close]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'s', "P.", 1, 2, 500}, {'c', ".", 2, 501},
        {'s', "P.", 501, 2, 500}, {'c', ".", 2, 1001},
    }));
    REQUIRE(conns.size() == 1);
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.close == CloseKind::half_closed);
    CHECK(s.initiator == Initiator::client);
    CHECK(conns[0].final_state(Side::client) == State::FIN_WAIT_2);
    CHECK(conns[0].final_state(Side::server) == State::CLOSE_WAIT);
    CHECK(conns[0].anomaly_count(Anomaly::data_after_fin) == 0);
}

TEST_CASE("RST mid-connection closes both endpoints", "[rst]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "P.", 1, 1, 10}, {'s', ".", 1, 11}, {'c', "R.", 11, 1},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(transitions(conns[0]) == plus(kHandshakeTransitions, {
        "6 client ESTABLISHED>CLOSED", "6 server ESTABLISHED>CLOSED",
    }));
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.close == CloseKind::reset);
    CHECK(s.initiator == Initiator::client);
}

TEST_CASE("RST in FIN_WAIT_2 and in CLOSE_WAIT", "[rst][close]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'s', "R.", 1, 2},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(transitions(conns[0]) == plus(kHandshakeTransitions, {
        "4 client ESTABLISHED>FIN_WAIT_1", "4 server ESTABLISHED>CLOSE_WAIT",
        "5 client FIN_WAIT_1>FIN_WAIT_2", "6 server CLOSE_WAIT>CLOSED", "6 client FIN_WAIT_2>CLOSED",
    }));
    CHECK(analyzer::summarize(conns[0]).close == CloseKind::reset);
    // The client's FIN came first: it began the close, the server's RST ended it.
    CHECK(analyzer::summarize(conns[0]).initiator == Initiator::client);
}

TEST_CASE("an RST outside the window is noted and does not end the connection", "[rst]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'s', "R.", 0x40000000, 1}, {'c', "P.", 1, 1, 10}, {'s', ".", 1, 11},
        {'c', "F.", 11, 1}, {'s', "F.", 1, 12}, {'c', ".", 12, 2},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].anomaly_count(Anomaly::rst_out_of_window) == 1);
    const auto s = analyzer::summarize(conns[0]);
    CHECK(s.close == CloseKind::three_way);
    CHECK(conns[0].final_state(Side::client) == State::TIME_WAIT);
}

TEST_CASE("FIN retransmitted before it is acknowledged", "[close][retransmission]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "F.", 1, 1, 0, 1.0}, {'c', "F.", 1, 1, 0, 1.2}, {'s', ".", 1, 2}, {'s', "F.", 1, 2}, {'c', ".", 2, 2},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].anomaly_count(Anomaly::fin_retransmission) == 1);
    CHECK(analyzer::summarize(conns[0]).close == CloseKind::four_way);
    CHECK(transitions(conns[0]) == plus(kHandshakeTransitions, {
        "4 client ESTABLISHED>FIN_WAIT_1", "4 server ESTABLISHED>CLOSE_WAIT",
        "6 client FIN_WAIT_1>FIN_WAIT_2", "7 server CLOSE_WAIT>LAST_ACK",
        "7 client FIN_WAIT_2>TIME_WAIT", "8 server LAST_ACK>CLOSED",
    }));
}

TEST_CASE("FIN retransmitted into TIME_WAIT: the last ACK was lost, TIME_WAIT restarts", "[close][time_wait]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "F.", 1, 1, 0, 1.0}, {'s', "F.", 1, 2, 0, 1.001}, {'c', ".", 2, 2, 0, 1.002},
        {'s', "F.", 1, 2, 0, 1.2}, {'c', ".", 2, 2, 0, 1.201},
    }));
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    CHECK(c.anomaly_count(Anomaly::fin_retransmission) == 1);
    CHECK(c.anomaly_count(Anomaly::ack_lost_after_capture) == 1);
    CHECK(transitions(c) == plus(kHandshakeTransitions, {
        "4 client ESTABLISHED>FIN_WAIT_1", "4 server ESTABLISHED>CLOSE_WAIT",
        "5 server CLOSE_WAIT>LAST_ACK", "5 client FIN_WAIT_1>TIME_WAIT",
        "7 client TIME_WAIT>TIME_WAIT", "8 server LAST_ACK>CLOSED",
    }));
    CHECK(c.final_state(Side::client) == State::TIME_WAIT);
    CHECK(c.final_state(Side::server) == State::CLOSED);
}

TEST_CASE("keep-alive probes change no state", "[keepalive]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', ".", 0, 1, 0, 2.0}, {'s', ".", 1, 1, 0, 2.001},
        {'c', ".", 0, 1, 1, 4.0}, {'s', ".", 1, 1, 0, 4.001},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].anomaly_count(Anomaly::keep_alive) == 2);
    CHECK(transitions(conns[0]) == kHandshakeTransitions);
    CHECK(analyzer::summarize(conns[0]).close == CloseKind::open);
}

TEST_CASE("data after a FIN is an anomaly", "[anomaly]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "F.", 1, 1}, {'c', "P.", 2, 1, 10}, {'s', ".", 1, 2},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].anomaly_count(Anomaly::data_after_fin) == 1);
}

TEST_CASE("a new SYN on a 4-tuple in TIME_WAIT starts a new connection", "[port_reuse]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "F.", 1, 1, 0, 1}, {'s', "F.", 1, 2, 0, 1.001}, {'c', ".", 2, 2, 0, 1.002},
        {'c', "S", 100000, 0, 0, 2}, {'s', "S.", 200000, 100001, 0, 2.001}, {'c', ".", 100001, 200001, 0, 2.002},
    }));
    REQUIRE(conns.size() == 2);
    CHECK(conns[0].id() == 1);
    CHECK(conns[0].end_reason() == EndReason::superseded);
    CHECK(conns[0].final_state(Side::client) == State::TIME_WAIT);
    CHECK(conns[1].id() == 2);
    CHECK(analyzer::summarize(conns[1]).handshake == HandshakeKind::three_way);
    CHECK(conns[1].final_state(Side::server) == State::ESTABLISHED);
}

// Feeds a handshake and a four-way close, one frame per millisecond from
// t = 1 ms (the last ACK at 6 ms): client TIME_WAIT, server CLOSED once that
// ACK arrives (nothing will ever acknowledge it).
static void feed_four_way_close(FlowTable& table, const Replay& r, std::uint64_t& frame) {
    for (const Step& st : after_handshake({{'c', "F.", 1, 1}, {'s', "F.", 1, 2}, {'c', ".", 2, 2}})) {
        ++frame;
        table.on_segment(r.segment(st, frame, 0.001 * static_cast<double>(frame)));
    }
}

TEST_CASE("a settled connection is reported after the linger, its 4-tuple remembered until 2*MSL",
          "[time_wait]") {
    Replay r = replay_at_generated_isns();
    r.config.tracker.msl = 30'000'000'000;
    Collect sink;
    FlowTable table(r.config, sink);
    std::uint64_t frame = 0;
    feed_four_way_close(table, r, frame);
    CHECK(table.open_connections() == 1);
    Replay other = r;
    other.client_port = 40001;
    // 1.5 s later: still within the linger.
    table.on_segment(other.segment({'c', "S", 0, 0}, ++frame, 1.5));
    CHECK(sink.done.empty());
    // 2.5 s: silent for the whole linger, so it is reported, in TIME_WAIT.
    table.on_segment(other.segment({'c', "S", 0, 0}, ++frame, 2.5));
    REQUIRE(sink.done.size() == 1);
    const Connection& c = sink.done[0];
    CHECK(c.end_reason() == EndReason::time_wait);
    CHECK(c.final_state(Side::client) == State::TIME_WAIT);
    CHECK(c.final_state(Side::server) == State::CLOSED);
    CHECK(transitions(c).back() == "6 server LAST_ACK>CLOSED");
    CHECK(c.transitions().back().delivery == Delivery::silence);
    CHECK(table.remembers(r.segment({'s', "F.", 1, 2}, frame + 1, 2.5)));

    // A retransmitted FIN 30 s later belongs to the reported connection: it
    // is counted, and does not open a mid-stream connection.
    table.on_segment(r.segment({'s', "F.", 1, 2}, ++frame, 30.0));
    CHECK(table.stats().late_segments == 1);
    CHECK(table.stats().late_fins == 1);
    CHECK(table.stats().connections == 2);
    // ...and named: connection #1, once however many late segments it gets.
    table.on_segment(r.segment({'s', "F.", 1, 2}, ++frame, 31.0));
    CHECK(table.stats().late_segments == 2);
    CHECK(table.stats().late_connection_count == 1);
    CHECK(table.stats().late_connections.ids == std::array<std::uint64_t, 3>{1, 0, 0});
    // After 2*MSL (60 s from the close) the 4-tuple is forgotten: the same
    // stray now opens a (mid-stream) connection of its own.
    table.on_segment(other.segment({'c', "S", 0, 0}, ++frame, 61.0));
    CHECK_FALSE(table.remembers(r.segment({'s', "F.", 1, 2}, frame + 1, 61.0)));
    table.on_segment(r.segment({'s', "F.", 1, 2}, ++frame, 61.0));
    CHECK(table.stats().late_segments == 2);
    CHECK(table.stats().connections == 3);
    table.flush();
    CHECK(sink.done.size() == 3);
}

TEST_CASE("flush ends every open connection in order of id and leaves an empty, usable table", "[flush]") {
    Replay r = replay_at_generated_isns();
    Collect sink;
    FlowTable table(r.config, sink);
    std::uint64_t frame = 0;
    // Three handshakes left open, on three client ports.
    for (const int port : {40002, 40000, 40001}) {
        Replay c = r;
        c.client_port = static_cast<std::uint16_t>(port);
        for (const Step& st : std::vector<Step>{{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}}) {
            ++frame;
            table.on_segment(c.segment(st, frame, 0.001 * double(frame)));
        }
    }
    CHECK(table.open_connections() == 3);
    table.flush();
    REQUIRE(sink.done.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(sink.done[i].id() == i + 1);
        CHECK(sink.done[i].end_reason() == EndReason::capture_end);
    }
    CHECK(table.open_connections() == 0);
    // Nothing of them is left in the index: the same 4-tuple starts afresh.
    Replay again = r;
    again.client_port = 40000;
    for (const Step& st : std::vector<Step>{{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}}) {
        ++frame;
        table.on_segment(again.segment(st, frame, 1.0 + 0.001 * double(frame)));
    }
    CHECK(table.open_connections() == 1);
    table.flush();
    REQUIRE(sink.done.size() == 4);
    CHECK(sink.done[3].id() == 4);
    CHECK(sink.done[3].endpoint(Side::client).packets + sink.done[3].endpoint(Side::server).packets == 3);
}

TEST_CASE("a new SYN on a remembered 4-tuple starts a new connection", "[time_wait][port_reuse]") {
    Replay r = replay_at_generated_isns();
    Collect sink;
    FlowTable table(r.config, sink);
    std::uint64_t frame = 0;
    feed_four_way_close(table, r, frame);
    for (const Step& st : std::vector<Step>{{'c', "S", 100000, 0, 0, 10}, {'s', "S.", 200000, 100001, 0, 10.001},
                                            {'c', ".", 100001, 200001, 0, 10.002}})
        table.on_segment(r.segment(st, ++frame, st.t));
    table.flush();
    REQUIRE(sink.done.size() == 2);
    CHECK(sink.done[0].end_reason() == EndReason::time_wait);
    CHECK(sink.done[1].id() == 2);
    CHECK(analyzer::summarize(sink.done[1]).handshake == HandshakeKind::three_way);
    CHECK(table.stats().late_segments == 0);
}

TEST_CASE("TIME_WAIT ends in CLOSED when 2*MSL passes before the linger", "[time_wait]") {
    Replay r = replay_at_generated_isns();
    r.config.tracker.msl = 500'000'000;  // --msl 0.5: 2*MSL = 1 s, shorter than the 2 s linger
    Collect sink;
    FlowTable table(r.config, sink);
    std::uint64_t frame = 0;
    feed_four_way_close(table, r, frame);
    Replay other = r;
    other.client_port = 40001;
    table.on_segment(other.segment({'c', "S", 0, 0}, ++frame, 1.5));
    REQUIRE(sink.done.size() == 1);
    const Connection& c = sink.done[0];
    CHECK(c.end_reason() == EndReason::time_wait_expired);
    CHECK(c.final_state(Side::client) == State::TIME_WAIT);
    CHECK(transitions(c).back() == "0 client TIME_WAIT>CLOSED");
    CHECK(c.transitions().back().delivery == Delivery::timer);
}

TEST_CASE("capture starting mid-connection infers roles and states", "[midstream]") {
    Replay r = replay_at_generated_isns();
    r.client_port = 51000;
    r.server_port = 8080;
    const auto conns = r.run({
        {'s', "P.", 1, 1, 100}, {'c', ".", 1, 101}, {'c', "F.", 1, 101}, {'s', ".", 101, 2},
        {'s', "F.", 101, 2}, {'c', ".", 2, 102},
    });
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    CHECK(c.roles_inferred());
    CHECK(c.addr(Side::server).port == 8080);
    CHECK(c.endpoint(Side::client).state_inferred);
    CHECK(c.endpoint(Side::client).initial_state == State::ESTABLISHED);
    const auto s = analyzer::summarize(c);
    CHECK(s.handshake == HandshakeKind::not_seen);
    CHECK(s.close == CloseKind::four_way);
    CHECK(c.final_state(Side::client) == State::TIME_WAIT);
}

TEST_CASE("a FIN seen before the last data takes effect at its sequence position", "[close][reorder]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'s', "P.", 1, 1, 100}, {'s', "F.", 201, 1}, {'c', ".", 1, 101}, {'s', "P.", 101, 1, 100},
        {'c', ".", 1, 202}, {'c', "F.", 1, 202}, {'s', ".", 202, 2},
    }));
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    CHECK(c.anomaly_count(Anomaly::previous_segment_not_captured) == 1);
    CHECK(c.anomaly_count(Anomaly::out_of_order) == 1);
    // The client's ACK of 101 (frame 6) did not cover the FIN: it reached
    // CLOSE_WAIT only when its ACK covered the FIN (frame 8).
    CHECK(transitions(c) == plus(kHandshakeTransitions, {
        "5 server ESTABLISHED>FIN_WAIT_1", "8 client ESTABLISHED>CLOSE_WAIT",
        "8 server FIN_WAIT_1>FIN_WAIT_2", "9 client CLOSE_WAIT>LAST_ACK",
        "9 server FIN_WAIT_2>TIME_WAIT", "10 client LAST_ACK>CLOSED",
    }));
    CHECK(analyzer::summarize(c).close == CloseKind::four_way);
}

TEST_CASE("duplicate frames (same frame captured twice) are not retransmissions", "[anomaly]") {
    Replay r = replay_at_generated_isns();
    Collect sink;
    FlowTable table(r.config, sink);
    std::uint64_t frame = 0;
    for (const Step& st : kHandshake) {
        ++frame;
        Segment s = r.segment(st, frame, 0.001 * static_cast<double>(frame));
        s.direction = PacketDirection::outgoing;
        table.on_segment(s);
        s.frame = ++frame;
        s.direction = PacketDirection::incoming;
        table.on_segment(s);
    }
    table.flush();
    REQUIRE(sink.done.size() == 1);
    CHECK(sink.done[0].anomaly_count(Anomaly::duplicate_frame) == 3);
    CHECK(sink.done[0].anomaly_count(Anomaly::syn_retransmission) == 0);
    CHECK(analyzer::summarize(sink.done[0]).handshake == HandshakeKind::three_way);
}

TEST_CASE("without the SYNs the window scale is unknown: an RST within the largest scaled window counts", "[rst][midstream]") {
    Replay r = replay_at_generated_isns();
    r.server_port = 443;
    const auto conns = r.run({
        {'c', "P.", 1, 1, 100}, {'s', ".", 1, 101}, {'c', "R.", 101 + 100000, 1},
    });
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].anomaly_count(Anomaly::rst_out_of_window) == 0);
    CHECK(analyzer::summarize(conns[0]).close == CloseKind::reset);
}

TEST_CASE("an RST in any synchronized state closes both endpoints", "[rst]") {
    struct Case {
        const char* state;          // the RST sender's state just before it
        std::vector<Step> steps;    // ending with the RST
    };
    const std::vector<Case> cases = {
        {"SYN_RECEIVED (server aborts the handshake)", {{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'s', "R.", 1, 1}}},
        {"SYN_SENT answered, client aborts", {{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', "R", 1, 0}}},
        {"ESTABLISHED", after_handshake({{'s', "R.", 1, 1}})},
        {"FIN_WAIT_1", after_handshake({{'c', "F.", 1, 1}, {'c', "R.", 2, 1}})},
        {"CLOSE_WAIT", after_handshake({{'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'s', "R.", 1, 2}})},
        {"LAST_ACK", after_handshake({{'c', "F.", 1, 1}, {'s', "F.", 1, 2}, {'s', "R.", 2, 2}})},
        {"CLOSING", after_handshake({{'c', "F.", 1, 1}, {'s', "F.", 1, 1}, {'c', ".", 2, 2}, {'c', "R", 2, 0}})},
    };
    const Replay r = replay_at_generated_isns();
    for (const Case& k : cases) {
        INFO(k.state);
        const auto conns = r.run(k.steps);
        REQUIRE(conns.size() == 1);
        CHECK(conns[0].final_state(Side::client) == State::CLOSED);
        CHECK(conns[0].final_state(Side::server) == State::CLOSED);
        CHECK(conns[0].reset().seen);
        CHECK(conns[0].anomaly_count(Anomaly::unexpected_segment) == 0);
        CHECK(conns[0].anomaly_count(Anomaly::rst_out_of_window) == 0);
    }
}

TEST_CASE("an RST in TIME_WAIT ends it early (RFC 1337)", "[rst][time_wait]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "F.", 1, 1}, {'s', "F.", 1, 2}, {'c', ".", 2, 2}, {'s', "R", 2, 0, 0, 1.0},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].final_state(Side::client) == State::CLOSED);
    CHECK(analyzer::summarize(conns[0]).close == CloseKind::three_way);
}

TEST_CASE("capture starting at the SYN+ACK: the client's SYN_SENT and the server's LISTEN are inferred",
          "[handshake][midstream]") {
    const auto conns = replay_at_generated_isns().run({
        {'s', "S.", 0, 1}, {'c', ".", 1, 1}, {'c', "F.", 1, 1}, {'s', "F.", 1, 2}, {'c', ".", 2, 2},
    });
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    CHECK_FALSE(c.roles_inferred());
    CHECK(c.endpoint(Side::client).state_inferred);
    CHECK(c.endpoint(Side::client).initial_state == State::SYN_SENT);
    CHECK(c.endpoint(Side::server).state_inferred);
    CHECK(c.endpoint(Side::server).initial_state == State::LISTEN);
    fmt::memory_buffer out;
    analyzer::write_json(out, c, analyzer::summarize(c), {});
    const auto j = nlohmann::json::parse(std::string(out.data(), out.size()));
    CHECK(j["isn"]["client"].is_null());  // the schema: null when no SYN was seen
    CHECK_FALSE(j["isn"]["server"].is_null());
    CHECK(j["initial_state"]["server"] == "LISTEN");
    CHECK(transitions(c) == Lines{
        "1 server LISTEN>SYN_RECEIVED", "1 client SYN_SENT>ESTABLISHED", "2 server SYN_RECEIVED>ESTABLISHED",
        "3 client ESTABLISHED>FIN_WAIT_1", "3 server ESTABLISHED>CLOSE_WAIT", "4 server CLOSE_WAIT>LAST_ACK",
        "4 client FIN_WAIT_1>TIME_WAIT", "5 server LAST_ACK>CLOSED",
    });
    CHECK(analyzer::summarize(c).close == CloseKind::three_way);
}

TEST_CASE("an in-window RST not at RCV.NXT draws a challenge ACK and does not reset the receiver", "[rst]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "P.", 1, 1, 10}, {'s', ".", 1, 11}, {'c', "R.", 11 + 100, 1}, {'s', ".", 1, 11},
    }));
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    CHECK(c.anomaly_count(Anomaly::rst_challenged) == 1);
    CHECK(c.final_state(Side::client) == State::CLOSED);      // it sent the RST: it aborted
    CHECK(c.final_state(Side::server) == State::ESTABLISHED); // it answered with a challenge ACK
    CHECK(transitions(c) == plus(kHandshakeTransitions, {"6 client ESTABLISHED>CLOSED"}));
}

TEST_CASE("an in-window RST not at RCV.NXT that nothing answers is taken as delivered", "[rst]") {
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "P.", 1, 1, 10}, {'s', ".", 1, 11}, {'c', "R.", 11 + 100, 1},
    }));
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].anomaly_count(Anomaly::rst_challenged) == 0);
    CHECK(conns[0].final_state(Side::server) == State::CLOSED);
    CHECK(conns[0].transitions().back().delivery == Delivery::end_of_capture);
}

TEST_CASE("a refused segment is named by its cell, in the core and in JSON", "[refusal]") {
    // The client's FIN was acknowledged (FIN_WAIT_2); it then sends SYN+ACK,
    // which no stack would: refused by the client's own cell (in FIN_WAIT_2,
    // on snd_syn_ack) and, delivered, by the server's (in CLOSE_WAIT, on
    // rcv_syn_ack).
    const auto conns = replay_at_generated_isns().run(after_handshake({
        {'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'c', "S.", 0, 1},
    }));
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    REQUIRE(c.anomaly_count(Anomaly::unexpected_segment) == 2);
    std::vector<std::string> names;
    for (const AnomalyEvent& ev : c.anomaly_events())
        if (ev.kind == Anomaly::unexpected_segment) {
            CHECK(ev.sender == Side::client);
            CHECK(ev.frame == 6);
            names.push_back(refusal_name(ev.state, ev.input));
        }
    CHECK(names == std::vector<std::string>{"fin_wait_2_snd_syn_ack", "close_wait_rcv_syn_ack"});

    fmt::memory_buffer out;
    analyzer::write_json(out, c, analyzer::summarize(c), {});
    const auto j = nlohmann::json::parse(std::string(out.data(), out.size()));
    REQUIRE(j["refusals"].size() == 2);
    CHECK(j["refusals"][0]["name"] == "fin_wait_2_snd_syn_ack");
    CHECK(j["refusals"][0]["endpoint"] == "client");
    CHECK(j["refusals"][0]["state"] == "FIN_WAIT_2");
    CHECK(j["refusals"][1]["name"] == "close_wait_rcv_syn_ack");
    CHECK(j["refusals"][1]["endpoint"] == "server");
    CHECK(j["refusals"][1]["input"] == "rcv_syn_ack");
    CHECK(j["refusals"][1]["packet"] == 6);
    CHECK(j["anomalies"]["unexpected_segment"] == 2);
}

TEST_CASE("a fail-on rule naming a cell sees every refusal, not only the kept events", "[refusal]") {
    Replay r = replay_at_generated_isns();
    r.config.tracker.max_anomaly_events = 1;  // only the first refusal's event is kept
    const auto conns = r.run(after_handshake({
        {'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'c', "S.", 0, 1},
    }));
    REQUIRE(conns.size() == 1);
    const Connection& c = conns[0];
    REQUIRE(c.anomaly_events().size() == 1);
    REQUIRE(c.refused_cells().size() == 2);
    CHECK(c.refused_cells()[1].first_frame == 6);
    const auto rules = analyzer::FailRules::parse("close_wait_rcv_syn_ack");
    CHECK(rules.violation(c, analyzer::summarize(c)) == "packet 6 refused: close_wait_rcv_syn_ack");
    CHECK(analyzer::FailRules::parse("refusal:time_wait_snd_fin").violation(c, analyzer::summarize(c)).empty());
}

TEST_CASE("data before the handshake completed is noted, a Fast Open server's early reply is not",
          "[handshake][anomaly]") {
    struct Case {
        const char* name;
        std::vector<Step> steps;
        std::uint32_t early;          // data_before_established events
        std::uint64_t first_frame;    // of the first one
    };
    const Case cases[] = {
        // The client sends data while its SYN is unanswered (without ACK:
        // an ACK from SYN_SENT proves a SYN+ACK the capture missed).
        {"client data in SYN_SENT", {{'c', "S", 0, 0}, {'c', "P", 1, 0, 10}, {'s', "S.", 0, 1}}, 1, 2},
        // The server sends data before the client's ACK of its SYN+ACK.
        {"server data in SYN_RECEIVED", {{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'s', "P.", 1, 1, 20}}, 1, 3},
        // Data on the handshake's last ACK: the SYN+ACK has arrived by then.
        {"data on the third segment", {{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', "P.", 1, 1, 10}}, 0, 0},
        // Fast Open: the server answers the SYN's data before the last ACK.
        {"Fast Open reply", {{'c', "S", 0, 0, 10}, {'s', "S.", 0, 11}, {'s', "P.", 1, 11, 20}, {'c', ".", 11, 21}}, 0, 0},
    };
    for (const Case& k : cases) {
        INFO(k.name);
        const auto conns = replay_at_generated_isns().run(k.steps);
        REQUIRE(conns.size() == 1);
        const Connection& c = conns[0];
        CHECK(c.anomaly_count(Anomaly::data_before_established) == k.early);
        if (k.early == 0) continue;
        for (const AnomalyEvent& ev : c.anomaly_events())
            if (ev.kind == Anomaly::data_before_established) CHECK(ev.frame == k.first_frame);
    }
}

TEST_CASE("the fixture leaves the client in the state asked for, through real segments", "[fixture]") {
    for (std::size_t i = 0; i < kStateCount; ++i) {
        const auto want = static_cast<State>(i);
        const std::optional<Reached> at = reach(want);
        if (!at) continue;
        INFO(state_name(want));
        if (at->steps.empty()) continue;
        const auto conns = replay_at_generated_isns().run(at->steps);
        REQUIRE(conns.size() == 1);
        const Connection& c = conns[0];
        State client = c.endpoint(Side::client).initial_state, server = c.endpoint(Side::server).initial_state;
        for (const Transition& t : c.transitions())
            if (t.delivery != Delivery::timer)  // once what is in flight arrives, before any timer
                (t.endpoint == Side::client ? client : server) = t.to;
        CHECK(client == want);
        CHECK(server == at->server);
    }
}

TEST_CASE("an in-window RST closes the client from every synchronized state", "[fixture][rst]") {
    for (const State from : {State::ESTABLISHED, State::FIN_WAIT_1, State::FIN_WAIT_2, State::CLOSE_WAIT,
                             State::LAST_ACK, State::TIME_WAIT}) {
        INFO(state_name(from));
        Reached at = *reach(from);
        at.steps.push_back({'s', "R", at.server_next, 0});
        const auto conns = replay_at_generated_isns().run(at.steps);
        REQUIRE(conns.size() == 1);
        const Connection& c = conns[0];
        CHECK(c.final_state(Side::client) == State::CLOSED);
        CHECK(c.anomaly_count(Anomaly::rst_out_of_window) == 0);
        REQUIRE_FALSE(c.transitions().empty());
        const Transition& last = c.transitions().back();
        CHECK(last.endpoint == Side::client);
        CHECK(last.from == from);
        CHECK(last.input == Input::rcv_rst);
    }
}

TEST_CASE("the smallest ids of a set, kept in any order and merged across tables", "[ids]") {
    SmallestIds a, b;
    for (std::uint64_t id : {9, 4, 4, 12, 30}) a.add(id);
    CHECK(a.ids == std::array<std::uint64_t, 3>{4, 9, 12});
    for (std::uint64_t id : {2, 10}) b.add(id);
    a.merge(b);
    CHECK(a.ids == std::array<std::uint64_t, 3>{2, 4, 9});
}
