// Live monitoring: libpcap on an interface, driven by a Boost.Asio event
// loop (the capture's selectable fd, a one-second tick for expiry, and
// SIGINT/SIGTERM for a clean stop that reports what is still open).
#pragma once

#include <string>

#include "apps/live_options.hpp"
#include "apps/report_sink.hpp"
#include "capture/live_source.hpp"
#include "core/flow_table.hpp"

namespace tfe::app {

// Runs until a signal, the duration or the frame count; returns an exit code.
int run_live(const capture::LiveOptions& opts, const LiveLimits& limits, FlowTable& table, ReportSink& sink);

}  // namespace tfe::app
