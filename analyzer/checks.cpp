#include "analyzer/checks.hpp"
#include "analyzer/vocabulary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

namespace tfe::analyzer {

using json = nlohmann::ordered_json;

std::vector<json> load_json_lines(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot open", path));
    std::vector<json> out;
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            out.push_back(json::parse(line));
        } catch (const json::parse_error& e) {
            throw std::runtime_error(fmt::format("{}:{}: not JSON: {}", path, n, e.what()));
        }
        if (!out.back().is_object())
            throw std::runtime_error(fmt::format("{}:{}: expected one JSON object per line", path, n));
    }
    return out;
}

namespace {

std::string endpoint_text(const json& ep) {
    if (!ep.is_object() || !ep.contains("ip") || !ep.contains("port")) return "?";
    const std::string ip = ep["ip"].get<std::string>();
    const bool v6 = ip.find(':') != std::string::npos;
    return fmt::format("{}{}{}:{}", v6 ? "[" : "", ip, v6 ? "]" : "", ep["port"].dump());
}

std::string where_of(const json& o) {
    std::string s = "connection";
    if (o.contains("id")) s += " " + o["id"].dump();
    if (o.contains("client") && o.contains("server"))
        s += fmt::format(" ({} -> {})", endpoint_text(o["client"]), endpoint_text(o["server"]));
    return s;
}

void compare(const json& exp, const json& act, const std::string& path, const std::string& where,
             std::vector<Difference>& out) {
    if (exp.is_object() && act.is_object()) {
        for (const auto& [k, v] : exp.items()) {
            const std::string p = path.empty() ? k : path + "." + k;
            if (!act.contains(k)) out.push_back({where, p, v.dump(), "(absent)"});
            else compare(v, act[k], p, where, out);
        }
        return;
    }
    if (exp.is_array() && act.is_array()) {
        const std::size_t n = std::min(exp.size(), act.size());
        for (std::size_t i = 0; i < n; ++i) compare(exp[i], act[i], fmt::format("{}[{}]", path, i), where, out);
        if (exp.size() != act.size())
            out.push_back({where, path + ".length", std::to_string(exp.size()), std::to_string(act.size())});
        return;
    }
    if (exp != act) out.push_back({where, path, exp.dump(), act.dump()});
}

bool same_endpoints(const json& e, const json& a) {
    for (const char* k : {"client", "server"}) {
        if (!e.contains(k)) continue;
        if (!a.contains(k)) return false;
        std::vector<Difference> d;
        compare(e[k], a[k], k, "", d);
        if (!d.empty()) return false;
    }
    return true;
}

}  // namespace

std::vector<Difference> compare_expectations(const std::vector<json>& expected, const std::vector<json>& actual,
                                             bool report_unlisted) {
    std::vector<Difference> out;
    std::vector<bool> used(actual.size(), false);
    for (const json& e : expected) {
        std::size_t match = actual.size();
        for (std::size_t i = 0; i < actual.size() && match == actual.size(); ++i) {
            if (used[i]) continue;
            const bool hit = e.contains("id") ? (actual[i].contains("id") && actual[i]["id"] == e["id"])
                                              : same_endpoints(e, actual[i]);
            if (hit) match = i;
        }
        if (match == actual.size()) {
            out.push_back({where_of(e), "", "present", "(no such connection in the capture)"});
            continue;
        }
        used[match] = true;
        compare(e, actual[match], "", where_of(actual[match]), out);
    }
    if (report_unlisted)
        for (std::size_t i = 0; i < actual.size(); ++i)
            if (!used[i]) out.push_back({where_of(actual[i]), "", "(not listed)", "present"});
    return out;
}

std::string format_differences(const std::vector<Difference>& diffs) {
    std::string s;
    for (const Difference& d : diffs) {
        if (d.path.empty()) s += fmt::format("{}: expected {}, got {}\n", d.where, d.expected, d.actual);
        else s += fmt::format("{}: {}: expected {}, got {}\n", d.where, d.path, d.expected, d.actual);
    }
    return s;
}

FailRules FailRules::parse(const std::string& list) {
    FailRules r;
    std::map<std::string, HandshakeKind> hs;
    std::map<std::string, CloseKind> cl;
    for (std::size_t i = 0; i < kHandshakeKinds; ++i) hs[std::string(handshake_name(static_cast<HandshakeKind>(i)))] = static_cast<HandshakeKind>(i);
    for (std::size_t i = 0; i < kCloseKinds; ++i) cl[std::string(close_name(static_cast<CloseKind>(i)))] = static_cast<CloseKind>(i);
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        std::string name = list.substr(pos, comma - pos);
        pos = comma + 1;
        if (name.empty()) continue;
        std::string scope;
        if (const auto colon = name.find(':'); colon != std::string::npos) {
            scope = name.substr(0, colon);
            name = name.substr(colon + 1);
        }
        const bool in_hs = hs.count(name) && (scope.empty() || scope == "handshake");
        const bool in_cl = cl.count(name) && (scope.empty() || scope == "close");
        State st{};
        bool in_st = false;
        for (std::size_t s = 0; s < kStateCount; ++s)
            if (state_name(static_cast<State>(s)) == name && (scope.empty() || scope == "state")) {
                st = static_cast<State>(s);
                in_st = true;
            }
        if (in_hs && in_cl)
            throw std::invalid_argument(fmt::format(
                "--fail-on: '{}' names a handshake and a close: write handshake:{} or close:{}", name, name, name));
        if (in_hs) r.handshakes_.push_back(hs[name]);
        else if (in_cl) r.closes_.push_back(cl[name]);
        else if (in_st) r.states_.push_back(st);
        else if (!r.add_event_rule(scope, name))
            throw std::invalid_argument(fmt::format(
                "--fail-on: unknown '{}' (handshake kinds: three-way simultaneous-open refused unanswered "
                "incomplete not-seen; close kinds: four-way three-way simultaneous reset half-closed open none; "
                "a final state such as CLOSE_WAIT; an anomaly such as zero_window; or a refused cell such as "
                "time_wait_snd_fin)", name));
    }
    return r;
}

bool FailRules::add_event_rule(const std::string& scope, const std::string& name) {
    if (scope.empty() || scope == "anomaly")
        for (std::size_t i = 0; i < kAnomalyCount; ++i)
            if (anomaly_name(static_cast<Anomaly>(i)) == name) {
                anomalies_.push_back(static_cast<Anomaly>(i));
                return true;
            }
    Refusal cell{};
    if ((scope.empty() || scope == "refusal") && refusal_from_name(name, cell.in, cell.on)) {
        refusals_.push_back(cell);
        return true;
    }
    return false;
}

std::string FailRules::violation(const Connection& c, const Summary& s) const {
    if (std::find(handshakes_.begin(), handshakes_.end(), s.handshake) != handshakes_.end())
        return fmt::format("handshake {}", handshake_name(s.handshake));
    if (std::find(closes_.begin(), closes_.end(), s.close) != closes_.end())
        return fmt::format("close {}", close_name(s.close));
    for (Side side : {Side::client, Side::server})
        if (std::find(states_.begin(), states_.end(), c.final_state(side)) != states_.end())
            return fmt::format("{} ended in {}", side_name(side), state_name(c.final_state(side)));
    for (const Anomaly a : anomalies_)
        if (c.anomaly_count(a)) return fmt::format("{} {}", c.anomaly_count(a), anomaly_name(a));
    for (const RefusedCell& cell : c.refused_cells())
        for (const Refusal& r : refusals_)
            if (cell.in == r.in && cell.on == r.on)
                return fmt::format("packet {} refused: {}{}", cell.first_frame, refusal_name(r.in, r.on),
                                   cell.count > 1 ? fmt::format(" ({} times)", cell.count) : "");
    return {};
}

}  // namespace tfe::analyzer
