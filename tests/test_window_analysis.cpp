// Wireshark's window and ACK analysis (core/classify.cpp,
// note_window_analysis), with its definitions from packet-tcp.c, one row
// per rule, replayed at ISNs around the 2^32 wrap. The samples' agreement
// frame by frame is tests/test_wireshark_agreement.cpp; this covers what no
// sample shows (a zero-window probe) and the rules' edges.
#include <catch2/catch.hpp>

#include "scenario.hpp"

using namespace tfe;
using namespace tfe::test;

namespace {

struct WindowRow {
    const char* name;
    std::vector<Step> steps;  // after the handshake
    Anomaly kind;
    std::uint32_t count;
};

Step ack(char from, std::uint32_t seq, std::uint32_t a, std::uint16_t window) {
    return {from, ".", seq, a, 0, -1, false, window};
}
Step data(char from, std::uint32_t seq, std::uint32_t a, std::uint32_t len, std::uint16_t window = 512) {
    return {from, "P.", seq, a, len, -1, false, window};
}

const std::vector<WindowRow> kRows = {
    {"the same ACK and window twice: one duplicate ACK",
     {data('c', 1, 1, 100), ack('s', 1, 101, 512), ack('s', 1, 101, 512)}, Anomaly::duplicate_ack, 1},
    {"an ACK that moves is no duplicate", {data('c', 1, 1, 100), ack('s', 1, 51, 512), ack('s', 1, 101, 512)},
     Anomaly::duplicate_ack, 0},
    {"a data segment is no duplicate ACK", {data('s', 1, 1, 10), data('s', 11, 1, 10)}, Anomaly::duplicate_ack, 0},
    {"the same ACK with a new window: a window update",
     {data('c', 1, 1, 100), ack('s', 1, 101, 512), ack('s', 1, 101, 1024)}, Anomaly::window_update, 1},
    {"a zero window is no window update", {data('c', 1, 1, 100), ack('s', 1, 101, 512), ack('s', 1, 101, 0)},
     Anomaly::window_update, 0},
    {"one byte at the next number into a zero window: a zero-window probe",
     {data('c', 1, 1, 100), ack('s', 1, 101, 0), data('c', 101, 1, 1)}, Anomaly::zero_window_probe, 1},
    {"one byte into an open window is no probe", {data('c', 1, 1, 100), ack('s', 1, 101, 512), data('c', 101, 1, 1)},
     Anomaly::zero_window_probe, 0},
    {"the answer to a keep-alive: a keep-alive ACK, not a duplicate",
     {data('c', 1, 1, 100), ack('s', 1, 101, 512), ack('c', 100, 1, 512), ack('s', 1, 101, 512)},
     Anomaly::keep_alive_ack, 1},
};

}  // namespace

TEST_CASE("Wireshark's window and ACK analysis, rule by rule", "[window][wireshark]") {
    const std::uint32_t isn = GENERATE(0u, 1u, 0x7fffffffu, 0xfffffffeu, 0xffffffffu);
    for (const WindowRow& row : kRows) {
        INFO(row.name << " (client ISN " << isn << ")");
        const auto conns = replay_at(isn).run(after_handshake(row.steps));
        REQUIRE(conns.size() == 1);
        CHECK(conns[0].anomaly_count(row.kind) == row.count);
        if (row.kind == Anomaly::keep_alive_ack) CHECK(conns[0].anomaly_count(Anomaly::duplicate_ack) == 0);
    }
}

TEST_CASE("A window that fills to the edge the peer offered: window full", "[window][wireshark]") {
    Replay r;
    r.syn_options = true;  // wscale 7 both ways: the window is 512 << 7
    const auto conns = r.run({{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', ".", 1, 1, 0, -1, false, 512},
                              {'s', ".", 1, 1, 0, -1, false, 1},  // 1 << 7 = 128 bytes offered
                              data('c', 1, 1, 100), data('c', 101, 1, 28)});
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].anomaly_count(Anomaly::window_full) == 1);
}
