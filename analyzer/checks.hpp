// Machine checks for CI pipelines: comparing a capture's connections with
// expectations (JSON Lines in our own output format; a field left out is
// not checked) and rules such as --fail-on reset,refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/summary.hpp"

namespace tfe::analyzer {

struct Difference {
    std::string where;    // "connection 3 (10.0.0.1:40000 -> 10.0.0.2:80)"
    std::string path;     // "final_state.client"
    std::string expected; // JSON text, or "(absent)"
    std::string actual;
};

// Loads JSON Lines; throws std::runtime_error naming the file and line.
std::vector<nlohmann::ordered_json> load_json_lines(const std::string& path);

// Each expected object is matched to an actual connection by "id" when it
// has one, else by client and server endpoints in order of appearance.
// Every field present in the expectation must be equal in the actual
// object (objects compared field by field, arrays element by element and
// by length). Actual connections that no expectation names are reported
// only with `report_unlisted` (--expect-all): a file may pin a few.
std::vector<Difference> compare_expectations(const std::vector<nlohmann::ordered_json>& expected,
                                             const std::vector<nlohmann::ordered_json>& actual,
                                             bool report_unlisted = false);

std::string format_differences(const std::vector<Difference>& diffs);

// --fail-on: a list of handshake kinds, close kinds or final states.
// Bare names must be unambiguous ("three-way" names both a handshake and a
// close: write "handshake:three-way" or "close:three-way").
class FailRules {
public:
    // Throws std::invalid_argument with a helpful message on an unknown name.
    static FailRules parse(const std::string& list);
    bool empty() const {
        return handshakes_.empty() && closes_.empty() && states_.empty() && anomalies_.empty() && refusals_.empty();
    }
    // The reason this connection breaks a rule, or empty.
    std::string violation(const Connection& c, const Summary& s) const;

private:
    std::vector<HandshakeKind> handshakes_;
    std::vector<CloseKind> closes_;
    std::vector<State> states_;
    std::vector<Anomaly> anomalies_;  // any of them counted
    struct Refusal {
        State in;
        Input on;
    };
    std::vector<Refusal> refusals_;   // a segment refused by that cell
    // Adds `name` when it is an anomaly or a cell's name (scope "anomaly"
    // or "refusal", or none); false when it is neither.
    bool add_event_rule(const std::string& scope, const std::string& name);
};

}  // namespace tfe::analyzer
