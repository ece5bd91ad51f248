// What a flood did, said on stderr at the end of a run (the text summary
// says it too; a JSON run has only stderr): the flood lines and the
// evictions by kind.
#pragma once

#include "analyzer/run_summary.hpp"
#include "core/flow_table.hpp"

namespace tfe::app {

void note_floods(const FlowTableStats& stats, std::size_t max_connections, const analyzer::RunSummary& summary);

}  // namespace tfe::app
