#include "apps/flood_notes.hpp"

#include <spdlog/spdlog.h>

namespace tfe::app {

void note_floods(const FlowTable& table, const analyzer::RunSummary& summary) {
    for (const std::string& line : summary.floods().lines()) spdlog::warn("{}", line);
    const std::string evicted = analyzer::eviction_line(table.stats().evicted, table.config().max_connections);
    if (!evicted.empty()) spdlog::warn("{}", evicted);
}

}  // namespace tfe::app
