#include "analyzer/text/layout.hpp"

#include <algorithm>

namespace tfe::analyzer::text {

namespace {

// No blank at either end, never two in a row.
bool single_spaced(std::string_view text) {
    if (text.empty()) return true;
    if (text.front() == ' ' || text.back() == ' ') return false;
    return count_bytes(text, 1, [](std::string_view t, std::size_t i) { return t[i] == ' ' && t[i - 1] == ' '; }) == 0;
}

// The words of `text` (what lies between blanks), one blank apart.
void put_single_spaced(Buf& b, std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t start = text.find_first_not_of(' ', i);
        if (start == std::string_view::npos) break;
        const std::size_t end = std::min(text.find(' ', start), text.size());
        if (b.size() != 0) b.push_back(' ');
        append(b, text.substr(start, end - start));
        i = end;
    }
}

// The longest prefix of `text` that spans at most `room` columns, in bytes.
std::size_t prefix_within(std::string_view text, std::size_t room) {
    // Fewer bytes than columns of room: all of it fits, uncounted (a
    // paragraph's last line, and most short paragraphs whole).
    if (text.size() <= room) return text.size();
    std::size_t end = 0;
    // A byte is at most one column, so taking `room` more bytes never
    // overshoots; multi-byte characters leave room for another round.
    while (end < text.size() && room > 0) {
        const std::size_t take = std::min(room, text.size() - end);
        room -= columns(text.substr(end, take));
        end += take;
    }
    // The rest of the last character.
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    return end;
}

// The greedy wrap of single-spaced text, a line at a time: the longest
// prefix that fits, cut back to the last blank, copied in one piece.
// `written`: the first line's indent is already on it.
void put_wrapped(Buf& b, std::string_view text, std::size_t indent, std::size_t rest, bool written) {
    std::size_t lead = indent;
    while (!text.empty()) {
        const std::size_t room = kWrap > lead ? kWrap - lead : 0;
        std::size_t end = prefix_within(text, room);
        if (end < text.size() && text[end] != ' ') {
            // A word straddles the margin: the line ends before it, unless it
            // is the line's first word, which goes on the line regardless.
            end = text.rfind(' ', end);
            if (end == std::string_view::npos) end = std::min(text.find(' '), text.size());
        }
        // The line in one piece: indent, text, newline.
        const std::size_t blanks = written ? 0 : lead;
        char* p = raw::room(b, blanks + end + 1);
        std::memset(p, ' ', blanks);
        p = raw::put(p + blanks, text.substr(0, end));
        *p++ = '\n';
        raw::commit(b, p);
        text.remove_prefix(std::min(end + 1, text.size()));
        lead = rest;
        written = false;
    }
}

}  // namespace

void put_paragraph(Buf& b, std::string_view text, std::size_t indent, std::size_t rest) {
    put_paragraph_at(b, text, indent, rest, false);
}

void put_paragraph_at(Buf& b, std::string_view text, std::size_t column, std::size_t rest, bool written) {
    if (single_spaced(text)) {
        put_wrapped(b, text, column, rest, written);
        return;
    }
    Buf words;
    put_single_spaced(words, text);
    put_wrapped(b, view(words), column, rest, written);
}

void put_fitted(Buf& b, std::string_view lines, std::size_t width) {
    if (width == 0) {
        append(b, lines);
        return;
    }
    while (!lines.empty()) {
        const std::size_t end = std::min(lines.find('\n'), lines.size());
        const std::string_view line = lines.substr(0, end);
        if (columns(line) <= width) {
            append(b, line);
            b.push_back('\n');
        } else {
            put_paragraph(b, line, 2, 4);
        }
        lines.remove_prefix(std::min(end + 1, lines.size()));
    }
}

}  // namespace tfe::analyzer::text
