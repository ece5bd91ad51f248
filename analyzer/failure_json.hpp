// The JSON of a connection's failure diagnosis and ICMP errors
// (`"failure"`, `"icmp_errors"`; docs/json-schema.md), appended by
// write_json after the anomaly events.
#pragma once

#include <fmt/format.h>

#include "analyzer/describe.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

// `,"failure":null` or `,"failure":{...}`, then `,"icmp_errors":[...]`.
void write_failure_json(fmt::memory_buffer& b, const Connection& c, const NumberStyle& st);

}  // namespace tfe::analyzer
