#include "analyzer/expectations.hpp"
#include "analyzer/failure.hpp"
#include "analyzer/vocabulary.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "analyzer/summary.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

using json = json_line;

namespace {

// ---- what each field of a connection object can hold ------------------------

// "" when the value fits, else what was expected ("a close kind (…)").
using Check = std::function<std::string(const json&)>;

template <class Name, class Enum>
std::vector<std::string> names_of(std::size_t count, Name name_of) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) out.emplace_back(name_of(static_cast<Enum>(i)));
    return out;
}

Check one_of(std::string what, std::vector<std::string> names, bool nullable = false) {
    return [what = std::move(what), names = std::move(names), nullable](const json& v) -> std::string {
        if (nullable && v.is_null()) return {};
        if (v.is_string() && std::find(names.begin(), names.end(), v.get<std::string>()) != names.end()) return {};
        return fmt::format("{} ({}{})", what, fmt::join(names, ", "), nullable ? ", or null" : "");
    };
}

Check count_check(std::uint64_t least = 0, std::uint64_t most = UINT64_MAX, bool nullable = false) {
    return [=](const json& v) -> std::string {
        if (nullable && v.is_null()) return {};
        if (v.is_number_integer() && !(v.is_number_unsigned() ? false : v.get<std::int64_t>() < 0) &&
            v.get<std::uint64_t>() >= least && v.get<std::uint64_t>() <= most)
            return {};
        return fmt::format("a whole number from {} to {}{}", least, most, nullable ? ", or null" : "");
    };
}

Check number_check(bool nullable = false) {
    return [=](const json& v) -> std::string {
        return v.is_number() || (nullable && v.is_null()) ? "" : nullable ? "a number or null" : "a number";
    };
}

Check bool_check() {
    return [](const json& v) -> std::string { return v.is_boolean() ? "" : "true or false"; };
}

Check text_check() {
    return [](const json& v) -> std::string { return v.is_string() ? "" : "a string"; };
}

Check ip_check() {
    return [](const json& v) -> std::string {
        unsigned char buf[16];
        if (v.is_string()) {
            const std::string s = v.get<std::string>();
            if (inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1) return {};
        }
        return "an IPv4 or IPv6 address";
    };
}

std::vector<std::string> state_names() { return names_of<decltype(state_name), State>(kStateCount, state_name); }

// The failure diagnosis and the ICMP errors (analyzer/failure_json.cpp).
void add_failure_fields(std::map<std::string, Check>& f, const Check& states) {
    f["reset_reason"] = one_of("a reset reason", {"injected", "data-after-close", "after-idle", "abortive-close"}, true);
    f["failure.kind"] = one_of("a failure kind", names_of<decltype(failure_name), FailureKind>(kFailureKinds, failure_name));
    f["failure.errno"] = [](const json& v) -> std::string { return v.is_null() || v.is_string() ? "" : "an errno name or null"; };
    for (const char* k : {"syn_packet", "answer_packet", "ack_packet"}) f[std::string("failure.") + k] = count_check(1, UINT64_MAX, true);
    f["failure.syn_packets[]"] = count_check(1);
    f["failure.syn_times_s[]"] = number_check();
    f["failure.backoff"] = one_of("a back-off", {"linux-exponential", "linux-linear", "linux-linear-then-exponential", "other"}, true);
    f["failure.synack_after_ack"] = count_check();
    f["failure.refused_attempts"] = count_check();
    f["failure.time_wait.previous_packets[]"] = count_check(1);
    for (const char* k : {"acks", "resets", "resets_ignored"}) f[std::string("failure.time_wait.") + k] = count_check();
    for (const char* k : {"first_ack_packet", "first_reset_packet", "ended_by_reset_packet"})
        f[std::string("failure.time_wait.") + k] = count_check(1, UINT64_MAX, true);
    for (const std::string at : {"failure.icmp.", "icmp_errors[]."}) {
        for (const char* k : {"packet", "version", "type", "code", "quoted_seq"}) f[at + k] = count_check(0, UINT64_MAX);
        f[at + "words"] = text_check();
        f[at + "router"] = ip_check();
        f[at + "about"] = one_of("a side", {"client", "server"});
        f[at + "quotes_syn"] = bool_check();
        f[at + "state"] = states;
        f[at + "errno"] = f["failure.errno"];
    }
}

// The fields every connection has once per side.
void add_side_fields(std::map<std::string, Check>& f, const Check& states) {
    for (const char* side : {"client", "server"}) {
        const std::string s = side;
        f[s + ".ip"] = ip_check();
        f[s + ".port"] = count_check(0, 65535);
        for (const char* pair : {"packets", "payload_bytes", "stream_bytes", "stream_bytes_not_captured", "frame_bytes"}) f[std::string(pair) + "." + s] = count_check();
        f["isn." + s] = count_check(0, UINT32_MAX, true);
        f["options." + s + ".mss"] = count_check(0, 65535, true);
        f["options." + s + ".wscale"] = count_check(0, 255, true);
        for (const char* flag : {"sack_permitted", "timestamps", "fast_open"}) f["options." + s + "." + flag] = bool_check();
        f["final_state." + s] = states;
        f["initial_state." + s] = states;
    }
}

// Leaf fields, by path ("[]" for an element of an array).
const std::map<std::string, Check>& leaf_fields() {
    static const std::map<std::string, Check> fields = [] {
        std::map<std::string, Check> f;
        const auto states = one_of("a state", state_names());
        f["id"] = count_check(1);
        add_side_fields(f, states);
        for (const char* k : {"roles_inferred", "states_inferred"}) f[k] = bool_check();
        for (const char* k : {"start", "end"}) f[k] = number_check();
        for (const char* k : {"first_packet", "last_packet"}) f[k] = count_check(1);
        for (const char* k : {"syn_retransmissions", "synack_retransmissions"}) f[k] = count_check();
        for (const char* k : {"syn", "syn_ack", "ack"}) f[std::string("handshake_segments.") + k] = bool_check();
        f["handshake_rtt_ms.syn_to_synack"] = number_check(true);
        f["handshake_rtt_ms.synack_to_ack"] = number_check(true);
        f["handshake_rtt_ms.initial"] = number_check(true);
        f["handshake"] = one_of("a handshake kind", names_of<decltype(handshake_name), HandshakeKind>(kHandshakeKinds, handshake_name));
        f["close"] = one_of("a close kind", names_of<decltype(close_name), CloseKind>(kCloseKinds, close_name));
        f["close_initiator"] = one_of("a side", {"client", "server", "both"}, true);
        f["end_reason"] = one_of("an end reason", names_of<decltype(end_reason_name), EndReason>(kEndReasons, end_reason_name));
        for (const char* side : {"client", "server"}) f["interfaces." + std::string(side) + "[]"] = text_check();
        f["transitions[].ts"] = number_check();
        f["transitions[].packet"] = count_check(1, UINT64_MAX, true);
        f["transitions[].cause_packet"] = count_check(1, UINT64_MAX, true);
        f["transitions[].endpoint"] = one_of("a side", {"client", "server"});
        f["transitions[].from"] = states;
        f["transitions[].to"] = states;
        f["transitions[].cause"] = text_check();
        f["transitions[].input"] = one_of("a table input", names_of<decltype(input_name), Input>(kInputCount, input_name));
        f["transitions[].delivery"] = one_of("a delivery", names_of<decltype(delivery_name), Delivery>(kDeliveryCount, delivery_name));
        f["anomalies.*"] = count_check();
        f["refusals[].packet"] = count_check(1);
        f["refusals[].name"] = [](const json& v) -> std::string {
            State in{};
            Input on{};
            return v.is_string() && refusal_from_name(v.get<std::string>(), in, on) ? "" : "a cell's name such as time_wait_snd_fin";
        };
        f["refusals[].endpoint"] = one_of("a side", {"client", "server"});
        f["refusals[].state"] = states;
        f["refusals[].input"] = one_of("a table input", names_of<decltype(input_name), Input>(kInputCount, input_name));
        f["refusals[].why"] = text_check();
        f["anomaly_events[].packet"] = count_check(1);
        f["anomaly_events[].name"] = one_of("an anomaly", names_of<decltype(anomaly_name), Anomaly>(kAnomalyCount, anomaly_name));
        f["anomaly_events[].sender"] = one_of("a side", {"client", "server"});
        for (const AnomalyValue v : {AnomalyValue::bytes_not_captured, AnomalyValue::bytes_missing, AnomalyValue::fin_seq,
                                     AnomalyValue::peer_sent_up_to, AnomalyValue::expected_seq, AnomalyValue::expected_ack,
                                     AnomalyValue::reset_packet, AnomalyValue::acked_by_packet})
            f["anomaly_events[]." + std::string(value_name(v))] = count_check(0, UINT32_MAX);
        add_failure_fields(f, states);
        f["zeek.conn_state"] = one_of("a Zeek conn_state", {"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR",
                                                            "RSTOS0", "RSTRH", "SH", "SHR", "OTH"});
        f["zeek.history"] = [](const json& v) -> std::string {
            const bool ok = v.is_string() && v.get<std::string>().find_first_not_of("^SsHhAaDdFfRrCcGgTtWwIiQq") == std::string::npos;
            return ok ? "" : "a Zeek history (letters of ^SsHhAaDdFfRrCcGgTtWwIiQq)";
        };
        f["zeek.orig"] = one_of("a side", {"client", "server"});
        return f;
    }();
    return fields;
}

// Objects inside a connection object (true: may be null instead).
const std::map<std::string, bool>& object_fields() {
    static const std::map<std::string, bool> objects = {
        {"client", false}, {"server", false}, {"packets", false}, {"payload_bytes", false},
        {"stream_bytes", false}, {"stream_bytes_not_captured", false}, {"frame_bytes", false}, {"isn", false},
        {"options", false}, {"options.client", true}, {"options.server", true}, {"handshake_rtt_ms", false}, {"handshake_segments", false}, {"final_state", false},
        {"initial_state", false}, {"anomalies", false}, {"transitions[]", false},
        {"refusals[]", false}, {"anomaly_events[]", false}, {"interfaces", true}, {"failure", true},
        {"failure.icmp", true}, {"failure.time_wait", true}, {"icmp_errors[]", false}, {"zeek", true}};
    return objects;
}

bool is_array_field(const std::string& path) {
    return path == "transitions" || path == "refusals" || path == "anomaly_events" || path == "interfaces.client" ||
           path == "interfaces.server" || path == "icmp_errors" || path == "failure.syn_packets" ||
           path == "failure.syn_times_s" || path == "failure.time_wait.previous_packets";
}

std::string child_path(const std::string& path, const std::string& key) {
    if (path == "anomalies") return "anomalies.*";
    return path.empty() ? key : path + "." + key;
}

std::string anomaly_problem(const std::string& key) {
    const auto names = names_of<decltype(anomaly_name), Anomaly>(kAnomalyCount, anomaly_name);
    if (std::find(names.begin(), names.end(), key) != names.end()) return {};
    return fmt::format("anomalies: unknown anomaly '{}' ({})", key, fmt::join(names, ", "));
}

// The first problem with `v` at `path`, or "".
std::string problem_at(const std::string& path, const json& v) {
    const auto& objects = object_fields();
    if (const auto o = objects.find(path); o != objects.end() || path.empty()) {
        if (v.is_null() && o != objects.end() && o->second) return {};
        if (!v.is_object()) return fmt::format("{}: expected an object", path.empty() ? "the line" : path);
        for (const auto& [key, child] : v.items()) {
            if (path == "anomalies") {
                if (std::string p = anomaly_problem(key); !p.empty()) return p;
            }
            if (std::string p = problem_at(child_path(path, key), child); !p.empty()) return p;
        }
        return {};
    }
    if (is_array_field(path)) {
        if (!v.is_array()) return path + ": expected an array";
        for (const json& t : v)
            if (std::string p = problem_at(path + "[]", t); !p.empty()) return p;
        return {};
    }
    return field_problem(path, v);
}

}  // namespace

std::string field_problem(const std::string& path, const json& value) {
    const auto& leaves = leaf_fields();
    const auto it = leaves.find(path);
    if (it == leaves.end()) {
        if (object_fields().count(path) || is_array_field(path)) return problem_at(path, value);
        return fmt::format("unknown field '{}'", path);
    }
    const std::string want = it->second(value);
    return want.empty() ? "" : fmt::format("{}: {} is not {}", path, value.dump(), want);
}

std::string expectation_problem(const json& line) { return problem_at("", line); }

std::vector<Expectation> load_expectations(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ExpectationError(fmt::format("{}: cannot open", path));
    std::vector<Expectation> out;
    std::string text;
    for (std::size_t n = 1; std::getline(in, text); ++n) {
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        Expectation e{n, {}};
        try {
            e.pinned = json::parse(text);
        } catch (const json::parse_error& err) {
            throw ExpectationError(fmt::format("{}:{}: not JSON: {}", path, n, err.what()));
        }
        if (const std::string p = problem_at("", e.pinned); !p.empty())
            throw ExpectationError(fmt::format("{}:{}: {}", path, n, p));
        out.push_back(std::move(e));
    }
    return out;
}

json behaviour_of(const json& c) {
    json out;
    for (const char* k : {"id", "handshake", "close", "close_initiator", "final_state", "failure"})
        if (c.contains(k)) out[k] = c[k];
    return out;
}

namespace {

// `pinned` with each field it names replaced by today's value; fields the
// connection no longer has are dropped.
json refreshed(const json& pinned, const json& now) {
    if (!pinned.is_object() || !now.is_object()) return now;
    json out = json::object();
    for (const auto& [k, v] : pinned.items()) {
        if (!now.contains(k)) continue;
        const bool nested = v.is_object() && now[k].is_object() && k != "anomalies";
        out[k] = nested ? refreshed(v, now[k]) : now[k];
    }
    return out;
}

const json* match_of(const json& pinned, const std::vector<json>& actual, std::vector<bool>& used) {
    for (std::size_t i = 0; i < actual.size(); ++i) {
        if (used[i]) continue;
        bool hit = false;
        if (pinned.contains("id")) hit = actual[i].contains("id") && actual[i]["id"] == pinned["id"];
        else hit = (!pinned.contains("client") || pinned["client"] == actual[i]["client"]) &&
                   (!pinned.contains("server") || pinned["server"] == actual[i]["server"]);
        if (hit) {
            used[i] = true;
            return &actual[i];
        }
    }
    return nullptr;
}

}  // namespace

std::vector<json> updated_expectations(const std::vector<Expectation>& old, const std::vector<json>& actual,
                                       bool add_unlisted) {
    std::vector<json> out;
    std::vector<bool> used(actual.size(), false);
    for (const Expectation& e : old)
        if (const json* now = match_of(e.pinned, actual, used)) out.push_back(refreshed(e.pinned, *now));
    if (old.empty() || add_unlisted)
        for (std::size_t i = 0; i < actual.size(); ++i)
            if (!used[i]) out.push_back(behaviour_of(actual[i]));
    return out;
}

}  // namespace tfe::analyzer
