// A battery of broken inputs through the command line: each one gives a
// one-line error naming the file and where (byte offset, frame, line),
// or a counted note in the report; what was read before the fault is
// still reported, in text and in JSON; the exit status says which.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "tests/cli_run.hpp"

using namespace tfe::test;

namespace {

using Bytes = std::string;

struct Record {
    std::uint32_t sec = 0, usec = 0;
    Bytes data;
    std::uint32_t caplen = 0, wirelen = 0;  // 0: the data's length
};

struct Capture {
    Bytes header;  // the 24-byte global header
    std::vector<Record> records;
};

std::uint32_t get_u32(const Bytes& b, std::size_t at) {
    return static_cast<std::uint8_t>(b[at]) | static_cast<std::uint8_t>(b[at + 1]) << 8 |
           static_cast<std::uint8_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 3])) << 24;
}

void put_u32(Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>(v >> (8 * i)));
}

// The four-way sample (little-endian microsecond pcap, Ethernet): 11
// frames of one connection, frame 3 the handshake's ACK.
Capture four_way() {
    std::ifstream in(sample("four-way-client-first"), std::ios::binary);
    const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Capture c{file.substr(0, 24), {}};
    for (std::size_t at = 24; at + 16 <= file.size();) {
        const std::uint32_t caplen = get_u32(file, at + 8);
        c.records.push_back({get_u32(file, at), get_u32(file, at + 4), file.substr(at + 16, caplen)});
        at += 16 + caplen;
    }
    REQUIRE(c.records.size() == 11);
    return c;
}

Bytes bytes_of(const Capture& c) {
    Bytes out = c.header;
    for (const Record& r : c.records) {
        put_u32(out, r.sec);
        put_u32(out, r.usec);
        put_u32(out, r.caplen ? r.caplen : static_cast<std::uint32_t>(r.data.size()));
        put_u32(out, r.wirelen ? r.wirelen : static_cast<std::uint32_t>(r.data.size()));
        out += r.data;
    }
    return out;
}

// Frame 3's bytes changed by `edit` (offsets: Ethernet 0, IPv4 14, TCP 34).
Bytes with_frame3(const std::function<void(Bytes&)>& edit) {
    Capture c = four_way();
    edit(c.records[2].data);
    return bytes_of(c);
}

// An IPv6 SYN on Ethernet whose extension headers are `ext` (first next
// header `first`), the payload length covering `payload` bytes.
Bytes ipv6_frame(std::uint8_t first, const Bytes& ext, std::uint16_t payload) {
    Bytes f(12, '\x02');
    f += Bytes("\x86\xdd\x60\x00\x00\x00", 6);
    f += static_cast<char>(payload >> 8);
    f += static_cast<char>(payload & 0xff);
    f += static_cast<char>(first);
    f += '\x40';
    f += Bytes(15, '\0') + '\x01' + Bytes(15, '\0') + '\x02';
    return f + ext;
}

Bytes with_extra_frame(const Bytes& frame) {
    Capture c = four_way();
    c.records.insert(c.records.begin() + 3, Record{c.records[2].sec, c.records[2].usec, frame});
    return bytes_of(c);
}

// The pcapng sample (little-endian: SHB 0, IDB 164, EPBs from 264, each
// 108 bytes) with `edit` applied.
Bytes pcapng_with(const std::function<void(Bytes&)>& edit) {
    std::ifstream in(kSamples + "/pcapng/capture.pcapng", std::ios::binary);
    Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(get_u32(file, 264 + 4) == 108);
    edit(file);
    return file;
}

void set_u32(Bytes& b, std::size_t at, std::uint32_t v) {
    Bytes four;
    put_u32(four, v);
    b.replace(at, 4, four);
}

struct BadInput {
    const char* name;
    std::function<Bytes()> bytes;
    int status;            // 0: analysed, with a note; 3: input error
    const char* message;   // in the one-line error or note, after the file's name
    int connections;       // reported although the input is broken
};

std::vector<BadInput> battery() {
    const auto cut = [](std::size_t n) { return [n] { return bytes_of(four_way()).substr(0, n); }; };
    return {
        {"empty", [] { return Bytes(); }, 3, "cannot open: truncated dump file", 0},
        {"not-a-capture", [] { return Bytes("\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", 16) + Bytes(600, '\x90'); },
         3, "cannot open: unknown file format", 0},
        {"prose", [] { return Bytes("Dear colleague,\nplease find the trace attached.\n"); }, 3,
         "not a capture (no pcap or pcapng header), nor tcpdump text", 0},
        {"short-global-header", cut(13), 3, "cannot open: truncated dump file; tried to read 24 file header bytes, only got 9", 0},
        {"record-cut-short", [] { const Bytes b = bytes_of(four_way()); return b.substr(0, b.size() - 7); }, 3,
         "truncated record at byte offset", 1},
        {"record-header-cut", cut(24 + 90 + 90 + 82 + 9), 3, "truncated record at byte offset 286 (frame 4): truncated dump file; tried to read 16 header bytes, only got 9", 1},
        {"caplen-absurd", [] { Capture c = four_way(); c.records[3].caplen = 0x7fffffff; return bytes_of(c); }, 3,
         "unreadable record at byte offset 286 (frame 4): invalid packet capture length 2147483647", 1},
        {"caplen-beyond-snaplen", [] { Capture c = four_way(); c.records[3].caplen = 300000; return bytes_of(c); }, 3,
         "unreadable record at byte offset 286 (frame 4): invalid packet capture length 300000, bigger than snaplen of 262144", 1},
        {"zero-length-packet", [] { return with_extra_frame(Bytes()); }, 0, "1 malformed frame: truncated_link_header (first: frame 4)", 1},
        {"time-backwards", [] { Capture c = four_way(); c.records[4].sec -= 100; return bytes_of(c); }, 0,
         "1 frame stamped earlier than the frame before (first: frame 5)", 1},
        {"time-years-ahead", [] { Capture c = four_way(); for (std::size_t i = 5; i < 11; ++i) c.records[i].sec += 5u * 365 * 86400; return bytes_of(c); },
         0, "1 frame stamped more than a year after the frame before (first: frame 6)", 1},
        {"link-type-unsupported", [] { Capture c = four_way(); c.header[20] = '\x93'; return bytes_of(c); }, 3,
         "link type DLT 147 is not supported; file skipped", 0},
        {"ipv4-ihl-below-5", [] { return with_frame3([](Bytes& f) { f[14] = 0x44; }); }, 0,
         "1 malformed frame: ip_header_length_below_5 (first: frame 3)", 1},
        {"ipv4-total-below-header", [] { return with_frame3([](Bytes& f) { f[16] = 0; f[17] = 10; }); }, 0,
         "1 malformed frame: ip_total_length_below_header (first: frame 3)", 1},
        {"tcp-offset-below-5", [] { return with_frame3([](Bytes& f) { f[46] = 0x40; }); }, 0,
         "1 malformed frame: tcp_data_offset_below_5 (first: frame 3)", 1},
        {"tcp-offset-beyond-packet", [] { return with_frame3([](Bytes& f) { f[46] = static_cast<char>(0xf0); }); }, 0,
         "1 malformed frame: tcp_header_beyond_ip_length (first: frame 3)", 1},
        {"ipv6-extensions-loop", [] { Bytes ext; for (int i = 0; i < 12; ++i) ext += Bytes("\x3c\x00", 2) + Bytes(6, '\x01');
                                      return with_extra_frame(ipv6_frame(60, ext, 96)); }, 0,
         "1 malformed frame: too_many_ipv6_extension_headers (first: frame 4)", 1},
        {"ipv6-extension-past-packet", [] { return with_extra_frame(ipv6_frame(0, Bytes("\x06\x05", 2) + Bytes(6, '\0'), 8)); }, 0,
         "1 malformed frame: truncated_ipv6_extension_header (first: frame 4)", 1},
        {"pcapng-length-not-multiple-of-4", [] { return pcapng_with([](Bytes& f) { set_u32(f, 372 + 4, 13); }); }, 3,
         "unreadable record at byte offset 372 (frame 2): block in pcapng dump file has a length of 13 that is not a "
         "multiple of 4", 1},
        {"pcapng-length-huge", [] { return pcapng_with([](Bytes& f) { set_u32(f, 372 + 4, 0x10000000); }); }, 3,
         "unreadable record at byte offset 372 (frame 2): pcapng block size 268435456 > maximum", 1},
        {"pcapng-trailer-disagrees", [] { return pcapng_with([](Bytes& f) { set_u32(f, 372 + 104, 104); }); }, 3,
         "unreadable record at byte offset 372 (frame 2): block total length in header 108 and trailer 104 don't "
         "match", 1},
    };
}

int connections_in(const std::string& json_out) {
    int n = 0;
    for (std::size_t at = 0; (at = json_out.find("{\"id\":", at)) != std::string::npos; ++at) ++n;
    return n;
}

}  // namespace

TEST_CASE("broken captures: one line naming the file and where, what was read still reported", "[cli][bad-input]") {
    for (const BadInput& bad : battery()) {
        INFO(bad.name);
        const auto path = temp_file(std::string(bad.name) + ".pcap");
        std::ofstream(path, std::ios::binary) << bad.bytes();
        const Run json = run("--format json " + path.string());
        const Run text = run("--brief " + path.string());
        const std::string named = path.filename().string() + ": " + bad.message;
        CHECK(json.status == bad.status);
        CHECK(text.status == bad.status);
        CHECK(json.out.find(named) != std::string::npos);  // the one line on stderr
        CHECK(text.out.find("\nInput\n") != std::string::npos);
        CHECK(text.out.find(named) != std::string::npos);  // and again under Input
        CHECK(connections_in(json.out) == bad.connections);
        CHECK((text.out.find("#1 ") != std::string::npos) == (bad.connections > 0));
        std::filesystem::remove(path);
    }
}

TEST_CASE("files that cannot be read: missing, a directory, no permission", "[cli][bad-input]") {
    const auto dir = temp_file("a-directory");
    std::filesystem::create_directories(dir);
    const Run missing = run("-q /nonexistent/x.pcap " + sample("refused"));
    CHECK(missing.status == 3);
    CHECK(missing.out.find("/nonexistent/x.pcap: cannot open: No such file or directory") != std::string::npos);
    CHECK(missing.out.find("refused (RST to the SYN)") != std::string::npos);  // the other file is read
    const Run directory = run("-q " + dir.string());
    CHECK(directory.status == 3);
    CHECK(directory.out.find(dir.filename().string() + ": cannot open: error reading dump file: Is a directory") !=
          std::string::npos);
    std::filesystem::remove(dir);

    const auto locked = temp_file("locked.pcap");
    std::filesystem::copy_file(sample("refused"), locked, std::filesystem::copy_options::overwrite_existing);
    ::chmod(locked.c_str(), 0);
    // Root reads any file: the check runs as nobody then, where setpriv exists.
    const bool root = ::geteuid() == 0;
    if (!root || std::system("command -v setpriv >/dev/null") == 0) {
        const Run denied = run("-q " + locked.string(), root ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "");
        CHECK(denied.status == 3);
        CHECK(denied.out.find(locked.filename().string() + ": cannot open: Permission denied") != std::string::npos);
    }
    std::filesystem::remove(locked);
}

TEST_CASE("a FIFO and a process substitution are read once, as standard input is", "[cli][bad-input]") {
    const auto fifo = temp_file("capture.fifo");
    std::filesystem::remove(fifo);
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const Run r = run_shell(kTool + " --brief " + fifo.string() + " & cat " + sample("refused") + " > " +
                            fifo.string() + "; wait $!");
    std::filesystem::remove(fifo);
    CHECK(r.status == 0);
    CHECK(r.out.find("refused (RST to the SYN)") != std::string::npos);
    const Run substituted = run_shell(kTool + " --brief <(cat " + sample("refused") + ")");
    CHECK(substituted.status == 0);
    CHECK(substituted.out.find("refused (RST to the SYN)") != std::string::npos);
}
