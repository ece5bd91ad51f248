// The live monitor's own options (-w, -c, --stats-interval, --snaplen,
// --buffer-size): declared beside the loop they steer, added to the command
// line by main.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "capture/live_source.hpp"

namespace tfe::app {

struct LiveSettings {
    std::string save_file;       // -w
    std::uint64_t count = 0;     // -c: stop after this many frames (0 = no limit)
    double stats_interval = 0;   // seconds between status lines (0 = none)
    int snaplen = 262144;
    int buffer_mib = 64;
    bool table = false;          // --table: the live view of open connections
    bool immediate = false;      // --immediate: each frame at once
};

// When the loop stops by itself, and how often it reports.
struct LiveLimits {
    double duration = 0;         // seconds, 0 = until a signal
    std::uint64_t count = 0;     // frames, 0 = no limit
    double stats_interval = 0;   // seconds, 0 = no status lines
    bool table = false;          // redraw the --table view each second
};

void add_live_options(CLI::App& app, LiveSettings& s);
// Why these options cannot go together ("" when they can): the live
// options need -i, and -i reads no file.
std::string live_misuse(const LiveSettings& s, bool live, bool files);
// The capture settings these options give.
void apply_live_settings(const LiveSettings& s, capture::LiveOptions& opts);

}  // namespace tfe::app
