// capture/pcapng: the crafted files of tests/data/pcapng (make_pcapng.py)
// read by our block walker exactly as libpcap reads those it can (same
// frames, timestamps, counters; the same error text when a file is cut or
// damaged), and completely where libpcap refuses them.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "capture/pcap_source.hpp"
#include "capture/pcapng.hpp"
#include "fuzz/pcapng_check.hpp"
#include "sample_pipeline.hpp"

using namespace tfe;
using namespace tfe::capture;

namespace {

const std::string kDir = std::string(TFE_TEST_DATA_DIR) + "/pcapng/";

struct Times : SegmentSink {
    std::vector<std::uint64_t> frames;
    std::vector<TimeNs> ts;
    void on_segment(const Segment& s) override {
        frames.push_back(s.frame);
        ts.push_back(s.ts);
    }
};

struct Read {
    FileReport report;
    Times sink;
    std::uint64_t counter = 0;
};

Read read(const std::string& path, bool libpcap_loop, const std::string& filter = "") {
    ReadOptions opts;
    opts.libpcap_record_loop = libpcap_loop;
    opts.bpf_filter = filter;
    Read r;
    r.report = read_capture_file(path, opts, r.counter, r.sink);
    return r;
}

std::vector<std::uint8_t> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct TempFile {
    std::string path = "/tmp/tfe_pcapng_test_" + std::to_string(getpid()) + ".pcapng";
    ~TempFile() { std::remove(path.c_str()); }
    void write(const std::vector<std::uint8_t>& bytes, std::size_t n) const {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(n));
    }
};

// libpcap's own message in a report's error, without the offset and frame
// the two readers give differently (libpcap's loop knows only where the
// call began that failed, several blocks back).
std::string libpcap_part(const std::optional<std::string>& error) {
    if (!error) return "none";
    const std::size_t at = error->find("): ");
    return at == std::string::npos ? *error : error->substr(at + 3);
}

const char* const kLibpcapReads[] = {"tsresol.pcapng", "block-kinds.pcapng", "sections.pcapng",
                                     "big-endian.pcapng", "usb-only.pcapng", "router.pcapng"};

}  // namespace

TEST_CASE("pcapng files libpcap reads: the same frames, times and counts", "[capture][pcapng]") {
    for (const char* name : kLibpcapReads) {
        INFO(name);
        const Read ours = read(kDir + name, false), libpcap = read(kDir + name, true);
        CHECK_FALSE(libpcap.report.fatal_error);
        CHECK_FALSE(ours.report.fatal_error);
        CHECK(ours.report.frames_read == libpcap.report.frames_read);
        CHECK(ours.report.segments_decoded == libpcap.report.segments_decoded);
        CHECK(ours.report.link_type == libpcap.report.link_type);
        CHECK(ours.report.skipped_link_type == libpcap.report.skipped_link_type);
        CHECK(ours.counter == libpcap.counter);
        CHECK(ours.sink.frames == libpcap.sink.frames);
        CHECK(ours.sink.ts == libpcap.sink.ts);
        tfe::fuzz::check_pcapng_readers(kDir + name);  // every segment field too
    }
}

TEST_CASE("Each interface's time stamp resolution and offset", "[capture][pcapng]") {
    const Read r = read(kDir + "tsresol.pcapng", false);
    REQUIRE(r.sink.ts.size() == 8);
    constexpr TimeNs kBase = 1'700'000'000LL * 1'000'000'000 + 123'456'789;
    auto sent = [&](int i) { return kBase + i * 1'000'000 + 777 * i; };
    CHECK(r.sink.ts[0] == sent(0) / 1000 * 1000);                 // microseconds
    CHECK(r.sink.ts[1] == sent(1));                               // nanoseconds
    CHECK(std::abs(r.sink.ts[2] - sent(2)) < 1000);               // 2^-20 s
    CHECK(std::abs(r.sink.ts[3] - sent(3)) <= 1);                 // 2^-32 s
    CHECK(r.sink.ts[4] == sent(4) / 1'000'000 * 1'000'000);       // ms, with an if_tsoffset
    const std::vector<InterfaceReport>& ifs = r.report.interfaces;
    REQUIRE(ifs.size() == 5);
    CHECK(ifs[4].name == "ms+offset");
    CHECK(ifs[2].frames == 2);
}

TEST_CASE("Interfaces of different snapshot lengths: libpcap refuses, we read all", "[capture][pcapng]") {
    const Read libpcap = read(kDir + "multi-snaplen.pcapng", true);
    CHECK(libpcap.report.frames_read == 0);
    CHECK(libpcap_part(libpcap.report.fatal_error) ==
          "an interface has a snapshot length 64 different from the snapshot length of the first interface");
    const Read ours = read(kDir + "multi-snaplen.pcapng", false);
    CHECK_FALSE(ours.report.fatal_error);
    CHECK(ours.report.frames_read == 16);
    CHECK(ours.report.segments_decoded == 16);
    CHECK(ours.report.truncated_payloads == 2);  // eth1's two data segments, cut at 64 bytes
    REQUIRE(ours.report.interfaces.size() == 2);
    CHECK(ours.report.interfaces[1].name == "eth1");
    CHECK(ours.report.interfaces[1].frames == 8);
}

TEST_CASE("Interfaces of different link types: the undecoded one is counted", "[capture][pcapng]") {
    const Read libpcap = read(kDir + "multi-linktype.pcapng", true);
    CHECK(libpcap_part(libpcap.report.fatal_error) ==
          "an interface has a type 101 different from the type of the first interface");
    const Read ours = read(kDir + "multi-linktype.pcapng", false);
    CHECK_FALSE(ours.report.fatal_error);
    CHECK(ours.report.frames_read == 19);
    CHECK(ours.report.segments_decoded == 16);
    CHECK(ours.report.reason(DecodeError::unsupported_link_type).count == 3);
    CHECK(ours.report.reason(DecodeError::unsupported_link_type).first_frame == 3);
    const std::vector<InterfaceReport>& ifs = ours.report.interfaces;
    REQUIRE(ifs.size() == 3);
    CHECK(ifs[0].link_type == DLT_EN10MB);
    CHECK(ifs[1].link_type == DLT_RAW);  // LINKTYPE_RAW 101, as libpcap maps it
    CHECK(ifs[1].supported);
    CHECK(ifs[2].link_type_name == "USB_LINUX");
    CHECK_FALSE(ifs[2].supported);
    CHECK(ifs[2].name == "usbmon1");
    CHECK(ifs[2].frames == 3);
    CHECK(ours.sink.frames.front() == 1);
    CHECK(ours.sink.frames.back() == 19);
}

TEST_CASE("Sections: concatenated captures, another snaplen or byte order", "[capture][pcapng]") {
    const Read same = read(kDir + "sections.pcapng", false);
    CHECK(same.report.segments_decoded == 16);
    CHECK(same.report.interfaces.size() == 3);
    for (const char* name : {"sections-snaplen.pcapng", "sections-byte-order.pcapng"}) {
        INFO(name);
        const Read libpcap = read(kDir + name, true);
        CHECK(libpcap.report.fatal_error);
        CHECK(libpcap.report.frames_read == 8);  // the first section's
        const Read ours = read(kDir + name, false);
        CHECK_FALSE(ours.report.fatal_error);
        CHECK(ours.sink.ts == same.sink.ts);
        CHECK(ours.sink.frames == same.sink.frames);
    }
}

TEST_CASE("A pcapng file of no decodable interface is skipped, numbering no frame", "[capture][pcapng]") {
    Times sink;
    std::uint64_t counter = 5;
    const FileReport r = read_capture_file(kDir + "usb-only.pcapng", {}, counter, sink);
    CHECK(r.skipped_link_type);
    CHECK(r.skip_message == kDir + "usb-only.pcapng: link type USB_LINUX (189) is not supported; file skipped");
    CHECK(counter == 5);
    CHECK(r.frames_read == 0);
}

TEST_CASE("pcapng with a filter: compiled per link type, frames keep the file's numbers", "[capture][pcapng]") {
    const Read fins = read(kDir + "multi-linktype.pcapng", false, "tcp[tcpflags] & tcp-fin != 0");
    CHECK(fins.report.frames_read == 4);
    CHECK(fins.counter == 19);  // every frame of the file numbered, as tshark numbers them
    const Read all = read(kDir + "multi-linktype.pcapng", false);
    for (std::size_t i = 0; i < fins.sink.frames.size(); ++i) {
        const auto at = std::find(all.sink.ts.begin(), all.sink.ts.end(), fins.sink.ts[i]);
        REQUIRE(at != all.sink.ts.end());
        CHECK(all.sink.frames[std::size_t(at - all.sink.ts.begin())] == fins.sink.frames[i]);
    }
    // "ether" compiles for the first interface, not for raw IP or USB.
    const Read ether = read(kDir + "multi-linktype.pcapng", false, "ether src 02:00:00:00:00:01");
    CHECK(ether.report.interfaces[1].filter_inapplicable);
    CHECK(ether.report.frames_read == 8);  // eth0 frames only (one source MAC for both sides)
    CHECK(ether.report.interfaces[1].frames == 0);
    CHECK_THROWS_AS(read(kDir + "multi-linktype.pcapng", false, "tcp porrt 80"), CaptureError);
    for (const char* name : kLibpcapReads) {
        INFO(name);
        const Read ours = read(kDir + name, false, "tcp[tcpflags] & tcp-syn != 0");
        const Read libpcap = read(kDir + name, true, "tcp[tcpflags] & tcp-syn != 0");
        CHECK(ours.sink.frames == libpcap.sink.frames);
        CHECK(ours.sink.ts == libpcap.sink.ts);
    }
}

TEST_CASE("pcapng cut anywhere: the frames before the cut, libpcap's error", "[capture][pcapng]") {
    const TempFile file;
    for (const char* name : {"tsresol.pcapng", "block-kinds.pcapng", "sections.pcapng",
                             "big-endian.pcapng", "multi-linktype.pcapng"}) {
        const std::vector<std::uint8_t> bytes = slurp(kDir + name);
        for (std::size_t n = 0; n <= bytes.size(); ++n) {
            INFO(name << " cut at " << n);
            file.write(bytes, n);
            const Read ours = read(file.path, false), libpcap = read(file.path, true);
            tfe::fuzz::check_pcapng_readers(file.path);
            if (std::string(name) == "multi-linktype.pcapng") continue;  // libpcap refuses it
            CHECK(libpcap_part(ours.report.fatal_error) == libpcap_part(libpcap.report.fatal_error));
            CHECK(ours.sink.frames == libpcap.sink.frames);
        }
    }
}

TEST_CASE("pcapng errors name the file and the broken block's offset", "[capture][pcapng]") {
    const TempFile file;
    const std::vector<std::uint8_t> bytes = slurp(kDir + "multi-linktype.pcapng");
    // The last block, an Enhanced Packet Block: its length is in its trailer.
    const std::size_t last = bytes.size() - (bytes[bytes.size() - 4] | bytes[bytes.size() - 3] << 8);
    file.write(bytes, bytes.size() - 2);
    const Read r = read(file.path, false);
    CHECK(r.report.frames_read == 18);
    CHECK(r.report.fatal_error == file.path + ": truncated record at byte offset " + std::to_string(last) +
                                      " (frame 19): truncated pcapng dump file; tried to read " +
                                      std::to_string(bytes.size() - last - 8) + " bytes, only got " +
                                      std::to_string(bytes.size() - last - 10));
    file.write(bytes, 20);
    CHECK(read(file.path, false).report.fatal_error == read(file.path, true).report.fatal_error);
}

TEST_CASE("pcapng with any one byte garbled: no crash, libpcap's frames first", "[capture][pcapng]") {
    const TempFile file;
    for (const char* name : {"block-kinds.pcapng", "sections-byte-order.pcapng", "multi-linktype.pcapng"}) {
        std::vector<std::uint8_t> bytes = slurp(kDir + name);
        for (std::size_t at = 0; at < bytes.size(); ++at) {
            for (const unsigned mask : {0x01u, 0x80u, 0xFFu}) {
                INFO(name << " byte " << at << " ^ " << int(mask));
                bytes[at] = std::uint8_t(bytes[at] ^ mask);
                file.write(bytes, bytes.size());
                tfe::fuzz::check_pcapng_readers(file.path);
                bytes[at] = std::uint8_t(bytes[at] ^ mask);
            }
        }
    }
}

TEST_CASE("pcapng: the same JSON and text report as through libpcap", "[capture][pcapng]") {
    test::PipelineOptions through_libpcap;
    through_libpcap.libpcap_record_loop = true;
    for (const char* name : {"tsresol.pcapng", "block-kinds.pcapng", "sections.pcapng", "big-endian.pcapng"}) {
        INFO(name);
        const test::PipelineResult ours = test::run_pipeline(kDir + name);
        const test::PipelineResult libpcap = test::run_pipeline(kDir + name, through_libpcap);
        CHECK(!ours.connections.empty());
        CHECK(ours.connections == libpcap.connections);
        CHECK(ours.text == libpcap.text);
    }
    // The same two captures in sections libpcap refuses: the report it gives
    // where it reads them.
    const test::PipelineResult reference = test::run_pipeline(kDir + "sections.pcapng", through_libpcap);
    REQUIRE(reference.connections.size() == 2);
    for (const char* name : {"sections-snaplen.pcapng", "sections-byte-order.pcapng"}) {
        INFO(name);
        const test::PipelineResult ours = test::run_pipeline(kDir + name);
        CHECK(ours.connections == reference.connections);
        CHECK(ours.text == reference.text);
    }
}

TEST_CASE("A block too large for the read buffer: skipped when unknown, else refused", "[capture][pcapng]") {
    const TempFile file;
    std::vector<std::uint8_t> bytes = slurp(kDir + "block-kinds.pcapng");
    const std::size_t clean_end = bytes.size();
    // A custom block of 600 KiB, then the file's packets once more.
    auto put32 = [&bytes](std::uint32_t v) {
        for (int i = 0; i < 4; ++i) bytes.push_back(std::uint8_t(v >> (8 * i)));
    };
    const std::uint32_t big = 600 * 1024;
    put32(0x40000BAD);
    put32(big);
    bytes.resize(bytes.size() + big - 12, 0x5A);
    put32(big);
    const Read once = read(kDir + "block-kinds.pcapng", false);
    file.write(bytes, bytes.size());
    const Read ours = read(file.path, false), libpcap = read(file.path, true);
    CHECK_FALSE(ours.report.fatal_error);
    CHECK_FALSE(libpcap.report.fatal_error);
    CHECK(ours.sink.ts == once.sink.ts);
    CHECK(ours.sink.ts == libpcap.sink.ts);
    // Cut inside it: both readers say the same.
    for (const std::size_t cut : {clean_end + 4, clean_end + 8, clean_end + 5000, bytes.size() - 1}) {
        INFO("cut at " << cut);
        file.write(bytes, cut);
        const Read cut_ours = read(file.path, false), cut_libpcap = read(file.path, true);
        CHECK(libpcap_part(cut_ours.report.fatal_error) == libpcap_part(cut_libpcap.report.fatal_error));
        CHECK(cut_ours.sink.ts == once.sink.ts);
    }
    // The same size as a packet block: more than this reader holds at once.
    for (std::size_t i = 0; i < 4; ++i) bytes[clean_end + i] = i == 0 ? 6 : 0;
    file.write(bytes, bytes.size());
    const Read refused = read(file.path, false);
    CHECK(libpcap_part(refused.report.fatal_error) == "pcapng block size 614400 > maximum 524288");
    CHECK(refused.sink.ts == once.sink.ts);
}

TEST_CASE("Every if_tsresol value: libpcap's time stamps, or its error", "[capture][pcapng]") {
    const TempFile file;
    std::vector<std::uint8_t> bytes = slurp(kDir + "tsresol.pcapng");
    // The "ns" interface's if_tsresol option: code 9, length 1, then the value.
    const std::uint8_t header[] = {9, 0, 1, 0};
    const auto at = std::search(bytes.begin(), bytes.end(), std::begin(header), std::end(header));
    REQUIRE(at != bytes.end());
    const std::size_t value = std::size_t(at - bytes.begin()) + 4;
    REQUIRE(bytes[value] == 9);
    for (unsigned v = 0; v < 256; ++v) {
        INFO("if_tsresol " << v);
        bytes[value] = std::uint8_t(v);
        file.write(bytes, bytes.size());
        const Read ours = read(file.path, false), libpcap = read(file.path, true);
        CHECK(libpcap_part(ours.report.fatal_error) == libpcap_part(libpcap.report.fatal_error));
        CHECK(ours.sink.ts == libpcap.sink.ts);
    }
}

namespace {

struct InterfaceIds : SegmentSink {
    std::vector<std::uint16_t> ids;
    void on_segment(const Segment& s) override { ids.push_back(s.interface_id); }
};

}  // namespace

TEST_CASE("Interfaces numbered once per run, by name, carried by each segment", "[capture][pcapng]") {
    InterfaceNames names;
    ReadOptions opts;
    opts.interface_names = &names;
    InterfaceIds sink;
    std::uint64_t counter = 0;
    read_capture_file(kDir + "router.pcapng", opts, counter, sink);
    REQUIRE(names.names() == std::vector<std::string>{"eth0", "eth1", "interface 2 of " + kDir + "router.pcapng"});
    // 40061 crosses the router (each frame on both), 40062 one side each, 40063 the unnamed one.
    REQUIRE(sink.ids.size() == 32);
    CHECK(sink.ids[0] == 1);
    CHECK(sink.ids[1] == 2);
    CHECK(sink.ids[2] == 2);  // the SYN+ACK arrives from the server's side
    CHECK(sink.ids[3] == 1);
    CHECK(std::count(sink.ids.begin() + 16, sink.ids.begin() + 24, 1) == 5);  // the client's five
    CHECK(std::count(sink.ids.begin() + 24, sink.ids.end(), 3) == 8);

    // A second file naming eth0 again: the same number, not a new one.
    InterfaceIds again;
    read_capture_file(kDir + "multi-snaplen.pcapng", opts, counter, again);
    CHECK(names.names().size() == 3);
    CHECK(std::count(again.ids.begin(), again.ids.end(), 1) == 8);
    CHECK(std::count(again.ids.begin(), again.ids.end(), 2) == 8);

    // Without a registry, and for classic pcap, segments say nothing.
    InterfaceIds none;
    read_capture_file(kDir + "router.pcapng", ReadOptions{}, counter, none);
    CHECK(std::count(none.ids.begin(), none.ids.end(), 0) == 32);
    CHECK(printable_name("eth\x01\xc3\xa9") == "eth???");
}
