#include "analyzer/picture/ladder_layout.hpp"

namespace tfe::analyzer::picture {

namespace {

// The line of every row, by its index in rows().
std::vector<std::size_t> row_lines(const LadderRows& rows, const HiddenSegments& h, LadderLayout& out) {
    std::vector<std::size_t> first_line;
    first_line.reserve(rows.rows().size());
    std::size_t line = 1;  // line 0: the initial states
    std::uint64_t prev = 0;
    for (const LadderRow& row : rows.rows()) {
        if (h.segments > 0 && rows.gap_before(prev, row.frame)) out.gaps.push_back(line++);
        prev = row.frame;
        first_line.push_back(line);
        line += LadderRows::lines(row);
    }
    if (h.segments > 0 && h.at_end) out.gaps.push_back(line++);
    out.lines = line;
    return first_line;
}

// The line the receiver's first state caused by `row`'s segment is drawn
// at, or `line` when it moved none.
std::size_t arrival_line(const LadderRows& rows, const std::vector<std::size_t>& first_line, const LadderRow& row,
                         std::size_t line) {
    const Connection& c = rows.connection();
    const Side receiver = other(*row.sender);
    for (const Transition& t : c.transitions()) {
        if (t.delivery == Delivery::timer || t.cause_frame != row.frame || t.endpoint != receiver) continue;
        const LadderRow* at = rows.find(t.frame);
        if (!at) return line;
        const std::size_t base = first_line[static_cast<std::size_t>(at - rows.rows().data())];
        for (std::size_t i = 0; const Transition* p = rows.placed(*at, receiver, i); ++i)
            if (p == &t) return base + i;
        return base;
    }
    return line;
}

}  // namespace

LadderLayout lay_out(const LadderRows& rows) {
    LadderLayout out;
    const Connection& c = rows.connection();
    out.hidden = rows.hidden();
    const std::vector<std::size_t> first_line = row_lines(rows, out.hidden, out);
    for (const Side side : {Side::client, Side::server})
        out.marks.push_back({side, c.endpoint(side).initial_state, 0});
    for (std::size_t k = 0; k < rows.rows().size(); ++k) {
        const LadderRow& row = rows.rows()[k];
        const std::size_t line = first_line[k];
        LadderLayout::Arrow a{&row, line, line};
        if (row.sender) {
            a.arrives = arrival_line(rows, first_line, row, line);
            a.crossed = a.arrives >= line + LadderRows::lines(row);
        }
        out.arrows.push_back(a);
        // Line by line, the client's state before the server's: the order
        // the text ladder numbers its footnotes in.
        for (std::size_t i = 0; i < LadderRows::lines(row); ++i)
            for (const Side side : {Side::client, Side::server})
                if (const Transition* t = rows.placed(row, side, i))
                    out.marks.push_back({side, t->to, line + i, t, t->frame != t->cause_frame});
    }
    out.timers = timers(c);
    if (out.timers.side[0] || out.timers.side[1]) {
        out.timer_line = out.lines++;
        for (const Side side : {Side::client, Side::server})
            if (const Transition* t = out.timers.side[static_cast<int>(side)])
                out.marks.push_back({side, t->to, out.timer_line, t});
    }
    return out;
}

}  // namespace tfe::analyzer::picture
