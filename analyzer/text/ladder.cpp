#include "analyzer/text/ladder.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "analyzer/ladder_rows.hpp"
#include "analyzer/text/facts.hpp"
#include "analyzer/text/layout.hpp"
#include "analyzer/text/sentence.hpp"
#include "analyzer/vocabulary.hpp"

namespace tfe::analyzer::text {

namespace {

using Row = LadderRow;

constexpr std::size_t kWidestState = *std::max_element(kStateColumns.begin(), kStateColumns.end());
constexpr std::size_t kMinArrow = 40;  // the longest label with absolute numbers, and its head

std::string_view superscript(std::size_t n) {
    static constexpr std::string_view digits[] = {"¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    return n >= 1 && n <= 9 ? digits[n - 1] : "*";
}

// A line of the ladder is
//   "  <client state> <frame> <arrow>  <server state><anomaly tags>"
// without trailing blanks.
class Ladder {
public:
    Ladder(const Connection& c, const TextOptions& o) : c_(c), o_(o), rows_(c) {
        // The widest frame number is the last row's: rows are sorted by frame.
        if (!rows_.rows().empty()) frame_width_ = fmt::format_int(rows_.rows().back().frame).size();
        if (o.width > 0) arrow_width_ = std::clamp(o.width - std::min(o.width, around_arrow()), kMinArrow, kArrowWidth);
    }
    void write(Buf& b);

private:
    void put_arrow(Line& line, const Row& r) const;
    std::size_t put_state(Line& line, const Transition* t, std::size_t width);
    void put_frame(Line& line, std::uint64_t frame) const;
    void put_no_frame(Line& line) const { line.blank(frame_width_ + 2); }
    // Columns of a line besides its arrow: the indent, the client's state,
    // the frame number, the gap, the widest server state and its footnote mark.
    std::size_t around_arrow() const { return 2 + kStateWidth + frame_width_ + 2 + 2 + kWidestState + 1; }
    std::size_t arrow_column() const { return 2 + kStateWidth + frame_width_ + 2; }
    std::size_t put_tags(Line& line, std::span<const Anomaly> tags, std::size_t from, std::size_t column) const;
    void add_footnote(std::string_view mark, const Transition& t);
    void put_gap(Buf& b, std::string_view text, std::size_t text_columns) const;
    void draw_gap_line(Buf& gap_line, const HiddenSegments& h) const;
    void write_heading(Buf& b) const;
    void write_row(Buf& b, const Row& row);
    void write_timers(Buf& b) const;

    const Connection& c_;
    const TextOptions& o_;
    LadderRows rows_;
    std::size_t frame_width_ = 1;
    std::size_t arrow_width_ = kArrowWidth;
    Buf footnotes_;          // as printed, one line each
    std::size_t footnote_count_ = 0;
};

void Ladder::put_arrow(Line& line, const Row& r) const {
    Buf text;
    if (!r.sender) {
        // Direction unknown: the label alone, centred.
        append(text, "· ");
        append_row_label(text, c_, r, o_.numbers);
        append(text, " ·");
        put_centered(line, view(text), columns(view(text)), arrow_width_);
        return;
    }
    // The arrow is assembled in one piece (head, label, rule, point) and
    // goes on the line as one.
    const std::string_view code = r.full && r.flags.rst() ? kRed : !r.full ? kYellow : std::string_view{};
    const bool painted = o_.color && !code.empty();
    if (painted) append(text, code);
    if (*r.sender == Side::client) append(text, "──");
    else append(text, "◀──");
    const std::size_t label_at = text.size();
    append_row_label(text, c_, r, o_.numbers);
    const std::size_t w = columns(view(text).substr(label_at));
    const std::size_t fill = arrow_width_ > w + 3 ? arrow_width_ - w - 3 : 1;
    append(text, rule(fill, *r.sender == Side::client));
    if (painted) append(text, kReset);
    line.text(view(text));
}

// The state a transition entered, as a cell `width` columns wide, with a
// footnote when the state is drawn later than the segment that caused it;
// the columns it took.
std::size_t Ladder::put_state(Line& line, const Transition* t, std::size_t width) {
    if (!t) {
        line.blank(width);
        return width;
    }
    std::string_view mark;
    if (t->frame != t->cause_frame) {
        mark = superscript(++footnote_count_);
        add_footnote(mark, *t);
    }
    put_state_cell(line, o_.color, t->to, width, mark);
    return std::max(width, kStateColumns[static_cast<std::size_t>(t->to)] + (mark.empty() ? 0 : 1));
}

// In a set width a footnote wraps, its lines after the first under its text.
void Ladder::add_footnote(std::string_view mark, const Transition& t) {
    if (o_.width == 0) {
        cat(footnotes_, "  ", mark, " ");
        append_late_note(footnotes_, c_, t);
        footnotes_.push_back('\n');
        return;
    }
    Buf note;
    cat(note, mark, " ");
    append_late_note(note, c_, t);
    put_paragraph(footnotes_, view(note), 2, 4);
}

// Warning tags from tags[from], the line at `column`: in a set width, as
// many as fit (one at least); the index of the first one not put.
std::size_t Ladder::put_tags(Line& line, std::span<const Anomaly> tags, std::size_t from,
                             std::size_t column) const {
    std::size_t k = from;
    for (; k < tags.size(); ++k) {
        const std::string_view tag = terms(tags[k]).tag;
        const std::size_t w = 4 + columns(tag);  // "  ⚠ " and the tag
        if (o_.width > 0 && column + w > o_.width && (k > from || column > arrow_column())) break;
        column += w;
        line.blank(2);
        if (o_.color) line.text(kYellow);
        line.text("⚠ ");
        line.text(tag);
        if (o_.color) line.text(kReset);
    }
    return k;
}

void Ladder::put_frame(Line& line, std::uint64_t frame) const {
    const fmt::format_int digits(frame);
    line.blank(1 + (frame_width_ > digits.size() ? frame_width_ - digits.size() : 0));
    line.text({digits.data(), digits.size()});
    line.blank(1);
}

void Ladder::put_gap(Buf& b, std::string_view text, std::size_t text_columns) const {
    Line line(b);
    line.blank(2 + kStateWidth);
    put_no_frame(line);
    put_centered(line, text, text_columns, arrow_width_);
    line.end();
}

void Ladder::write_heading(Buf& b) const {
    {
        Line line(b);
        line.blank(2);
        put_cell(line, false, "", "client", columns("client"), kStateWidth);
        put_no_frame(line);
        line.blank(arrow_width_ + 2);
        line.text("server");
        line.end();
    }
    Line line(b);
    line.blank(2);
    put_state_cell(line, o_.color, c_.endpoint(Side::client).initial_state, kStateWidth);
    put_no_frame(line);
    line.blank(arrow_width_ + 2);
    put_state_cell(line, o_.color, c_.endpoint(Side::server).initial_state, 0);
    line.end();
}

// Every gap line of a ladder is the same: drawn once, then copied.
void Ladder::draw_gap_line(Buf& gap_line, const HiddenSegments& h) const {
    if (h.segments == 0) return;
    Buf text;
    append_fold_words(text, h);
    put_gap(gap_line, view(text), columns(view(text)));
}

// One line per state this segment moved, sides side by side.
void Ladder::write_row(Buf& b, const Row& row) {
    const std::size_t lines = LadderRows::lines(row);
    std::size_t tag = row.full ? 0 : 1;  // a partial row names its first tag in its label
    for (std::size_t i = 0; i < lines; ++i) {
        Line line(b);
        line.blank(2);
        put_state(line, rows_.placed(row, Side::client, i), kStateWidth);
        if (i == 0) {
            put_frame(line, row.frame);
            put_arrow(line, row);
        } else {
            put_no_frame(line);
            line.blank(arrow_width_);
        }
        line.blank(2);
        const std::size_t server = put_state(line, rows_.placed(row, Side::server, i), 0);
        if (i == 0) tag = put_tags(line, row.tags, tag, arrow_column() + arrow_width_ + 2 + server);
        line.end();
    }
    // The tags that did not fit, on lines of their own under the arrow.
    while (tag < row.tags.size()) {
        Line more(b);
        more.blank(arrow_column());
        tag = put_tags(more, row.tags, tag, arrow_column());
        more.end();
    }
}

// Timers: TIME_WAIT's 2*MSL when it passed within the capture.
void Ladder::write_timers(Buf& b) const {
    const Timers tm = timers(c_);
    if (!tm.side[0] && !tm.side[1]) return;
    Line line(b);
    line.blank(2);
    if (tm.side[0]) put_state_cell(line, o_.color, tm.side[0]->to, kStateWidth);
    else line.blank(kStateWidth);
    put_no_frame(line);
    Buf middle;
    cat(middle, "2*MSL later (", Utc{tm.at}, " UTC)");
    put_centered(line, view(middle), columns(view(middle)), arrow_width_);
    line.blank(2);
    if (tm.side[1]) put_state_cell(line, o_.color, tm.side[1]->to, 0);
    line.end();
}

void Ladder::write(Buf& b) {
    write_heading(b);
    // Segments not drawn: the data transfer and ACKs that changed nothing.
    const HiddenSegments h = rows_.hidden();
    Buf gap_line;
    draw_gap_line(gap_line, h);
    std::uint64_t prev = 0;
    for (const Row& row : rows_.rows()) {
        if (h.segments > 0 && rows_.gap_before(prev, row.frame)) append(b, view(gap_line));
        prev = row.frame;
        write_row(b, row);
    }
    if (h.segments > 0 && h.at_end) append(b, view(gap_line));
    write_timers(b);
    if (h.segments > 0 && h.gaps > 1) {
        append(b, "  ");
        append_fold_summary(b, h);
        b.push_back('\n');
    }
    append(b, view(footnotes_));
    if (o_.all_segments && c_.segments().empty() && h.segments > 0)
        append(b,
               "  (every segment on its own line needs the core to keep them: TrackerConfig::keep_segments, "
               "which --all-segments sets)\n");
}

}  // namespace

void write_ladder(Buf& b, const Connection& c, const TextOptions& o) { Ladder(c, o).write(b); }

}  // namespace tfe::analyzer::text
