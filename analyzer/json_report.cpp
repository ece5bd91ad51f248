#include "analyzer/json_report.hpp"

#include <fmt/compile.h>

#include <arpa/inet.h>

#include <iterator>

namespace tfe::analyzer {

namespace {

using Buf = fmt::memory_buffer;

void put(Buf& b, std::string_view s) { b.append(s.data(), s.data() + s.size()); }

void put_uint(Buf& b, std::uint64_t v) {
    const fmt::format_int digits(v);
    b.append(digits.data(), digits.data() + digits.size());
}

void put_bool(Buf& b, bool v) { put(b, v ? "true" : "false"); }

bool needs_escape(char ch) {
    return ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20;
}

void put_string(Buf& b, std::string_view s) {
    b.push_back('"');
    for (char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            b.push_back('\\');
            b.push_back(ch);
        } else if (u < 0x20) {
            fmt::format_to(std::back_inserter(b), FMT_COMPILE("\\u{:04x}"), u);
        } else {
            b.push_back(ch);
        }
    }
    b.push_back('"');
}

// A transition's cause as a JSON string, written in place; the rare text
// that needs escaping is copied out and written again, escaped.
void put_cause(Buf& b, const Connection& c, const Transition& t, const NumberStyle& st) {
    const std::size_t start = b.size();
    b.push_back('"');
    append_transition_cause(b, c, t, st);
    for (std::size_t i = start + 1; i < b.size(); ++i) {
        if (needs_escape(b[i])) {
            const std::string text(b.data() + start + 1, b.size() - start - 1);
            b.resize(start);
            put_string(b, text);
            return;
        }
    }
    b.push_back('"');
}

// Addresses print as digits, dots and colons: no escaping needed.
void put_endpoint(Buf& b, const HostPort& hp) {
    char ip[INET6_ADDRSTRLEN] = {};
    inet_ntop(hp.ip.version == 6 ? AF_INET6 : AF_INET, hp.ip.bytes.data(), ip, sizeof ip);
    put(b, "{\"ip\":\"");
    put(b, ip);
    put(b, "\",\"port\":");
    put_uint(b, hp.port);
    b.push_back('}');
}

void put_options(Buf& b, const Endpoint& e) {
    if (!e.syn_options_seen) {
        put(b, "null");
        return;
    }
    const TcpOptions& o = e.syn_options;
    put(b, "{\"mss\":");
    if (o.has_mss) put_uint(b, o.mss); else put(b, "null");
    put(b, ",\"wscale\":");
    if (o.has_wscale) put_uint(b, o.wscale); else put(b, "null");
    put(b, ",\"sack_permitted\":");
    put_bool(b, o.sack_permitted);
    put(b, ",\"timestamps\":");
    put_bool(b, o.has_timestamps);
    put(b, ",\"fast_open\":");
    put_bool(b, o.has_fast_open);
    b.push_back('}');
}

void put_isn(Buf& b, const Endpoint& e) {
    if (e.isn_known) put_uint(b, e.isn.raw());
    else put(b, "null");
}

void put_ms(Buf& b, TimeNs d) {
    if (d > 0) fmt::format_to(std::back_inserter(b), FMT_COMPILE("{:.3f}"), static_cast<double>(d) / 1e6);
    else put(b, "null");
}

void put_transitions(Buf& b, const Connection& c, const NumberStyle& st) {
    put(b, "[");
    bool first = true;
    for (const Transition& t : c.transitions()) {
        if (!first) b.push_back(',');
        first = false;
        put(b, "{\"ts\":");
        append_epoch(b, t.ts);
        put(b, ",\"packet\":");
        if (t.frame) put_uint(b, t.frame); else put(b, "null");
        put(b, ",\"endpoint\":\"");
        put(b, side_name(t.endpoint));
        put(b, "\",\"from\":\"");
        put(b, state_name(t.from));
        put(b, "\",\"to\":\"");
        put(b, state_name(t.to));
        put(b, "\",\"cause\":");
        put_cause(b, c, t, st);
        put(b, ",\"input\":\"");
        put(b, input_name(t.input));
        put(b, "\",\"delivery\":\"");
        put(b, delivery_name(t.delivery));
        put(b, "\",\"cause_packet\":");
        if (t.cause_frame) put_uint(b, t.cause_frame); else put(b, "null");
        put(b, "}");
    }
    put(b, "]");
}

void put_anomalies(Buf& b, const Connection& c) {
    put(b, "{");
    bool first = true;
    for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        const auto a = static_cast<Anomaly>(i);
        if (const auto n = c.anomaly_count(a)) {
            if (!first) b.push_back(',');
            first = false;
            b.push_back('"');
            put(b, anomaly_name(a));
            put(b, "\":");
            put_uint(b, n);
        }
    }
    put(b, "}");
}

}  // namespace

namespace {

// ,"key":{"client":…,"server":…} with one writer for both sides.
template <class PutSide>
void put_by_side(Buf& b, std::string_view key, PutSide put_side) {
    put(b, ",\"");
    put(b, key);
    put(b, "\":{\"client\":");
    put_side(Side::client);
    put(b, ",\"server\":");
    put_side(Side::server);
    b.push_back('}');
}

void put_quoted(Buf& b, std::string_view s) {
    b.push_back('"');
    put(b, s);
    b.push_back('"');
}

}  // namespace

void write_json(Buf& b, const Connection& c, const Summary& s, const NumberStyle& st) {
    const auto ep = [&c](Side side) -> const Endpoint& { return c.endpoint(side); };
    put(b, "{\"id\":");
    put_uint(b, c.id());
    put(b, ",\"client\":");
    put_endpoint(b, c.addr(Side::client));
    put(b, ",\"server\":");
    put_endpoint(b, c.addr(Side::server));
    put(b, ",\"roles_inferred\":");
    put_bool(b, c.roles_inferred());
    put(b, ",\"start\":");
    append_epoch(b, c.first_ts());
    put(b, ",\"end\":");
    append_epoch(b, c.last_ts());
    put(b, ",\"first_packet\":");
    put_uint(b, c.first_frame());
    put(b, ",\"last_packet\":");
    put_uint(b, c.last_frame());
    put_by_side(b, "packets", [&](Side x) { put_uint(b, ep(x).packets); });
    put_by_side(b, "payload_bytes", [&](Side x) { put_uint(b, ep(x).payload_bytes); });
    put_by_side(b, "frame_bytes", [&](Side x) { put_uint(b, ep(x).frame_bytes); });
    put(b, ",\"handshake\":");
    put_quoted(b, handshake_name(s.handshake));
    put(b, ",\"syn_retransmissions\":");
    put_uint(b, s.syn_retransmissions);
    put(b, ",\"synack_retransmissions\":");
    put_uint(b, s.synack_retransmissions);
    put_by_side(b, "isn", [&](Side x) { put_isn(b, ep(x)); });
    put_by_side(b, "options", [&](Side x) { put_options(b, ep(x)); });
    put(b, ",\"handshake_rtt_ms\":{\"syn_to_synack\":");
    put_ms(b, s.syn_to_synack);
    put(b, ",\"synack_to_ack\":");
    put_ms(b, s.synack_to_ack);
    put(b, "},\"close\":");
    put_quoted(b, close_name(s.close));
    put(b, ",\"close_initiator\":");
    if (s.initiator == Initiator::none) put(b, "null");
    else put_quoted(b, initiator_name(s.initiator));
    put_by_side(b, "final_state", [&](Side x) { put_quoted(b, state_name(c.final_state(x))); });
    put_by_side(b, "initial_state", [&](Side x) { put_quoted(b, state_name(ep(x).initial_state)); });
    put(b, ",\"states_inferred\":");
    put_bool(b, ep(Side::client).state_inferred || ep(Side::server).state_inferred);
    put(b, ",\"end_reason\":");
    put_quoted(b, end_reason_name(c.end_reason()));
    put(b, ",\"transitions\":");
    put_transitions(b, c, st);
    put(b, ",\"anomalies\":");
    put_anomalies(b, c);
    put(b, "}\n");
}

}  // namespace tfe::analyzer
