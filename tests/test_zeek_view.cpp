// Zeek's conn_state and history (core/zeek_view.hpp), one rule per row,
// each replayed at ISNs around the 2^32 wrap. No Zeek binary runs here:
// the expected values are Zeek's documented letters and rules applied by
// hand (conn.log's history and conn_state, TCPSessionAdapter), the
// canonical ones as every Zeek user knows them (ShADadFf/SF, Sr/REJ, S/S0).
#include <catch2/catch.hpp>

#include "scenario.hpp"

using namespace tfe;
using namespace tfe::test;

namespace {

struct ZeekRow {
    const char* name;
    std::vector<Step> steps;
    const char* conn_state;
    const char* history;
    bool orig_is_client = true;
    std::uint16_t server_port = 80;  // one of Zeek's likely server ports
    bool checksums_checked = false;
};

std::vector<Step> zero_windows(int n) {
    std::vector<Step> all = kHandshake;
    for (int i = 0; i < n; ++i) all.push_back({'s', ".", 1, 1, 0, -1, false, 0});
    return all;
}

const std::vector<ZeekRow> kRows = {
    {"three-way handshake, data both ways, four waves", after_handshake({
         {'c', "P.", 1, 1, 100}, {'s', ".", 1, 101}, {'s', "P.", 1, 101, 200}, {'c', ".", 101, 201},
         {'c', "F.", 101, 201}, {'s', ".", 201, 102}, {'s', "F.", 201, 102}, {'c', ".", 102, 202}}),
     "SF", "ShADadFf"},
    {"refused: the SYN answered by RST", {{'c', "S", 0, 0}, {'s', "R.", 0, 1}}, "REJ", "Sr"},
    {"no answer: a SYN sent again is not a new letter",
     {{'c', "S", 0, 0, 0, 0}, {'c', "S", 0, 0, 0, 1}, {'c', "S", 0, 0, 0, 3}}, "S0", "S"},
    {"a SYN, then the client's own RST", {{'c', "S", 0, 0}, {'c', "R", 1, 0}}, "RSTOS0", "SR"},
    {"the client aborts an established connection", after_handshake({
         {'c', "P.", 1, 1, 100}, {'s', ".", 1, 101}, {'c', "R.", 101, 1}}),
     "RSTO", "ShADaR"},
    {"the server resets an established connection", after_handshake({
         {'c', "P.", 1, 1, 100}, {'s', "R.", 1, 101}}),
     "RSTR", "ShADr"},
    {"half-closed by the client", after_handshake({{'c', "F.", 1, 1}, {'s', ".", 1, 2}}), "S2", "ShAFa"},
    {"half-closed by the server", after_handshake({{'s', "F.", 1, 1}, {'c', ".", 1, 2}}), "S3", "ShAf"},
    {"mid-stream: no SYN, both FINs", {
         {'c', "P.", 1, 1, 100}, {'s', ".", 1, 101}, {'s', "P.", 1, 101, 50}, {'c', ".", 101, 51},
         {'c', "F.", 101, 51}, {'s', "F.", 51, 102}, {'c', ".", 102, 52}},
     "SF", "DadAFf"},
    {"mid-stream, the server's segment first: Zeek flips by port (^)", {
         {'s', "P.", 1, 1, 50}, {'c', ".", 1, 51}, {'s', "F.", 51, 1}, {'c', "F.", 1, 52}, {'s', ".", 52, 2}},
     "SF", "^dAfFa"},
    {"a zero window, then the 10th: the letter again", zero_windows(10), "S1", "ShAaww"},
    {"nine zero windows: one letter", zero_windows(9), "S1", "ShAaw"},
    {"data sent again (t)", after_handshake({
         {'c', "P.", 1, 1, 100}, {'c', "P.", 1, 1, 100}, {'s', ".", 1, 101}}),
     "S1", "ShADTa"},
    {"an ACK past bytes never captured: a content gap (g)", after_handshake({
         {'c', "P.", 101, 1, 100}, {'s', ".", 1, 201}}),
     "S1", "ShADaG"},
    {"the SYN+ACK captured before its SYN: Zeek flips the roles (^)", {
         {'s', "S.", 0, 1}, {'c', "S", 0, 0}, {'c', ".", 1, 1}},
     "S1", "Hs^A", true, 41000},
    {"a corrupt segment is a C and nothing more", after_handshake({
         {'c', "P.", 1, 1, 100, -1, true}}),
     "S1", "ShAC", true, 80, true},
    {"SYN+FIN in one segment (q), then nothing", {{'c', "SF", 0, 0}}, "SH", "Q"},
    {"FIN+RST in one segment (i)", after_handshake({{'c', "FR.", 1, 1}}), "RSTO", "ShAI"},
    {"a FIN then a RST from the client, the server's FIN after: SF", after_handshake({
         {'c', "F.", 1, 1}, {'c', "R.", 2, 1}, {'s', "F.", 1, 2}}),
     "SF", "ShAFRf"},
    {"the responder's SYN+ACK then RST, no SYN seen", {{'s', "S.", 0, 1}, {'s', "R.", 1, 1}}, "RSTRH", "^hr"},
    {"the responder's SYN+ACK then FIN, no SYN seen", {{'s', "S.", 0, 1}, {'s', "F.", 1, 1}}, "SHR", "^hf"},
};

}  // namespace

TEST_CASE("Zeek's conn_state and history, rule by rule", "[zeek]") {
    const std::uint32_t isn = GENERATE(0u, 1u, 0x7fffffffu, 0xfffffffeu, 0xffffffffu);
    for (const ZeekRow& row : kRows) {
        INFO(row.name << " (client ISN " << isn << ")");
        Replay r = replay_at(isn);
        r.server_port = row.server_port;
        r.checksums_checked = row.checksums_checked;
        r.config.tracker.zeek_view = true;
        const auto conns = r.run(row.steps);
        REQUIRE(conns.size() == 1);
        const ZeekView* z = conns[0].zeek();
        REQUIRE(z != nullptr);
        CHECK(z->history() == row.history);
        CHECK(z->conn_state() == row.conn_state);
        const bool client_is_a = &conns[0].addr(Side::client) == &conns[0].key().a;
        CHECK((z->orig_is_a() == client_is_a) == row.orig_is_client);
    }
}

TEST_CASE("Zeek's view is kept only when asked for", "[zeek]") {
    Replay r;
    const auto conns = r.run(kHandshake);
    REQUIRE(conns.size() == 1);
    CHECK(conns[0].zeek() == nullptr);
}
