// --table: the open connections as a live view, like top or ss, redrawn
// in place about once a second on a terminal (plain ANSI: the alternate
// screen, cursor home, erase to the end of each line), or printed as
// plain snapshots when standard output is not a terminal. Every state it
// shows is the core's recorded one; nothing is worked out here.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "analyzer/run_summary.hpp"
#include "capture/live_source.hpp"
#include "core/flow_table.hpp"

namespace tfe::app {

// At least this many connections of one endpoint in CLOSE_WAIT,
// TIME_WAIT, FIN_WAIT_2 or SYN_RECEIVED make a pile-up line.
inline constexpr std::uint64_t kPileUpMin = 10;

// The lines of one screen, at most `width` columns and `height` rows:
// the header (packets/s, open by state, ended by kind, drops), pile-ups,
// then the most interesting connections first.
std::vector<std::string> table_screen(const FlowTable& table, const analyzer::RunSummary& ended,
                                      const capture::LiveStats& now, double packets_per_s, std::size_t width,
                                      std::size_t height);

class LiveTableView {
public:
    // Takes over the terminal when `out` is one.
    explicit LiveTableView(std::FILE* out);
    // Gives the terminal back as it was.
    ~LiveTableView();
    LiveTableView(const LiveTableView&) = delete;
    LiveTableView& operator=(const LiveTableView&) = delete;

    void draw(const FlowTable& table, const analyzer::RunSummary& ended, const capture::LiveStats& now,
              double interval_s);

private:
    std::FILE* out_;
    bool terminal_;
    capture::LiveStats last_;
};

// For a signal handler that must exit at once: the bytes that give a
// taken-over terminal back (async-signal-safe: one write).
void restore_terminal_now();

}  // namespace tfe::app
