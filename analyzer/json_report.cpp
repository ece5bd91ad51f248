#include "analyzer/json_report.hpp"
#include "analyzer/failure_json.hpp"
#include "analyzer/stream_bytes.hpp"
#include "analyzer/vocabulary.hpp"

#include "analyzer/raw_write.hpp"

#include <fmt/compile.h>

#include <algorithm>
#include <cassert>
#include <array>
#include <cstring>
#include <string>

// How this writer is fast (it writes ~3.4 KB per connection on the streaming
// path, so it is one of the hot loops of the tool):
//
//  - No append per field. Each block of the object first makes room for its
//    worst case in the output buffer (one capacity check), then writes
//    through a raw pointer and commits the new size once.
//  - Constant text is merged into one literal per gap between values
//    (`","from":"`) and copied with a compile-time length: a few moves, no
//    memcpy call.
//  - Enum names come from padded tables built at compile time from the
//    core's constexpr name functions, so each is one fixed-size copy; the
//    bytes copied past the name land in reserved room past the end, where
//    the next write overwrites them or the commit leaves them out.
//  - Integers, timestamps and addresses are formatted by small routines
//    straight into the output (no sprintf, no temporaries).
//  - Only the transition's cause (prose from describe.cpp) can need JSON
//    escaping; it is written in place and checked, everything else cannot.
//  - The transitions, usually cold by the time a connection is written, are
//    prefetched while the head of the object is formatted.

namespace tfe::analyzer {

namespace {

using Buf = fmt::memory_buffer;

// ---- raw writing into the buffer -------------------------------------------

using raw::commit;
using raw::lit;
using raw::put;
using raw::put2;
using raw::put4;
using raw::put_uint;
using raw::room;

char* put_bool(char* p, bool v) { return v ? lit(p, "true") : lit(p, "false"); }

char* put_null(char* p) { return lit(p, "null"); }

char* put_uint_or_null(char* p, std::uint64_t v) { return v ? put_uint(p, v) : put_null(p); }

// "." and the six digits of the microseconds within the second.
char* put_micros(char* p, std::uint64_t us) {
    *p++ = '.';
    const auto frac = static_cast<std::uint32_t>(us % 1'000'000);
    return put4(put2(p, frac / 10000), frac % 10000);
}

// Seconds.microseconds since the epoch, as describe.cpp's append_epoch
// writes them ("{}.{:06}" of ts/1000 split at a million). At most 32 bytes.
char* put_epoch(char* p, TimeNs ts) {
    const TimeNs us = ts / 1000;
    if (ts < 0) {  // before 1970: a pcap's seconds field with its top bit set
        const std::uint64_t magnitude = 0 - static_cast<std::uint64_t>(us);
        return fmt::format_to(p, FMT_COMPILE("-{}.{:06}"), magnitude / 1'000'000, magnitude % 1'000'000);
    }
    p = put_uint(p, static_cast<std::uint64_t>(us / 1'000'000));
    return put_micros(p, static_cast<std::uint64_t>(us));
}

// put_epoch for the times of one connection's transitions, which nearly
// always fall in the same second: the digits of the last second written
// are copied instead of being worked out again (ten digits per time).
class EpochWriter {
public:
    char* put(char* p, TimeNs ts) {
        if (ts < 0) return put_epoch(p, ts);
        const auto us = static_cast<std::uint64_t>(ts / 1000);
        const std::uint64_t secs = us / 1'000'000;
        if (secs != secs_ || len_ == 0) {
            secs_ = secs;
            len_ = static_cast<std::size_t>(put_uint(digits_, secs) - digits_);
        }
        return put_micros(raw::put(p, std::string_view(digits_, len_)), us);
    }

private:
    std::uint64_t secs_ = 0;
    std::size_t len_ = 0;
    char digits_[20];
};

// Milliseconds with three decimals, as fmt's "{:.3f}" prints d / 1e6; null
// when not measured. At most 32 bytes.
char* put_ms(char* p, TimeNs d) {
    if (d <= 0) return put_null(p);
    // The double d / 1e6 is within a relative 2^-53 of the true value. Unless
    // the true value sits exactly halfway between two microseconds (d ends in
    // 500), it is at least 1 ns from a rounding boundary, which that error
    // cannot cross while d < 10^15 ns; then rounding the integer gives the
    // same digits as formatting the double.
    const auto ns = static_cast<std::uint64_t>(d);
    if (ns % 1000 == 500 || ns >= 1'000'000'000'000'000)
        return fmt::format_to(p, FMT_COMPILE("{:.3f}"), static_cast<double>(d) / 1e6);
    const std::uint64_t us = ns / 1000 + (ns % 1000 > 500);
    p = put_uint(p, us / 1000);
    *p++ = '.';
    const auto frac = static_cast<std::uint32_t>(us % 1000);
    *p++ = static_cast<char>('0' + frac / 100);
    return put2(p, frac % 100);
}

// ---- enum names ------------------------------------------------------------

// A name padded to a fixed size, so copying it is one fixed-size move.
inline constexpr std::size_t kTokenMax = 32;
struct Token {
    char text[kTokenMax] = {};
    std::uint8_t size = 0;
};

// Room a token takes while being written (the whole padded copy).
inline constexpr std::size_t kTokenRoom = kTokenMax;

char* put(char* p, const Token& t) {
    std::memcpy(p, t.text, kTokenMax);
    return p + t.size;
}

template <class E, std::size_t N, class Name>
constexpr std::array<Token, N> make_tokens(Name name) {
    std::array<Token, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
        const std::string_view s = name(static_cast<E>(i));
        if (s.size() > kTokenMax) throw "enum name longer than kTokenMax";  // fails the constexpr build
        for (std::size_t j = 0; j < s.size(); ++j) out[i].text[j] = s[j];
        out[i].size = static_cast<std::uint8_t>(s.size());
    }
    return out;
}

constexpr auto kStates = make_tokens<State, kStateCount>([](State s) { return state_name(s); });
constexpr auto kInputs = make_tokens<Input, kInputCount>([](Input i) { return input_name(i); });
constexpr auto kDeliveries = make_tokens<Delivery, kDeliveryCount>([](Delivery d) { return delivery_name(d); });
constexpr auto kSides = make_tokens<Side, 2>([](Side s) { return side_name(s); });
static_assert(delivery_name(static_cast<Delivery>(kDeliveryCount - 1)) != "?" &&
                  delivery_name(static_cast<Delivery>(kDeliveryCount)) == "?",
              "kDeliveryCount covers every Delivery");

const Token& token(State s) { return kStates[static_cast<std::size_t>(s)]; }
const Token& token(Input i) { return kInputs[static_cast<std::size_t>(i)]; }
const Token& token(Delivery d) { return kDeliveries[static_cast<std::size_t>(d)]; }
const Token& token(Side s) { return kSides[static_cast<std::size_t>(s)]; }

// ---- pieces of the object --------------------------------------------------

// {"ip":"…","port":N}. Addresses print as digits, dots, colons and hex
// letters: no escaping needed. At most 80 bytes.
char* put_endpoint(char* p, const HostPort& hp) {
    p = lit(p, "{\"ip\":\"");
    p = write_ip(p, hp.ip);
    p = lit(p, "\",\"port\":");
    p = put_uint(p, hp.port);
    *p++ = '}';
    return p;
}

// At most 120 bytes.
char* put_options(char* p, const Endpoint& e) {
    if (!e.syn_options_seen) return put_null(p);
    const TcpOptions& o = e.syn_options;
    p = lit(p, "{\"mss\":");
    p = o.has_mss ? put_uint(p, o.mss) : put_null(p);
    p = lit(p, ",\"wscale\":");
    p = o.has_wscale ? put_uint(p, o.wscale) : put_null(p);
    p = lit(p, ",\"sack_permitted\":");
    p = put_bool(p, o.sack_permitted);
    p = lit(p, ",\"timestamps\":");
    p = put_bool(p, o.has_timestamps);
    p = lit(p, ",\"fast_open\":");
    p = put_bool(p, o.has_fast_open);
    *p++ = '}';
    return p;
}

// Only an ISN read from the endpoint's own SYN: one inferred from the peer's
// SYN+ACK is the schema's null.
char* put_isn(char* p, const Endpoint& e) {
    return e.isn_known && e.syn_frame != 0 ? put_uint(p, e.isn.raw()) : put_null(p);
}

// {"client":…,"server":…} with one writer for both sides.
template <class PutSide>
char* put_by_side(char* p, PutSide put_side) {
    p = lit(p, "{\"client\":");
    p = put_side(p, Side::client);
    p = lit(p, ",\"server\":");
    p = put_side(p, Side::server);
    *p++ = '}';
    return p;
}

char* put_quoted(char* p, std::string_view s) {
    *p++ = '"';
    p = put(p, s);
    *p++ = '"';
    return p;
}

char* put_quoted(char* p, const Token& t) {
    *p++ = '"';
    p = put(p, t);
    *p++ = '"';
    return p;
}

// Room for one transition's fields before and after the cause: the
// literals (under 100 bytes each side), two timestamps/numbers and three
// tokens.
inline constexpr std::size_t kTransitionPartRoom = 128 + 2 * 32 + 3 * kTokenRoom;

void put_transitions(Buf& b, const Connection& c, const NumberStyle& st) {
    b.push_back('[');
    bool first = true;
    EpochWriter epoch;
    for (const Transition& t : c.transitions()) {
        char* p = room(b, kTransitionPartRoom);
        if (!first) *p++ = ',';
        first = false;
        p = lit(p, "{\"ts\":");
        p = epoch.put(p, t.ts);
        p = lit(p, ",\"packet\":");
        p = put_uint_or_null(p, t.frame);
        p = lit(p, ",\"endpoint\":\"");
        p = put(p, token(t.endpoint));
        p = lit(p, "\",\"from\":\"");
        p = put(p, token(t.from));
        p = lit(p, "\",\"to\":\"");
        p = put(p, token(t.to));
        p = lit(p, "\",\"cause\":\"");
        commit(b, p);
        // Plain text by construction (describe.hpp): no escaping to do.
        [[maybe_unused]] const std::size_t cause_start = b.size();
        append_transition_cause(b, c, t, st);  // may grow (move) the buffer
        assert(is_plain_text({b.data() + cause_start, b.size() - cause_start}));

        p = room(b, kTransitionPartRoom);
        p = lit(p, "\",\"input\":\"");
        p = put(p, token(t.input));
        p = lit(p, "\",\"delivery\":\"");
        p = put(p, token(t.delivery));
        p = lit(p, "\",\"cause_packet\":");
        p = put_uint_or_null(p, t.cause_frame);
        *p++ = '}';
        commit(b, p);
    }
    b.push_back(']');
}

// The segments a stack would have refused (invalid cells of the table),
// each with the refusing endpoint's state, the input and the cell's name.
void put_refusals(Buf& b, const Connection& c) {
    b.push_back('[');
    bool first = true;
    for (const AnomalyEvent& ev : c.anomaly_events()) {
        if (ev.kind != Anomaly::unexpected_segment) continue;
        const Side refuser = is_sent(ev.input) ? ev.sender : other(ev.sender);
        const std::string name = refusal_name(ev.state, ev.input);
        const std::string_view why = transition(ev.state, ev.input).why;
        char* p = room(b, 192 + name.size() + why.size());
        if (!first) *p++ = ',';
        first = false;
        p = lit(p, "{\"packet\":");
        p = put_uint(p, ev.frame);
        p = lit(p, ",\"name\":");
        p = put_quoted(p, name);
        p = lit(p, ",\"endpoint\":");
        p = put_quoted(p, token(refuser));
        p = lit(p, ",\"state\":");
        p = put_quoted(p, token(ev.state));
        p = lit(p, ",\"input\":");
        p = put_quoted(p, token(ev.input));
        p = lit(p, ",\"why\":");
        p = put_quoted(p, why);  // plain text by construction (state.hpp)
        p = lit(p, "}");
        commit(b, p);
    }
    b.push_back(']');
}

void put_anomalies(Buf& b, const Connection& c) {
    b.push_back('{');
    bool first = true;
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const auto a = static_cast<Anomaly>(i);
        if (const auto n = c.anomaly_count(a)) {
            const std::string_view name = anomaly_name(a);
            char* p = room(b, name.size() + 32);
            if (!first) *p++ = ',';
            first = false;
            p = put_quoted(p, name);
            *p++ = ':';
            p = put_uint(p, n);
            commit(b, p);
        }
    }
    b.push_back('}');
}

// The kept anomaly events, in the order they were noted: where each one
// was and, for the kinds that have one, its number under its own key.
void put_anomaly_events(Buf& b, const Connection& c, const NumberStyle& st) {
    b.push_back('[');
    bool first = true;
    for (const AnomalyEvent& ev : c.anomaly_events()) {
        const AnomalyTerms& t = terms(ev.kind);
        char* p = room(b, 96 + t.name.size());
        if (!first) *p++ = ',';
        first = false;
        p = lit(p, "{\"packet\":");
        p = put_uint(p, ev.frame);
        p = lit(p, ",\"name\":");
        p = put_quoted(p, t.name);
        p = lit(p, ",\"sender\":");
        p = put_quoted(p, token(ev.sender));
        if (const std::optional<std::uint32_t> v = anomaly_value(c, ev, st)) {
            *p++ = ',';
            p = put_quoted(p, value_name(t.value));
            *p++ = ':';
            p = put_uint(p, *v);
        }
        *p++ = '}';
        commit(b, p);
    }
    b.push_back(']');
}

// Everything before "transitions" but the runtime-length names, which are
// added to the room separately: under 675 bytes of literals (814 allowed), 14 numbers
// (<= 20 bytes), 2 endpoints (<= 80), 2 option blocks (<= 120), 3 handshake
// times and 2 timestamps (<= 32), 4 state tokens.
inline constexpr std::size_t kHeadRoom = 750 + 64 + 14 * 20 + 2 * 80 + 2 * 120 + 5 * 32 + 4 * kTokenRoom + 256;

}  // namespace

namespace {

// "id" to "frame_bytes": who talked, when, and how much.
char* put_traffic(char* p, const Connection& c) {
    p = lit(p, "{\"id\":");
    p = put_uint(p, c.id());
    p = lit(p, ",\"client\":");
    p = put_endpoint(p, c.addr(Side::client));
    p = lit(p, ",\"server\":");
    p = put_endpoint(p, c.addr(Side::server));
    p = lit(p, ",\"roles_inferred\":");
    p = put_bool(p, c.roles_inferred());
    p = lit(p, ",\"start\":");
    p = put_epoch(p, c.first_ts());
    p = lit(p, ",\"end\":");
    p = put_epoch(p, c.last_ts());
    p = lit(p, ",\"first_packet\":");
    p = put_uint(p, c.first_frame());
    p = lit(p, ",\"last_packet\":");
    p = put_uint(p, c.last_frame());
    p = lit(p, ",\"packets\":");
    p = put_by_side(p, [&](char* q, Side x) { return put_uint(q, c.endpoint(x).packets); });
    p = lit(p, ",\"payload_bytes\":");
    p = put_by_side(p, [&](char* q, Side x) { return put_uint(q, c.endpoint(x).payload_bytes); });
    p = lit(p, ",\"stream_bytes\":");
    p = put_by_side(p, [&](char* q, Side x) { return put_uint(q, stream_bytes(c, x).sent); });
    p = lit(p, ",\"stream_bytes_not_captured\":");
    p = put_by_side(p, [&](char* q, Side x) { return put_uint(q, stream_bytes(c, x).not_captured); });
    p = lit(p, ",\"frame_bytes\":");
    return put_by_side(p, [&](char* q, Side x) { return put_uint(q, c.endpoint(x).frame_bytes); });
}

// "handshake" to "handshake_rtt_ms".
char* put_opening(char* p, const Connection& c, const Summary& s, std::string_view handshake) {
    p = lit(p, ",\"handshake\":");
    p = put_quoted(p, handshake);
    const HandshakeFacts& hs = c.handshake();  // which of the three segments the capture holds
    p = lit(p, ",\"handshake_segments\":{\"syn\":");
    p = put_bool(p, hs.syn_frame != 0);
    p = lit(p, ",\"syn_ack\":");
    p = put_bool(p, hs.synack_frame != 0);
    p = lit(p, ",\"ack\":");
    p = put_bool(p, hs.ack_frame != 0);
    *p++ = '}';
    p = lit(p, ",\"syn_retransmissions\":");
    p = put_uint(p, s.syn_retransmissions);
    p = lit(p, ",\"synack_retransmissions\":");
    p = put_uint(p, s.synack_retransmissions);
    p = lit(p, ",\"isn\":");
    p = put_by_side(p, [&](char* q, Side x) { return put_isn(q, c.endpoint(x)); });
    p = lit(p, ",\"options\":");
    p = put_by_side(p, [&](char* q, Side x) { return put_options(q, c.endpoint(x)); });
    p = lit(p, ",\"handshake_rtt_ms\":{\"syn_to_synack\":");
    p = put_ms(p, s.syn_to_synack);
    p = lit(p, ",\"synack_to_ack\":");
    p = put_ms(p, s.synack_to_ack);
    p = lit(p, ",\"initial\":");
    p = put_ms(p, s.initial_rtt);
    return lit(p, "}");
}

// "close" to "end_reason".
char* put_ending(char* p, const Connection& c, const Summary& s, std::string_view close, std::string_view initiator,
                 std::string_view end_reason) {
    p = lit(p, ",\"close\":");
    p = put_quoted(p, close);
    p = lit(p, ",\"close_initiator\":");
    p = s.initiator == Initiator::none ? put_null(p) : put_quoted(p, initiator);
    p = lit(p, ",\"final_state\":");
    p = put_by_side(p, [&](char* q, Side x) { return put_quoted(q, token(c.final_state(x))); });
    p = lit(p, ",\"initial_state\":");
    p = put_by_side(p, [&](char* q, Side x) { return put_quoted(q, token(c.endpoint(x).initial_state)); });
    p = lit(p, ",\"states_inferred\":");
    p = put_bool(p, c.endpoint(Side::client).state_inferred || c.endpoint(Side::server).state_inferred);
    p = lit(p, ",\"end_reason\":");
    return put_quoted(p, end_reason);
}

// `"interfaces":{"client":["eth0"],"server":["eth1"]}` or null. Rare (a
// pcapng file of several interfaces), so plainly appended. Names are
// printable ASCII (capture::printable_name): only `"` and `\` need escaping.
void append_text(Buf& b, std::string_view s) { b.append(s.data(), s.data() + s.size()); }

void put_interfaces(Buf& b, const Connection& c, const InterfaceNaming& naming) {
    const std::uint32_t cl = c.endpoint(Side::client).interfaces, sv = c.endpoint(Side::server).interfaces;
    if (!naming.several() || (cl | sv) == 0) {
        append_text(b, ",\"interfaces\":null");
        return;
    }
    append_text(b, ",\"interfaces\":{");
    for (const Side side : {Side::client, Side::server}) {
        if (side == Side::server) b.push_back(',');
        fmt::format_to(std::back_inserter(b), "\"{}\":[", side == Side::client ? "client" : "server");
        bool first = true;
        for (const std::string& name : interface_names_in(c.endpoint(side).interfaces, naming)) {
            if (!first) b.push_back(',');
            first = false;
            b.push_back('"');
            for (const char ch : name) {
                if (ch == '"' || ch == '\\') b.push_back('\\');
                b.push_back(ch);
            }
            b.push_back('"');
        }
        b.push_back(']');
    }
    b.push_back('}');
}

// What Zeek would log: conn.log's conn_state and history, and which of our
// sides is its originator (the join key's direction).
void put_zeek(Buf& b, const Connection& c) {
    const ZeekView* z = c.zeek();
    if (!z) {
        append_text(b, ",\"zeek\":null");
        return;
    }
    const bool client_is_a = &c.addr(Side::client) == &c.key().a;
    append_text(b, ",\"zeek\":{\"conn_state\":\"");
    append_text(b, z->conn_state());
    append_text(b, "\",\"history\":\"");
    append_text(b, z->history());  // letters and ^: nothing to escape
    append_text(b, z->orig_is_a() == client_is_a ? "\",\"orig\":\"client\"}" : "\",\"orig\":\"server\"}");
}

}  // namespace

void write_json(Buf& b, const Connection& c, const Summary& s, const NumberStyle& st,
                const InterfaceNaming& interfaces) {
    const std::string_view handshake = handshake_name(s.handshake);
    const std::string_view close = close_name(s.close);
    const std::string_view initiator = initiator_name(s.initiator);
    const std::string_view end_reason = end_reason_name(c.end_reason());

    char* p = room(b, kHeadRoom + handshake.size() + close.size() + initiator.size() + end_reason.size());
    p = put_traffic(p, c);
    p = put_opening(p, c, s, handshake);
    p = put_ending(p, c, s, close, initiator, end_reason);
    p = lit(p, ",\"transitions\":");
    commit(b, p);
    put_transitions(b, c, st);

    p = room(b, 16);
    p = lit(p, ",\"anomalies\":");
    commit(b, p);
    put_anomalies(b, c);
    p = room(b, 16);
    p = lit(p, ",\"refusals\":");
    commit(b, p);
    put_refusals(b, c);
    p = room(b, 24);
    p = lit(p, ",\"anomaly_events\":");
    commit(b, p);
    put_anomaly_events(b, c, st);
    put_interfaces(b, c, interfaces);
    write_failure_json(b, c, st);
    put_zeek(b, c);

    p = room(b, 2);
    p = lit(p, "}\n");
    commit(b, p);
}

}  // namespace tfe::analyzer
