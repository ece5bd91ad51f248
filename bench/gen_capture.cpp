// tfe_gen_capture: writes a large, protocol-faithful classic pcap for the
// benchmarks, and a JSON file with the counts a correct analysis must find.
//
// Model: C "slots" (the concurrency); each slot runs connections back to back,
// and the slots are merged by time, so about C connections are open at once
// and the file's timestamps never go backwards. Every connection follows one
// scenario from a fixed, weighted table (see kScenarios) and writes exactly
// the segments a real stack would: seq/ack arithmetic modulo 2^32 from random
// ISNs, MSS/SACK-permitted/timestamps/window-scale negotiated on the SYNs
// (RFC 7323: an option appears in the SYN+ACK only if the SYN offered it),
// scaled windows afterwards, payload bytes present. IPv4 header checksums and
// TCP checksums are both correct. No segment is ever lost or reordered, so a
// correct tracker sees no anomaly on the normal kinds.
//
// Output is buffered by hand (one fwrite per 8 MiB), so 1.3 M packets take
// about a second.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <fmt/core.h>

#include "core/flags.hpp"
#include "core/seq.hpp"

namespace {

using tfe::SeqNum;
using tfe::TcpFlags;

using Micros = std::int64_t;
constexpr Micros kMillisecond = 1000;
constexpr Micros kSecond = 1000 * kMillisecond;
// 2024-01-01T00:00:00Z: the first packet's time.
constexpr Micros kCaptureStart = 1704067200LL * kSecond;

// ---------------------------------------------------------------- options

struct Options {
    std::uint64_t connections = 100000;
    std::uint32_t concurrency = 2000;
    std::uint64_t seed = 1;
    double ipv6_share = 0.25;
    double payload_bytes = 365;        // mean payload of a data segment
    double duration_s = 2.0;           // mean life of a connection
    double open_share = 0.005;         // connections still open at the end
    std::uint64_t concurrent_open = 0; // mode: N connections, all ESTABLISHED
    std::string out = "capture.pcap";
    std::string truth;
    std::string truth_lines;
};

void usage() {
    std::fputs(
        "usage: tfe_gen_capture [options]\n"
        "  --out FILE                   pcap to write (default capture.pcap)\n"
        "  --truth FILE.json            expected counts for check_truth.py\n"
        "  --truth-lines FILE.jsonl     expected values per connection (one line each)\n"
        "  --connections N              connections to write (default 100000)\n"
        "  --concurrency C              connections open at once (default 2000)\n"
        "  --seed S                     random seed (default 1)\n"
        "  --ipv6-share F               share of IPv6 connections (default 0.25)\n"
        "  --payload-bytes B            mean payload per data segment (default 365:\n"
        "                               100 000 connections make ~274 MB)\n"
        "  --duration-per-connection S  mean seconds a connection lives (default 2)\n"
        "  --open-share F               share left open at capture end (default 0.005)\n"
        "  --concurrent-open N          instead: N three-way handshakes, all left\n"
        "                               ESTABLISHED (flow-table memory test)\n",
        stderr);
}

bool parse_options(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") return false;
        if (i + 1 >= argc) {
            fmt::print(stderr, "{} needs a value\n", arg);
            return false;
        }
        const char* v = argv[++i];
        if (arg == "--out") o.out = v;
        else if (arg == "--truth") o.truth = v;
        else if (arg == "--truth-lines") o.truth_lines = v;
        else if (arg == "--connections") o.connections = std::strtoull(v, nullptr, 10);
        else if (arg == "--concurrency") o.concurrency = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
        else if (arg == "--seed") o.seed = std::strtoull(v, nullptr, 10);
        else if (arg == "--ipv6-share") o.ipv6_share = std::strtod(v, nullptr);
        else if (arg == "--payload-bytes") o.payload_bytes = std::strtod(v, nullptr);
        else if (arg == "--duration-per-connection") o.duration_s = std::strtod(v, nullptr);
        else if (arg == "--open-share") o.open_share = std::strtod(v, nullptr);
        else if (arg == "--concurrent-open") o.concurrent_open = std::strtoull(v, nullptr, 10);
        else {
            fmt::print(stderr, "unknown option {}\n", arg);
            return false;
        }
    }
    if (o.concurrency == 0 || o.payload_bytes < 1 || o.duration_s <= 0) {
        fmt::print(stderr, "--concurrency, --payload-bytes and --duration-per-connection must be positive\n");
        return false;
    }
    return true;
}

// ---------------------------------------------------------------- random

// xoshiro256** seeded by splitmix64: fast, and the same stream on every
// platform (std:: distributions are not).
class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& word : s_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            word = z ^ (z >> 31);
        }
    }
    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
        s_[2] ^= t; s_[3] = rotl(s_[3], 45);
        return result;
    }
    std::uint32_t u32() { return static_cast<std::uint32_t>(next() >> 32); }
    // Uniform in [0, n).
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    // Uniform in [lo, hi].
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
    }
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    bool chance(double p) { return unit() < p; }
    double exponential(double mean) { return -mean * std::log(1.0 - unit()); }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

// ---------------------------------------------------------------- scenarios

// The tool's vocabulary (its JSON `handshake`, `close`, `close_initiator`).
enum class Handshake { three_way, simultaneous_open, refused, unanswered, incomplete };
enum class Close { four_way, three_way, simultaneous, reset, half_closed, open, none };
enum class Side { client, server, both, none };

constexpr std::array<std::string_view, 5> kHandshakeNames = {
    "three-way", "simultaneous-open", "refused", "unanswered", "incomplete"};
constexpr std::array<std::string_view, 7> kCloseNames = {
    "four-way", "three-way", "simultaneous", "reset", "half-closed", "open", "none"};
constexpr std::array<std::string_view, 4> kSideNames = {"client", "server", "both", "null"};

struct Scenario {
    Handshake handshake;
    Close close;
    Side initiator;     // who closed first (FIN or RST sender); none for no close
    int weight;         // per 10 000 connections; `open` is placed separately
    // RFC 793 state of each endpoint after the last segment in the capture;
    // nullptr = not knowable from the capture (excluded from the truth).
    const char* client_final;
    const char* server_final;
};

constexpr std::array<Scenario, 14> kScenarios = {{
    {Handshake::three_way, Close::four_way, Side::client, 4000, "TIME_WAIT", "CLOSED"},
    {Handshake::three_way, Close::four_way, Side::server, 2000, "CLOSED", "TIME_WAIT"},
    {Handshake::three_way, Close::three_way, Side::client, 1500, "TIME_WAIT", "CLOSED"},
    {Handshake::three_way, Close::three_way, Side::server, 800, "CLOSED", "TIME_WAIT"},
    {Handshake::three_way, Close::simultaneous, Side::both, 200, "TIME_WAIT", "TIME_WAIT"},
    {Handshake::three_way, Close::reset, Side::client, 300, "CLOSED", "CLOSED"},
    {Handshake::three_way, Close::reset, Side::server, 300, "CLOSED", "CLOSED"},
    {Handshake::three_way, Close::half_closed, Side::client, 250, "FIN_WAIT_2", "CLOSE_WAIT"},
    {Handshake::three_way, Close::half_closed, Side::server, 100, "CLOSE_WAIT", "FIN_WAIT_2"},
    {Handshake::simultaneous_open, Close::four_way, Side::client, 50, "TIME_WAIT", "CLOSED"},
    {Handshake::refused, Close::none, Side::none, 200, "CLOSED", "CLOSED"},
    {Handshake::unanswered, Close::none, Side::none, 100, "SYN_SENT", "CLOSED"},
    // The client's state is unknowable (did the SYN+ACK reach it?), so
    // incomplete connections are left out of the final_state truth. Their
    // close is "open": "none" is only for unanswered or refused handshakes.
    {Handshake::incomplete, Close::open, Side::none, 100, nullptr, nullptr},
    {Handshake::three_way, Close::open, Side::none, 0, "ESTABLISHED", "ESTABLISHED"},
}};
constexpr std::size_t kOpenScenario = kScenarios.size() - 1;

std::size_t pick_scenario(Rng& rng) {
    static const int total = [] {
        int sum = 0;
        for (const auto& s : kScenarios) sum += s.weight;
        return sum;
    }();
    int r = static_cast<int>(rng.below(static_cast<std::uint64_t>(total)));
    for (std::size_t i = 0; i < kScenarios.size(); ++i) {
        if (r < kScenarios[i].weight) return i;
        r -= kScenarios[i].weight;
    }
    return 0;
}

// ---------------------------------------------------------------- packet bytes

void put16(std::uint8_t* p, std::uint16_t v) { p[0] = std::uint8_t(v >> 8); p[1] = std::uint8_t(v); }
void put32(std::uint8_t* p, std::uint32_t v) {
    p[0] = std::uint8_t(v >> 24); p[1] = std::uint8_t(v >> 16); p[2] = std::uint8_t(v >> 8); p[3] = std::uint8_t(v);
}
void put32_le(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, 4); }  // pcap headers: host order (little-endian here)

// RFC 1071 one's-complement sum over native-order words: byte-order
// independent, so the folded result is stored back with memcpy.
std::uint64_t sum_words(const std::uint8_t* p, std::size_t n, std::uint64_t acc) {
    for (; n >= 4; p += 4, n -= 4) { std::uint32_t w; std::memcpy(&w, p, 4); acc += w; }
    if (n >= 2) { std::uint16_t w; std::memcpy(&w, p, 2); acc += w; p += 2; n -= 2; }
    if (n == 1) { const std::uint8_t last[2] = {*p, 0}; std::uint16_t w; std::memcpy(&w, last, 2); acc += w; }
    return acc;
}
std::uint16_t fold_checksum(std::uint64_t acc) {
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<std::uint16_t>(~acc);
}

struct Address {
    std::array<std::uint8_t, 16> bytes{};
    bool v6 = false;
};

struct Endpoint {
    Address addr;
    std::uint16_t port = 0;
    std::uint8_t mac_last = 0;
    std::uint8_t ttl = 64;
    std::uint16_t ip_id = 0;
    // RFC 793 send/receive variables, as this endpoint sees them.
    SeqNum isn, snd_nxt, rcv_nxt;
    // SYN options this endpoint offers.
    std::uint16_t mss = 1460;
    bool offers_sack = true, offers_ts = true, offers_wscale = true;
    std::uint8_t wscale = 7;
    std::uint32_t window_bytes = 64240;  // receive window after the handshake
    std::uint16_t syn_window = 64240;
    std::uint32_t ts_base = 0;           // TSval clock (1 kHz) offset
    std::uint32_t ts_recent = 0;         // last TSval seen from the peer
};

// What one segment looks like on the wire, before encoding.
struct Wire {
    Micros t = 0;
    SeqNum seq, ack;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    std::uint32_t payload = 0;
    bool syn_options = false;   // MSS/SACK/TS/WS block (SYN, SYN+ACK)
    bool ts = false;            // timestamps option on a non-SYN segment
    bool ws = false, sack = false;  // for syn_options: which to include
};

// A random byte pool that payloads are copied from.
class PayloadPool {
public:
    explicit PayloadPool(Rng& rng) : bytes_(kSize + 65536) {
        for (std::size_t i = 0; i < bytes_.size(); i += 8) {
            const std::uint64_t r = rng.next();
            std::memcpy(&bytes_[i], &r, 8);
        }
    }
    const std::uint8_t* at(std::uint64_t r) const { return &bytes_[r % kSize]; }

private:
    static constexpr std::size_t kSize = 1 << 20;
    std::vector<std::uint8_t> bytes_;
};

// Encodes pcap record header + Ethernet + IPv4/IPv6 + TCP (+ options) +
// payload, appending to `out`.
void encode(std::vector<std::uint8_t>& out, const Endpoint& from, const Endpoint& to,
            std::uint16_t ip_id, const Wire& w, const PayloadPool& pool, std::uint64_t payload_pick,
            std::uint32_t tsval) {
    std::uint8_t opts[20];
    std::size_t optlen = 0;
    auto opt = [&](std::initializer_list<std::uint8_t> b) { for (auto x : b) opts[optlen++] = x; };
    auto opt_ts = [&] {
        opt({8, 10});
        put32(opts + optlen, tsval); put32(opts + optlen + 4, from.ts_recent);
        optlen += 8;
    };
    if (w.syn_options) {  // Linux's layout: MSS, SACK_PERM, TS, NOP, WS
        opt({2, 4, std::uint8_t(from.mss >> 8), std::uint8_t(from.mss)});
        if (w.sack && w.ts) { opt({4, 2}); opt_ts(); }
        else if (w.ts) { opt({1, 1}); opt_ts(); }
        else if (w.sack) opt({1, 1, 4, 2});
        if (w.ws) opt({1, 3, 3, from.wscale});
    } else if (w.ts) {
        opt({1, 1}); opt_ts();
    }
    const std::size_t tcp_len = 20 + optlen;
    const std::size_t ip_len = (from.addr.v6 ? 40 : 20) + tcp_len + w.payload;
    const std::size_t frame_len = 14 + ip_len;

    const std::size_t base = out.size();
    out.resize(base + 16 + frame_len);
    std::uint8_t* p = out.data() + base;

    // pcap record header
    put32_le(p, static_cast<std::uint32_t>(w.t / kSecond));
    put32_le(p + 4, static_cast<std::uint32_t>(w.t % kSecond));
    put32_le(p + 8, static_cast<std::uint32_t>(frame_len));
    put32_le(p + 12, static_cast<std::uint32_t>(frame_len));
    p += 16;

    // Ethernet: locally administered MACs, last byte per host
    const std::uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, to.mac_last};
    const std::uint8_t src_mac[6] = {0x02, 0, 0, 0, 0, from.mac_last};
    std::memcpy(p, dst_mac, 6);
    std::memcpy(p + 6, src_mac, 6);
    put16(p + 12, from.addr.v6 ? 0x86dd : 0x0800);
    p += 14;

    std::uint64_t pseudo = 0;
    if (from.addr.v6) {
        put32(p, 0x60000000u);
        put16(p + 4, static_cast<std::uint16_t>(tcp_len + w.payload));
        p[6] = 6;  // next header: TCP
        p[7] = from.ttl;
        std::memcpy(p + 8, from.addr.bytes.data(), 16);
        std::memcpy(p + 24, to.addr.bytes.data(), 16);
        std::uint8_t ph[8] = {};
        put32(ph, static_cast<std::uint32_t>(tcp_len + w.payload));
        ph[7] = 6;
        pseudo = sum_words(p + 8, 32, sum_words(ph, 8, 0));
        p += 40;
    } else {
        p[0] = 0x45; p[1] = 0;
        put16(p + 2, static_cast<std::uint16_t>(ip_len));
        put16(p + 4, ip_id);
        put16(p + 6, 0x4000);  // DF
        p[8] = from.ttl; p[9] = 6;
        p[10] = p[11] = 0;
        std::memcpy(p + 12, from.addr.bytes.data(), 4);
        std::memcpy(p + 16, to.addr.bytes.data(), 4);
        const std::uint16_t ip_sum = fold_checksum(sum_words(p, 20, 0));
        std::memcpy(p + 10, &ip_sum, 2);
        std::uint8_t ph[4] = {0, 6, 0, 0};
        put16(ph + 2, static_cast<std::uint16_t>(tcp_len + w.payload));
        pseudo = sum_words(p + 12, 8, sum_words(ph, 4, 0));
        p += 20;
    }

    std::uint8_t* tcp = p;
    put16(tcp, from.port);
    put16(tcp + 2, to.port);
    put32(tcp + 4, w.seq.raw());
    put32(tcp + 8, (w.flags & TcpFlags::ACK) ? w.ack.raw() : 0);
    tcp[12] = static_cast<std::uint8_t>((tcp_len / 4) << 4);
    tcp[13] = w.flags;
    put16(tcp + 14, w.window);
    tcp[16] = tcp[17] = 0;  // checksum, below
    tcp[18] = tcp[19] = 0;  // urgent pointer
    std::memcpy(tcp + 20, opts, optlen);
    if (w.payload) std::memcpy(tcp + tcp_len, pool.at(payload_pick), w.payload);
    const std::uint16_t tcp_sum = fold_checksum(sum_words(tcp, tcp_len + w.payload, pseudo));
    std::memcpy(tcp + 16, &tcp_sum, 2);
}

// ---------------------------------------------------------------- connections

// Packets of one connection, encoded, with their times.
struct Script {
    std::vector<std::uint8_t> bytes;
    struct Ref { Micros t; std::uint32_t offset, length; };
    std::vector<Ref> packets;
    std::size_t next = 0;
    void clear() { bytes.clear(); packets.clear(); next = 0; }
};

// Writes one connection's segments. The capture point sits next to the
// server: the server answers within microseconds, the client one RTT later.
class ConnectionWriter {
public:
    ConnectionWriter(Rng& rng, const PayloadPool& pool, const Options& opt, Script& out,
                     Endpoint& client, Endpoint& server, Micros start)
        : rng_(rng), pool_(pool), opt_(opt), out_(out), c_(client), s_(server), t_(start) {
        rtt_ = static_cast<Micros>(std::exp(std::log(300.0) + rng.unit() * std::log(150000.0 / 300.0)));
        ts_on_ = c_.offers_ts && s_.offers_ts;
        ws_on_ = c_.offers_wscale && s_.offers_wscale;
        sack_on_ = c_.offers_sack && s_.offers_sack;
    }

    void write(const Scenario& sc) {
        switch (sc.handshake) {
            case Handshake::refused: return refused();
            case Handshake::unanswered: return unanswered();
            case Handshake::incomplete: return incomplete();
            case Handshake::simultaneous_open: simultaneous_open(); break;
            case Handshake::three_way: three_way(); break;
        }
        const Micros budget = static_cast<Micros>(opt_.duration_s * kSecond * (0.5 + rng_.unit()));
        const Micros end = t_ + budget;
        exchange(end);
        switch (sc.close) {
            case Close::four_way: four_way(sc.initiator == Side::client ? c_ : s_, sc.initiator == Side::client ? s_ : c_); break;
            case Close::three_way: three_way_close(sc.initiator == Side::client ? c_ : s_, sc.initiator == Side::client ? s_ : c_); break;
            case Close::simultaneous: simultaneous_close(); break;
            case Close::reset: reset(sc.initiator == Side::client ? c_ : s_, sc.initiator == Side::client ? s_ : c_); break;
            case Close::half_closed: half_close(sc.initiator == Side::client ? c_ : s_, sc.initiator == Side::client ? s_ : c_); break;
            case Close::open: case Close::none: break;
        }
    }

    // Only SYN, SYN+ACK, ACK: the connection stays ESTABLISHED.
    void write_handshake_only() {
        rtt_ = 3;
        three_way();
    }

private:
    // Gap before `from` speaks: the client is an RTT away from the capture
    // point, the server a few microseconds.
    Micros reply_gap(const Endpoint& from) const {
        return &from == &c_ ? rtt_ : 20 + static_cast<Micros>(rng_.below(200));
    }
    Micros burst_gap() const { return 5 + static_cast<Micros>(rng_.below(60)); }

    std::uint16_t window_of(const Endpoint& e, bool syn) const {
        if (syn) return e.syn_window;
        if (ws_on_) return static_cast<std::uint16_t>(e.window_bytes >> e.wscale);
        return static_cast<std::uint16_t>(std::min<std::uint32_t>(e.window_bytes, 65535));
    }

    std::uint32_t tsval_of(const Endpoint& e) const {
        return e.ts_base + static_cast<std::uint32_t>((t_ - kCaptureStart) / kMillisecond);
    }

    // Emits a segment from `from` at seq `seq`; `deliver` = the peer receives
    // it now (false for segments that cross one going the other way).
    void emit(Endpoint& from, Endpoint& to, Micros gap, std::uint8_t flags, std::uint32_t payload,
              SeqNum seq, bool deliver = true) {
        t_ += gap;
        Wire w;
        w.t = t_;
        w.seq = seq;
        w.ack = from.rcv_nxt;
        w.flags = flags;
        w.payload = payload;
        const bool syn = flags & TcpFlags::SYN;
        w.window = (flags & TcpFlags::RST) ? 0 : window_of(from, syn);
        if (syn) {
            // RFC 7323 / RFC 2018: a SYN offers; a SYN+ACK answers only what
            // the SYN offered.
            const bool answering = flags & TcpFlags::ACK;
            const Endpoint& peer = to;
            w.syn_options = true;
            w.ts = from.offers_ts && (!answering || peer.offers_ts);
            w.ws = from.offers_wscale && (!answering || peer.offers_wscale);
            w.sack = from.offers_sack && (!answering || peer.offers_sack);
        } else {
            w.ts = ts_on_ && !(flags & TcpFlags::RST);
        }
        const std::uint32_t tsval = tsval_of(from);
        const auto offset = static_cast<std::uint32_t>(out_.bytes.size());
        encode(out_.bytes, from, to, from.ip_id++, w, pool_, rng_.next(), tsval);
        out_.packets.push_back({t_, offset, static_cast<std::uint32_t>(out_.bytes.size() - offset)});

        const std::uint32_t seq_len = payload + (syn ? 1u : 0u) + ((flags & TcpFlags::FIN) ? 1u : 0u);
        if (after(seq + seq_len, from.snd_nxt)) from.snd_nxt = seq + seq_len;
        if (w.ts) last_tsval_[&from == &c_] = tsval;
        if (deliver) this->deliver(from, to);
    }
    void deliver(const Endpoint& from, Endpoint& to) {
        to.rcv_nxt = from.snd_nxt;
        if (ts_on_ || from.offers_ts) to.ts_recent = last_tsval_[&from == &c_];
    }
    void send(Endpoint& from, Endpoint& to, Micros gap, std::uint8_t flags, std::uint32_t payload = 0,
              bool deliver = true) {
        emit(from, to, gap, flags, payload, from.snd_nxt, deliver);
    }

    std::uint32_t payload_size() {
        const double mss = std::min(c_.mss, s_.mss);
        const double size = 1.0 + rng_.exponential(opt_.payload_bytes - 1.0);
        return static_cast<std::uint32_t>(std::min(size, mss));
    }

    // ----- handshakes

    void three_way() {
        c_.snd_nxt = c_.isn;
        s_.snd_nxt = s_.isn;
        send(c_, s_, 0, TcpFlags::SYN);
        send(s_, c_, reply_gap(s_), TcpFlags::SYN | TcpFlags::ACK);
        send(c_, s_, reply_gap(c_), TcpFlags::ACK);
    }

    // SYN crosses SYN; each answers with SYN+ACK at its ISN (RFC 793 fig. 8).
    void simultaneous_open() {
        c_.snd_nxt = c_.isn;
        s_.snd_nxt = s_.isn;
        send(c_, s_, 0, TcpFlags::SYN, 0, false);
        send(s_, c_, burst_gap(), TcpFlags::SYN, 0, false);
        deliver(c_, s_);
        deliver(s_, c_);
        emit(c_, s_, reply_gap(c_), TcpFlags::SYN | TcpFlags::ACK, 0, c_.isn, false);
        emit(s_, c_, burst_gap(), TcpFlags::SYN | TcpFlags::ACK, 0, s_.isn, false);
        deliver(c_, s_);
        deliver(s_, c_);
    }

    // A closed port answers RST+ACK, seq 0, ack = ISN+1 (RFC 793 p. 36).
    void refused() {
        c_.snd_nxt = c_.isn;
        send(c_, s_, 0, TcpFlags::SYN);
        emit(s_, c_, reply_gap(s_), TcpFlags::RST | TcpFlags::ACK, 0, SeqNum(0));
    }

    // The same SYN (same ISN) again at +1 s and +3 s (Linux's backoff).
    void unanswered() {
        c_.snd_nxt = c_.isn;
        const Micros start = t_;
        emit(c_, s_, 0, TcpFlags::SYN, 0, c_.isn, false);
        emit(c_, s_, start + 1 * kSecond - t_, TcpFlags::SYN, 0, c_.isn, false);
        emit(c_, s_, start + 3 * kSecond - t_, TcpFlags::SYN, 0, c_.isn, false);
    }

    // SYN, SYN+ACK, the SYN+ACK again a second later; the client never answers.
    void incomplete() {
        c_.snd_nxt = c_.isn;
        s_.snd_nxt = s_.isn;
        send(c_, s_, 0, TcpFlags::SYN);
        emit(s_, c_, reply_gap(s_), TcpFlags::SYN | TcpFlags::ACK, 0, s_.isn, false);
        emit(s_, c_, 1 * kSecond, TcpFlags::SYN | TcpFlags::ACK, 0, s_.isn, false);
    }

    // ----- data

    // One burst of 1-3 segments from `from`; the receiver ACKs every second
    // full segment (RFC 1122 4.2.3.2). PSH on the last one.
    void burst(Endpoint& from, Endpoint& to, Micros gap) {
        const int segments = 1 + static_cast<int>(rng_.below(3));
        for (int k = 1; k <= segments; ++k) {
            const std::uint8_t flags = TcpFlags::ACK | (k == segments ? TcpFlags::PSH : 0);
            send(from, to, k == 1 ? gap : burst_gap(), flags, payload_size());
            if (k % 2 == 0 && k < segments) send(to, from, reply_gap(to), TcpFlags::ACK);
        }
    }

    // Request/response turns, client first, spread until `end`.
    void exchange(Micros end) {
        // 1-4 turns, 2.3 on average: about 13 packets per connection.
        const int turns = 1 + static_cast<int>(rng_.below(3)) + (rng_.chance(0.3) ? 1 : 0);
        Endpoint* speaker = &c_;
        Endpoint* listener = &s_;
        for (int i = 0; i < turns; ++i) {
            const Micros remaining = std::max<Micros>(0, end - t_);
            const Micros think = remaining / (turns - i + 1);
            burst(*speaker, *listener, reply_gap(*speaker) + (i == 0 ? 0 : think));
            const bool last = i + 1 == turns;
            // Delayed ACK fires unless the answer (or, last, the close) comes
            // soon enough to carry it.
            if (rng_.chance(last ? 0.7 : 0.5)) send(*listener, *speaker, reply_gap(*listener), TcpFlags::ACK);
            std::swap(speaker, listener);
        }
        const Micros remaining = std::max<Micros>(0, end - t_);
        t_ += remaining / 2;
    }

    // ----- closes

    // FIN; the peer ACKs it alone (sometimes sends data before its own FIN,
    // as a half-close allows); the peer's FIN; the last ACK.
    void four_way(Endpoint& first, Endpoint& second) {
        send(first, second, reply_gap(first), TcpFlags::FIN | TcpFlags::ACK);
        send(second, first, reply_gap(second), TcpFlags::ACK);
        if (rng_.chance(0.1)) {
            burst(second, first, reply_gap(second));
            send(first, second, reply_gap(first), TcpFlags::ACK);
        }
        send(second, first, reply_gap(second), TcpFlags::FIN | TcpFlags::ACK);
        send(first, second, reply_gap(first), TcpFlags::ACK);
    }

    // FIN; the peer's FIN+ACK acknowledges it (merged); the last ACK.
    void three_way_close(Endpoint& first, Endpoint& second) {
        send(first, second, reply_gap(first), TcpFlags::FIN | TcpFlags::ACK);
        send(second, first, reply_gap(second), TcpFlags::FIN | TcpFlags::ACK);
        send(first, second, reply_gap(first), TcpFlags::ACK);
    }

    // Both FINs cross: neither acknowledges the other's FIN; then both ACK
    // (RFC 793 fig. 14: CLOSING, then TIME_WAIT on both sides).
    void simultaneous_close() {
        send(c_, s_, reply_gap(c_), TcpFlags::FIN | TcpFlags::ACK, 0, false);
        send(s_, c_, burst_gap(), TcpFlags::FIN | TcpFlags::ACK, 0, false);
        deliver(c_, s_);
        deliver(s_, c_);
        send(s_, c_, reply_gap(s_), TcpFlags::ACK);
        send(c_, s_, burst_gap(), TcpFlags::ACK);
    }

    // An abort: RST+ACK at snd_nxt (RFC 793 p. 62, ABORT call).
    void reset(Endpoint& first, Endpoint& second) {
        send(first, second, reply_gap(first), TcpFlags::RST | TcpFlags::ACK);
    }

    // One side's FIN is acknowledged; the peer may still send data, which is
    // acknowledged, and never closes.
    void half_close(Endpoint& first, Endpoint& second) {
        send(first, second, reply_gap(first), TcpFlags::FIN | TcpFlags::ACK);
        send(second, first, reply_gap(second), TcpFlags::ACK);
        if (rng_.chance(0.5)) {
            burst(second, first, reply_gap(second));
            send(first, second, reply_gap(first), TcpFlags::ACK);
        }
    }

    Rng& rng_;
    const PayloadPool& pool_;
    const Options& opt_;
    Script& out_;
    Endpoint& c_;
    Endpoint& s_;
    Micros t_;
    Micros rtt_ = 0;
    bool ts_on_ = false, ws_on_ = false, sack_on_ = false;
    std::uint32_t last_tsval_[2] = {0, 0};  // [is client]
};

// ---------------------------------------------------------------- endpoints

// Connection index -> a client address and port no other connection in the
// file uses: the low 16 bits pick a host (scrambled by an odd multiplier),
// the rest the port. Unique for fewer than 65 536 * 64 000 connections.
void make_client(std::uint64_t index, bool v6, Endpoint& c) {
    const auto low = static_cast<std::uint16_t>(index & 0xffff);
    const auto host = static_cast<std::uint16_t>(low * 40503u + 12345u);
    const auto high = static_cast<std::uint32_t>(index >> 16);
    c.port = static_cast<std::uint16_t>(1024 + (high + host * 7u) % 64000u);
    c.addr = Address{};
    c.addr.v6 = v6;
    if (v6) {
        const std::uint8_t prefix[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0xc1, 0, 0};
        std::memcpy(c.addr.bytes.data(), prefix, 8);
        c.addr.bytes[14] = std::uint8_t(host >> 8);
        c.addr.bytes[15] = std::uint8_t(host);
    } else {
        c.addr.bytes[0] = 10; c.addr.bytes[1] = 20;
        c.addr.bytes[2] = std::uint8_t(host >> 8);
        c.addr.bytes[3] = std::uint8_t(host);
    }
    c.mac_last = 1;
}

void make_server(Rng& rng, bool v6, bool peer_to_peer, Endpoint& s) {
    const auto n = static_cast<std::uint8_t>(1 + rng.below(16));
    s.addr = Address{};
    s.addr.v6 = v6;
    if (v6) {
        const std::uint8_t prefix[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x5e, 0, 0};
        std::memcpy(s.addr.bytes.data(), prefix, 8);
        s.addr.bytes[15] = n;
    } else {
        s.addr.bytes[0] = 192; s.addr.bytes[1] = 0; s.addr.bytes[2] = 2; s.addr.bytes[3] = n;
    }
    static constexpr std::uint16_t kPorts[] = {443, 443, 443, 443, 443, 443, 443, 80, 80, 8080, 22, 5432};
    s.port = peer_to_peer ? static_cast<std::uint16_t>(rng.between(40000, 60000))
                          : kPorts[rng.below(std::size(kPorts))];
    s.mac_last = 2;
}

// Stack personalities: most Linux-like (all options), some Windows-like (no
// timestamps, wscale 8), a few minimal (MSS only).
void set_stack(Rng& rng, Endpoint& e, bool is_server) {
    const std::uint64_t r = rng.below(100);
    const bool minimal = !is_server && r >= 95;
    const bool windows = !is_server && r >= 70 && r < 95;
    e.mss = e.addr.v6 ? 1440 : 1460;
    e.offers_sack = !minimal;
    e.offers_ts = !minimal && !windows;
    e.offers_wscale = !minimal;
    e.wscale = windows ? 8 : 7;
    e.syn_window = windows ? 64240 : static_cast<std::uint16_t>(e.addr.v6 ? 64800 : 64240);
    e.window_bytes = static_cast<std::uint32_t>(rng.between(60000, 260000));
    if (!e.offers_wscale) e.window_bytes = std::min<std::uint32_t>(e.window_bytes, 65535);
    e.ttl = is_server ? 64 : static_cast<std::uint8_t>((windows ? 128 : 64) - rng.between(1, 12));
    e.ip_id = static_cast<std::uint16_t>(rng.u32());
    e.ts_base = rng.u32();
    e.ts_recent = 0;
    // Random ISNs anywhere in 2^32; 1 in 100 starts within 600 bytes of the
    // top so that sequence numbers wrap inside the connection.
    e.isn = SeqNum(rng.chance(0.01) ? 0u - static_cast<std::uint32_t>(rng.between(1, 600)) : rng.u32());
    e.snd_nxt = e.isn;
    e.rcv_nxt = SeqNum(0);
}

// ---------------------------------------------------------------- output

class PcapWriter {
public:
    explicit PcapWriter(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
        if (!file_) {
            fmt::print(stderr, "cannot write {}: {}\n", path, std::strerror(errno));
            std::exit(1);
        }
        buffer_.reserve(kBuffer + 70000);
        std::uint8_t header[24];
        put32_le(header, 0xa1b2c3d4u);  // microsecond timestamps
        const std::uint16_t major = 2, minor = 4;
        std::memcpy(header + 4, &major, 2);
        std::memcpy(header + 6, &minor, 2);
        put32_le(header + 8, 0);        // thiszone
        put32_le(header + 12, 0);       // sigfigs
        put32_le(header + 16, 262144);  // snaplen
        put32_le(header + 20, 1);       // LINKTYPE_ETHERNET
        append(header, sizeof header);
    }
    ~PcapWriter() {
        flush();
        if (std::fclose(file_) != 0) {
            std::perror("fclose");
            std::exit(1);
        }
    }
    void append(const std::uint8_t* p, std::size_t n) {
        buffer_.insert(buffer_.end(), p, p + n);
        bytes_ += n;
        if (buffer_.size() >= kBuffer) flush();
    }
    std::uint64_t bytes() const { return bytes_; }

private:
    void flush() {
        if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
            std::perror("fwrite");
            std::exit(1);
        }
        buffer_.clear();
    }
    static constexpr std::size_t kBuffer = 8 << 20;
    std::FILE* file_;
    std::vector<std::uint8_t> buffer_;
    std::uint64_t bytes_ = 0;
};

struct Truth {
    std::uint64_t connections = 0, packets = 0;
    std::array<std::uint64_t, kScenarios.size()> per_scenario{};

    void write(const std::string& path, const Options& o) const {
        std::array<std::uint64_t, kHandshakeNames.size()> hs{};
        std::array<std::uint64_t, kCloseNames.size()> close{};
        std::array<std::uint64_t, kSideNames.size()> side{};
        std::vector<std::pair<std::string, std::uint64_t>> client_states, server_states;
        std::uint64_t excluded = 0;
        auto bump = [](std::vector<std::pair<std::string, std::uint64_t>>& v, const char* s, std::uint64_t n) {
            for (auto& [name, count] : v)
                if (name == s) { count += n; return; }
            v.emplace_back(s, n);
        };
        for (std::size_t i = 0; i < kScenarios.size(); ++i) {
            const auto n = per_scenario[i];
            const auto& sc = kScenarios[i];
            hs[static_cast<std::size_t>(sc.handshake)] += n;
            close[static_cast<std::size_t>(sc.close)] += n;
            side[static_cast<std::size_t>(sc.initiator)] += n;
            if (n == 0) continue;
            if (sc.client_final) bump(client_states, sc.client_final, n);
            else excluded += n;
            if (sc.server_final) bump(server_states, sc.server_final, n);
        }
        auto object = [](auto names, auto counts) {
            std::string s = "{";
            for (std::size_t i = 0; i < names.size(); ++i)
                s += fmt::format("{}\"{}\": {}", i ? ", " : "", names[i], counts[i]);
            return s + "}";
        };
        auto states = [](const std::vector<std::pair<std::string, std::uint64_t>>& v) {
            std::string s = "{";
            for (std::size_t i = 0; i < v.size(); ++i)
                s += fmt::format("{}\"{}\": {}", i ? ", " : "", v[i].first, v[i].second);
            return s + "}";
        };
        std::FILE* f = std::fopen(path.c_str(), "w");
        if (!f) {
            fmt::print(stderr, "cannot write {}\n", path);
            std::exit(1);
        }
        fmt::print(f, "{{\n");
        fmt::print(f, "  \"generator\": {{\"seed\": {}, \"concurrency\": {}, \"ipv6_share\": {}, \"payload_bytes\": {}, "
                      "\"duration_per_connection\": {}, \"concurrent_open\": {}}},\n",
                   o.seed, o.concurrency, o.ipv6_share, o.payload_bytes, o.duration_s, o.concurrent_open);
        fmt::print(f, "  \"connections\": {},\n  \"packets\": {},\n", connections, packets);
        fmt::print(f, "  \"handshake\": {},\n", object(kHandshakeNames, hs));
        fmt::print(f, "  \"close\": {},\n", object(kCloseNames, close));
        fmt::print(f, "  \"close_initiator\": {},\n", object(kSideNames, side));
        fmt::print(f, "  \"final_state\": {{\"client\": {}, \"server\": {}}},\n", states(client_states),
                   states(server_states));
        fmt::print(f, "  \"final_state_excluded\": {{\"handshake\": [\"incomplete\"], \"connections\": {}}}\n", excluded);
        fmt::print(f, "}}\n");
        std::fclose(f);
    }
};

// One JSON line per connection, in start order: what the tool must say
// about it. For diagnosing a count mismatch.
class TruthLines {
public:
    explicit TruthLines(const std::string& path) {
        if (path.empty()) return;
        file_ = std::fopen(path.c_str(), "w");
        if (!file_) {
            fmt::print(stderr, "cannot write {}\n", path);
            std::exit(1);
        }
    }
    ~TruthLines() { if (file_) std::fclose(file_); }
    TruthLines(const TruthLines&) = delete;
    TruthLines& operator=(const TruthLines&) = delete;

    void add(const Endpoint& client, const Endpoint& server, const Scenario& sc) {
        if (!file_) return;
        auto quoted = [](const char* state) { return state ? fmt::format("\"{}\"", state) : std::string("null"); };
        const auto initiator = kSideNames[static_cast<std::size_t>(sc.initiator)];
        fmt::print(file_,
                   "{{\"client\": \"{}\", \"server\": \"{}\", \"handshake\": \"{}\", \"close\": \"{}\", "
                   "\"close_initiator\": {}, \"final_state\": {{\"client\": {}, \"server\": {}}}}}\n",
                   text(client), text(server), kHandshakeNames[static_cast<std::size_t>(sc.handshake)],
                   kCloseNames[static_cast<std::size_t>(sc.close)],
                   sc.initiator == Side::none ? std::string("null") : fmt::format("\"{}\"", initiator),
                   quoted(sc.client_final), quoted(sc.server_final));
    }

private:
    static std::string text(const Endpoint& e) {
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(e.addr.v6 ? AF_INET6 : AF_INET, e.addr.bytes.data(), buf, sizeof buf);
        return e.addr.v6 ? fmt::format("[{}]:{}", buf, e.port) : fmt::format("{}:{}", buf, e.port);
    }
    std::FILE* file_ = nullptr;
};

// ---------------------------------------------------------------- modes

// C slots run connections back to back; a min-heap on each slot's next packet
// time merges them, so the file is in time order.
void generate_mixed(const Options& o, Rng& rng, const PayloadPool& pool, PcapWriter& out, Truth& truth,
                    TruthLines& lines) {
    std::vector<Script> slots(std::min<std::uint64_t>(o.concurrency, std::max<std::uint64_t>(o.connections, 1)));
    const auto open_count = std::min<std::uint64_t>(
        o.connections, static_cast<std::uint64_t>(std::llround(static_cast<double>(o.connections) * o.open_share)));
    std::uint64_t started = 0;

    auto start = [&](Script& slot, Micros t) {
        const std::uint64_t index = started++;
        const std::size_t kind = index >= o.connections - open_count ? kOpenScenario : pick_scenario(rng);
        const Scenario& sc = kScenarios[kind];
        const bool v6 = rng.chance(o.ipv6_share);
        Endpoint client, server;
        make_client(index, v6, client);
        make_server(rng, v6, sc.handshake == Handshake::simultaneous_open, server);
        set_stack(rng, client, false);
        set_stack(rng, server, true);
        lines.add(client, server, sc);
        slot.clear();
        ConnectionWriter(rng, pool, o, slot, client, server, t).write(sc);
        ++truth.per_scenario[kind];
        ++truth.connections;
    };

    using Entry = std::pair<Micros, std::uint32_t>;  // next packet time, slot
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    const auto spread = static_cast<Micros>(o.duration_s * kSecond);
    for (std::uint32_t i = 0; i < slots.size() && started < o.connections; ++i) {
        start(slots[i], kCaptureStart + static_cast<Micros>(rng.below(static_cast<std::uint64_t>(spread))));
        heap.emplace(slots[i].packets.front().t, i);
    }
    while (!heap.empty()) {
        const auto [t, i] = heap.top();
        heap.pop();
        Script& slot = slots[i];
        const auto& ref = slot.packets[slot.next++];
        out.append(slot.bytes.data() + ref.offset, ref.length);
        ++truth.packets;
        if (slot.next < slot.packets.size()) {
            heap.emplace(slot.packets[slot.next].t, i);
        } else if (started < o.connections) {
            start(slot, t + static_cast<Micros>(rng.below(20 * kMillisecond)));
            heap.emplace(slot.packets.front().t, i);
        }
    }
}

// N three-way handshakes, each left ESTABLISHED; one every 10 us.
void generate_concurrent_open(const Options& o, Rng& rng, const PayloadPool& pool, PcapWriter& out, Truth& truth,
                              TruthLines& lines) {
    Script slot;
    for (std::uint64_t index = 0; index < o.concurrent_open; ++index) {
        const bool v6 = rng.chance(o.ipv6_share);
        Endpoint client, server;
        make_client(index, v6, client);
        make_server(rng, v6, false, server);
        set_stack(rng, client, false);
        set_stack(rng, server, true);
        lines.add(client, server, kScenarios[kOpenScenario]);
        slot.clear();
        const Micros start = kCaptureStart + static_cast<Micros>(index) * 10;
        ConnectionWriter(rng, pool, o, slot, client, server, start).write_handshake_only();
        // Time-compress the handshake into the 10 us step.
        for (std::size_t k = 0; k < 3; ++k) {
            const auto& ref = slot.packets[k];
            std::uint8_t* rec = slot.bytes.data() + ref.offset;
            const Micros t = start + static_cast<Micros>(k) * 3;
            put32_le(rec, static_cast<std::uint32_t>(t / kSecond));
            put32_le(rec + 4, static_cast<std::uint32_t>(t % kSecond));
            out.append(rec, ref.length);
            ++truth.packets;
        }
        ++truth.per_scenario[kOpenScenario];
        ++truth.connections;
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_options(argc, argv, o)) {
        usage();
        return 2;
    }
    const auto t0 = std::chrono::steady_clock::now();
    Rng rng(o.seed);
    const PayloadPool pool(rng);
    Truth truth;
    std::uint64_t bytes = 0;
    {
        PcapWriter out(o.out);
        TruthLines lines(o.truth_lines);
        if (o.concurrent_open) generate_concurrent_open(o, rng, pool, out, truth, lines);
        else generate_mixed(o, rng, pool, out, truth, lines);
        bytes = out.bytes();
    }
    if (!o.truth.empty()) truth.write(o.truth, o);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print(stderr, "{}: {} connections, {} packets, {:.1f} MB in {:.2f} s ({:.2f} M packets/s)\n", o.out,
               truth.connections, truth.packets, static_cast<double>(bytes) / 1e6, secs,
               static_cast<double>(truth.packets) / secs / 1e6);
    return 0;
}
