// The tcpdump-text path: single lines taken apart, and the five seed texts
// of /work/shared/seeds/SCENARIOS.md, pasted exactly as there
// (tests/data/tcpdump-text/), explained as their byte-exact captures in
// samples/seed-*/ are.
#include <catch2/catch.hpp>

#include <sstream>

#include "capture/tcpdump_line.hpp"
#include "core/flow_key.hpp"
#include "sample_pipeline.hpp"
#include "text_agreement.hpp"

namespace {

using tfe::capture::parse_tcpdump_line;
using tfe::capture::TcpdumpLine;
using Kind = TcpdumpLine::Kind;

// Segments as the reader hands them on.
struct Collect final : tfe::capture::SegmentSink {
    void on_segment(const tfe::Segment& s) override { segments.push_back(s); }
    std::vector<tfe::Segment> segments;
};

tfe::capture::FileReport read_text(const std::string& text, Collect& sink) {
    std::istringstream in(text);
    std::uint64_t frames = 0;
    return tfe::capture::read_tcpdump_text(in, "paste", false, frames, sink);
}

}  // namespace

TEST_CASE("A -vv line with the IP header and names and a checksum", "[tcpdump_text]") {
    const TcpdumpLine l = parse_tcpdump_line(
        "10:49:10.094025 IP (tos 0x0, ttl 64, id 40563, offset 0, flags [DF], proto TCP (6), length 60) "
        "localhost.localdomain.57290 > 192.168.101.5.webcache: Flags [S], cksum 0x4b9e (incorrect -> 0xdc83), "
        "seq 250118291, win 29200, options [mss 1460,sackOK,TS val 4595424 ecr 0,nop,wscale 7], length 0");
    REQUIRE(l.kind == Kind::tcp);
    CHECK(l.time == ((10 * 60 + 49) * 60 + 10) * 1'000'000'000LL + 94'025'000);
    CHECK(l.src.host.name == "localhost.localdomain");
    CHECK(l.src.port == 57290);
    CHECK(tfe::to_string(l.dst.host.ip) == "192.168.101.5");
    CHECK(l.dst.port == 8080);
    CHECK(l.dst.service == "webcache");
    CHECK(l.flags.syn());
    CHECK_FALSE(l.flags.ack());
    CHECK(l.seq == 250118291u);
    CHECK_FALSE(l.ack.has_value());
    CHECK(l.window == 29200);
    CHECK(l.options.mss == 1460);
    CHECK(l.options.wscale == 7);
    CHECK(l.options.sack_permitted);
    CHECK(l.options.ts_val == 4595424u);
    CHECK(l.ttl == 64);
    CHECK(l.ip_id == 40563);
    CHECK(l.ip_length == 60);
    CHECK(l.checksum_ok == false);
}

TEST_CASE("Every time stamp form with line numbers and -i any", "[tcpdump_text]") {
    const auto kind_and_time = [](const char* line) {
        const TcpdumpLine l = parse_tcpdump_line(line);
        CHECK(l.kind == Kind::tcp);
        return std::pair{l.time_kind, l.time};
    };
    using tfe::capture::TextTime;
    const char* tail = " IP 10.0.0.1.1 > 10.0.0.2.2: Flags [.], ack 1, win 5, length 0";
    CHECK(kind_and_time((std::string("2020-06-15 10:49:10.5") + tail).c_str()) ==
          std::pair{TextTime::date_time, std::int64_t{1592218150'500'000'000}});
    CHECK(kind_and_time((std::string("1592218150.094025") + tail).c_str()) ==
          std::pair{TextTime::epoch, std::int64_t{1592218150'094'025'000}});
    CHECK(kind_and_time((std::string(" 00:00:00.000076") + tail).c_str()) ==
          std::pair{TextTime::time_of_day, std::int64_t{76'000}});
    CHECK(kind_and_time((std::string("IP") + (tail + 3)).c_str()).first == TextTime::none);
    const TcpdumpLine numbered = parse_tcpdump_line((std::string("    7  12:43:46.905723") + tail).c_str());
    CHECK(numbered.number == 7u);
    const TcpdumpLine any = parse_tcpdump_line((std::string("11:41:02.493324 lo    Out ") + (tail + 1)).c_str());
    CHECK(any.kind == Kind::tcp);
    CHECK(any.direction == tfe::PacketDirection::outgoing);
}

TEST_CASE("IPv6 with -e and a VLAN tag with flags E and W and SACK blocks", "[tcpdump_text]") {
    const TcpdumpLine l = parse_tcpdump_line(
        "12:00:00.000000 02:00:00:00:12:77 > 02:00:00:00:12:82, ethertype 802.1Q (0x8100), length 98: vlan 100, "
        "p 0, ethertype IPv6 (0x86dd), 2001:db8::10.51012 > 2001:db8::20.8080: Flags [SEW], seq 1000000000, "
        "win 64240, options [nop,nop,sack 2 {1:2}{3:4}], length 0");
    REQUIRE(l.kind == Kind::tcp);
    CHECK(l.ip_version == 6);
    CHECK(tfe::to_string(l.src.host.ip) == "2001:db8::10");
    CHECK(l.flags.bits == (tfe::TcpFlags::SYN | tfe::TcpFlags::ECE | tfe::TcpFlags::CWR));
    CHECK(l.options.sack_blocks == 2);
}

TEST_CASE("Lines that are not TCP are skipped and broken TCP lines are malformed", "[tcpdump_text]") {
    CHECK(parse_tcpdump_line("10:00:00.000000 ARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28").kind ==
          Kind::not_tcp);
    CHECK(parse_tcpdump_line("10:00:00.000000 IP 10.0.0.1.53 > 10.0.0.2.999: 1234 1/0/0 A 1.2.3.4 (45)").kind ==
          Kind::not_tcp);
    CHECK(parse_tcpdump_line("$ sudo tcpdump -i eth0 -nn").is_packet == false);
    const TcpdumpLine bad = parse_tcpdump_line("10:00:00.000000 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq x");
    CHECK(bad.kind == Kind::malformed);
    CHECK(parse_tcpdump_line("10:00:00.000000 IP 10.0.0.1.nosuchservicename > 10.0.0.2.2: Flags [S], length 0")
              .kind == Kind::malformed);
    CHECK(parse_tcpdump_line("10:00:00.000000 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [Q], length 0").kind ==
          Kind::malformed);
    CHECK(parse_tcpdump_line("10:00:00.000000 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), "
                             "length 60)").kind == Kind::malformed);
    CHECK(parse_tcpdump_line("10:00:00.000000 IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), "
                             "length 40) 10.0.0.1.53 > 10.0.0.2.9: 1 A? x. (22)").reason == "UDP");
}

TEST_CASE("A paste with -v lines wrapped onto two lines counts skipped and malformed lines", "[tcpdump_text]") {
    Collect sink;
    const auto r = read_text(
        "reading from file x.pcap, link-type EN10MB (Ethernet)\n"
        "10:00:00.000001 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)\n"
        "    10.0.0.1.40000 > 10.0.0.2.80: Flags [S], cksum 0x1 (correct), seq 100, win 5, length 0\n"
        "10:00:00.000002 ARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28\n"
        "10:00:00.000003 IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [S.], seq 900, ack 101, win 5, length\n",
        sink);
    REQUIRE(sink.segments.size() == 1);
    CHECK(sink.segments[0].ip_ttl == 64);
    CHECK(sink.segments[0].frame == 1);
    CHECK(r.frames_read == 3);
    CHECK(r.skipped_non_tcp == 1);
    CHECK(r.malformed == 1);
    REQUIRE(r.text_warnings.size() == 1);
    CHECK(r.text_warnings[0].find("line 5") != std::string::npos);
}

TEST_CASE("Relative numbers are made absolute from the handshake and an excerpt says it cannot be", "[tcpdump_text]") {
    Collect sink;
    const auto r = read_text(
        "1.000000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 4294967000, win 5, length 0\n"
        "1.000001 IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [S.], seq 7000, ack 4294967001, win 5, length 0\n"
        "1.000002 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 1, win 5, length 0\n"
        "1.000003 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 1:501, ack 1, win 5, length 500\n"
        "1.000004 IP 10.0.0.9.1 > 10.0.0.8.2: Flags [P.], seq 11:21, ack 5, win 5, length 10\n",
        sink);
    REQUIRE(sink.segments.size() == 5);
    CHECK(sink.segments[2].seq.raw() == 4294967001u);  // not printed: the sender's next
    CHECK(sink.segments[2].ack.raw() == 7001u);
    CHECK(sink.segments[3].seq.raw() == 4294967001u);
    CHECK(sink.segments[3].seq_end().raw() == 205u);   // wrapped past 2^32
    CHECK(sink.segments[4].seq.raw() == 11u);
    REQUIRE(r.text_warnings.size() == 1);
    CHECK(r.text_warnings[0].find("line 5") != std::string::npos);
    CHECK(r.text_warnings[0].find("cannot be recovered") != std::string::npos);
}

TEST_CASE("The five seed texts pasted as in SCENARIOS.md explain as their captures do", "[tcpdump_text][seeds]") {
    for (const char* seed : {"seed-1-merged-close", "seed-2-server-first-merged", "seed-3-four-way-client-first",
                             "seed-4-simultaneous-close", "seed-5-c-server"}) {
        INFO(seed);
        tfe::test::PipelineOptions text;
        text.tcpdump_text = true;
        const auto from_text =
            tfe::test::run_pipeline(std::string(TFE_TEST_DATA_DIR) + "/tcpdump-text/" + seed + ".txt", text);
        const auto from_capture = tfe::test::run_pipeline(std::string(TFE_SAMPLES_DIR) + "/" + seed + "/capture.pcap");
        CHECK(from_text.report.malformed == 0);
        REQUIRE(from_text.connections.size() == from_capture.connections.size());
        for (std::size_t i = 0; i < from_text.connections.size(); ++i)
            CHECK(tfe::test::comparable(from_text.connections[i]).dump(1) ==
                  tfe::test::comparable(from_capture.connections[i]).dump(1));
    }
}
