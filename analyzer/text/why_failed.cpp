#include "analyzer/text/why_failed.hpp"

#include <fmt/format.h>

#include "analyzer/describe.hpp"
#include "analyzer/failure.hpp"

namespace tfe::analyzer::text {

namespace {

using Out = std::back_insert_iterator<Buf>;

// strerror's words, so the reader recognises the application's message.
std::string_view errno_words(std::string_view e) {
    if (e == "ECONNREFUSED") return "Connection refused";
    if (e == "ETIMEDOUT") return "Connection timed out";
    if (e == "EHOSTUNREACH") return "No route to host";
    if (e == "ENETUNREACH") return "Network is unreachable";
    if (e == "EACCES") return "Permission denied";
    if (e == "ECONNRESET") return "Connection reset by peer";
    if (e == "ENOPROTOOPT") return "Protocol not available";
    if (e == "EOPNOTSUPP") return "Operation not supported";
    if (e == "EHOSTDOWN") return "Host is down";
    if (e == "ENONET") return "Machine is not on the network";
    return "";
}

std::string packets(const Failure& f) {
    std::string s;
    for (std::size_t i = 0; i < f.syns; ++i) s += fmt::format("{}{}", i ? ", " : "", f.syn_frames[i]);
    return s;
}

std::string times(const Failure& f) {
    std::string s;
    for (std::size_t i = 0; i < f.syns; ++i)
        s += fmt::format("{}{:.3f}", i ? ", " : "", static_cast<double>(f.syn_times[i] - f.syn_times[0]) / 1e9);
    return s;
}

std::string_view backoff_sentence(Backoff b) {
    switch (b) {
        case Backoff::linux_exponential:
            return "The gaps double from 1 s, as Linux's exponential back-off does (initial RTO 1 s, RFC 6298).";
        case Backoff::linux_linear:
            return "The gaps are 1 s each: Linux's linear SYN retries (net.ipv4.tcp_syn_linear_timeouts).";
        case Backoff::linux_linear_then_exponential:
            return "The gaps are 1 s, then double: Linux's linear SYN retries (net.ipv4.tcp_syn_linear_timeouts), "
                   "then its exponential back-off.";
        case Backoff::other: return "The gaps match no back-off this tool knows (Linux: 1 s, doubling).";
        case Backoff::none: return "";
    }
    return "";
}

// "packet 1, at 0.000 s" or "packets 1, 2, at 0.000, 1.000 s".
std::string syn_list(const Failure& f) {
    return fmt::format("{} {}, at {} s", f.syns == 1 ? "packet" : "packets", packets(f), times(f));
}

void no_answer(Out o, const Connection& c, const Failure& f) {
    fmt::format_to(o, "The client sent its SYN {} ({}) and nothing came back: no SYN+ACK, no RST, "
                      "no ICMP error. {}{}Something dropped the SYNs silently (a firewall's DROP rule, a black-hole "
                      "route, a host that is down), or the capture missed the answers. When the client gives up "
                      "(Linux: after net.ipv4.tcp_syn_retries, about 127 s by default), connect() fails with "
                      "ETIMEDOUT (\"Connection timed out\"); the capture shows no SYN after packet {}.",
                   f.syns == 1 ? "once" : fmt::format("{} times", f.syns), syn_list(f),
                   backoff_sentence(f.backoff), f.backoff == Backoff::none ? "" : " ", f.syn_frames[f.syns - 1]);
    (void)c;
}

void client_aborted(Out o, const Failure& f) {
    fmt::format_to(o, "The client sent its SYN {} ({}) and then reset its own attempt (RST, packet {}, {} after the "
                      "first SYN), before any answer came: nobody refused the connection and nothing timed out. The "
                      "server sent nothing in this capture. The client's side abandoned the attempt: its "
                      "application gave up on connect(), or a scanner or health check only probed the port (Linux "
                      "closes a socket still in SYN_SENT without a RST, so the sender is another stack or a tool "
                      "writing its own packets).",
                   f.syns == 1 ? "once" : fmt::format("{} times", f.syns), syn_list(f), f.answer_frame,
                   format_duration(f.answer_ts - f.syn_times[0]));
}

void unreachable(Out o, const Connection& c, const Failure& f) {
    const IcmpFact& e = *f.icmp;
    const std::string_view err = f.error;
    const bool time_exceeded = (e.version == 4 && e.type == 11) || (e.version == 6 && e.type == 3);
    fmt::format_to(o, "{} answered the client's SYN with {} {}, {} (type {}, code {}; packet {}{}). ",
                   e.router == c.addr(Side::server).ip ? "The server itself" : "The router " + to_string(e.router),
                   e.version == 4 ? "ICMP" : "ICMPv6", time_exceeded ? "time exceeded" : "destination unreachable",
                   icmp_words(e), e.type, e.code, e.frame,
                   f.icmp_count > 1 ? fmt::format(", the last of {} such errors quoting the SYN", f.icmp_count) : "");
    if (time_exceeded)
        fmt::format_to(o, "The SYN's hop limit ran out before it reached {}. ", to_string(c.addr(Side::server).ip));
    fmt::format_to(o, "Linux aborts a connection attempt on such an error in SYN_SENT (when the socket is busy at "
                      "that instant it only notes a soft error and the next SYN's error aborts it), so connect() "
                      "fails with {} (\"{}\").",
                   err, errno_words(err));
}

void backlog_full(Out o, const Connection& c, const Failure& f) {
    const HandshakeFacts& h = c.handshake();
    fmt::format_to(o, "The handshake completed for the client: its ACK (packet {}) acknowledged the server's SYN+ACK, "
                      "so its connect() returned. But the server sent SYN+ACK again (packet {}{}): it had not taken "
                      "the ACK. That is what a Linux listener whose accept queue is full does "
                      "(net.ipv4.tcp_abort_on_overflow=0): it drops the ACK, keeps the connection in SYN_RECEIVED and "
                      "re-sends SYN+ACK, hoping the application accepts soon.",
                   h.ack_frame, f.answer_frame,
                   f.synack_after_ack > 1 ? fmt::format(", {} times in all after the ACK", f.synack_after_ack) : "");
    if (f.data_retransmitted_frame)
        fmt::format_to(o, " The client's data was never acknowledged (it sent it again at packet {}).",
                       f.data_retransmitted_frame);
    fmt::format_to(o, " The application sees connect() succeed and then waits: a read times out (EAGAIN with "
                      "SO_RCVTIMEO), or fails once the server gives up the handshake.");
}

void backlog_reset(Out o, const Connection& c, const Failure& f) {
    fmt::format_to(o, "The handshake completed for the client (its ACK, packet {}), and the server answered with a "
                      "bare RST (packet {}, no ACK flag: the reply to a segment no socket takes). A Linux listener "
                      "does that when its accept queue is full and net.ipv4.tcp_abort_on_overflow=1. The client's "
                      "application gets ECONNRESET (\"Connection reset by peer\"): from connect() itself when the RST "
                      "comes before it returns, from the first read or write otherwise.",
                   c.handshake().ack_frame, f.answer_frame);
}

void time_wait_collision(Out o, const Failure& f) {
    const TimeWaitCollision& tw = *f.time_wait;
    fmt::format_to(o, "The client's SYN (packet {}) reached ports the server still held in TIME_WAIT from the "
                      "previous connection on them (packets {}–{}). Its sequence number was not above that "
                      "connection's last one, so the server could not take it for a new connection (RFC 6191: only a "
                      "higher sequence number or a newer timestamp reopens TIME_WAIT) and answered with an ACK of the "
                      "old connection (packet {}).",
                   f.syn_frame, tw.previous_first_frame, tw.previous_last_frame, tw.first_ack_frame);
    if (tw.first_reset_frame)
        fmt::format_to(o, " The client, in SYN_SENT, answered that ACK with RST (packet {}; RFC 9293 3.10.7.3) and "
                          "stayed in SYN_SENT.",
                       tw.first_reset_frame);
    if (tw.acks > 1)
        fmt::format_to(o, " {} SYNs ({}) met it in all: {} ACKs from TIME_WAIT, {} RSTs.", f.syns, syn_list(f),
                       tw.acks, tw.resets);
    if (tw.resets_ignored)
        fmt::format_to(o, " The server answered from TIME_WAIT again after {} of the RSTs: it ignores a RST in "
                          "TIME_WAIT (RFC 1337; Linux net.ipv4.tcp_rfc1337=1).",
                       tw.resets_ignored);
    if (tw.released_frame)
        fmt::format_to(o, " The RST at packet {} ended TIME_WAIT (RFC 9293; Linux's default), and the server's "
                          "listener answered the next SYN.",
                       tw.released_frame);
    fmt::format_to(o, " connect() fails with ETIMEDOUT (\"Connection timed out\") once its SYN retries run out, "
                      "unless TIME_WAIT ends first (2*MSL after the old close). A client that picks its own port "
                      "(bind, SO_REUSEADDR) and sends fast enough to outrun the ISN clock meets this.");
}

void other(Out o, const Connection& c, const Failure& f) {
    const ResetFacts& r = c.reset();
    switch (f.kind) {
        case FailureKind::synack_unacknowledged:
            fmt::format_to(o, "The server answered the SYN with SYN+ACK (packet {}), but the client never acknowledged "
                              "it in this capture: the SYN+ACK was lost between the capture point and the client, "
                              "the client had given up, or the capture missed its ACK.",
                           f.answer_frame);
            break;
        case FailureKind::reset_in_handshake:
            fmt::format_to(o, "The {} sent RST (packet {}) before both sides were ESTABLISHED, in {}.{}",
                           side_name(r.sender), r.frame, state_name(r.sender_state),
                           f.error.empty() ? "" : " The client's application gets ECONNRESET (\"Connection reset by peer\").");
            break;
        default:
            fmt::format_to(o, "A side never reached ESTABLISHED, and the capture shows no reason: no RST, no ICMP "
                              "error, no retransmission that points at one.");
    }
}

void refused(Out o, const Connection& c, const Failure& f) {
    const std::string server = to_string(c.addr(Side::server));
    if (f.refusals <= 1) {
        fmt::format_to(o, "The server answered the client's SYN (packet {}) with RST (packet {}): nothing listens "
                          "on {} (or a firewall rejects with a reset). connect() fails at once with ECONNREFUSED "
                          "(\"Connection refused\").",
                       f.syn_frame, f.answer_frame, server);
        return;
    }
    fmt::format_to(o, "The server refused the client's SYN {} times (SYNs at packets {}, at {} s; the first RST packet "
                      "{}, the last packet {}, {:.3f} s after the first SYN): nothing listens on {} (or a firewall "
                      "rejects with a reset). The client's stack tried again after each RST, so connect() failed with "
                      "ECONNREFUSED (\"Connection refused\") only after the last.",
                   f.refusals, packets(f), times(f), f.answer_frame, f.last_answer_frame,
                   static_cast<double>(f.last_answer_ts - f.syn_times[0]) / 1e9, server);
}

}  // namespace

void why_failed(Buf& out, const Connection& c) {
    const Failure f = diagnose_failure(c);
    Out o(out);
    switch (f.kind) {
        case FailureKind::none: return;
        case FailureKind::refused: return refused(o, c, f);
        case FailureKind::no_answer: return no_answer(o, c, f);
        case FailureKind::client_aborted: return client_aborted(o, f);
        case FailureKind::unreachable: return unreachable(o, c, f);
        case FailureKind::backlog_full: return backlog_full(o, c, f);
        case FailureKind::backlog_reset: return backlog_reset(o, c, f);
        case FailureKind::time_wait_collision: return time_wait_collision(o, f);
        default: return other(o, c, f);
    }
}

}  // namespace tfe::analyzer::text
