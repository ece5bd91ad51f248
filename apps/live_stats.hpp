// The live monitor's figures: open connections by their endpoints'
// states (as the core recorded them), and the --stats-interval line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "capture/live_source.hpp"
#include "core/flow_table.hpp"

namespace tfe::app {

// Open connections counted by (client state, server state), parked ones
// (untouched lately, kept packed) included from the table's ParkedCensus;
// `parked` says how many of them are.
struct OpenCensus {
    std::map<std::pair<State, State>, std::uint64_t> by_states;
    std::uint64_t parked = 0;
};
OpenCensus take_census(const FlowTable& table);

// "ESTABLISHED 10 · FIN_WAIT_2/CLOSE_WAIT 2" (client/server when they
// differ), the `most` largest first, then "+N more" and "(N of them parked)".
std::string census_words(const OpenCensus& census, std::size_t most);

// "evicted 12 (10 SYN unanswered, 2 idle)", or empty when none was.
std::string evictions_short(const EvictionCounts& evicted);

// One status line: frames and bytes so far (and the rate since `before`,
// `interval_s` ago), open connections by state, reported and evicted
// connections, drops.
std::string live_status_line(const capture::LiveStats& now, const FlowTable& table, double interval_s,
                             const capture::LiveStats& before);

}  // namespace tfe::app
