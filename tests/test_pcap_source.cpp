// capture/pcap_source and live_source: small pcap files written by the
// test, and a loopback live capture when run as root.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "capture/live_source.hpp"
#include "capture/pcap_source.hpp"
#include "capture_packets.hpp"

using namespace tfe;
using namespace tfe::capture;
using namespace tfe::test;

namespace {

struct Collect : SegmentSink {
    std::vector<Segment> segments;
    void on_segment(const Segment& s) override { segments.push_back(s); }
};

// A file under /tmp unique to this process, removed at scope exit.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& name)
        : path("/tmp/tfe_capture_test_" + std::to_string(getpid()) + "_" + name) {}
    ~TempFile() { std::remove(path.c_str()); }
};

Frame tcp_frame(std::uint16_t sport, std::uint16_t dport, Frame payload = {}) {
    TcpSpec t;
    t.sport = sport;
    t.dport = dport;
    t.flags = 0x18;
    t.payload = std::move(payload);
    return ethernet(ipv4(tcp(t)), 0x0800);
}

Frame udp_frame() {
    Ipv4Spec ip;
    ip.proto = 17;
    return ethernet(ipv4(Frame(8, 0), ip), 0x0800);
}

FileReport read(const std::string& path, std::uint64_t& counter, Collect& sink, ReadOptions opts = {}) {
    return read_capture_file(path, opts, counter, sink);
}

}  // namespace

TEST_CASE("A microsecond pcap: frames numbered, timestamps in ns, counters", "[capture][pcap]") {
    TempFile file("micro.pcap");
    Frame bad_ihl = tcp_frame(1, 2);
    bad_ihl[14] = 0x44;
    write_file(file.path, pcap_file_bytes(DLT_EN10MB, {{10, 500000, tcp_frame(1000, 80, {'a'})},
                                                       {10, 500001, udp_frame()},
                                                       {11, 0, bad_ihl},
                                                       {12, 999999, tcp_frame(80, 1000)},
                                                       {13, 0, bad_ihl}}));
    std::uint64_t counter = 0;
    Collect sink;
    const FileReport r = read(file.path, counter, sink);
    CHECK_FALSE(r.fatal_error);
    CHECK_FALSE(r.skipped_link_type);
    CHECK(r.path == file.path);
    CHECK(r.link_type == DLT_EN10MB);
    CHECK(r.link_type_name == "EN10MB");
    CHECK(r.frames_read == 5);
    CHECK(r.segments_decoded == 2);
    CHECK(r.skipped_non_tcp == 1);
    CHECK(r.malformed == 2);
    CHECK(r.reason(DecodeError::not_tcp).count == 1);
    CHECK(r.reason(DecodeError::ip_header_length_below_5).count == 2);
    CHECK(r.reason(DecodeError::ip_header_length_below_5).first_frame == 3);
    CHECK(r.first_frame == 1);
    CHECK(r.last_frame == 5);
    CHECK(counter == 5);
    REQUIRE(sink.segments.size() == 2);
    CHECK(sink.segments[0].frame == 1);
    CHECK(sink.segments[0].ts == 10'500'000'000);
    CHECK(sink.segments[0].payload_len == 1);
    CHECK(sink.segments[1].frame == 4);
    CHECK(sink.segments[1].ts == 12'999'999'000);
    CHECK(sink.segments[1].sport == 80);
}

TEST_CASE("A nanosecond pcap keeps every nanosecond", "[capture][pcap]") {
    TempFile file("nano.pcap");
    write_file(file.path, pcap_file_bytes(DLT_EN10MB, {{1700000000, 123456789, tcp_frame(1, 2)}}, true));
    std::uint64_t counter = 0;
    Collect sink;
    const FileReport r = read(file.path, counter, sink);
    REQUIRE(sink.segments.size() == 1);
    CHECK(sink.segments[0].ts == 1'700'000'000'123'456'789);
    CHECK_FALSE(r.fatal_error);
}

TEST_CASE("The frame counter runs on across files", "[capture][pcap]") {
    TempFile a("a.pcap"), b("b.pcap");
    write_file(a.path, pcap_file_bytes(DLT_EN10MB, {{1, 0, tcp_frame(1, 2)}, {2, 0, tcp_frame(2, 1)}}));
    write_file(b.path, pcap_file_bytes(DLT_RAW, {{3, 0, ipv4(simple_syn())}}));
    std::uint64_t counter = 0;
    Collect sink;
    const FileReport ra = read(a.path, counter, sink);
    const FileReport rb = read(b.path, counter, sink);
    CHECK(counter == 3);
    CHECK(rb.first_frame == 3);
    CHECK(rb.link_type_name == "RAW");
    REQUIRE(sink.segments.size() == 3);
    CHECK(sink.segments[2].frame == 3);
    CHECK(ra.last_frame == 2);
}

TEST_CASE("A truncated file: earlier frames delivered, the error names offset and frame", "[capture][pcap]") {
    TempFile file("trunc.pcap");
    const Frame f1 = tcp_frame(1, 2), f2 = tcp_frame(2, 1, {'x', 'y'});
    Frame bytes = pcap_file_bytes(DLT_EN10MB, {{1, 0, f1}, {2, 0, f2}, {3, 0, tcp_frame(3, 4, Frame(50, 'z'))}});
    const std::size_t third_record = 24 + 16 + f1.size() + 16 + f2.size();
    SECTION("cut inside the record data") {
        bytes.resize(third_record + 16 + 30);
    }
    SECTION("cut inside the record header") {
        bytes.resize(third_record + 7);
    }
    write_file(file.path, bytes);
    std::uint64_t counter = 100;  // as if earlier files were read
    Collect sink;
    const FileReport r = read(file.path, counter, sink);
    REQUIRE(r.fatal_error);
    INFO(*r.fatal_error);
    CHECK(r.fatal_error->find(file.path + ": truncated record at byte offset " +
                              std::to_string(third_record) + " (frame 103)") == 0);
    CHECK(r.fatal_error->find('\n') == std::string::npos);
    CHECK(r.frames_read == 2);
    REQUIRE(sink.segments.size() == 2);
    CHECK(sink.segments[1].frame == 102);
    CHECK(counter == 102);
}

TEST_CASE("An unsupported link type is skipped whole, naming the type", "[capture][pcap]") {
    TempFile file("usb.pcap");
    write_file(file.path, pcap_file_bytes(189 /* USB_LINUX */, {{1, 0, Frame(64, 0)}}));
    std::uint64_t counter = 0;
    Collect sink;
    const FileReport r = read(file.path, counter, sink);
    CHECK(r.skipped_link_type);
    CHECK_FALSE(r.fatal_error);
    CHECK(r.frames_read == 0);
    CHECK(counter == 0);
    CHECK(r.skip_message.find("USB_LINUX") != std::string::npos);
    CHECK(r.skip_message.find(file.path) == 0);
}

TEST_CASE("A missing or non-capture file is a fatal error in the report", "[capture][pcap]") {
    std::uint64_t counter = 0;
    Collect sink;
    const FileReport r = read("/nonexistent/x.pcap", counter, sink);
    REQUIRE(r.fatal_error);
    CHECK(r.fatal_error->find("/nonexistent/x.pcap: cannot open") == 0);
    TempFile junk("junk.pcap");
    write_file(junk.path, Frame(100, 'j'));
    CHECK(read(junk.path, counter, sink).fatal_error);
}

TEST_CASE("BPF filter: frames it rejects keep their numbers, a bad filter throws", "[capture][pcap]") {
    TempFile file("filter.pcap");
    write_file(file.path, pcap_file_bytes(DLT_EN10MB, {{1, 0, tcp_frame(1, 80)}, {2, 0, udp_frame()},
                                                       {3, 0, tcp_frame(1, 443)}, {4, 0, tcp_frame(80, 1)}}));
    std::uint64_t counter = 0;
    Collect sink;
    ReadOptions opts;
    opts.bpf_filter = "tcp port 80";
    const FileReport r = read(file.path, counter, sink, opts);
    CHECK(r.frames_read == 2);
    CHECK(r.skipped_non_tcp == 0);
    REQUIRE(sink.segments.size() == 2);
    CHECK(sink.segments[0].frame == 1);
    CHECK(sink.segments[1].frame == 4);  // the file's own number, as tshark shows it
    CHECK(counter == 4);
    opts.bpf_filter = "tcp port eighty and (";
    CHECK_THROWS_AS(read(file.path, counter, sink, opts), CaptureError);
    try {
        read(file.path, counter, sink, opts);
    } catch (const CaptureError& e) {
        CHECK(std::string(e.what()).find("tcp port eighty and (") != std::string::npos);
    }
    CHECK(counter == 4);  // nothing read after the bad filter
}

TEST_CASE("Bad checksums and snaplen-truncated payloads are counted", "[capture][pcap]") {
    TempFile file("cksum.pcap");
    Frame bad = tcp_frame(1, 2, {'a', 'b'});
    bad.back() ^= 0xFF;
    const Frame big = tcp_frame(3, 4, Frame(500, 'q'));
    const Frame cut(big.begin(), big.begin() + 64);
    write_file(file.path, pcap_file_bytes(DLT_EN10MB, {{1, 0, tcp_frame(1, 2, {'a', 'b'})}, {2, 0, bad},
                                                       {3, 0, cut, std::uint32_t(big.size())}}));
    std::uint64_t counter = 0;
    Collect sink;
    ReadOptions opts;
    opts.verify_checksums = true;
    const FileReport r = read(file.path, counter, sink, opts);
    CHECK(r.segments_decoded == 3);
    CHECK(r.bad_checksums == 1);
    CHECK(r.truncated_payloads == 1);
    REQUIRE(sink.segments.size() == 3);
    CHECK(sink.segments[2].payload_len == 500);
    CHECK(sink.segments[2].captured_len == 10);
    CHECK(sink.segments[2].wire_len == big.size());
    opts.verify_checksums = false;
    CHECK(read(file.path, counter, sink, opts).bad_checksums == 0);
}

TEST_CASE("Files written by libpcap's own dumper read back", "[capture][pcap]") {
    TempFile file("dumped.pcap");
    pcap_t* dead = pcap_open_dead_with_tstamp_precision(DLT_LINUX_SLL2, 65535, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t* dumper = pcap_dump_open(dead, file.path.c_str());
    REQUIRE(dumper != nullptr);
    const Frame f = sll2(ipv6(simple_syn()), 4, 0x86DD);
    pcap_pkthdr h{};
    h.ts.tv_sec = 5;
    h.ts.tv_usec = 7;  // nanoseconds in a nano dumper
    h.caplen = h.len = std::uint32_t(f.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h, f.data());
    pcap_dump_close(dumper);
    pcap_close(dead);
    std::uint64_t counter = 0;
    Collect sink;
    const FileReport r = read(file.path, counter, sink);
    CHECK(r.link_type_name == "LINUX_SLL2");
    REQUIRE(sink.segments.size() == 1);
    CHECK(sink.segments[0].ts == 5'000'000'007);
    CHECK(sink.segments[0].direction == PacketDirection::outgoing);
}

// ---------------------------------------------------------------- live

namespace {

// A loopback connection to a listener on `port`: SYN, SYN+ACK, ACK at least.
void loopback_connection(std::uint16_t port) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // sockaddr_in to sockaddr: the socket API's own idiom.
    const auto* sa = reinterpret_cast<const sockaddr*>(&addr);
    if (bind(listener, sa, sizeof addr) == 0 && listen(listener, 1) == 0) {
        const int client = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(client, sa, sizeof addr) == 0) {
            const int accepted = accept(listener, nullptr, nullptr);
            (void)!write(client, "hi", 2);
            close(accepted);
        }
        close(client);
    }
    close(listener);
}

}  // namespace

TEST_CASE("Live capture on loopback delivers segments (needs root)", "[capture][live]") {
    if (geteuid() != 0) {
        WARN("not root: live capture not tested");
        return;
    }
    const std::vector<std::string> names = list_interfaces();
    REQUIRE(std::find(names.begin(), names.end(), "lo") != names.end());
    LiveOptions opts;
    opts.interface = "lo";
    opts.bpf_filter = "tcp port 18097";
    LiveCapture live(opts);
    REQUIRE(live.selectable_fd() >= 0);
    loopback_connection(18097);
    std::uint64_t counter = 0;
    Collect sink;
    for (int i = 0; i < 50 && sink.segments.size() < 3; ++i) {
        pollfd p{live.selectable_fd(), POLLIN, 0};
        poll(&p, 1, 20);
        live.dispatch(sink, counter);
    }
    REQUIRE(sink.segments.size() >= 3);
    CHECK(sink.segments[0].flags.bits == TcpFlags::SYN);
    CHECK(sink.segments[0].frame == 1);
    CHECK(sink.segments[0].ts > 1'600'000'000'000'000'000);
    CHECK(live.decode_stats().segments_decoded == sink.segments.size());
    CHECK(live.stats().dropped == 0);

    opts.bpf_filter = "port (";
    CHECK_THROWS_AS(LiveCapture(opts), CaptureError);
    opts.bpf_filter.clear();
    opts.interface = "no-such-interface0";
    CHECK_THROWS_AS(LiveCapture(opts), CaptureError);
}
