// Shared wording for JSON and text: relative sequence numbers, segment
// labels and the cause of each transition, built from core records only.
#pragma once

#include <fmt/format.h>

#include <string>

#include "core/connection.hpp"

namespace tfe::analyzer {

struct NumberStyle {
    bool absolute = false;  // -S: raw sequence numbers as on the wire
};

// Sequence number of `sender`'s stream, relative to its ISN unless absolute.
std::uint32_t rel_seq(const Connection& c, Side sender, SeqNum s, const NumberStyle& st);

// "F. seq 143 ack 268" (the ack is relative to the other side's ISN).
std::string segment_label(const Connection& c, Side sender, TcpFlags flags, SeqNum seq, SeqNum ack,
                          std::uint32_t payload_len, const NumberStyle& st);

// The same, appended to a buffer (the JSON writer's path: no temporaries).
void append_segment_label(fmt::memory_buffer& out, const Connection& c, Side sender, TcpFlags flags,
                          SeqNum seq, SeqNum ack, std::uint32_t payload_len, const NumberStyle& st);

// The side that sent the segment which caused a transition.
inline Side cause_sender(const Transition& t) {
    return t.delivery == Delivery::sent ? t.endpoint : other(t.endpoint);
}

// One sentence: the table's reason, then the facts (packet, numbers, how
// delivery is known).
void append_transition_cause(fmt::memory_buffer& out, const Connection& c, const Transition& t,
                             const NumberStyle& st);

// "2020-06-15 10:49:10.094025" (UTC) and "1592218150.094025".
std::string format_time(TimeNs ts);
void append_epoch(fmt::memory_buffer& out, TimeNs ts);
// "1.234 ms", "2.5 s".
std::string format_duration(TimeNs d);

}  // namespace tfe::analyzer
