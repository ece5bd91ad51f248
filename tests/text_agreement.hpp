// What the tcpdump-text path must agree with the capture path on, for the
// same connections: everything in the JSON object except what text cannot
// carry. Excluded on purpose: the addresses (tcpdump may print names, which
// become synthetic addresses), frame_bytes (the link header is not in the
// text), and the absolute times (a time of day has no date): times are
// compared as microseconds since the connection's start. Two anomalies
// rest on what tcpdump does not print: truncated_payload (captured bytes;
// tcpdump prints the length sent) and keep_alive (a probe is a pure ACK one
// byte behind, and tcpdump prints no seq for a pure ACK): from text a probe
// and its answer are duplicate ACKs, so keep_alive, keep_alive_ack and
// duplicate_ack are compared as one family, pure ACKs that repeat. ICMP errors are
// not read from text (tcpdump's ICMP line names no quoted ports), so the
// ICMP facts, and the failure decided from them and the rest, are left out,
// and so is an ICMP error's transition (rcv_icmp_error, the last of its
// side's): that side's final state is then the one it left. Zeek does not
// reassemble a payload the snapshot cut, so its content gaps (`g` in the
// Zeek history) also rest on captured bytes: left out where the capture
// cut payloads.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tfe::test {

inline std::int64_t micros_since(const nlohmann::ordered_json& t, double start) {
    return std::llround((t.get<double>() - start) * 1e6);
}

inline nlohmann::ordered_json comparable(nlohmann::ordered_json c) {
    const double start = c["start"].get<double>();
    c["client"].erase("ip");
    c["server"].erase("ip");
    c.erase("frame_bytes");
    if (c["anomalies"].contains("truncated_payload") && c["zeek"].is_object()) {
        std::string h = c["zeek"]["history"].get<std::string>();
        std::erase_if(h, [](char ch) { return ch == 'g' || ch == 'G'; });
        c["zeek"]["history"] = h;
    }
    c["anomalies"].erase("truncated_payload");
    std::uint64_t repeats = 0;
    for (const char* name : {"keep_alive", "keep_alive_ack", "duplicate_ack"}) {
        repeats += c["anomalies"].value(name, std::uint64_t{0});
        c["anomalies"].erase(name);
    }
    if (repeats) c["anomalies"]["pure_ack_repeat"] = repeats;
    c.erase("failure");  // decided from the facts compared here, and from the ICMP ones
    c.erase("icmp_errors");
    c["anomalies"].erase("icmp_error");
    auto& events = c["anomaly_events"];
    for (auto it = events.begin(); it != events.end();) {
        const auto& name = (*it)["name"];
        if (name == "keep_alive" || name == "keep_alive_ack" || name == "duplicate_ack") (*it)["name"] = "pure_ack_repeat";
        it = name == "truncated_payload" || name == "icmp_error" ? events.erase(it) : it + 1;
    }
    auto& transitions = c["transitions"];
    for (auto it = transitions.begin(); it != transitions.end();) {
        if ((*it)["delivery"] != "icmp_error") {
            ++it;
            continue;
        }
        c["final_state"][(*it)["endpoint"].get<std::string>()] = (*it)["from"];
        it = transitions.erase(it);
    }
    c["end"] = micros_since(c["end"], start);
    c.erase("start");
    for (auto& t : c["transitions"]) t["ts"] = micros_since(t["ts"], start);
    return c;
}

inline std::vector<nlohmann::ordered_json> comparable(const std::vector<nlohmann::ordered_json>& cs) {
    std::vector<nlohmann::ordered_json> out;
    for (const auto& c : cs) out.push_back(comparable(c));
    return out;
}

}  // namespace tfe::test
