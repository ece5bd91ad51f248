// JSON Lines: one object per connection, schema in docs/json-schema.md.
// Written straight into the output buffer (no DOM, no temporaries): this
// runs once per connection on the streaming path. How it is kept cheap is
// described in json_report.cpp.
#pragma once

#include <fmt/format.h>

#include "analyzer/describe.hpp"
#include "analyzer/summary.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

// `interfaces`: the run's interface names; a connection's are written
// (`interfaces`) only when the run has several, null otherwise.
void write_json(fmt::memory_buffer& out, const Connection& c, const Summary& s, const NumberStyle& st,
                const InterfaceNaming& interfaces = {});

}  // namespace tfe::analyzer
