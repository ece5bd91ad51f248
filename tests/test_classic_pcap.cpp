// capture/classic_pcap: classic pcap files walked in place must read exactly
// as through libpcap's pcap_next_ex -- same frames, timestamps, counters, and
// the same error (offset, frame, wording) when a file is cut or damaged.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "capture/classic_pcap.hpp"
#include "capture/pcap_source.hpp"
#include "capture_packets.hpp"

using namespace tfe;
using namespace tfe::capture;
using namespace tfe::test;

namespace {

// Everything the sink sees of one segment, as text (a failed check shows it).
std::string describe(const Segment& s) {
    auto ip = [](const IpAddr& a) {
        std::string out = "v" + std::to_string(a.version) + ":";
        for (std::uint8_t b : a.bytes) out += std::to_string(b) + ".";
        return out;
    };
    const TcpOptions& o = s.options;
    std::string d;
    for (const std::int64_t v :
         {std::int64_t(s.frame), s.ts, std::int64_t(s.sport), std::int64_t(s.dport),
          std::int64_t(s.seq.raw()), std::int64_t(s.ack.raw()), std::int64_t(s.flags.bits),
          std::int64_t(s.window), std::int64_t(s.urgent), std::int64_t(s.payload_len),
          std::int64_t(s.captured_len), std::int64_t(s.wire_len), std::int64_t(o.has_mss),
          std::int64_t(o.has_wscale), std::int64_t(o.sack_permitted),
          std::int64_t(o.has_timestamps), std::int64_t(o.has_fast_open), std::int64_t(o.wscale),
          std::int64_t(o.sack_blocks), std::int64_t(o.fast_open_cookie_len),
          std::int64_t(o.mss), std::int64_t(o.ts_val), std::int64_t(o.ts_ecr),
          std::int64_t(s.direction), std::int64_t(s.checksum_checked),
          std::int64_t(s.checksum_ok), std::int64_t(s.ip_ttl), std::int64_t(s.ip_id),
          std::int64_t(s.first_payload_byte)})
        d += std::to_string(v) + " ";
    return d + ip(s.src) + " " + ip(s.dst);
}

std::string describe(const FileReport& r) {
    std::string d = "link " + std::to_string(r.link_type) + " " + r.link_type_name +
                    " frames " + std::to_string(r.frames_read) + " segs " +
                    std::to_string(r.segments_decoded) + " skipped " +
                    std::to_string(r.skipped_non_tcp) + " malformed " +
                    std::to_string(r.malformed) + " badck " + std::to_string(r.bad_checksums) +
                    " trunc " + std::to_string(r.truncated_payloads) + " first " +
                    std::to_string(r.first_frame) + " last " + std::to_string(r.last_frame) +
                    " skiplink " + std::to_string(r.skipped_link_type) + " " + r.skip_message +
                    " reasons";
    for (const ReasonCount& c : r.by_reason)
        d += " " + std::to_string(c.count) + "@" + std::to_string(c.first_frame);
    d += " error: " + r.fatal_error.value_or("none");
    return d;
}

struct Collect : SegmentSink {
    std::vector<std::string> segments;
    void on_segment(const Segment& s) override { segments.push_back(describe(s)); }
};

struct Run {
    std::string report;
    std::vector<std::string> segments;
    std::uint64_t counter = 0;
};

Run read_with(const std::string& path, ReadOptions opts, bool libpcap_loop) {
    opts.libpcap_record_loop = libpcap_loop;
    Run run;
    run.counter = 7;  // as if another file came first
    Collect sink;
    const FileReport r = read_capture_file(path, opts, run.counter, sink);
    run.report = describe(r);
    run.segments = std::move(sink.segments);
    return run;
}

// Reads `path` both ways and checks that nothing differs.
void check_same_both_ways(const std::string& path, const ReadOptions& opts = {}) {
    INFO("file " << path << " filter \"" << opts.bpf_filter << "\" checksums "
                 << opts.verify_checksums);
    const Run walked = read_with(path, opts, false);
    const Run libpcap = read_with(path, opts, true);
    CHECK(walked.report == libpcap.report);
    CHECK(walked.counter == libpcap.counter);
    REQUIRE(walked.segments.size() == libpcap.segments.size());
    for (std::size_t i = 0; i < walked.segments.size(); ++i)
        CHECK(walked.segments[i] == libpcap.segments[i]);
}

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& name)
        : path("/tmp/tfe_classic_test_" + std::to_string(getpid()) + "_" + name) {}
    ~TempFile() { std::remove(path.c_str()); }
};

Frame slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Frame(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::uint32_t get_le32(const Frame& f, std::size_t at) {
    return std::uint32_t(f[at]) | std::uint32_t(f[at + 1]) << 8 | std::uint32_t(f[at + 2]) << 16 |
           std::uint32_t(f[at + 3]) << 24;
}

void set_le32(Frame& f, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) f[at + i] = std::uint8_t(v >> (8 * i));
}

// Start offsets of the records of a little-endian classic pcap image.
std::vector<std::size_t> record_offsets(const Frame& f) {
    std::vector<std::size_t> out;
    for (std::size_t at = 24; at + 16 <= f.size(); at += 16 + get_le32(f, at + 8))
        out.push_back(at);
    return out;
}

// The same file as written by a host of the other byte order.
Frame byte_swapped(const Frame& f) {
    Frame out = f;
    auto swap32 = [&](std::size_t at) {
        std::reverse(out.begin() + long(at), out.begin() + long(at) + 4);
    };
    auto swap16 = [&](std::size_t at) { std::swap(out[at], out[at + 1]); };
    swap32(0);
    swap16(4);
    swap16(6);
    for (std::size_t at : {8, 12, 16, 20}) swap32(at);
    for (std::size_t rec : record_offsets(f))
        for (std::size_t field = 0; field < 16; field += 4) swap32(rec + field);
    return out;
}

std::vector<std::string> sample_captures() {
    std::vector<std::string> out;
    for (const auto& dir : std::filesystem::directory_iterator(TFE_SAMPLES_DIR))
        for (const char* name : {"capture.pcap", "capture.pcapng"})
            if (std::filesystem::exists(dir.path() / name)) out.push_back(dir.path() / name);
    std::sort(out.begin(), out.end());
    return out;
}

bool is_pcapng(const std::string& path) { return path.ends_with(".pcapng"); }

// The classic samples, as byte images (all little-endian).
std::vector<std::pair<std::string, Frame>> classic_samples() {
    std::vector<std::pair<std::string, Frame>> out;
    for (const std::string& path : sample_captures())
        if (!is_pcapng(path)) out.emplace_back(path, slurp(path));
    return out;
}

// libpcap's handle on `path` with nanosecond timestamps, as the tool opens
// it; null when libpcap refuses the file.
pcap_t* open_nano(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE];
    return pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
}

// Whether read_capture_file walks `path` itself (rather than libpcap's loop).
bool walkable(const std::string& path) {
    pcap_t* p = open_nano(path);
    if (p == nullptr) return false;
    std::uint32_t magic = 0;
    std::FILE* in = std::fopen(path.c_str(), "rb");
    const bool got = in != nullptr && std::fread(&magic, 4, 1, in) == 1;
    if (in != nullptr) std::fclose(in);
    const bool ok = got && classic_pcap_format(p, magic).has_value();
    pcap_close(p);
    return ok;
}

}  // namespace

TEST_CASE("Every sample reads the same walked and through libpcap", "[capture][pcap][classic]") {
    const std::vector<std::string> captures = sample_captures();
    REQUIRE(captures.size() > 30);
    for (const std::string& path : captures) {
        INFO(path);
        CHECK(walkable(path) == !is_pcapng(path));
        check_same_both_ways(path);
        ReadOptions opts;
        opts.verify_checksums = true;
        check_same_both_ways(path, opts);
        for (const char* filter : {"tcp[tcpflags] & tcp-syn != 0", "ip6", "len > 100"}) {
            opts.bpf_filter = filter;
            check_same_both_ways(path, opts);
        }
    }
}

TEST_CASE("Cut anywhere: the same frames and the same error", "[capture][pcap][classic]") {
    TempFile file("cut.pcap");
    for (const auto& [path, bytes] : classic_samples()) {
        // Every offset of the small files and of the Linux-cooked one, the
        // neighbourhood of every record boundary of the rest.
        const bool every_offset =
            bytes.size() < 800 || path.find("any-cooked") != std::string::npos;
        std::vector<std::size_t> cuts;
        if (every_offset) {
            for (std::size_t n = 0; n <= bytes.size(); ++n) cuts.push_back(n);
        } else {
            for (std::size_t rec : record_offsets(bytes))
                for (std::size_t d : {0, 1, 8, 15, 16, 17, 30}) cuts.push_back(rec + d);
        }
        // Longest first, so that each cut only shortens the file.
        std::sort(cuts.rbegin(), cuts.rend());
        write_file(file.path, bytes);
        for (std::size_t cut : cuts) {
            if (cut > bytes.size()) continue;
            REQUIRE(truncate(file.path.c_str(), off_t(cut)) == 0);
            INFO(path << " cut at " << cut);
            check_same_both_ways(file.path);
        }
        ReadOptions filtered;
        filtered.bpf_filter = "tcp[tcpflags] & tcp-fin != 0";
        for (std::size_t rec : record_offsets(bytes)) {
            write_file(file.path, Frame(bytes.begin(), bytes.begin() + long(rec + 20)));
            INFO(path << " cut at " << rec + 20);
            check_same_both_ways(file.path, filtered);
        }
    }
}

TEST_CASE("Damaged length and time fields: the same frames and the same error",
          "[capture][pcap][classic]") {
    TempFile file("damaged.pcap");
    for (const auto& [path, bytes] : classic_samples()) {
        const std::vector<std::size_t> records = record_offsets(bytes);
        // A few records per file: the first, one in the middle, the last.
        for (std::size_t rec : {records.front(), records[records.size() / 2], records.back()}) {
            const std::uint32_t caplen = get_le32(bytes, rec + 8);
            const std::vector<std::pair<std::size_t, std::uint32_t>> edits = {
                {rec + 8, 0},                       // caplen
                {rec + 8, caplen - 1},
                {rec + 8, caplen + 1},
                {rec + 8, caplen + 5000},
                {rec + 8, 262144},
                {rec + 8, 262145},
                {rec + 8, 0xFFFFFFFF},
                {rec + 8, 0x80000000},
                {rec + 12, 0},                      // len
                {rec + 12, 0xFFFFFFFF},
                {rec + 12, caplen - 1},
                {rec + 0, 0x80000000},              // ts seconds: top bit
                {rec + 0, 0xFFFFFFFF},
                {rec + 4, 0xFFFFFFFF},              // ts fraction
                {rec + 4, 0x80000000},
                {rec + 4, 999999999},
            };
            for (const auto& [at, value] : edits) {
                Frame damaged = bytes;
                set_le32(damaged, at, value);
                INFO(path << " byte " << at << " = " << value);
                write_file(file.path, damaged);
                check_same_both_ways(file.path);
                write_file(file.path, byte_swapped(damaged));
                check_same_both_ways(file.path);
            }
        }
    }
}

TEST_CASE("Header variants: byte order, ns, small snaplen, FCS bits, old versions",
          "[capture][pcap][classic]") {
    TempFile file("variant.pcap");
    for (const auto& [path, bytes] : classic_samples()) {
        INFO(path);
        write_file(file.path, byte_swapped(bytes));
        CHECK(walkable(file.path) ==
              !(get_le32(bytes, 20) == DLT_LINUX_SLL || get_le32(bytes, 20) == DLT_LINUX_SLL2));
        check_same_both_ways(file.path);

        Frame nano = bytes;
        set_le32(nano, 0, 0xa1b23c4d);
        write_file(file.path, nano);
        CHECK(walkable(file.path));
        check_same_both_ways(file.path);
        write_file(file.path, byte_swapped(nano));
        check_same_both_ways(file.path);

        // Records longer than the header's snaplen are cut to it; 0 means
        // the maximum.
        for (std::uint32_t snaplen : {0u, 1u, 54u, 60u, 100u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
            Frame small = bytes;
            set_le32(small, 16, snaplen);
            INFO("snaplen " << snaplen);
            write_file(file.path, small);
            check_same_both_ways(file.path);
            write_file(file.path, byte_swapped(small));
            check_same_both_ways(file.path);
            // Cut inside a record that is longer than the snaplen.
            const std::vector<std::size_t> records = record_offsets(bytes);
            const std::size_t last = records.back();
            for (std::size_t into : {16 + 10, 16 + 54, 16 + 70}) {
                write_file(file.path, Frame(small.begin(), small.begin() + long(std::min(
                                                               last + into, small.size()))));
                check_same_both_ways(file.path);
            }
        }

        Frame fcs = bytes;  // "4 bytes of FCS" in the linktype's top bits
        set_le32(fcs, 20, get_le32(bytes, 20) | 0x10000000u | 0x04000000u);
        write_file(file.path, fcs);
        CHECK(walkable(file.path));
        check_same_both_ways(file.path);

        for (const int minor : {0, 1, 2, 3, 5}) {
            Frame old = bytes;
            old[6] = std::uint8_t(minor);
            write_file(file.path, old);
            CHECK_FALSE(walkable(file.path));  // libpcap's loop guesses caplen/len order
            check_same_both_ways(file.path);
        }
    }
}

TEST_CASE("A file that is only a header, or not a capture at all", "[capture][pcap][classic]") {
    TempFile file("header-only.pcap");
    const Frame empty = pcap_file_bytes(DLT_EN10MB, {});
    for (std::size_t n = 0; n <= empty.size(); ++n) {
        write_file(file.path, Frame(empty.begin(), empty.begin() + long(n)));
        INFO("size " << n);
        check_same_both_ways(file.path);
    }
    write_file(file.path, Frame(100, 'j'));
    check_same_both_ways(file.path);
}

TEST_CASE("The walker names the broken record's offset, in libpcap's wording",
          "[capture][pcap][classic]") {
    TempFile file("walker.pcap");
    Frame bytes = pcap_file_bytes(DLT_RAW, {{1, 0, Frame(40, 1)}, {2, 0, Frame(50, 2)}});
    set_le32(bytes, 24 + 16 + 40 + 8, 300000);
    write_file(file.path, bytes);
    std::uint64_t counter = 0;
    struct Nothing : SegmentSink {
        void on_segment(const Segment&) override {}
    } sink;
    const FileReport r = read_capture_file(file.path, {}, counter, sink);
    REQUIRE(r.fatal_error);
    CHECK(*r.fatal_error == file.path + ": unreadable record at byte offset 80 (frame 2): "
                                        "invalid packet capture length 300000, bigger than "
                                        "snaplen of 262144");
    CHECK(counter == 1);
}

TEST_CASE("With a filter, both readers still name the broken record's own offset",
          "[capture][pcap][classic]") {
    TempFile file("filtered.pcap");
    // Two records the filter rejects, then one whose length is damaged: the
    // error is at byte 24 + 2 * (16 + 40) = 136, not at the first rejected
    // record after the last delivered frame (there is none: offset 24).
    Frame bytes = pcap_file_bytes(DLT_RAW, {{1, 0, Frame(40, 1)}, {2, 0, Frame(40, 2)}, {3, 0, Frame(40, 3)}});
    set_le32(bytes, 136 + 8, 300000);
    write_file(file.path, bytes);
    struct Nothing : SegmentSink {
        void on_segment(const Segment&) override {}
    } sink;
    for (const bool libpcap_loop : {false, true}) {
        INFO("libpcap's record loop: " << libpcap_loop);
        ReadOptions opts;
        opts.bpf_filter = "len > 100";
        opts.libpcap_record_loop = libpcap_loop;
        std::uint64_t counter = 0;
        const FileReport r = read_capture_file(file.path, opts, counter, sink);
        REQUIRE(r.fatal_error);
        CHECK(r.fatal_error->find(file.path + ": ") == 0);
        CHECK(r.fatal_error->find(" at byte offset 136 (frame 3): ") != std::string::npos);
        CHECK(counter == 2);  // the rejected two keep their numbers
    }
}

namespace {

// One record as a reader returned it: header and a hash of the bytes.
struct SeenRecord {
    long sec = 0, frac = 0;
    std::uint32_t caplen = 0, len = 0;
    std::uint64_t hash = 0;
    bool operator==(const SeenRecord&) const = default;
};

SeenRecord seen(const pcap_pkthdr& h, const u_char* data) {
    SeenRecord r{long(h.ts.tv_sec), long(h.ts.tv_usec), h.caplen, h.len, 1469598103934665603ull};
    for (std::uint32_t i = 0; i < h.caplen; ++i) r.hash = (r.hash ^ data[i]) * 1099511628211ull;
    return r;
}

std::vector<SeenRecord> via_libpcap(const std::string& path, std::string& error) {
    pcap_t* p = open_nano(path);
    REQUIRE(p != nullptr);
    std::vector<SeenRecord> out;
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) out.push_back(seen(*h, data));
    error = rc == PCAP_ERROR ? pcap_geterr(p) : "";
    pcap_close(p);
    return out;
}

std::vector<SeenRecord> via_walker(const std::string& path, std::string& error) {
    pcap_t* p = open_nano(path);
    REQUIRE(p != nullptr);
    const Frame bytes = slurp(path);
    std::uint32_t magic = 0;
    std::memcpy(&magic, bytes.data(), 4);
    const std::optional<ClassicPcapFormat> format = classic_pcap_format(p, magic);
    REQUIRE(format);
    const int fd = fileno(pcap_file(p));
    CaptureFileBytes file(fd, bytes.size());
    std::vector<SeenRecord> out;
    const auto err = walk_classic_records(
        file, *format, [&](const pcap_pkthdr& h, const u_char* data) {
            out.push_back(seen(h, data));
            return true;
        });
    error = err ? err->pcap_error : "";
    pcap_close(p);
    return out;
}

}  // namespace

TEST_CASE("Records that straddle the read buffer's refills read as libpcap reads them",
          "[capture][pcap][classic]") {
    // ~4 MiB: records up to the 256 KiB maximum cross the 1 MiB buffer's
    // edges; a snaplen of 100000 makes libpcap cut the biggest ones.
    std::vector<Record> records;
    std::uint32_t seed = 12345;
    auto next = [&] { return seed = seed * 1103515245u + 12345u; };
    std::size_t total = 0;
    for (std::uint32_t i = 0; total < 4u << 20; ++i) {
        const std::uint32_t size = i % 7 == 0 ? 262144 - (next() % 3) : next() % 70000;
        Frame data(size);
        for (auto& b : data) b = std::uint8_t(next() >> 24);
        total += 16 + size;
        records.push_back({i, next() % 1000000, std::move(data), 0});
    }
    Frame bytes = pcap_file_bytes(DLT_EN10MB, records);
    set_le32(bytes, 16, 100000);
    TempFile file("big.pcap");
    const std::vector<std::size_t> offsets = record_offsets(bytes);
    for (const std::size_t cut : {bytes.size(), bytes.size() - 1, offsets[offsets.size() / 2] + 9,
                                  offsets[offsets.size() / 2] + 16 + 50000,
                                  offsets[offsets.size() / 3] + 16 + 150000}) {
        INFO("cut at " << cut << " of " << bytes.size());
        write_file(file.path, Frame(bytes.begin(), bytes.begin() + long(cut)));
        std::string libpcap_error, walker_error;
        const auto expected = via_libpcap(file.path, libpcap_error);
        const auto walked = via_walker(file.path, walker_error);
        CHECK(expected.size() > 10);
        CHECK(walked == expected);
        CHECK(walker_error == libpcap_error);
        CHECK((cut == bytes.size()) == libpcap_error.empty());
    }
}
