// JSON Lines: one object per connection, schema in docs/json-schema.md.
// Written with fmt into a buffer (no DOM): this runs once per connection on
// the streaming path.
#pragma once

#include <fmt/format.h>

#include "analyzer/describe.hpp"
#include "analyzer/summary.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

void write_json(fmt::memory_buffer& out, const Connection& c, const Summary& s, const NumberStyle& st);

}  // namespace tfe::analyzer
