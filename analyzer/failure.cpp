#include "analyzer/failure.hpp"

#include <cmath>

namespace tfe::analyzer {

namespace {

constexpr TimeNs kSecond = 1'000'000'000;
// A SYN+ACK sent again this long after the client's ACK was captured cannot
// have crossed it (Linux re-sends SYN+ACK after 1 s, then 2, 4...): the
// server did not take the ACK.
constexpr TimeNs kAfterAckMargin = kSecond / 5;

struct IcmpCode {
    std::string_view words, error;
};

// RFC 792 / RFC 1812 codes of destination unreachable, with Linux's errno
// (icmp_err_convert); fragmentation needed (4) does not abort a connect.
constexpr std::array<IcmpCode, 16> kIcmp4Unreachable{{
    {"net unreachable", "ENETUNREACH"},
    {"host unreachable", "EHOSTUNREACH"},
    {"protocol unreachable", "ENOPROTOOPT"},
    {"port unreachable", "ECONNREFUSED"},
    {"fragmentation needed", ""},
    {"source route failed", "EOPNOTSUPP"},
    {"destination network unknown", "ENETUNREACH"},
    {"destination host unknown", "EHOSTDOWN"},
    {"source host isolated", "ENONET"},
    {"network administratively prohibited", "ENETUNREACH"},
    {"host administratively prohibited", "EHOSTUNREACH"},
    {"network unreachable for TOS", "ENETUNREACH"},
    {"host unreachable for TOS", "EHOSTUNREACH"},
    {"communication administratively prohibited", "EHOSTUNREACH"},
    {"host precedence violation", "EHOSTUNREACH"},
    {"precedence cutoff in effect", "EHOSTUNREACH"},
}};

// RFC 4443 section 3.1 codes, with Linux's errno (tab_unreach).
constexpr std::array<IcmpCode, 7> kIcmp6Unreachable{{
    {"no route to destination", "ENETUNREACH"},
    {"administratively prohibited", "EACCES"},
    {"beyond scope of source address", "EHOSTUNREACH"},
    {"address unreachable", "EHOSTUNREACH"},
    {"port unreachable", "ECONNREFUSED"},
    {"source address failed ingress/egress policy", "EACCES"},
    {"reject route to destination", "EACCES"},
}};

constexpr IcmpCode kTimeExceeded{"time to live exceeded in transit", "EHOSTUNREACH"};
constexpr IcmpCode kReassemblyExceeded{"fragment reassembly time exceeded", "EHOSTUNREACH"};
constexpr IcmpCode kUnknownCode{"unknown code", ""};

IcmpCode icmp_code(const IcmpFact& f) {
    const bool unreachable = f.version == 4 ? f.type == 3 : f.type == 1;
    if (!unreachable) return f.code == 0 ? kTimeExceeded : kReassemblyExceeded;
    if (f.version == 4) return f.code < kIcmp4Unreachable.size() ? kIcmp4Unreachable[f.code] : kUnknownCode;
    return f.code < kIcmp6Unreachable.size() ? kIcmp6Unreachable[f.code] : kUnknownCode;
}

bool synchronized(State s) { return s != State::CLOSED && s != State::LISTEN && s != State::SYN_SENT && s != State::SYN_RECEIVED; }

// Whether the endpoint was ever synchronized: started so (mid-stream) or
// moved into a synchronized state.
bool reached_established(const Connection& c, Side side) {
    if (synchronized(c.endpoint(side).initial_state)) return true;
    for (const Transition& t : c.transitions())
        if (t.endpoint == side && synchronized(t.to)) return true;
    return false;
}

// The flags of the segment that caused a transition at `frame`.
TcpFlags flags_of(const Connection& c, std::uint64_t frame) {
    for (const Transition& t : c.transitions())
        if (t.cause_frame == frame) return t.flags;
    return TcpFlags{};
}

void collect_syns(const Connection& c, Failure& f) {
    const HandshakeFacts& h = c.handshake();
    if (h.syn_frame == 0) return;
    f.syn_frames[0] = h.syn_frame;
    f.syn_times[0] = h.syn_ts;
    f.syns = 1;
    for (const AnomalyEvent& ev : c.anomaly_events())
        if ((ev.kind == Anomaly::syn_retransmission || ev.kind == Anomaly::syn_after_refusal) &&
            ev.sender == Side::client && f.syns < Failure::kMaxSyns) {
            f.syn_frames[f.syns] = ev.frame;
            f.syn_times[f.syns++] = ev.ts;
        }
}

bool near_seconds(TimeNs gap, double expected) {
    const double s = static_cast<double>(gap) / kSecond;
    return std::fabs(s - expected) <= 0.2 * expected + 0.05;
}

// 1 s apart for the first retries, then doubling; or doubling from the start.
Backoff classify_backoff(const Failure& f) {
    if (f.syns < 2) return Backoff::none;
    std::size_t linear = 0;
    while (linear + 1 < f.syns && near_seconds(f.syn_times[linear + 1] - f.syn_times[linear], 1.0)) ++linear;
    const std::size_t gaps = f.syns - 1;
    if (linear == gaps && gaps >= 2) return Backoff::linux_linear;
    // Doubling from the first gap (1 s), or from 2 s after the linear ones.
    double expected = linear <= 1 ? 1.0 : 2.0;
    for (std::size_t i = linear <= 1 ? 0 : linear; i < gaps; ++i, expected *= 2)
        if (!near_seconds(f.syn_times[i + 1] - f.syn_times[i], expected)) return Backoff::other;
    return linear <= 1 ? Backoff::linux_exponential : Backoff::linux_linear_then_exponential;
}

// The last ICMP error quoting the client's SYN that Linux aborts on.
void find_icmp(const Connection& c, Failure& f) {
    for (const IcmpFact& e : c.icmp_errors())
        if (e.about == Side::client && e.quotes_syn && !icmp_errno(e).empty()) {
            f.icmp = &e;
            ++f.icmp_count;
        }
}

// backlog_full's evidence: SYN+ACKs from the server well after the ACK.
void find_synack_after_ack(const Connection& c, Failure& f) {
    const HandshakeFacts& h = c.handshake();
    for (const AnomalyEvent& ev : c.anomaly_events()) {
        if (ev.kind == Anomaly::synack_retransmission && ev.frame > h.ack_frame && ev.ts > h.ack_ts + kAfterAckMargin) {
            if (f.synack_after_ack++ == 0) f.answer_frame = ev.frame;
        }
        if (ev.kind == Anomaly::retransmission && ev.sender == Side::client && f.data_retransmitted_frame == 0)
            f.data_retransmitted_frame = ev.frame;
    }
}

// Decided on a handshake whose ACK was captured: the server's overflow.
bool diagnose_backlog(const Connection& c, Failure& f) {
    const HandshakeFacts& h = c.handshake();
    const ResetFacts& r = c.reset();
    const bool server_silent = c.endpoint(Side::server).payload_bytes == 0;
    if (h.ack_frame == 0 || !server_silent) return false;
    // A RST without ACK answers a segment with no socket behind it: the
    // client's ACK found the accept queue full (tcp_abort_on_overflow=1).
    if (r.seen && r.sender == Side::server && r.frame > h.ack_frame && !flags_of(c, r.frame).ack()) {
        f.kind = FailureKind::backlog_reset;
        f.error = "ECONNRESET";
        f.answer_frame = r.frame;
        return true;
    }
    find_synack_after_ack(c, f);
    if (f.synack_after_ack == 0 || r.seen) return false;
    f.kind = FailureKind::backlog_full;
    return true;
}

}  // namespace

bool met_only_time_wait(const Connection& c) {
    const TimeWaitCollision& tw = c.time_wait_collision();
    return tw.seen && tw.acks > 0 && c.handshake().synack_frame == 0;
}

namespace {

void diagnose_unopened(const Connection& c, Failure& f) {
    const HandshakeFacts& h = c.handshake();
    const ResetFacts& r = c.reset();
    const TimeWaitCollision& tw = c.time_wait_collision();
    find_icmp(c, f);
    if (met_only_time_wait(c)) {
        // Its SYNs keep meeting TIME_WAIT until the retries run out.
        f.kind = FailureKind::time_wait_collision;
        f.error = "ETIMEDOUT";
        f.answer_frame = tw.first_ack_frame;
        f.time_wait = &tw;
        f.backoff = classify_backoff(f);
    } else if (f.icmp && h.synack_frame == 0) {
        f.kind = FailureKind::unreachable;
        f.error = icmp_errno(*f.icmp);
        f.answer_frame = f.icmp->frame;
    } else if (h.syn_frame && h.synack_frame == 0 && c.endpoint(Side::server).packets == 0 && r.seen) {
        // Only the client spoke, and it reset: nobody refused, nothing timed out.
        f.kind = FailureKind::client_aborted;
        f.answer_frame = r.frame;
        f.answer_ts = r.ts;
    } else if (h.syn_frame && h.synack_frame == 0 && c.endpoint(Side::server).packets == 0) {
        f.kind = FailureKind::no_answer;
        f.error = "ETIMEDOUT";
        f.backoff = classify_backoff(f);
    } else if (r.seen) {
        f.kind = FailureKind::reset_in_handshake;
        f.answer_frame = r.frame;
        if (r.sender == Side::server) f.error = "ECONNRESET";
    } else if (h.synack_frame && h.ack_frame == 0) {
        f.kind = FailureKind::synack_unacknowledged;
        f.answer_frame = h.synack_frame;
    } else {
        f.kind = FailureKind::incomplete;
    }
}

}  // namespace

std::string_view icmp_errno(const IcmpFact& f) { return icmp_code(f).error; }
std::string_view icmp_words(const IcmpFact& f) { return icmp_code(f).words; }

Failure diagnose_failure(const Connection& c) {
    Failure f;
    const HandshakeFacts& h = c.handshake();
    // Most connections: opened, no RST, one SYN+ACK at most; decided
    // without collecting anything (this runs for every connection).
    const bool backlog_possible = h.synack_count > 1 || c.reset().seen;
    const bool opened = !h.refused && reached_established(c, Side::client) && reached_established(c, Side::server);
    if (opened && !backlog_possible) return f;
    f.syn_frame = h.syn_frame;
    f.ack_frame = h.ack_frame;
    collect_syns(c, f);
    if (h.refused) {
        f.kind = FailureKind::refused;
        f.error = "ECONNREFUSED";
        f.answer_frame = h.refused_frame;
        f.refusals = h.refusals;
        f.last_answer_frame = h.last_refused_frame;
        f.last_answer_ts = h.last_refused_ts;
        return f;
    }
    if (diagnose_backlog(c, f)) return f;
    if (opened) return Failure{};
    diagnose_unopened(c, f);
    return f;
}

std::string_view failure_name(FailureKind k) {
    switch (k) {
        case FailureKind::none: return "null";
        case FailureKind::refused: return "refused";
        case FailureKind::no_answer: return "no-answer";
        case FailureKind::client_aborted: return "client-aborted";
        case FailureKind::unreachable: return "unreachable";
        case FailureKind::backlog_full: return "backlog-full";
        case FailureKind::backlog_reset: return "backlog-reset";
        case FailureKind::synack_unacknowledged: return "synack-unacknowledged";
        case FailureKind::reset_in_handshake: return "reset-in-handshake";
        case FailureKind::time_wait_collision: return "time-wait-collision";
        case FailureKind::incomplete: return "incomplete";
    }
    return "?";
}

std::string_view backoff_name(Backoff b) {
    switch (b) {
        case Backoff::none: return "null";
        case Backoff::linux_exponential: return "linux-exponential";
        case Backoff::linux_linear: return "linux-linear";
        case Backoff::linux_linear_then_exponential: return "linux-linear-then-exponential";
        case Backoff::other: return "other";
    }
    return "?";
}

}  // namespace tfe::analyzer
