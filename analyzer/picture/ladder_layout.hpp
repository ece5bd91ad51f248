// Where each piece of a ladder picture goes, in lines (rows of the
// picture): the arrows with the line each leaves and the line it reaches
// the other side (later when the segment crossed others in flight), the
// states each side entered and where, the folded runs of segments, and
// the TIME_WAIT timers. Laid out once from the ladder's rows; the SVG,
// Mermaid and HTML pictures only draw it.
#pragma once

#include <cstdint>
#include <vector>

#include "analyzer/ladder_rows.hpp"

namespace tfe::analyzer::picture {

struct LadderLayout {
    struct Arrow {
        const LadderRow* row;
        std::size_t line;     // where it leaves the sender (or its row's line, direction unknown)
        std::size_t arrives;  // where the receiver's state it caused is drawn (or `line`)
        bool crossed = false; // it arrived at a later row: other segments were sent meanwhile
    };
    struct Mark {
        Side side;
        State state;
        std::size_t line;
        const Transition* t = nullptr;  // nullptr: the initial state (line 0)
        bool late = false;              // drawn later than its cause (footnoted)
    };
    std::vector<Arrow> arrows;
    std::vector<Mark> marks;
    std::vector<std::size_t> gaps;  // lines of "··· more segments ···"
    std::size_t timer_line = 0;     // 0: no timer line
    Timers timers;
    HiddenSegments hidden;
    std::size_t lines = 0;
};

LadderLayout lay_out(const LadderRows& rows);

}  // namespace tfe::analyzer::picture
