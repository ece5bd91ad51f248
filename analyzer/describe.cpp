#include "analyzer/describe.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <iterator>

namespace tfe::analyzer {

std::uint32_t rel_seq(const Connection& c, Side sender, SeqNum s, const NumberStyle& st) {
    const Endpoint& e = c.endpoint(sender);
    // No SYN and nothing sent but an RST: no base to count from.
    if (st.absolute || (!e.isn_known && !e.isn_inferred)) return s.raw();
    return static_cast<std::uint32_t>(distance(c.endpoint(sender).isn, s));
}

namespace {

void put(fmt::memory_buffer& b, std::string_view s) { b.append(s.data(), s.data() + s.size()); }

void put_uint(fmt::memory_buffer& b, std::uint64_t v) {
    const fmt::format_int digits(v);
    b.append(digits.data(), digits.data() + digits.size());
}

}  // namespace

void append_segment_label(fmt::memory_buffer& out, const Connection& c, Side sender, TcpFlags flags,
                          SeqNum seq, SeqNum ack, std::uint32_t payload_len, const NumberStyle& st) {
    out.push_back('[');
    put(out, TcpFlags::Letters(flags).view());
    put(out, "] seq ");
    put_uint(out, rel_seq(c, sender, seq, st));
    if (flags.ack()) {
        put(out, " ack ");
        put_uint(out, rel_seq(c, other(sender), ack, st));
    }
    if (payload_len) {
        put(out, " len ");
        put_uint(out, payload_len);
    }
}

std::string segment_label(const Connection& c, Side sender, TcpFlags flags, SeqNum seq, SeqNum ack,
                          std::uint32_t payload_len, const NumberStyle& st) {
    fmt::memory_buffer out;
    append_segment_label(out, c, sender, flags, seq, ack, payload_len, st);
    return fmt::to_string(out);
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
        case Delivery::silence: return "never acknowledged, but nothing came back for the linger after it; delivered";
    }
    return "";
}

}  // namespace

void append_transition_cause(fmt::memory_buffer& out, const Connection& c, const Transition& t,
                             const NumberStyle& st) {
    const Cell cell = transition(t.from, t.input);
    put(out, cell.why);
    if (t.delivery == Delivery::timer) return;
    put(out, t.delivery == Delivery::sent ? ": sent packet " : ": received packet ");
    put_uint(out, t.cause_frame);
    out.push_back(' ');
    append_segment_label(out, c, cause_sender(t), t.flags, t.seq, t.ack,
                         t.seq_len - (t.flags.syn() ? 1u : 0u) - (t.flags.fin() ? 1u : 0u), st);
    const std::string_view how = delivery_phrase(t.delivery);
    if (!how.empty() && t.delivery != Delivery::on_arrival) {
        put(out, " (");
        put(out, how);
        if (const Crossing* x = c.crossing(t); x && x->evidence.frame) {
            put(out, ", packet ");
            put_uint(out, x->evidence.frame);
        }
        out.push_back(')');
    }
}

void append_epoch(fmt::memory_buffer& out, TimeNs ts) {
    const TimeNs us = ts / 1000;
    fmt::format_to(fmt::appender(out), FMT_COMPILE("{}.{:06}"), us / 1'000'000, us % 1'000'000);
}

std::string format_time(TimeNs ts) { return fmt::format("{}", Utc{ts}); }

std::string format_duration(TimeNs d) { return fmt::format("{}", Duration{d}); }

}  // namespace tfe::analyzer
