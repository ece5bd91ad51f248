// One connection as the HTML report embeds it: a JSON array of what its
// table row shows (endpoints, kinds, final states, times, counts,
// anomalies) and its ladder, laid out as the SVG picture lays it out, for
// the page to draw when the connection is opened. Compact on purpose: a
// page holds 100 000 of them.
#pragma once

#include <fmt/format.h>

#include "analyzer/summary.hpp"
#include "analyzer/text_report.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer::html {

// The array's fields, in order (report.js reads them by these positions):
//   id, client, server, handshake, close, initiator, client final state,
//   server final state, start (s since `t0`), duration (s), packets,
//   payload bytes, roles inferred (0/1), anomalies [[kind, count], ...],
//   ladder {...}
// `unfoldable`: as append_ladder's; returns what the unfolded ladder took.
std::size_t append_connection(fmt::memory_buffer& out, const Connection& c, const Summary& s, TimeNs t0,
                              bool unfoldable);

// The ladder object:
//   l   lines;  b  [client, server] sequence bases (absolute = relative + base)
//   a   arrows [frame, line, arrives, sender (-1 unknown, 0 client, 1 server),
//       kind (0 flags known, 1 numbers only, 2 not kept), flags, seq, ack
//       (-1: none), length, crossed (0/1), [anomaly kinds]]; the last two
//       left out when 0 and []
//   m   states [side, state, line, footnote (left out: none)]; the packet is
//       the arrow's that leaves from the state's row
//   g   fold lines; gt the fold's words
//   t   [timer line, words] or absent;  n  footnotes;  f  the fold summary or ""
//   u   the same for every segment the core kept (--format html keeps
//       them), when segments were folded and `unfoldable`; absent else
// Returns the bytes "u" took.
std::size_t append_ladder(fmt::memory_buffer& out, const Connection& c, bool unfoldable);

}  // namespace tfe::analyzer::html
