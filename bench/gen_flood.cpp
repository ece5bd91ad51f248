// tfe_gen_flood: a classic pcap of a flood, for --max-connections: SYNs
// from distinct 4-tuples to one port (no answer), interleaved with
// mid-stream segments of as many distinct connections nobody saw open,
// and, around them, a few complete connections that must still be
// reported as they were.
//
//   tfe_gen_flood --syns N --mid-stream N --sources M --port P --out FILE
#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
    std::uint64_t syns = 1000000, mid_stream = 1000000, sources = 65536;
    std::uint16_t port = 80;
    std::string out = "flood.pcap";
};

std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::uint32_t add_words(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += (p[i] << 8) | p[i + 1];
    if (n & 1) sum += p[n - 1] << 8;
    return sum;
}

class Writer {
public:
    explicit Writer(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
        if (!f_) {
            std::perror(path.c_str());
            std::exit(2);
        }
        const std::uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1};  // Ethernet, microseconds
        std::fwrite(hdr, sizeof hdr, 1, f_);
    }
    ~Writer() { std::fclose(f_); }

    // One Ethernet/IPv4/TCP frame with correct checksums.
    void segment(std::uint32_t src, std::uint16_t sport, std::uint32_t dst, std::uint16_t dport, std::uint32_t seq,
                 std::uint32_t ack, std::uint8_t flags, std::size_t payload) {
        std::uint8_t f[14 + 20 + 20 + 64] = {};
        f[12] = 0x08;  // IPv4
        std::uint8_t* ip = f + 14;
        const std::size_t ip_len = 40 + payload;
        ip[0] = 0x45;
        ip[2] = static_cast<std::uint8_t>(ip_len >> 8), ip[3] = static_cast<std::uint8_t>(ip_len);
        ip[8] = 64, ip[9] = 6;
        put32(ip + 12, src), put32(ip + 16, dst);
        const std::uint16_t ipsum = fold(add_words(ip, 20));
        ip[10] = static_cast<std::uint8_t>(ipsum >> 8), ip[11] = static_cast<std::uint8_t>(ipsum);
        std::uint8_t* tcp = ip + 20;
        put16(tcp, sport), put16(tcp + 2, dport), put32(tcp + 4, seq), put32(tcp + 8, ack);
        tcp[12] = 0x50, tcp[13] = flags;
        put16(tcp + 14, 64240);
        for (std::size_t i = 0; i < payload; ++i) tcp[20 + i] = static_cast<std::uint8_t>('a' + i % 26);
        std::uint32_t sum = add_words(ip + 12, 8) + 6 + static_cast<std::uint32_t>(20 + payload);
        put16(tcp + 16, fold(add_words(tcp, 20 + payload, sum)));
        const std::uint32_t rec[4] = {static_cast<std::uint32_t>(t_ / 1000000), static_cast<std::uint32_t>(t_ % 1000000),
                                      static_cast<std::uint32_t>(14 + ip_len), static_cast<std::uint32_t>(14 + ip_len)};
        std::fwrite(rec, sizeof rec, 1, f_);
        std::fwrite(f, 14 + ip_len, 1, f_);
        t_ += 10;  // 100 000 frames per second
        ++frames_;
    }
    std::uint64_t frames() const { return frames_; }

private:
    static void put16(std::uint8_t* p, std::uint16_t v) {
        p[0] = static_cast<std::uint8_t>(v >> 8), p[1] = static_cast<std::uint8_t>(v & 0xff);
    }
    static void put32(std::uint8_t* p, std::uint32_t v) {
        put16(p, static_cast<std::uint16_t>(v >> 16)), put16(p + 2, static_cast<std::uint16_t>(v & 0xffff));
    }
    std::FILE* f_;
    std::uint64_t t_ = 1704067200ull * 1000000;
    std::uint64_t frames_ = 0;
};

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;

// A whole connection, client 192.0.2.100:port to the server: handshake,
// one request and answer, the client closes first.
void complete_connection(Writer& w, std::uint32_t server, std::uint16_t sport, std::uint16_t port) {
    const std::uint32_t client = 0xc0000264, c = 1000, s = 5000;
    w.segment(client, sport, server, port, c, 0, kSyn, 0);
    w.segment(server, port, client, sport, s, c + 1, kSyn | kAck, 0);
    w.segment(client, sport, server, port, c + 1, s + 1, kAck, 0);
    w.segment(client, sport, server, port, c + 1, s + 1, kAck | kPsh, 10);
    w.segment(server, port, client, sport, s + 1, c + 11, kAck | kPsh, 20);
    w.segment(client, sport, server, port, c + 11, s + 21, kFin | kAck, 0);
    w.segment(server, port, client, sport, s + 21, c + 12, kFin | kAck, 0);
    w.segment(client, sport, server, port, c + 12, s + 22, kAck, 0);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--syns") o.syns = std::strtoull(v.c_str(), nullptr, 10);
        else if (k == "--mid-stream") o.mid_stream = std::strtoull(v.c_str(), nullptr, 10);
        else if (k == "--sources") o.sources = std::strtoull(v.c_str(), nullptr, 10);
        else if (k == "--port") o.port = static_cast<std::uint16_t>(std::atoi(v.c_str()));
        else if (k == "--out") o.out = v;
        else {
            std::fprintf(stderr, "usage: tfe_gen_flood [--syns N] [--mid-stream N] [--sources M] [--port P] "
                                 "[--out FILE]\n");
            std::exit(2);
        }
    }
    if (o.sources == 0 || o.sources > (1u << 24)) o.sources = 65536;
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    Writer w(o.out);
    const std::uint32_t server = 0xc0000201, other = 0xc0000202;  // 192.0.2.1, .2
    complete_connection(w, server, 40000, o.port);
    const std::uint64_t n = std::max(o.syns, o.mid_stream);
    for (std::uint64_t i = 0; i < n; ++i) {
        if (i < o.syns) {  // 198.18.0.0/15 sources, each from many ports
            const std::uint32_t src = 0xc6120000u + static_cast<std::uint32_t>(i % o.sources);
            const auto sport = static_cast<std::uint16_t>(1024 + (i / o.sources) % 64000);
            w.segment(src, sport, server, o.port, static_cast<std::uint32_t>(i * 2654435761u), 0, kSyn, 0);
        }
        if (i < o.mid_stream) {  // 100.64.0.0/10 clients of another server, mid-stream
            const std::uint32_t src = 0x64400000u + static_cast<std::uint32_t>(i / 60000);
            const auto sport = static_cast<std::uint16_t>(1024 + i % 60000);
            w.segment(src, sport, other, 443, static_cast<std::uint32_t>(i * 40503u), 77, kAck | kPsh, 32);
        }
    }
    complete_connection(w, server, 40001, o.port);
    std::fprintf(stderr, "%s: %llu SYNs from %llu sources to port %u, %llu mid-stream segments, %llu frames\n",
                 o.out.c_str(), static_cast<unsigned long long>(o.syns),
                 static_cast<unsigned long long>(std::min(o.sources, o.syns)), o.port,
                 static_cast<unsigned long long>(o.mid_stream), static_cast<unsigned long long>(w.frames()));
}
