#include "analyzer/describe.hpp"

#include <fmt/format.h>

#include <ctime>

namespace tfe::analyzer {

std::uint32_t rel_seq(const Connection& c, Side sender, SeqNum s, const NumberStyle& st) {
    const Endpoint& e = c.endpoint(sender);
    // No SYN and nothing sent but an RST: no base to count from.
    if (st.absolute || (!e.isn_known && !e.isn_inferred)) return s.raw();
    return static_cast<std::uint32_t>(distance(c.endpoint(sender).isn, s));
}

std::string segment_label(const Connection& c, Side sender, TcpFlags flags, SeqNum seq, SeqNum ack,
                          std::uint32_t payload_len, const NumberStyle& st) {
    std::string out = fmt::format("[{}] seq {}", flags.tcpdump(), rel_seq(c, sender, seq, st));
    if (flags.ack()) out += fmt::format(" ack {}", rel_seq(c, other(sender), ack, st));
    if (payload_len) out += fmt::format(" len {}", payload_len);
    return out;
}

namespace {

std::string_view delivery_phrase(Delivery d) {
    switch (d) {
        case Delivery::sent: return "";
        case Delivery::on_arrival: return "on arrival";
        case Delivery::acknowledged: return "after its own segments crossed it; delivery shown by its ACK";
        case Delivery::followed: return "after its own segments crossed it; delivery shown by a later segment";
        case Delivery::end_of_capture: return "not acknowledged before the capture ended; assumed delivered";
        case Delivery::timer: return "";
    }
    return "";
}

}  // namespace

std::string transition_cause(const Connection& c, const Transition& t, const NumberStyle& st) {
    const Cell cell = transition(t.from, t.input);
    if (t.delivery == Delivery::timer) return std::string(cell.why);
    const Side sender = cause_sender(t);
    std::string out = fmt::format("{}: {} packet {} {}", cell.why,
                                  t.delivery == Delivery::sent ? "sent" : "received", t.cause_frame,
                                  segment_label(c, sender, t.flags, t.seq, t.ack,
                                                t.seq_len - (t.flags.syn() ? 1u : 0u) - (t.flags.fin() ? 1u : 0u), st));
    const std::string_view how = delivery_phrase(t.delivery);
    if (!how.empty() && t.delivery != Delivery::on_arrival) {
        out += fmt::format(" ({}", how);
        if (t.evidence_frame) out += fmt::format(", packet {}", t.evidence_frame);
        out += ")";
    }
    return out;
}

std::string format_epoch(TimeNs ts) {
    const TimeNs us = ts / 1000;
    return fmt::format("{}.{:06}", us / 1'000'000, us % 1'000'000);
}

std::string format_time(TimeNs ts) {
    const std::time_t secs = static_cast<std::time_t>(ts / 1'000'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return fmt::format("{}.{:06}", buf, (ts % 1'000'000'000) / 1000);
}

std::string format_duration(TimeNs d) {
    if (d < 1'000'000) return fmt::format("{:.1f} µs", static_cast<double>(d) / 1e3);
    if (d < 1'000'000'000) return fmt::format("{:.3f} ms", static_cast<double>(d) / 1e6);
    return fmt::format("{:.3f} s", static_cast<double>(d) / 1e9);
}

}  // namespace tfe::analyzer
