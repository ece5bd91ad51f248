// Why a connection failed to open, decided from the facts the core
// recorded (handshake, RST, ICMP errors, retransmissions), never from
// packets: the kind, the evidence's packet numbers, and the errno the
// client's application most likely saw (Linux's mapping). JSON `failure`
// and the text's "Why it failed" both read this (docs/json-schema.md).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/connection.hpp"

namespace tfe::analyzer {

enum class FailureKind : std::uint8_t {
    none,                   // both sides reached ESTABLISHED, nothing contradicts it
    refused,                // the SYN was answered by RST
    no_answer,              // SYNs, never answered (no SYN+ACK, RST or ICMP error)
    client_aborted,         // SYNs, nothing from the server, then the client's own RST
    unreachable,            // an ICMP/ICMPv6 error quoting the SYN
    backlog_full,           // the server re-sent SYN+ACK after the client's ACK: it dropped the ACK
    backlog_reset,          // the server answered the client's handshake ACK with a bare RST
    synack_unacknowledged,  // SYN+ACK captured, never acknowledged by the client
    reset_in_handshake,     // another RST before both sides were ESTABLISHED
    time_wait_collision,    // the SYNs met the previous connection's TIME_WAIT: answered by its ACKs
    incomplete,             // a side never reached ESTABLISHED, for no reason the capture shows
};
inline constexpr std::size_t kFailureKinds = 11;

// How the client's SYN retransmissions were spaced.
enum class Backoff : std::uint8_t {
    none,                        // fewer than two SYNs
    linux_exponential,           // 1, 2, 4, 8... s apart (RFC 6298's 1 s initial RTO, doubled)
    linux_linear,                // 1 s apart (Linux tcp_syn_linear_timeouts)
    linux_linear_then_exponential,
    other,
};

struct Failure {
    static constexpr std::size_t kMaxSyns = 16;
    FailureKind kind = FailureKind::none;
    std::string_view error;            // "ECONNREFUSED"; empty: connect() itself succeeds or is unknown
    std::uint64_t syn_frame = 0;       // the client's first SYN
    std::uint64_t answer_frame = 0;    // the RST, ICMP error, SYN+ACK sent again, or SYN+ACK
    TimeNs answer_ts = 0;              // client_aborted: when its RST came
    std::uint64_t ack_frame = 0;       // the client's handshake ACK
    std::uint32_t refusals = 0;        // refused: how many RSTs refused a SYN (some stacks retry)
    std::uint64_t last_answer_frame = 0;  // refused: the last of them...
    TimeNs last_answer_ts = 0;            // ...and when
    const IcmpFact* icmp = nullptr;    // unreachable: the last error quoting the SYN
    std::uint32_t icmp_count = 0;      // ...and how many quoted it
    std::uint32_t synack_after_ack = 0;  // backlog_full: SYN+ACKs sent again after the ACK
    std::uint64_t data_retransmitted_frame = 0;  // backlog_full: the client's request sent again
    const TimeWaitCollision* time_wait = nullptr;  // time_wait_collision: the core's facts
    // Every client SYN kept (the first, then each retransmission), for no_answer.
    std::array<std::uint64_t, kMaxSyns> syn_frames{};
    std::array<TimeNs, kMaxSyns> syn_times{};
    std::size_t syns = 0;
    Backoff backoff = Backoff::none;
};

Failure diagnose_failure(const Connection& c);
// Its SYNs met only the previous connection's TIME_WAIT (answered by its
// ACKs, never by a SYN+ACK): nothing opened, so nothing closed.
bool met_only_time_wait(const Connection& c);

std::string_view failure_name(FailureKind k);   // "refused", "no-answer", ...
std::string_view backoff_name(Backoff b);       // "linux-exponential", ...
// Linux's errno for an ICMP error in SYN_SENT (net/ipv4/icmp.c
// icmp_err_convert, net/ipv6/icmp.c tab_unreach; time exceeded is
// EHOSTUNREACH); empty when Linux does not abort on it (fragmentation
// needed, an unknown code).
std::string_view icmp_errno(const IcmpFact& f);
// "host unreachable", "administratively prohibited", "time to live exceeded in transit"...
std::string_view icmp_words(const IcmpFact& f);

}  // namespace tfe::analyzer
