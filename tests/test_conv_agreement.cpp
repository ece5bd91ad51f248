// Agreement with tshark on real loopback captures (tests/data/, made once by
// make_conv_captures.sh): frames and frame bytes per 4-tuple and direction
// must match `tshark -q -z conv,tcp` and tshark's per-frame fields, which
// are saved next to each capture so tshark is not needed at test time.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "capture/pcap_source.hpp"
#include "core/flow_key.hpp"
#include "sample_pipeline.hpp"

using namespace tfe;
using namespace tfe::capture;

namespace {

const std::string kDataDir = TFE_TEST_DATA_DIR;

using Endpoint = std::pair<std::string, unsigned>;  // address as tshark prints it, port
using Direction = std::pair<Endpoint, Endpoint>;    // from, to

struct Tally {
    std::uint64_t frames = 0, bytes = 0;
    bool operator==(const Tally&) const = default;
};

struct TallySink : SegmentSink {
    std::map<Direction, Tally> by_direction;
    std::uint64_t directed = 0;  // segments whose cooked direction was known
    void on_segment(const Segment& s) override {
        Tally& t = by_direction[{{to_string(s.src), s.sport}, {to_string(s.dst), s.dport}}];
        ++t.frames;
        t.bytes += s.wire_len;
        if (s.direction != PacketDirection::unknown) ++directed;
    }
};

Endpoint parse_endpoint(const std::string& text) {
    const auto colon = text.rfind(':');  // IPv6 addresses contain colons too
    return {text.substr(0, colon), unsigned(std::stoul(text.substr(colon + 1)))};
}

// One row of tshark 4.0's conv table:
// "A:port <-> B:port  <-frames <-bytes bytes  ->frames ->bytes bytes  total..."
// "<-" counts B to A, "->" counts A to B.
struct ConvRow {
    Endpoint a, b;
    Tally b_to_a, a_to_b;
    bool exact_bytes = true;  // false when tshark printed kB/MB
};

std::vector<ConvRow> parse_conv(const std::string& path) {
    static const std::regex row(
        R"(^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+)");
    std::ifstream in(path);
    std::vector<ConvRow> rows;
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (!std::regex_search(line, m, row)) continue;
        ConvRow r{parse_endpoint(m[1]), parse_endpoint(m[2]),
                  {std::stoull(m[3]), std::stoull(m[4])}, {std::stoull(m[6]), std::stoull(m[7])}};
        r.exact_bytes = m[5] == "bytes" && m[8] == "bytes";
        rows.push_back(r);
    }
    return rows;
}

// tshark -T fields: ip.src ipv6.src tcp.srcport ip.dst ipv6.dst tcp.dstport frame.len,
// space separated, with one of ip/ipv6 empty.
std::map<Direction, Tally> parse_fields(const std::string& path) {
    std::ifstream in(path);
    std::map<Direction, Tally> out;
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string field; std::getline(ss, field, ' ');) f.push_back(field);
        if (f.size() != 7) continue;
        const Endpoint src{f[0].empty() ? f[1] : f[0], unsigned(std::stoul(f[2]))};
        const Endpoint dst{f[3].empty() ? f[4] : f[3], unsigned(std::stoul(f[5]))};
        Tally& t = out[{src, dst}];
        ++t.frames;
        t.bytes += std::stoull(f[6]);
    }
    return out;
}

}  // namespace

TEST_CASE("Decoded loopback captures agree with tshark per 4-tuple and direction", "[capture][tshark]") {
    const auto [file, link_name] = GENERATE(table<std::string, std::string>({
        {"conv_lo.pcap", "EN10MB"}, {"conv_any.pcap", "LINUX_SLL2"}, {"conv_lo.pcapng", "EN10MB"}}));
    INFO(file);
    const std::string path = kDataDir + "/" + file;
    std::uint64_t counter = 0;
    TallySink sink;
    ReadOptions opts;
    opts.verify_checksums = true;  // counted, never dropped
    const FileReport report = read_capture_file(path, opts, counter, sink);
    REQUIRE_FALSE(report.fatal_error);
    CHECK(report.link_type_name == link_name);
    CHECK(report.malformed == 0);
    CHECK(report.skipped_non_tcp == 0);
    CHECK(report.segments_decoded == report.frames_read);
    if (link_name == "LINUX_SLL2") CHECK(sink.directed == report.segments_decoded);

    const std::vector<ConvRow> rows = parse_conv(path + ".conv.txt");
    REQUIRE(rows.size() >= 5);
    std::size_t directions_seen = 0;
    for (const ConvRow& r : rows) {
        INFO(r.a.first << ":" << r.a.second << " <-> " << r.b.first << ":" << r.b.second);
        const Tally ab = sink.by_direction[{r.a, r.b}];
        const Tally ba = sink.by_direction[{r.b, r.a}];
        CHECK(ab.frames == r.a_to_b.frames);
        CHECK(ba.frames == r.b_to_a.frames);
        if (r.exact_bytes) {
            CHECK(ab.bytes == r.a_to_b.bytes);
            CHECK(ba.bytes == r.b_to_a.bytes);
        }
        directions_seen += (ab.frames > 0) + (ba.frames > 0);
    }
    std::size_t nonempty = 0;
    for (const auto& [dir, t] : sink.by_direction) nonempty += t.frames > 0;
    CHECK(nonempty == directions_seen);  // no conversation tshark did not list

    std::ifstream bad_file(path + ".badcksum.txt");
    std::uint64_t tshark_bad = 0;
    REQUIRE(bad_file >> tshark_bad);
    CHECK(report.bad_checksums == tshark_bad);

    std::map<Direction, Tally> ours;
    for (const auto& [dir, t] : sink.by_direction)
        if (t.frames > 0) ours[dir] = t;
    CHECK(ours == parse_fields(path + ".fields.txt"));
}

TEST_CASE("The tool's connections count the same packets and bytes as tshark's conversations", "[tshark][pipeline]") {
    const std::string file = GENERATE(std::string("conv_lo.pcap"), std::string("conv_any.pcap"),
                                      std::string("conv_lo.pcapng"));
    INFO(file);
    const std::string path = kDataDir + "/" + file;
    const auto result = tfe::test::run_pipeline(path);
    REQUIRE_FALSE(result.report.fatal_error);
    // Per direction, summed over the connections of each 4-tuple (port reuse).
    std::map<Direction, Tally> ours;
    for (const auto& c : result.connections) {
        const std::pair<std::string, unsigned> client{c["client"]["ip"].get<std::string>(), c["client"]["port"].get<unsigned>()};
        const std::pair<std::string, unsigned> server{c["server"]["ip"].get<std::string>(), c["server"]["port"].get<unsigned>()};
        Tally& up = ours[{client, server}];
        Tally& down = ours[{server, client}];
        up.frames += c["packets"]["client"].get<std::uint64_t>();
        up.bytes += c["frame_bytes"]["client"].get<std::uint64_t>();
        down.frames += c["packets"]["server"].get<std::uint64_t>();
        down.bytes += c["frame_bytes"]["server"].get<std::uint64_t>();
    }
    const std::vector<ConvRow> rows = parse_conv(path + ".conv.txt");
    REQUIRE(rows.size() >= 5);
    for (const ConvRow& r : rows) {
        INFO(r.a.first << ":" << r.a.second << " <-> " << r.b.first << ":" << r.b.second);
        CHECK(ours[{r.a, r.b}].frames == r.a_to_b.frames);
        CHECK(ours[{r.b, r.a}].frames == r.b_to_a.frames);
        if (r.exact_bytes) {
            CHECK(ours[{r.a, r.b}].bytes == r.a_to_b.bytes);
            CHECK(ours[{r.b, r.a}].bytes == r.b_to_a.bytes);
        }
    }
}
