// The ladder diagram: one line per segment that moved a state or raised an
// anomaly (every kept segment with --all-segments), each side's state beside
// the arrow, footnotes where a state is placed later than its cause.
#pragma once

#include "analyzer/text/buffer.hpp"
#include "analyzer/text_report.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer::text {

void write_ladder(Buf& b, const Connection& c, const TextOptions& o);

}  // namespace tfe::analyzer::text
