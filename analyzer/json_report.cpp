#include "analyzer/json_report.hpp"

#include <iterator>

namespace tfe::analyzer {

namespace {

using Buf = fmt::memory_buffer;

void put(Buf& b, std::string_view s) { b.append(s.data(), s.data() + s.size()); }

void put_string(Buf& b, std::string_view s) {
    b.push_back('"');
    for (char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            b.push_back('\\');
            b.push_back(ch);
        } else if (u < 0x20) {
            fmt::format_to(std::back_inserter(b), "\\u{:04x}", u);
        } else {
            b.push_back(ch);
        }
    }
    b.push_back('"');
}

void put_endpoint(Buf& b, const HostPort& hp) {
    put(b, "{\"ip\":");
    put_string(b, to_string(hp.ip));
    fmt::format_to(std::back_inserter(b), ",\"port\":{}}}", hp.port);
}

void put_options(Buf& b, const Endpoint& e) {
    if (!e.syn_options_seen) {
        put(b, "null");
        return;
    }
    const TcpOptions& o = e.syn_options;
    put(b, "{\"mss\":");
    if (o.has_mss) fmt::format_to(std::back_inserter(b), "{}", o.mss); else put(b, "null");
    put(b, ",\"wscale\":");
    if (o.has_wscale) fmt::format_to(std::back_inserter(b), "{}", o.wscale); else put(b, "null");
    fmt::format_to(std::back_inserter(b), ",\"sack_permitted\":{},\"timestamps\":{},\"fast_open\":{}}}",
                   o.sack_permitted, o.has_timestamps, o.has_fast_open);
}

void put_isn(Buf& b, const Endpoint& e) {
    if (e.isn_known) fmt::format_to(std::back_inserter(b), "{}", e.isn.raw());
    else put(b, "null");
}

void put_ms(Buf& b, TimeNs d) {
    if (d > 0) fmt::format_to(std::back_inserter(b), "{:.3f}", static_cast<double>(d) / 1e6);
    else put(b, "null");
}

void put_transitions(Buf& b, const Connection& c, const NumberStyle& st) {
    put(b, "[");
    bool first = true;
    for (const Transition& t : c.transitions()) {
        if (!first) b.push_back(',');
        first = false;
        put(b, "{\"ts\":");
        put(b, format_epoch(t.ts));
        put(b, ",\"packet\":");
        if (t.frame) fmt::format_to(std::back_inserter(b), "{}", t.frame); else put(b, "null");
        put(b, ",\"endpoint\":\"");
        put(b, side_name(t.endpoint));
        put(b, "\",\"from\":\"");
        put(b, state_name(t.from));
        put(b, "\",\"to\":\"");
        put(b, state_name(t.to));
        put(b, "\",\"cause\":");
        put_string(b, transition_cause(c, t, st));
        put(b, ",\"input\":\"");
        put(b, input_name(t.input));
        put(b, "\",\"delivery\":\"");
        put(b, delivery_name(t.delivery));
        put(b, "\",\"cause_packet\":");
        if (t.cause_frame) fmt::format_to(std::back_inserter(b), "{}", t.cause_frame); else put(b, "null");
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
            fmt::format_to(std::back_inserter(b), "\"{}\":{}", anomaly_name(a), n);
        }
    }
    put(b, "}");
}

}  // namespace

void write_json(Buf& b, const Connection& c, const Summary& s, const NumberStyle& st) {
    const Endpoint& cl = c.endpoint(Side::client);
    const Endpoint& sv = c.endpoint(Side::server);
    auto out = std::back_inserter(b);
    fmt::format_to(out, "{{\"id\":{},\"client\":", c.id());
    put_endpoint(b, cl.addr);
    put(b, ",\"server\":");
    put_endpoint(b, sv.addr);
    fmt::format_to(out, ",\"roles_inferred\":{},\"start\":{},\"end\":{}", c.roles_inferred(),
                   format_epoch(c.first_ts()), format_epoch(c.last_ts()));
    fmt::format_to(out, ",\"first_packet\":{},\"last_packet\":{}", c.first_frame(), c.last_frame());
    fmt::format_to(out, ",\"packets\":{{\"client\":{},\"server\":{}}}", cl.packets, sv.packets);
    fmt::format_to(out, ",\"payload_bytes\":{{\"client\":{},\"server\":{}}}", cl.payload_bytes, sv.payload_bytes);
    fmt::format_to(out, ",\"handshake\":\"{}\",\"syn_retransmissions\":{},\"synack_retransmissions\":{}",
                   handshake_name(s.handshake), s.syn_retransmissions, s.synack_retransmissions);
    put(b, ",\"isn\":{\"client\":");
    put_isn(b, cl);
    put(b, ",\"server\":");
    put_isn(b, sv);
    put(b, "},\"options\":{\"client\":");
    put_options(b, cl);
    put(b, ",\"server\":");
    put_options(b, sv);
    put(b, "},\"handshake_rtt_ms\":{\"syn_to_synack\":");
    put_ms(b, s.syn_to_synack);
    put(b, ",\"synack_to_ack\":");
    put_ms(b, s.synack_to_ack);
    fmt::format_to(out, "}},\"close\":\"{}\",\"close_initiator\":", close_name(s.close));
    if (s.initiator == Initiator::none) put(b, "null");
    else fmt::format_to(out, "\"{}\"", initiator_name(s.initiator));
    fmt::format_to(out, ",\"final_state\":{{\"client\":\"{}\",\"server\":\"{}\"}}",
                   state_name(c.final_state(Side::client)), state_name(c.final_state(Side::server)));
    fmt::format_to(out, ",\"initial_state\":{{\"client\":\"{}\",\"server\":\"{}\"}},\"states_inferred\":{}",
                   state_name(cl.initial_state), state_name(sv.initial_state),
                   cl.state_inferred || sv.state_inferred);
    fmt::format_to(out, ",\"end_reason\":\"{}\",\"transitions\":", end_reason_name(c.end_reason()));
    put_transitions(b, c, st);
    put(b, ",\"anomalies\":");
    put_anomalies(b, c);
    put(b, "}\n");
}

}  // namespace tfe::analyzer
