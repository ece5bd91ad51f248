// --summary-json FILE: the run summary as one JSON object, written beside
// the report (never into the JSON Lines, which stay one connection each).
#pragma once

#include <string>

#include "apps/report_sink.hpp"

namespace tfe::app {

// The exit status of writing it: kOk, or kUsage when the file cannot be
// written (said on stderr, naming it).
int write_summary_json(const std::string& path, const ReportSink& sink);

}  // namespace tfe::app
