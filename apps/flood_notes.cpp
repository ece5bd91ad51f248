#include "apps/flood_notes.hpp"

#include <spdlog/spdlog.h>

namespace tfe::app {

void note_floods(const FlowTableStats& stats, std::size_t max_connections, const analyzer::RunSummary& summary) {
    for (const std::string& line : summary.floods().lines()) spdlog::warn("{}", line);
    const std::string evicted = analyzer::eviction_line(stats.evicted, max_connections);
    if (!evicted.empty()) spdlog::warn("{}", evicted);
}

}  // namespace tfe::app
