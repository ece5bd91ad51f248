// Plain-text layout: widths in columns (code points), ladder lines built in
// place, and the one word wrapper every paragraph goes through.
#pragma once

#include <array>
#include <cstdint>

#include "analyzer/raw_write.hpp"
#include "analyzer/text/buffer.hpp"
#include "core/state.hpp"

namespace tfe::analyzer::text {
// ---------------------------------------------------------------------------
// Plain-text layout: widths in columns (code points), ANSI colour on demand
// ---------------------------------------------------------------------------

constexpr std::size_t kStateWidth = 14;
constexpr std::size_t kArrowWidth = 56;
constexpr std::size_t kWrap = 78;

// How many of the bytes of `s` satisfy `pred(s, i)`. The word wrap runs
// this over every byte of the narrative, so it is written to vectorise well:
// no branch, and a one-byte counter per block of 240 bytes (a wider one
// makes the compiler widen every byte to 64 bits, several times slower).
// 240 is the largest multiple of 16 that a byte can count: the compiler
// works 16 bytes at a time, and a block of 255 left 15 bytes in every block
// to go one at a time.
template <typename Pred>
constexpr std::size_t count_bytes(std::string_view s, std::size_t from, Pred pred) {
    std::size_t n = 0;
    for (std::size_t i = from; i < s.size();) {
        const std::size_t block_end = std::min(s.size(), i + 240);
        std::uint8_t block = 0;
        for (; i < block_end; ++i) block = static_cast<std::uint8_t>(block + pred(s, i));
        n += block;
    }
    return n;
}

// Columns: the bytes that start a character (not a UTF-8 continuation byte).
constexpr std::size_t count_columns(std::string_view s) {
    return count_bytes(s, 0, [](std::string_view t, std::size_t i) {
        return (static_cast<unsigned char>(t[i]) & 0xC0) != 0x80;
    });
}

// No byte of `s` has its high bit set: each is a character, one column.
// Eight bytes at a time: what is measured here (a line of a paragraph, a
// label) is too short for the compiler's 16-byte loops to pay for their
// set-up and their byte-by-byte tail. The last word ends where `s` ends and
// may overlap the one before, which an OR does not mind.
inline bool is_ascii(std::string_view s) {
    const auto word_at = [&](std::size_t i) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, sizeof w);
        return w;
    };
    if (s.size() < 8) {
        unsigned char bits = 0;
        for (const char c : s) bits |= static_cast<unsigned char>(c);
        return bits < 0x80;
    }
    std::uint64_t bits = word_at(s.size() - 8);
    for (std::size_t i = 0; i + 8 <= s.size(); i += 8) bits |= word_at(i);
    return (bits & 0x8080808080808080u) == 0;
}

// The same, uncounted when no byte has its high bit set: most of the report
// is ASCII, and the check is cheaper than the count.
inline std::size_t columns(std::string_view s) { return is_ascii(s) ? s.size() : count_columns(s); }

// Columns of each state's name: the ladder pads every state it draws to a
// column, and the names are fixed, so they are counted at compile time.
constexpr auto kStateColumns = [] {
    std::array<std::size_t, kStateCount> w{};
    for (std::size_t i = 0; i < kStateCount; ++i) w[i] = count_columns(kStateNames[i]);
    return w;
}();

// `n` times "─" (n <= kArrowWidth), followed by the point "▶" when the
// arrow goes to the server: both are cut from one constant, the rule from its
// start, the rule and point from its end.
inline std::string_view rule(std::size_t n, bool pointed) {
    static constexpr std::string_view kRule =
        "────────────────────────────────────────────────────────▶";  // kArrowWidth "─", then "▶"
    static_assert(kRule.size() == 3 * kArrowWidth + 3);
    n = std::min(n, kArrowWidth);
    return pointed ? kRule.substr(3 * (kArrowWidth - n)) : kRule.substr(0, 3 * n);
}

// One ladder line, written straight into room reserved in the buffer: a
// line is a few pieces of text between runs of blanks, and appending each
// piece on its own (a call, a size check, a libc memset and memcpy) was most
// of the ladder's time. The room is filled with blanks when it is reserved,
// so the blanks between pieces cost only moving past them. Blanks are held
// back until something visible follows them, so a line never ends in blanks
// and nothing has to be trimmed. Nothing else may write to the buffer until
// end().
class Line {
public:
    explicit Line(Buf& b) : b_(b) { open(kRoom); }
    void blank(std::size_t n) { blanks_ += n; }
    void text(std::string_view s) {
        // Most pieces do not end in a blank and fit in the room (and a byte
        // for the newline): a test the compiler can inline where the piece
        // is put, and one copy.
        if (!s.empty() && s.back() != ' ' && static_cast<std::size_t>(limit_ - p_) > blanks_ + s.size()) {
            p_ = raw::put(p_ + blanks_, s);
            blanks_ = 0;
            return;
        }
        text_in_general(s);
    }
    void end() {
        *p_++ = '\n';
        raw::commit(b_, p_);
    }

private:
    void text_in_general(std::string_view s) {
        const std::size_t visible = s.find_last_not_of(' ') + 1;  // 0 when all blank
        if (visible) {
            const std::size_t need = blanks_ + visible + 1;  // and one byte for the newline
            if (static_cast<std::size_t>(limit_ - p_) < need) {
                raw::commit(b_, p_);
                open(need + kRoom);
            }
            p_ = raw::put(p_ + blanks_, s.substr(0, visible));
            blanks_ = 0;
        }
        blanks_ += s.size() - visible;
    }

    // Room for most lines at once (a row of the ladder is about 200 bytes:
    // its rule is 3 bytes a column); a longer one gets more.
    static constexpr std::size_t kRoom = 256;
    void open(std::size_t n) {
        p_ = raw::room(b_, n);
        std::memset(p_, ' ', n);
        limit_ = p_ + n;
    }

    Buf& b_;
    char* p_ = nullptr;      // where the next byte goes
    char* limit_ = nullptr;  // the end of the room
    std::size_t blanks_ = 0;
};

// `text`, `text_columns` wide, followed by `mark` (a footnote mark),
// painted, then padded to `width` columns (at least one blank).
inline void put_cell(Line& line, bool color, std::string_view code, std::string_view text, std::size_t text_columns,
              std::size_t width, std::string_view mark = {}) {
    const std::size_t w = text_columns + (mark.empty() ? 0 : columns(mark));
    const bool painted = color && (text.size() + mark.size()) != 0;
    if (painted) line.text(code);
    line.text(text);
    if (!mark.empty()) line.text(mark);
    if (painted) line.text(kReset);
    line.blank(w < width ? width - w : 1);
}

// A state's name as a cell: cyan when colour is on.
inline void put_state_cell(Line& line, bool color, State s, std::size_t width, std::string_view mark = {}) {
    put_cell(line, color, kCyan, state_name(s), kStateColumns[static_cast<std::size_t>(s)], width, mark);
}

// `text`, `w` columns wide, centred in `width` columns; as it is when it
// does not fit.
inline void put_centered(Line& line, std::string_view text, std::size_t w, std::size_t width) {
    const std::size_t left = w < width ? (width - w) / 2 : 0;
    line.blank(left);
    line.text(text);
    line.blank(w < width ? width - w - left : 0);
}

// Word-wraps a paragraph at kWrap columns, indented by `indent` blanks;
// lines after the first take `rest` (a hanging indent for bullets). Runs of
// blanks count as one, and blanks at either end are dropped.
void put_paragraph(Buf& b, std::string_view text, std::size_t indent, std::size_t rest);
// Lines of two-blank indent as they are, or in a set width (0: none)
// wrapped with a hanging indent where longer.
void put_fitted(Buf& b, std::string_view lines, std::size_t width);

// The same from `column`, where `written` says the line already holds that
// many columns (a summary row's heading).
void put_paragraph_at(Buf& b, std::string_view text, std::size_t column, std::size_t rest, bool written);

}  // namespace tfe::analyzer::text
