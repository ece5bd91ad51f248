#include "analyzer/describe.hpp"

#include "analyzer/raw_write.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

namespace tfe::analyzer {

std::vector<std::string> interface_names_in(std::uint32_t mask, const InterfaceNaming& naming) {
    std::vector<std::string> out;
    if (naming.names == nullptr) return out;
    const std::vector<std::string>& names = *naming.names;
    for (std::size_t bit = 0; bit < 32 && bit < names.size(); ++bit) {
        if ((mask & (std::uint32_t{1} << bit)) == 0) continue;
        out.push_back(bit == 31 && names.size() > 32 ? "interfaces 32 and later" : names[bit]);
    }
    return out;
}

std::uint32_t rel_seq(const Connection& c, Side sender, SeqNum s, const NumberStyle& st) {
    const Endpoint& e = c.endpoint(sender);
    // No SYN and nothing sent but an RST: no base to count from.
    if (st.absolute || (!e.isn_known && !e.isn_inferred)) return s.raw();
    return offset_from(e.isn, s);
}

std::optional<std::uint32_t> anomaly_value(const Connection& c, const AnomalyEvent& ev, const NumberStyle& st) {
    const SeqNum v(ev.value);
    switch (terms(ev.kind).value) {
        case AnomalyValue::none: return std::nullopt;
        case AnomalyValue::bytes_not_captured:
        case AnomalyValue::bytes_missing: return ev.value;
        case AnomalyValue::fin_seq: return rel_seq(c, ev.sender, v, st);
        case AnomalyValue::peer_sent_up_to: return rel_seq(c, other(ev.sender), v, st);
        case AnomalyValue::expected_seq:
            if (ev.value == 0) return std::nullopt;  // the receiver had acknowledged nothing
            return rel_seq(c, ev.sender, v, st);
        case AnomalyValue::expected_ack: return rel_seq(c, other(ev.sender), v, st);
        case AnomalyValue::reset_packet:
        case AnomalyValue::acked_by_packet: return ev.value;
    }
    return std::nullopt;
}

namespace {

// Labels and causes are written for every transition of every connection
// (JSON mode writes one cause per transition), so they are written through
// room reserved once for their longest form, not appended piece by piece.
using raw::commit;
using raw::put;
using raw::put_uint;
using raw::room;

// "[" letters (up to 8) "] seq " n " ack " n " len " n: under 96 bytes.
constexpr std::size_t kLabelRoom = 96;

char* put_label(char* p, const Connection& c, Side sender, TcpFlags flags, SeqNum seq, SeqNum ack,
                std::uint32_t payload_len, const NumberStyle& st) {
    *p++ = '[';
    p = put(p, TcpFlags::Letters(flags).view());
    p = put(p, "] seq ");
    p = put_uint(p, rel_seq(c, sender, seq, st));
    if (flags.ack()) {
        p = put(p, " ack ");
        p = put_uint(p, rel_seq(c, other(sender), ack, st));
    }
    if (payload_len) {
        p = put(p, " len ");
        p = put_uint(p, payload_len);
    }
    return p;
}

}  // namespace

void append_segment_label(fmt::memory_buffer& out, const Connection& c, Side sender, TcpFlags flags,
                          SeqNum seq, SeqNum ack, std::uint32_t payload_len, const NumberStyle& st) {
    commit(out, put_label(room(out, kLabelRoom), c, sender, flags, seq, ack, payload_len, st));
}

std::string segment_label(const Connection& c, Side sender, TcpFlags flags, SeqNum seq, SeqNum ack,
                          std::uint32_t payload_len, const NumberStyle& st) {
    fmt::memory_buffer out;
    append_segment_label(out, c, sender, flags, seq, ack, payload_len, st);
    return fmt::to_string(out);
}

namespace {

constexpr std::string_view delivery_phrase(Delivery d) {
    switch (d) {
        case Delivery::sent: return "";
        case Delivery::on_arrival: return "on arrival";
        case Delivery::acknowledged: return "after its own segments crossed it; delivery shown by its ACK";
        case Delivery::followed: return "after its own segments crossed it; delivery shown by a later segment";
        case Delivery::end_of_capture: return "not acknowledged before the capture ended; assumed delivered";
        case Delivery::timer: return "";
        case Delivery::silence: return "never acknowledged, but nothing came back for the linger after it; delivered";
        case Delivery::icmp_error: return "";
    }
    return "";
}

constexpr bool delivery_phrases_are_plain_text() {
    for (std::size_t d = 0; d < kDeliveryCount; ++d)
        if (!is_plain_text(delivery_phrase(static_cast<Delivery>(d)))) return false;
    return true;
}
static_assert(delivery_phrases_are_plain_text(), "causes go into JSON strings unescaped");

}  // namespace

const AnomalyEvent* uncaptured_event(const Connection& c, Anomaly a, Side sender) {
    if (c.anomaly_count(a) == 0) return nullptr;
    for (const AnomalyEvent& ev : c.anomaly_events())
        if (ev.kind == a && ev.sender == sender) return &ev;
    return nullptr;
}

const AnomalyEvent* late_copy_event(const Connection& c, Side sender, std::uint64_t frame) {
    if (c.anomaly_count(Anomaly::captured_after_its_ack) == 0) return nullptr;
    for (const AnomalyEvent& ev : c.anomaly_events())
        if (ev.kind == Anomaly::captured_after_its_ack && ev.sender == sender && ev.frame == frame) return &ev;
    return nullptr;
}

bool cause_not_captured(const Connection& c, const Transition& t) {
    // Every transition's cause is asked: most connections have none of them.
    if (c.anomaly_count(Anomaly::handshake_ack_not_captured) == 0 && c.anomaly_count(Anomaly::fin_not_captured) == 0 &&
        c.anomaly_count(Anomaly::synack_not_captured) == 0 && c.anomaly_count(Anomaly::captured_after_its_ack) == 0)
        return false;
    for (const AnomalyEvent& ev : c.anomaly_events()) {
        if (ev.sender != cause_sender(t)) continue;
        if (names_uncaptured(ev.kind) && ev.frame == t.cause_frame) return true;
        // Made from the proof, its captured copy came later.
        if (ev.kind == Anomaly::captured_after_its_ack && ev.value == t.cause_frame) return true;
    }
    return false;
}

void append_transition_cause(fmt::memory_buffer& out, const Connection& c, const Transition& t,
                             const NumberStyle& st) {
    const Cell cell = transition(t.from, t.input);
    const std::string_view how = delivery_phrase(t.delivery);
    // why ": received packet " n " " label " (" how ", packet " n ")"
    char* p = room(out, cell.why.size() + how.size() + kLabelRoom + 96);
    p = put(p, cell.why);
    if (t.delivery == Delivery::icmp_error) {
        // The cause is the ICMP error, quoting the endpoint's own segment.
        p = put(p, ": received packet ");
        p = put_uint(p, t.cause_frame);
        p = put(p, ", an ICMP error quoting its ");
        p = put_label(p, c, t.endpoint, t.flags, t.seq, t.ack, 0, st);
        p = put(p, ", and sent nothing after it");
    } else if (t.delivery != Delivery::timer && cause_not_captured(c, t)) {
        p = put(p, t.delivery == Delivery::sent ? ": sent, not captured, " : ": received, not captured, ");
        p = put_label(p, c, cause_sender(t), t.flags, t.seq, t.ack, 0, st);
        p = put(p, " (packet ");
        p = put_uint(p, t.cause_frame);
        p = put(p, "'s ACK proves it)");
    } else if (t.delivery != Delivery::timer) {
        p = put(p, t.delivery == Delivery::sent ? ": sent packet " : ": received packet ");
        p = put_uint(p, t.cause_frame);
        *p++ = ' ';
        p = put_label(p, c, cause_sender(t), t.flags, t.seq, t.ack,
                      t.seq_len - (t.flags.syn() ? 1u : 0u) - (t.flags.fin() ? 1u : 0u), st);
        if (!how.empty() && t.delivery != Delivery::on_arrival) {
            p = put(p, " (");
            p = put(p, how);
            if (const Crossing* x = c.crossing(t); x && x->evidence.frame) {
                p = put(p, ", packet ");
                p = put_uint(p, x->evidence.frame);
            }
            *p++ = ')';
        }
    }
    commit(out, p);
}

void append_epoch(fmt::memory_buffer& out, TimeNs ts) {
    const TimeNs us = ts / 1000;
    // Before 1970 (a pcap seconds field with its top bit set): one sign in
    // front, "-1.500000", which is still a JSON number.
    const std::uint64_t magnitude = us < 0 ? 0 - static_cast<std::uint64_t>(us) : static_cast<std::uint64_t>(us);
    fmt::format_to(fmt::appender(out), FMT_COMPILE("{}{}.{:06}"), ts < 0 ? "-" : "", magnitude / 1'000'000,
                   magnitude % 1'000'000);
}

std::string format_time(TimeNs ts) { return fmt::format("{}", Utc{ts}); }

std::string format_duration(TimeNs d) { return fmt::format("{}", Duration{d}); }

}  // namespace tfe::analyzer
