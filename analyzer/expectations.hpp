// Expectation files (--expect): read and checked against what the JSON
// writer can say, so a typo ("closee") or an impossible value
// ("three-wave") is a usage error naming its line instead of a check that
// can never pass; and rewritten (--update-expect) without losing what a
// person chose to pin.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace tfe::analyzer {

using json_line = nlohmann::ordered_json;

// A problem with the expectation file itself: "FILE:LINE: what".
class ExpectationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Expectation {
    std::size_t line = 0;  // in the file, 1-based
    json_line pinned;      // the fields this line pins, as written
};

// Reads JSON Lines and validates every field path and value; throws
// ExpectationError at the first bad line.
std::vector<Expectation> load_expectations(const std::string& path);

// Why this line cannot be an expectation (an unknown field, an impossible
// value), or "" if it can.
std::string expectation_problem(const json_line& line);

// Why `value` cannot appear in --format json output at `path` (dotted, "[]"
// for an array element: "transitions[].from"), or "" if it can.
std::string field_problem(const std::string& path, const json_line& value);

// What --update-expect writes. Each existing line keeps the fields it pins,
// with today's values, and disappears when its connection is gone; with no
// line yet (a new file), or with `add_unlisted`, a connection gets a line
// that pins behaviour only: its id, handshake, close, who closed first and
// final states (never ports, times or ISNs, which change on every capture).
std::vector<json_line> updated_expectations(const std::vector<Expectation>& old,
                                            const std::vector<json_line>& actual, bool add_unlisted);

// The fields a new line pins.
json_line behaviour_of(const json_line& connection);

}  // namespace tfe::analyzer
