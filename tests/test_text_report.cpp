// analyzer/text_report and run_summary: the seed captures replayed through
// the real core, then key sentences and ladder lines of the text checked
// (not the whole text byte for byte).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/run_summary.hpp"
#include "analyzer/summary.hpp"
#include "analyzer/json_report.hpp"
#include "analyzer/text_report.hpp"
#include "core/connection.hpp"
#include "scenario.hpp"
#include "text_structure.hpp"

using namespace tfe;
using namespace tfe::analyzer;

namespace {

struct Endpoints {
    std::uint32_t client_ip, server_ip;
    std::uint16_t client_port, server_port;
    std::uint32_t client_isn, server_isn;
};

// One connection replayed through the core (tests/scenario.hpp), with its
// summary and text.
class Reported {
public:
    Reported(const Endpoints& e, const std::vector<test::Step>& steps, bool with_options = false) {
        test::Replay r;
        r.client_ip = IpAddr::v4(e.client_ip);
        r.server_ip = IpAddr::v4(e.server_ip);
        r.client_port = e.client_port;
        r.server_port = e.server_port;
        r.client_isn = e.client_isn;
        r.server_isn = e.server_isn;
        r.start = 1'592'218'150'094'025'000;  // 2020-06-15 10:49:10.094025 UTC
        r.syn_options = with_options;
        r.checksums_checked = true;
        std::vector<Connection> done = r.run(steps);
        REQUIRE(done.size() == 1);
        conn_ = std::make_unique<Connection>(std::move(done.front()));
    }

    const Connection& conn() const { return *conn_; }
    Summary summary() const { return summarize(*conn_); }

    std::string text(bool absolute = false, bool color = false) const {
        TextOptions o;
        o.numbers.absolute = absolute;
        o.color = color;
        fmt::memory_buffer b;
        write_text(b, *conn_, summary(), o);
        return fmt::to_string(b);
    }

private:
    std::shared_ptr<const Connection> conn_;
};

constexpr char C = 'c';
constexpr char S = 's';

// Seed case 1: HTTP request, client closes first, merged FIN+ACK (three-wave).
// Client packets carry bad checksums (captured on the client with offload).
Reported seed1() {
    const Endpoints e{0xC0A86501, 0xC0A86505, 57290, 8080, 250118291u, 2336326088u};
    return Reported(e,
                  {
                      {C, "S", 0, 0, 0, 0.000000, true},
                      {S, "S.", 0, 1, 0, 0.000115},
                      {C, ".", 1, 1, 0, 0.000147, true},
                      {C, "P.", 1, 1, 142, 0.001013, true},
                      {S, ".", 1, 143, 0, 0.001109},
                      {S, "P.", 1, 143, 267, 0.003342},
                      {C, ".", 143, 268, 0, 0.003356, true},
                      {C, "F.", 143, 268, 0, 0.003946, true},
                      {S, "F.", 268, 144, 0, 0.004450},
                      {C, ".", 144, 269, 0, 0.004462, true},
                  },
                  true);
}

// Seed case 2: server closes first; the client ACKs the data (ack 7, not
// covering the FIN), then its FIN carries ack 8.
Reported seed2() {
    const Endpoints e{0xAC10C48E, 0xAC10C491, 41334, 60000, 3255498564u, 4195434198u};
    return Reported(e, {
                         {C, "S", 0, 0, 0, 0.000000},
                         {S, "S.", 0, 1, 0, 0.000028},
                         {C, ".", 1, 1, 0, 0.000264},
                         {C, "P.", 1, 1, 3, 0.000308},
                         {S, ".", 1, 4, 0, 0.000318},
                         {S, "P.", 1, 4, 6, 0.000542},
                         {S, "F.", 7, 4, 0, 0.000582},
                         {C, ".", 4, 7, 0, 0.000683},
                         {C, "F.", 4, 8, 0, 0.000764},
                         {S, ".", 8, 5, 0, 0.000777},
                     });
}

// Seed case 3: the same pair with a pause: a true four-way close.
Reported seed3() {
    const Endpoints e{0xAC10C48E, 0xAC10C491, 41424, 60000, 3935290883u, 3178165011u};
    return Reported(e, {
                         {C, "S", 0, 0, 0, 0.000000},
                         {S, "S.", 0, 1, 0, 0.000043},
                         {C, ".", 1, 1, 0, 0.000265},
                         {C, "P.", 1, 1, 3, 0.000308},
                         {S, ".", 1, 4, 0, 0.000332},
                         {S, "P.", 1, 4, 6, 0.000518},
                         {C, ".", 4, 7, 0, 0.000637},
                         {C, "F.", 4, 7, 0, 0.000755},
                         {S, ".", 7, 5, 0, 0.040415},
                         {S, "F.", 7, 5, 0, 0.100786},
                         {C, ".", 5, 8, 0, 0.101015},
                     });
}

// Seed case 4: simultaneous close seen mid-stream on an HTTPS server. The
// server (port 443) sends the first packet; no SYN, so relative numbers
// count from the first byte seen (seq 1).
Reported seed4() {
    const Endpoints e{0x0A1989E6, 0x0A1D408E, 46556, 443, 1764274712u, 3633446993u};
    return Reported(e, {
                         {S, "F.", 1, 1, 0, 0.000000},
                         {C, "F.", 1, 1, 0, 0.000869},
                         {S, ".", 2, 2, 0, 0.000891},
                         {C, ".", 2, 2, 0, 0.001179},
                     });
}

// Connection refused: SYN answered by RST+ACK.
Reported refused() {
    const Endpoints e{0x0A000001, 0x0A000002, 51000, 8081, 7000u, 0u};
    return Reported(e, {
                         {C, "S", 0, 0, 0, 0.0},
                         {S, "R.", 0, 1, 0, 0.0001},
                     });
}

// The ladder row of `frame` (an empty row when there is none).
test::LadderRow row(const std::string& text, std::uint64_t frame) {
    const auto rows = test::ladder_rows(text);
    const auto it = rows.find(frame);
    return it == rows.end() ? test::LadderRow{} : it->second;
}
bool has_row(const std::string& text, std::uint64_t frame) { return test::ladder_rows(text).count(frame) != 0; }
bool segment_starts(const std::string& text, std::uint64_t frame, std::string_view segment) {
    return row(text, frame).segment.rfind(segment, 0) == 0;
}
// The row's arrow points that way and carries exactly that segment.
bool arrow(const std::string& text, std::uint64_t frame, bool to_server, std::string_view segment) {
    const test::LadderRow r = row(text, frame);
    return r.to_server == to_server && r.segment == segment;
}

// Narrative paragraphs are word-wrapped: sentences are matched with each
// line break and the indentation after it read as one space.
std::string unwrapped(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
            out += ' ';
        } else {
            out += text[i];
        }
    }
    return out;
}

bool contains(const std::string& hay, std::string_view needle) {
    return hay.find(needle) != std::string::npos || unwrapped(hay).find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("seed 1: merged close, client first, is a three-wave close", "[text][seed1]") {
    const Reported r = seed1();
    const std::string t = r.text();
    INFO(t);
    CHECK(r.summary().close == CloseKind::three_way);
    CHECK(contains(t, "Connection #1  192.168.101.1:57290 (client) ⇄ 192.168.101.5:8080 (server)"));
    CHECK(contains(t, "started 2020-06-15 10:49:10.094025 UTC"));
    CHECK(contains(t, "client → server: 6 packets, 142 bytes of payload"));
    CHECK(contains(t, "server → client: 4 packets, 267 bytes of payload"));
    CHECK(contains(t, "three-wave close (FIN, FIN+ACK, ACK)"));
    CHECK(contains(t, "ACK), initiated by the client. The client closed first"));
    CHECK(contains(t, "ISN 250118291"));
    CHECK(contains(t, "ISN 2336326088"));
    CHECK(contains(t, "MSS 1460"));
    CHECK(contains(t, "window scaling (client windows ×128, server windows ×128)"));
    CHECK(contains(t, "(ack 144 = FIN seq 143 + 1), so its ACK and FIN travelled in one segment: three segments "
                      "instead of four"));
    CHECK(contains(t, "The client ends in TIME_WAIT"));
    CHECK(contains(t, "2*MSL = 60.000 s"));
    CHECK(contains(t, "so it waits until 2020-06-15 10:50:10.098475 UTC"));
    CHECK(contains(t, "The server ends in CLOSED"));
    CHECK(contains(t, "6 bad checksums (normal for packets captured on the sending host with checksum offload"));

    // Ladder.
    CHECK(arrow(t, 1, true, "[S] seq 0"));
    CHECK(row(t, 1).to_server);
    CHECK(row(t, 1).client == "SYN_SENT");
    CHECK(row(t, 1).server == "SYN_RECEIVED");
    CHECK(arrow(t, 2, false, "[S.] seq 0 ack 1"));
    CHECK(row(t, 2).client == "ESTABLISHED");
    CHECK(row(t, 3).server == "ESTABLISHED");
    CHECK(row(t, 3).client.empty());
    CHECK(contains(t, "··· 4 more segments, 409 bytes of data ···"));
    CHECK(row(t, 8).client == "FIN_WAIT_1");
    CHECK(segment_starts(t, 8, "[F.] seq 143 ack 268"));
    CHECK(row(t, 8).server == "CLOSE_WAIT");
    CHECK(row(t, 9).client == "TIME_WAIT");
    CHECK(arrow(t, 9, false, "[F.] seq 268 ack 144"));
    CHECK(row(t, 9).server == "LAST_ACK");
    CHECK(segment_starts(t, 10, "[.] seq 144 ack 269"));
    CHECK(row(t, 10).server == "CLOSED");
    // Data segments changed no state: no line of their own.
    CHECK(!has_row(t, 4));
    CHECK(!has_row(t, 6));
}

TEST_CASE("seed 1: -S prints absolute numbers", "[text][seed1]") {
    const std::string t = seed1().text(true);
    INFO(t);
    CHECK(segment_starts(t, 2, "[S.] seq 2336326088 ack 250118292"));
    CHECK(contains(t, "ack 250118435 = FIN seq 250118434 + 1"));
}

TEST_CASE("seed 2: server first, the client's data ACK did not cover the FIN", "[text][seed2]") {
    const Reported r = seed2();
    const std::string t = r.text();
    INFO(t);
    CHECK(r.summary().close == CloseKind::three_way);
    CHECK(contains(t, "initiated by the server"));
    CHECK(contains(t, "The client first sent a segment whose ack did not cover that FIN"));
    CHECK(contains(t, "The client's FIN (packet 9) also acknowledged the server's FIN (ack 8 = FIN seq 7 + 1)"));
    CHECK(contains(t, "The server ends in TIME_WAIT"));
    CHECK(row(t, 9).client == "CLOSE_WAIT¹");
    CHECK(contains(t, "¹ client ESTABLISHED → CLOSE_WAIT at packet 9: packet 7 (FIN) was still in flight; packet 9's ACK shows it "
                      "arrived"));
}

TEST_CASE("seed 3: a true four-way close, client first", "[text][seed3]") {
    const Reported r = seed3();
    const std::string t = r.text();
    INFO(t);
    CHECK(r.summary().close == CloseKind::four_way);
    CHECK(contains(t, "four-way close (four waves: FIN, ACK, FIN, ACK)"));
    CHECK(contains(t, "The server acknowledged it on its own (packet 9, ack 5 = FIN seq 4 + 1)"));
    CHECK(contains(t, "later the server sent its own FIN (packet 10, seq 7)"));
    CHECK(contains(t, "The client's ACK (packet 11, ack 8) acknowledged it."));
    CHECK(contains(t, "The client ends in TIME_WAIT"));
    CHECK(contains(t, "It closed second (passive close)"));
    CHECK(row(t, 8).client == "FIN_WAIT_1");
    CHECK(row(t, 8).server == "CLOSE_WAIT");
    CHECK(row(t, 9).client == "FIN_WAIT_2");
    CHECK(row(t, 10).server == "LAST_ACK");
    CHECK(row(t, 10).client == "TIME_WAIT");
    CHECK(row(t, 11).server == "CLOSED");
}

TEST_CASE("seed 4: simultaneous close mid-stream, roles inferred", "[text][seed4]") {
    const Reported r = seed4();
    const std::string t = r.text();
    INFO(t);
    CHECK(r.summary().close == CloseKind::simultaneous);
    CHECK(contains(t, "roles inferred: no SYN seen — server is the side on port 443 (well-known port)"));
    CHECK(contains(t, "The capture starts mid-connection (packet 1)"));
    CHECK(contains(t, "assumed ESTABLISHED"));
    CHECK(contains(t, "simultaneous close (both FINs crossed; both sides went through CLOSING)"));
    CHECK(contains(t, "packet 2's ack 1 did not cover packet 1's FIN (which occupies seq 1): each side sent its FIN "
                      "before it saw the other's"));
    CHECK(contains(t, "went to CLOSING"));
    CHECK(contains(t, "Both sides end in TIME_WAIT."));
    CHECK(contains(t, "the client's own FIN (packet 2)"));
    // The server's FIN reached the client only after the client's own FIN
    // left: the client's CLOSING is placed at packet 3 (the proof).
    CHECK(arrow(t, 1, false, "[F.] seq 1 ack 1"));
    CHECK(row(t, 1).server == "FIN_WAIT_1");
    CHECK(row(t, 2).client == "FIN_WAIT_1");
    CHECK(row(t, 2).server == "CLOSING");
    CHECK(row(t, 3).client == "CLOSING¹");
    CHECK(contains(t, "TIME_WAIT"));
}

TEST_CASE("refused: RST answers the SYN", "[text][refused]") {
    const Reported r = refused();
    const std::string t = r.text();
    INFO(t);
    CHECK(r.summary().handshake == HandshakeKind::refused);
    CHECK(contains(t, "the server answered the SYN (packet 1) with RST (packet 2): nothing listens on port 8081"));
    CHECK(contains(t, "Its connection attempt was refused."));
    CHECK(row(t, 1).client == "SYN_SENT");
    CHECK(row(t, 2).client == "CLOSED");
    CHECK(arrow(t, 2, false, "[R.] seq 0 ack 1"));
}

TEST_CASE("half-closed: the server never closes, stuck in CLOSE_WAIT", "[text][half]") {
    const Endpoints e{0x0A000001, 0x0A000002, 51001, 80, 100u, 900u};
    const Reported r(e, {
                          {C, "S", 0, 0, 0, 0.0},
                          {S, "S.", 0, 1, 0, 0.001},
                          {C, ".", 1, 1, 0, 0.002},
                          {C, "P.", 1, 1, 10, 0.003},
                          {S, ".", 1, 11, 0, 0.004},
                          {C, "F.", 11, 1, 0, 0.005},
                          {S, ".", 1, 12, 0, 0.006},
                          {S, ".", 1, 12, 0, 0.007},  // a later segment: pushes the held ACK
                      });
    const std::string t = r.text();
    INFO(t);
    CHECK(r.summary().close == CloseKind::half_closed);
    CHECK(contains(t, "the client closed its direction (FIN, packet 6, seq 11"));
    CHECK(contains(t, "the server never sent FIN — it is still in CLOSE_WAIT: its application has not called "
                      "close()"));
    CHECK(contains(t, "The server ends in CLOSE_WAIT"));
    CHECK(contains(t, "The client ends in FIN_WAIT_2"));
    CHECK(row(t, 6).client == "FIN_WAIT_1");
    CHECK(row(t, 6).server == "CLOSE_WAIT");
    CHECK(row(t, 7).client == "FIN_WAIT_2");
}

TEST_CASE("unanswered SYNs", "[text][unanswered]") {
    const Endpoints e{0x0A000001, 0x0A000002, 51002, 443, 555u, 0u};
    const Reported r(e, {
                          {C, "S", 0, 0, 0, 0.0},
                          {C, "S", 0, 0, 0, 1.0},
                          {C, "S", 0, 0, 0, 3.0},
                      });
    const std::string t = r.text();
    INFO(t);
    CHECK(r.summary().handshake == HandshakeKind::unanswered);
    CHECK(contains(unwrapped(t), "Unanswered: 3 SYNs, no answer (first at packet 1, 2020-06-15 10:49:10.094025 UTC; the last one, packet 3, 3.000 s later)"));
    CHECK(contains(t, "The client ends in SYN_SENT"));
    CHECK(row(t, 1).client == "SYN_SENT");
    CHECK(segment_starts(t, 2, "[S] seq 0"));
    CHECK(row(t, 2).note == "⚠ SYN again");
    CHECK(contains(t, "2 SYN retransmissions"));
}

TEST_CASE("a SYN the client itself resets was aborted, not refused", "[text][unanswered]") {
    const Endpoints e{0x0A000001, 0x0A000002, 51003, 443, 777u, 0u};
    const Reported r(e, {
                          {C, "S", 0, 0, 0, 0.0},
                          {C, "R", 1, 0, 0, 0.000309},
                      });
    const std::string t = unwrapped(r.text());
    INFO(t);
    CHECK(r.summary().handshake == HandshakeKind::unanswered);
    CHECK_FALSE(contains(t, "was refused"));
    CHECK(contains(t, "nobody refused it"));
    CHECK_FALSE(contains(t, "the last one"));
    CHECK(contains(t, "Unanswered: 1 SYN, no answer (packet 1,"));
    CHECK(contains(t, "The client then gave up and sent RST itself (packet 2)"));
    CHECK(contains(t, "It aborted its own connection attempt: it sent the RST."));
    fmt::memory_buffer b;
    write_brief(b, r.conn(), r.summary(), {});
    CHECK(contains(fmt::to_string(b), " 2 packets, "));
}

TEST_CASE("a FIN then the peer's RST: the FIN's sender closed first, everywhere", "[text][reset]") {
    const Endpoints e{0x0A000001, 0x0A000002, 51005, 443, 900u, 4000u};
    const Reported r(e, {
                          {C, "S", 0, 0, 0, 0.0},
                          {S, "S.", 0, 1, 0, 0.001},
                          {C, ".", 1, 1, 0, 0.002},
                          {C, "F.", 1, 1, 0, 0.003},
                          {S, "R.", 1, 2, 0, 0.004},
                      });
    const std::string t = unwrapped(r.text());
    INFO(t);
    CHECK(r.summary().close == CloseKind::reset);
    CHECK(r.summary().initiator == Initiator::client);
    CHECK(contains(t, "The client had sent FIN before (packet 4)"));
    fmt::memory_buffer b;
    write_brief(b, r.conn(), r.summary(), {});
    CHECK(contains(fmt::to_string(b), "reset (RST), client first"));
    fmt::memory_buffer j;
    write_json(j, r.conn(), r.summary(), {});
    CHECK(contains(fmt::to_string(j), "\"close_initiator\":\"client\""));
}

TEST_CASE("a brief line counts one packet in the singular", "[text][brief]") {
    const Endpoints e{0x0A000001, 0x0A000002, 51004, 443, 778u, 0u};
    const Reported r(e, {{C, "S", 0, 0, 0, 0.0}});
    fmt::memory_buffer b;
    write_brief(b, r.conn(), r.summary(), {});
    const std::string line = fmt::to_string(b);
    INFO(line);
    CHECK(contains(line, " · 1 packet, "));
}

TEST_CASE("colour only on demand", "[text]") {
    CHECK_FALSE(contains(seed1().text(false, false), "\x1b["));
    const std::string t = seed1().text(false, true);
    CHECK(contains(t, "\x1b[36mTIME_WAIT\x1b[0m"));
    CHECK(contains(refused().text(false, true), "\x1b[31m◀──[R.]"));
}

TEST_CASE("ladder lines keep fixed columns", "[text]") {
    const std::string t = seed3().text();
    // Every arrow starts in the same column.
    std::size_t col = std::string::npos;
    std::size_t pos = 0;
    while (pos < t.size()) {
        const std::size_t end = t.find('\n', pos);
        const std::string line = t.substr(pos, end - pos);
        pos = end + 1;
        std::size_t a = line.find("──[");
        if (a == std::string::npos) continue;
        if (line.compare(a >= 3 ? a - 3 : 0, 3, "◀") == 0) a -= 3;
        // Count columns before the arrow.
        std::size_t cols = 0;
        for (std::size_t i = 0; i < a; ++i)
            if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++cols;
        if (col == std::string::npos) col = cols;
        CHECK(cols == col);
    }
    CHECK(col != std::string::npos);
}

TEST_CASE("run summary counts kinds, initiators, final states, anomalies", "[text][summary]") {
    RunSummary rs;
    for (const Reported& r : {seed1(), seed2(), seed3(), seed4(), refused()}) rs.add(r.conn(), r.summary());
    fmt::memory_buffer b;
    rs.write(b, false);
    const std::string t = fmt::to_string(b);
    INFO(t);
    CHECK(rs.connections() == 5);
    CHECK(rs.closes(CloseKind::three_way) == 2);
    CHECK(rs.closes(CloseKind::four_way) == 1);
    CHECK(rs.closes(CloseKind::simultaneous) == 1);
    CHECK(rs.handshakes(HandshakeKind::refused) == 1);
    CHECK(contains(t, "Summary: 5 connections"));
    CHECK(contains(t, "2 three-wave close (FIN, FIN+ACK, ACK)"));
    CHECK(contains(t, "1 refused (RST to the SYN)"));
    CHECK(contains(t, "client 2"));
    CHECK(contains(t, "server 1"));
    CHECK(contains(t, "both at once 1"));
    CHECK(contains(t, "client ends in"));
    CHECK(contains(t, "TIME_WAIT 3"));
    CHECK(contains(t, "6 bad checksums"));
}

TEST_CASE("each summary count names its smallest connection ids", "[text][summary]") {
    Tally t;
    CHECK(t.examples() == " ()");
    for (std::uint64_t id : {9, 4, 12}) t.add(id);
    CHECK(t.examples() == " (#4, #9, #12)");
    t.add(2);  // a report that came late still counts among the smallest
    t.add(30);
    CHECK(t.n == 5);
    CHECK(t.examples() == " (#2, #4, #9, …)");
}

// Not run by default: `tfe_text_report_tests "[.dump]"` prints every seed's text.
TEST_CASE("dump the seed texts", "[.dump]") {
    RunSummary rs;
    for (const Reported& r : {seed1(), seed2(), seed3(), seed4(), refused()}) {
        fmt::print("{}", r.text());
        rs.add(r.conn(), r.summary());
    }
    fmt::memory_buffer b;
    rs.write(b, false);
    fmt::print("{}", fmt::to_string(b));
}

TEST_CASE("each fact stands in its section: the seeds' opening, close and final states", "[text][structure]") {
    const std::string t1 = seed1().text(), t2 = seed2().text(), t4 = seed4().text();
    INFO(t1);
    for (const char* heading : {"How it opened", "Data", "How it closed", "Final states"})
        CHECK_FALSE(test::section(t1, heading).empty());
    CHECK(contains(test::section(t1, "How it opened"), "Three-way handshake"));
    CHECK(contains(test::section(t1, "How it closed"), "initiated by the client"));
    CHECK(contains(test::section(t1, "Final states"), "The client ends in TIME_WAIT"));
    CHECK(contains(test::section(t1, "Final states"), "The server ends in CLOSED"));
    CHECK_FALSE(contains(test::section(t1, "How it closed"), "TIME_WAIT ("));
    CHECK(contains(test::section(t2, "How it closed"), "initiated by the server"));
    CHECK(contains(test::section(t2, "Final states"), "The server ends in TIME_WAIT"));
    CHECK(contains(test::section(t4, "How it closed"), "Both sides end in TIME_WAIT."));
    CHECK(contains(test::section(t4, "Final states"), "The server ends in TIME_WAIT"));
    // Every state a ladder row writes is one the transitions reached.
    for (const Reported& r : {seed1(), seed2(), seed3(), seed4(), refused()}) {
        std::vector<std::string> reached;
        for (const Transition& tr : r.conn().transitions()) reached.emplace_back(state_name(tr.to));
        for (const auto& [frame, lr] : test::ladder_rows(r.text())) {
            for (std::string st : {lr.client, lr.server}) {
                if (st.empty()) continue;
                if (st.size() > 2 && st.compare(st.size() - 2, 2, "¹") == 0) st.resize(st.size() - 2);
                INFO("packet " << frame << ": " << st);
                CHECK(std::find(reached.begin(), reached.end(), st) != reached.end());
            }
        }
    }
}

TEST_CASE("an anomaly's number is printed where it is noted: text and JSON", "[text][anomaly]") {
    const Endpoints e{0x0A000001, 0x0A000002, 51010, 80, 100u, 900u};
    const Reported r(e, {
                            {C, "S", 0, 0, 0, 0.0},
                            {S, "S.", 0, 1, 0, 0.001},
                            {C, ".", 1, 1, 0, 0.002},
                            {C, "P.", 1, 1, 10, 0.003},
                            {S, ".", 1, 11, 0, 0.004},
                            {S, "R", 5000000, 0, 0, 0.005},   // far outside the client's window
                            {C, "P.", 2011, 1, 10, 0.006},     // 2000 bytes not captured before it
                        });
    const std::string t = r.text();
    INFO(t);
    const std::string anomalies = test::section(t, "Anomalies");
    CHECK(contains(anomalies, "from the server: packet 6 (seq 5000000, expected 1)"));
    CHECK(contains(anomalies, "packet 7 (2000 bytes missing before it)"));
    fmt::memory_buffer b;
    write_json(b, r.conn(), r.summary(), {});
    const auto j = nlohmann::json::parse(fmt::to_string(b));
    const auto& events = j.at("anomaly_events");
    REQUIRE(events.size() == 2);
    CHECK(events[0].at("packet") == 6);
    CHECK(events[0].at("name") == "rst_out_of_window");
    CHECK(events[0].at("sender") == "server");
    CHECK(events[0].at("expected_seq") == 1);
    CHECK(events[1].at("name") == "previous_segment_not_captured");
    CHECK(events[1].at("bytes_missing") == 2000);
}
