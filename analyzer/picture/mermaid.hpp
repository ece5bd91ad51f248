// A connection's ladder as a Mermaid sequenceDiagram (GitHub and GitLab
// render it in Markdown): one message per drawn segment, each side's state
// as a note where it changes, folded runs of segments as a note over both.
#pragma once

#include <fmt/format.h>

#include "analyzer/summary.hpp"
#include "analyzer/text_report.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer::picture {

void write_mermaid(fmt::memory_buffer& out, const Connection& c, const Summary& s, const TextOptions& o);

}  // namespace tfe::analyzer::picture
