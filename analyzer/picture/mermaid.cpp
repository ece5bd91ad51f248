#include "analyzer/picture/mermaid.hpp"

#include "analyzer/picture/ladder_layout.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer::picture {

namespace {

using text::Buf;
using text::cat;

std::string_view participant(Side s) { return s == Side::client ? "C" : "S"; }

// Mermaid reads ';' and '#' in a message as its own syntax: both are
// written as its entity codes.
void append_message(Buf& out, std::string_view s) {
    for (const char ch : s) {
        if (ch == ';') text::append(out, "#59;");
        else if (ch == '#') text::append(out, "#35;");
        else out.push_back(ch);
    }
}

// The states drawn on `line`, one note per side.
void put_states(Buf& out, const Connection& c, const LadderLayout& lay, std::size_t line, std::size_t& notes) {
    for (const LadderLayout::Mark& m : lay.marks) {
        if (m.line != line) continue;
        cat(out, "    Note ", m.side == Side::client ? "left of " : "right of ", participant(m.side), ": ",
            state_name(m.state));
        if (m.late) {
            cat(out, " [", ++notes, "] (");
            Buf note;
            append_late_note(note, c, *m.t);
            append_message(out, text::view(note));
            text::append(out, ")");
        }
        out.push_back('\n');
    }
}

void put_arrow(Buf& out, const Connection& c, const LadderLayout::Arrow& a, const TextOptions& o) {
    const LadderRow& r = *a.row;
    Buf label;
    cat(label, "pkt ", r.frame, " ");
    append_row_label(label, c, r, o.numbers);
    for (std::size_t k = r.full ? 0 : 1; k < r.tags.size(); ++k) cat(label, " ⚠ ", terms(r.tags[k]).tag);
    if (a.crossed) text::append(label, " (crossed in flight)");
    if (!r.sender) {
        text::append(out, "    Note over C,S: ");
    } else {
        // Dotted: a segment the core kept no flags for; open head: it
        // crossed other segments in flight.
        const std::string_view arrow = !r.full ? "-->>" : a.crossed ? "-)" : "->>";
        cat(out, "    ", participant(*r.sender), arrow, participant(other(*r.sender)), ": ");
    }
    append_message(out, text::view(label));
    out.push_back('\n');
}

void put_gap(Buf& out, const HiddenSegments& h) {
    text::append(out, "    Note over C,S: ");
    append_fold_words(out, h);
    out.push_back('\n');
}

}  // namespace

void write_mermaid(Buf& out, const Connection& c, const Summary& s, const TextOptions& o) {
    const LadderRows rows(c);
    const LadderLayout lay = lay_out(rows);
    cat(out, "sequenceDiagram\n    %% Connection #", c.id(), ": ", handshake_words(s.handshake), "; ",
        close_words(s.close), "\n");
    for (const Side side : {Side::client, Side::server}) {
        Buf name;
        cat(name, side == Side::client ? "client " : "server ", text::Address{c.addr(side)});
        cat(out, "    participant ", participant(side), " as ");
        append_message(out, text::view(name));
        out.push_back('\n');
    }
    // Each line of the layout in order: its arrow (arrows leave from the
    // first line of their row), its fold, then the states drawn on it.
    std::size_t arrow = 0, gap = 0, notes = 0;
    for (std::size_t line = 0; line < lay.lines; ++line) {
        if (gap < lay.gaps.size() && lay.gaps[gap] == line) {
            put_gap(out, lay.hidden);
            ++gap;
        }
        if (arrow < lay.arrows.size() && lay.arrows[arrow].line == line) put_arrow(out, c, lay.arrows[arrow++], o);
        if (line == lay.timer_line && line != 0) cat(out, "    Note over C,S: 2*MSL later (", Utc{lay.timers.at}, " UTC)\n");
        put_states(out, c, lay, line, notes);
    }
    Buf summary;
    append_fold_summary(summary, lay.hidden);
    if (summary.size()) cat(out, "    Note over C,S: ", text::view(summary), "\n");
}

}  // namespace tfe::analyzer::picture
