// A connection's ladder as a standalone SVG picture: client left, server
// right, one arrow per drawn segment (flags, seq/ack, length), each side's
// state where it changes, segments that crossed in flight drawn crossing,
// retransmissions and other anomalies marked, folded runs of segments as
// in the text ladder. Titles on every piece for screen readers and
// tooltips.
#pragma once

#include <fmt/format.h>

#include "analyzer/summary.hpp"
#include "analyzer/text_report.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer::picture {

void write_svg_ladder(fmt::memory_buffer& out, const Connection& c, const Summary& s, const TextOptions& o);

}  // namespace tfe::analyzer::picture
