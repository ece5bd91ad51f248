// Scenario tables for the core: a connection written as tcpdump would show
// it with relative numbers, replayed at any pair of ISNs, so every test
// also runs across the 2^32 wrap (STYLE.md practice 8).
#pragma once

#include <fmt/format.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/flow_table.hpp"

namespace tfe::test {

struct Step {
    char from;               // 'c' client or 's' server; 'i': an ICMP error from a router
                             // quoting the client's segment at `seq` (flags: its type and
                             // code, "3/1"; `len` 6: ICMPv6 numbers)
    std::string_view flags;  // tcpdump letters: "S", "S.", ".", "P.", "F.", "R", "R."
    std::uint32_t seq = 0;   // relative to the sender's ISN
    std::uint32_t ack = 0;   // relative to the receiver's ISN
    std::uint32_t len = 0;
    double t = -1;           // seconds from the start; -1: 1 ms after the previous step
    bool bad_checksum = false;  // with Replay::checksums_checked
    std::uint16_t window = 512;
    std::uint8_t ttl = 64;   // IPv4 TTL
};

inline TcpFlags parse_flags(std::string_view s) {
    std::uint8_t b = 0;
    for (char ch : s) {
        switch (ch) {
            case 'S': b |= TcpFlags::SYN; break;
            case 'F': b |= TcpFlags::FIN; break;
            case 'P': b |= TcpFlags::PSH; break;
            case 'R': b |= TcpFlags::RST; break;
            case 'U': b |= TcpFlags::URG; break;
            case 'E': b |= TcpFlags::ECE; break;
            case 'W': b |= TcpFlags::CWR; break;
            case '.': b |= TcpFlags::ACK; break;
            default: break;
        }
    }
    return TcpFlags(b);
}

class Collect : public ConnectionSink {
public:
    void on_connection(const Connection& c) override { done.push_back(c); }
    std::vector<Connection> done;
};

// Replays steps through a real FlowTable (the core's whole pipeline) at
// the ISNs, addresses and time given.
struct Replay {
    std::uint32_t client_isn = 1000;
    std::uint32_t server_isn = 5000;
    IpAddr client_ip = IpAddr::v4(0x0a000001), server_ip = IpAddr::v4(0x0a000002);
    std::uint16_t client_port = 40000, server_port = 80;
    FlowTableConfig config;
    TimeNs start = 1'600'000'000'000'000'000;
    bool syn_options = false;        // SYNs offer MSS 1460, wscale 7, SACK, timestamps
    bool checksums_checked = false;  // each step's bad_checksum counts

    Segment segment(const Step& st, std::uint64_t frame, double t) const {
        Segment s;
        s.frame = frame;
        s.ts = start + static_cast<TimeNs>(t * 1e9 + 0.5);
        const bool c = st.from == 'c';
        s.src = c ? client_ip : server_ip;
        s.dst = c ? server_ip : client_ip;
        s.sport = c ? client_port : server_port;
        s.dport = c ? server_port : client_port;
        s.flags = parse_flags(st.flags);
        s.seq = SeqNum((c ? client_isn : server_isn) + st.seq);
        s.ack = s.flags.ack() ? SeqNum((c ? server_isn : client_isn) + st.ack) : SeqNum(0);
        s.payload_len = s.captured_len = st.len;
        s.window = st.window;
        s.ip_id = static_cast<std::uint16_t>(frame);
        s.ip_ttl = st.ttl;
        s.checksum_checked = checksums_checked;
        s.checksum_ok = !st.bad_checksum;
        if (syn_options && s.flags.syn()) {
            s.options.has_mss = s.options.has_wscale = s.options.sack_permitted = s.options.has_timestamps = true;
            s.options.mss = 1460;
            s.options.wscale = 7;
        }
        return s;
    }

    IcmpError icmp(const Step& st, std::uint64_t frame, double t) const {
        IcmpError e;
        e.frame = frame;
        e.ts = start + static_cast<TimeNs>(t * 1e9 + 0.5);
        e.router = IpAddr::v4(0x0a0000fe);
        e.version = st.len == 6 ? 6 : 4;
        const auto slash = st.flags.find('/');
        e.type = static_cast<std::uint8_t>(std::stoi(std::string(st.flags.substr(0, slash))));
        e.code = static_cast<std::uint8_t>(std::stoi(std::string(st.flags.substr(slash + 1))));
        e.quoted_src = client_ip;
        e.quoted_dst = server_ip;
        e.quoted_sport = client_port;
        e.quoted_dport = server_port;
        e.quoted_seq = SeqNum(client_isn + st.seq);
        return e;
    }

    // Feeds the steps through a FlowTable and returns every connection in
    // the order they were reported.
    std::vector<Connection> run(const std::vector<Step>& steps) const {
        Collect sink;
        FlowTable table(config, sink);
        double t = 0;
        std::uint64_t frame = 0;
        for (const Step& st : steps) {
            t = st.t >= 0 ? st.t : t + 0.001;
            if (st.from == 'i') table.on_icmp_error(icmp(st, ++frame, t));
            else table.on_segment(segment(st, ++frame, t));
        }
        table.flush();
        return sink.done;
    }
};

// A Replay at the client ISN a table is run at (GENERATE'd around the
// 2^32 wrap by the tests), the server's 1000 below it (wrapping for small
// values).
inline Replay replay_at(std::uint32_t client_isn) {
    Replay r;
    r.client_isn = client_isn;
    r.server_isn = client_isn - 1000;
    return r;
}

// The three-way handshake in relative numbers.
inline const std::vector<Step> kHandshake = {{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}};

inline std::vector<Step> after_handshake(std::vector<Step> rest) {
    std::vector<Step> all = kHandshake;
    all.insert(all.end(), rest.begin(), rest.end());
    return all;
}

// A connection brought to a given client state through real segments (as
// smoltcp's tests start a socket in a state), and where both streams stand
// then, so that a test can go on from there in relative numbers.
struct Reached {
    std::vector<Step> steps;
    std::uint32_t client_next = 0;  // the client's next sequence number
    std::uint32_t server_next = 0;
    State server = State::CLOSED;   // the server's state then
};

// The steps that leave the client in `client` (and the server in the state
// that goes with it); nullopt for a state a plain exchange cannot reach
// (SYN_RECEIVED and CLOSING need a simultaneous open or close).
inline std::optional<Reached> reach(State client) {
    const std::vector<Step> open = {{'c', "S", 0, 0}, {'s', "S.", 0, 1}, {'c', ".", 1, 1}};
    auto with = [&](std::vector<Step> more) {
        std::vector<Step> all = open;
        all.insert(all.end(), more.begin(), more.end());
        return all;
    };
    switch (client) {
        case State::CLOSED: return Reached{{}, 0, 0, State::CLOSED};
        case State::SYN_SENT: return Reached{{{'c', "S", 0, 0}}, 1, 0, State::CLOSED};
        case State::ESTABLISHED: return Reached{open, 1, 1, State::ESTABLISHED};
        case State::FIN_WAIT_1: return Reached{with({{'c', "F.", 1, 1}}), 2, 1, State::CLOSE_WAIT};
        case State::FIN_WAIT_2:
            return Reached{with({{'c', "F.", 1, 1}, {'s', ".", 1, 2}}), 2, 1, State::CLOSE_WAIT};
        case State::TIME_WAIT:
            return Reached{with({{'c', "F.", 1, 1}, {'s', ".", 1, 2}, {'s', "F.", 1, 2}, {'c', ".", 2, 2}}), 2, 2,
                           State::CLOSED};
        case State::CLOSE_WAIT:
            return Reached{with({{'s', "F.", 1, 1}, {'c', ".", 1, 2}}), 1, 2, State::FIN_WAIT_2};
        case State::LAST_ACK:
            return Reached{with({{'s', "F.", 1, 1}, {'c', ".", 1, 2}, {'c', "F.", 1, 2}}), 2, 2, State::TIME_WAIT};
        default: return std::nullopt;
    }
}

// "8 client ESTABLISHED>FIN_WAIT_1": frame, endpoint, from, to.
inline std::vector<std::string> transitions(const Connection& c) {
    std::vector<std::string> out;
    for (const Transition& t : c.transitions())
        out.push_back(fmt::format("{} {} {}>{}", t.frame, side_name(t.endpoint), state_name(t.from), state_name(t.to)));
    return out;
}

// One random segment for the random-stream tests: on one of `flows`
// 4-tuples (client ports 40000 on), any flags, small relative numbers,
// sometimes a random client ISN; `t` moves on by 1 ms, now and then 3 s.
// Returns the replay and step, for the caller to stamp.
struct RandomSegment {
    Replay replay;
    Step step;
};

inline RandomSegment random_segment(std::mt19937& rng, int flows, double& t) {
    static const char* const kinds[] = {"S", "S.", ".", "P.", "F.", "R", "R.", "FP.", "SF", "", "SR", "F"};
    std::uniform_int_distribution<int> kind(0, 11), flow(0, flows - 1), small(0, 40), side(0, 1);
    RandomSegment d;
    d.replay.client_port = static_cast<std::uint16_t>(40000 + flow(rng));
    d.replay.client_isn = 1000u * d.replay.client_port + (rng() % 3 == 0 ? static_cast<std::uint32_t>(rng()) : 0u);
    d.replay.server_isn = 0xfffff000u;
    d.step = Step{side(rng) ? 'c' : 's', kinds[kind(rng)], static_cast<std::uint32_t>(small(rng)),
                  static_cast<std::uint32_t>(small(rng)),
                  static_cast<std::uint32_t>(small(rng) % 4 == 0 ? small(rng) : 0)};
    t += (rng() % 100 == 0) ? 3.0 : 0.001;
    return d;
}

}  // namespace tfe::test
