// The human report: per connection, a header, a narrative built from the
// core's facts (how it opened, how it closed and why, what each side's final
// state means, anomalies) and a ladder diagram with each side's state beside
// the arrows. Reads core records only, never packets, and never re-derives a
// state: every state it prints comes from a Transition.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "analyzer/describe.hpp"
#include "analyzer/summary.hpp"
#include "analyzer/vocabulary.hpp"
#include "core/connection.hpp"

namespace tfe::analyzer {

// Explanations that are the same for every connection (why three segments,
// what relative numbers count from, why TIME_WAIT lasts 2*MSL): a report
// that passes one to every connection gives each at its first connection.
struct TextbookNotes {
    bool three_segments = false;
    bool relative_numbers = false;
    bool time_wait_reason = false;
};

struct TextOptions {
    NumberStyle numbers;
    bool color = false;         // ANSI: states cyan, anomalies yellow, RST red
    // Ladder lines for every segment; needs the core to keep them
    // (TrackerConfig::keep_segments). Otherwise the ladder draws the segments
    // that moved a state or raised an anomaly and summarises the rest.
    bool all_segments = false;
    TimeNs msl = 30'000'000'000;  // RFC 9293 MSL; TIME_WAIT lasts 2*MSL
    InterfaceNaming interfaces;   // named in the header when the run has several
    TextbookNotes* textbook = nullptr;  // null: every connection explains all
    // Columns the ladder fits (--width, COLUMNS, the terminal's): its arrows
    // shorten, its warning tags and footnotes wrap. 0: the natural layout
    // (arrows of kArrowWidth, about 90 columns), for files and pipes.
    std::size_t width = 0;
    // What ended the input, for connections still open then: the file's
    // end, or "-c 5 stopped the reading".
    std::string input_end = "the capture ended";
};

void write_text(fmt::memory_buffer& out, const Connection& c, const Summary& s, const TextOptions& o);
// The same without the ladder (the HTML report draws its own).
void write_text_without_ladder(fmt::memory_buffer& out, const Connection& c, const Summary& s, const TextOptions& o);

// One line per connection (--brief): endpoints, how it opened and closed,
// who closed first, both final states, packets, duration, anomalies.
void write_brief(fmt::memory_buffer& out, const Connection& c, const Summary& s, const TextOptions& o);

}  // namespace tfe::analyzer
