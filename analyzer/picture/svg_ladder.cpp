#include "analyzer/picture/svg_ladder.hpp"

#include <cmath>

#include "analyzer/picture/geometry.hpp"
#include "analyzer/picture/ladder_layout.hpp"
#include "analyzer/picture/xml_text.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer::picture {

namespace {

using text::Buf;
using text::cat;

// Colours for light and dark backgrounds; a standalone file has no page
// around it to inherit them from.
constexpr std::string_view kStyle =
    "<style>"
    "svg{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px}"
    ".bg{fill:#fff}.life{stroke:#888;stroke-width:1.5}.head{font-weight:bold;fill:#111}"
    ".addr{fill:#555;font-size:11px}.frame{fill:#888;font-size:11px}"
    ".state{fill:#006d8f;font-weight:bold}.note{fill:#555;font-size:11px}"
    ".arrow line{stroke:#222;stroke-width:1.4}.arrow polygon{fill:#222}.arrow text{fill:#111}"
    ".rst line{stroke:#c0142b}.rst polygon{fill:#c0142b}.rst text{fill:#c0142b}"
    ".anomaly line{stroke:#b35c00;stroke-dasharray:6 3}.anomaly polygon{fill:#b35c00}.tag{fill:#b35c00}"
    ".partial line{stroke:#b35c00;stroke-dasharray:2 3}.gap{fill:#666;font-style:italic}"
    "@media (prefers-color-scheme:dark){.bg{fill:#16181c}.head,.arrow text{fill:#eee}.addr,.note{fill:#aaa}"
    ".state{fill:#5fd0f0}.arrow line{stroke:#ddd}.arrow polygon{fill:#ddd}.life{stroke:#777}"
    ".rst line{stroke:#ff5c6c}.rst polygon,.rst text{fill:#ff5c6c}.tag,.anomaly polygon{fill:#ffa040}"
    ".anomaly line,.partial line{stroke:#ffa040}.gap{fill:#aaa}}"
    "</style>";

std::string_view side_word(Side s) { return s == Side::client ? "client" : "server"; }
int side_x(Side s) { return s == Side::client ? kClientX : kServerX; }

void put_text(Buf& out, int x, int y, std::string_view cls, std::string_view anchor, std::string_view text) {
    cat(out, "<text x=\"", x, "\" y=\"", y, "\" class=\"", cls, "\" text-anchor=\"", anchor, "\">");
    append_escaped(out, text);
    text::append(out, "</text>");
}

void put_heading(Buf& out, const Connection& c) {
    for (const Side side : {Side::client, Side::server}) {
        put_text(out, side_x(side), 22, "head", "middle", side_word(side));
        Buf addr;
        cat(addr, text::Address{c.addr(side)});
        put_text(out, side_x(side), 38, "addr", "middle", text::view(addr));
    }
}

// A state's name beside its side's time line, with its footnote number
// when it is drawn later than its cause.
void put_mark(Buf& out, const Connection& c, const LadderLayout::Mark& m, std::size_t& notes) {
    const int y = line_y(m.line) + kTextBaseline;
    const bool left = m.side == Side::client;
    cat(out, "<g class=\"mark\"><title>", side_word(m.side), " ");
    if (!m.t) cat(out, "starts in ", state_name(m.state));
    else if (m.t->delivery == Delivery::timer) cat(out, "enters ", state_name(m.state), " when 2*MSL has passed");
    else cat(out, "enters ", state_name(m.state), " at packet ", m.t->frame);
    if (m.late) {
        text::append(out, ": ");
        Buf note;
        append_late_note(note, c, *m.t);
        append_escaped(out, text::view(note));
    }
    text::append(out, "</title>");
    Buf name;
    text::append(name, state_name(m.state));
    if (m.late) cat(name, " [", ++notes, "]");
    put_text(out, left ? kClientX - 10 : kServerX + 10, y, "state", left ? "end" : "start", text::view(name));
    text::append(out, "</g>");
}

// The point of an arrow from (x0,y0) to (x1,y1): a triangle at (x1,y1).
void put_head(Buf& out, double x0, double y0, double x1, double y1) {
    const double len = std::hypot(x1 - x0, y1 - y0);
    const double ux = (x1 - x0) / len, uy = (y1 - y0) / len;
    const double bx = x1 - 9 * ux, by = y1 - 9 * uy;
    out.append(fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"/>", x1, y1, bx - 4 * uy,
                           by + 4 * ux, bx + 4 * uy, by - 4 * ux));
}

std::string_view arrow_classes(const LadderLayout::Arrow& a, Buf& cls) {
    text::append(cls, "arrow");
    if (a.row->full && a.row->flags.rst()) text::append(cls, " rst");
    if (!a.row->full) text::append(cls, " partial");
    if (!a.row->tags.empty()) text::append(cls, " anomaly");
    if (a.crossed) text::append(cls, " crossed");
    return text::view(cls);
}

void put_arrow(Buf& out, const Connection& c, const LadderLayout::Arrow& a, const TextOptions& o) {
    const LadderRow& r = *a.row;
    Buf label, cls;
    append_row_label(label, c, r, o.numbers);
    cat(out, "<g class=\"", arrow_classes(a, cls), "\" data-frame=\"", r.frame, "\"><title>packet ", r.frame, ": ");
    if (r.sender) cat(out, side_word(*r.sender), " → ", side_word(other(*r.sender)), " ");
    append_escaped(out, text::view(label));
    for (const Anomaly t : r.tags) cat(out, "; ", terms(t).one);
    if (a.crossed) text::append(out, "; crossed other segments in flight");
    text::append(out, "</title>");
    const int y0 = line_y(a.line) + kArrowFrom;
    put_text(out, kFrameX, y0 + 4, "frame", "end", fmt::format_int(r.frame).c_str());
    const int mid = (kClientX + kServerX) / 2;
    if (!r.sender) {
        put_text(out, mid, line_y(a.line) + kTextBaseline, "gap", "middle", text::view(label));
    } else {
        const double x0 = side_x(*r.sender), x1 = side_x(other(*r.sender));
        const double y1 = line_y(a.arrives) + kArrowTo;
        out.append(fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{:.0f}\"/>", x0, y0, x1, y1));
        put_head(out, x0, y0, x1, y1);
        // The label along the arrow, above it, read left to right; a
        // crossed arrow's near its sender, clear of the arrows it crosses.
        const double angle = std::atan((y1 - y0) / (x1 - x0)) * 180.0 / 3.14159265358979;
        const double lx = a.crossed ? x0 + (x1 - x0) * 0.05 : mid;
        const double ly = y0 + (y1 - y0) * (lx - x0) / (x1 - x0) - 4;
        const std::string_view anchor = !a.crossed ? "middle" : *r.sender == Side::client ? "start" : "end";
        out.append(fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"{}\" transform=\"rotate({:.2f} {:.0f} {:.1f})\">",
                               lx, ly, anchor, angle, lx, ly));
        append_escaped(out, text::view(label));
        for (std::size_t k = r.full ? 0 : 1; k < r.tags.size(); ++k)
            cat(out, " <tspan class=\"tag\">⚠ ", terms(r.tags[k]).tag, "</tspan>");
        text::append(out, "</text>");
    }
    text::append(out, "</g>");
}

void put_gaps(Buf& out, const LadderLayout& lay) {
    Buf words;
    append_fold_words(words, lay.hidden);
    for (const std::size_t line : lay.gaps) {
        text::append(out, "<g class=\"fold\"><title>segments not drawn here: they changed no state</title>");
        put_text(out, (kClientX + kServerX) / 2, line_y(line) + kTextBaseline, "gap", "middle", text::view(words));
        text::append(out, "</g>");
    }
}

// Below the ladder: how much was folded (when in several places) and the
// footnotes.
int put_footer(Buf& out, const Connection& c, const LadderLayout& lay, int y) {
    if (lay.timer_line) {
        Buf words;
        cat(words, "2*MSL later (", Utc{lay.timers.at}, " UTC)");
        put_text(out, (kClientX + kServerX) / 2, line_y(lay.timer_line) + kTextBaseline, "gap", "middle",
                 text::view(words));
    }
    Buf summary;
    append_fold_summary(summary, lay.hidden);
    if (summary.size()) put_text(out, 10, y += 18, "note", "start", text::view(summary));
    std::size_t n = 0;
    for (const LadderLayout::Mark& m : lay.marks) {
        if (!m.late) continue;
        Buf note;
        cat(note, "[", ++n, "] ");
        append_late_note(note, c, *m.t);
        put_text(out, 10, y += 16, "note", "start", text::view(note));
    }
    return y;
}

std::size_t footer_lines(const LadderLayout& lay) {
    std::size_t n = lay.hidden.segments > 0 && lay.hidden.gaps > 1;
    for (const LadderLayout::Mark& m : lay.marks) n += m.late;
    return n;
}

}  // namespace

void write_svg_ladder(Buf& out, const Connection& c, const Summary& s, const TextOptions& o) {
    const LadderRows rows(c);
    const LadderLayout lay = lay_out(rows);
    const int bottom = line_y(lay.lines);
    const int height = bottom + 12 + static_cast<int>(footer_lines(lay)) * 18;
    cat(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", kWidth, " ", height, "\" width=\"", kWidth,
        "\" height=\"", height, "\" role=\"img\" aria-labelledby=\"tfe-title-", c.id(), " tfe-desc-", c.id(), "\">");
    cat(out, "<title id=\"tfe-title-", c.id(), "\">Connection #", c.id(), " ", text::Address{c.addr(Side::client)},
        " (client) ⇄ ", text::Address{c.addr(Side::server)}, " (server): ladder diagram</title>");
    cat(out, "<desc id=\"tfe-desc-", c.id(), "\">Opening: ", handshake_words(s.handshake), "; closing: ",
        close_words(s.close), ". Client ends in ", state_name(c.final_state(Side::client)), ", server in ",
        state_name(c.final_state(Side::server)), ".</desc>");
    text::append(out, kStyle);
    cat(out, "<rect class=\"bg\" width=\"100%\" height=\"100%\"/>");
    put_heading(out, c);
    for (const int x : {kClientX, kServerX})
        cat(out, "<line class=\"life\" x1=\"", x, "\" y1=\"", line_y(0) + 26, "\" x2=\"", x, "\" y2=\"", bottom, "\"/>");
    std::size_t notes = 0;
    for (const LadderLayout::Mark& m : lay.marks) put_mark(out, c, m, notes);
    for (const LadderLayout::Arrow& a : lay.arrows) put_arrow(out, c, a, o);
    put_gaps(out, lay);
    put_footer(out, c, lay, bottom);
    text::append(out, "</svg>\n");
}

}  // namespace tfe::analyzer::picture
