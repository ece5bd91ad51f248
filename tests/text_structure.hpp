// Reads a text report back into its structure (ladder rows by frame,
// sections by heading), so that tests check the facts in their place
// rather than the exact wording around them.
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace tfe::test {

struct LadderRow {
    std::string client, server;  // the state written beside it, "" when unchanged
    bool to_server = false;      // the arrow's direction
    std::string segment;         // "[F.] seq 143 ack 268"
    std::string note;            // what follows the row ("⚠ SYN again")
};

inline std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

inline bool all_digits(const std::string& s) {
    if (s.empty()) return false;
    for (unsigned char ch : s)
        if (!std::isdigit(ch)) return false;
    return true;
}

inline bool starts_arrow(const std::string& w) { return w.rfind("◀", 0) == 0 || w.rfind("─", 0) == 0; }

// One ladder line: [client state] frame arrow-with-segment [server state].
inline bool parse_ladder_row(const std::string& line, std::uint64_t& frame, LadderRow& row) {
    const std::vector<std::string> w = words_of(line);
    std::size_t i = 0;
    if (w.size() < 2) return false;
    if (!all_digits(w[0])) row.client = w[i++];
    if (i + 1 >= w.size() || !all_digits(w[i]) || !starts_arrow(w[i + 1])) return false;
    frame = std::stoull(w[i++]);
    // The arrow runs up to the word its dashes (or head) end.
    auto ends = [](const std::string& word, std::string_view tail) {
        return word.size() >= tail.size() && word.compare(word.size() - tail.size(), tail.size(), tail) == 0;
    };
    std::string arrow;
    while (i < w.size()) {
        arrow += (arrow.empty() ? "" : " ") + w[i];
        if (ends(w[i++], "─") || ends(w[i - 1], "▶")) break;
    }
    // Then the receiver's new state (capitals), and any note ("⚠ SYN again").
    if (i < w.size() && std::isupper(static_cast<unsigned char>(w[i][0]))) row.server = w[i++];
    for (; i < w.size(); ++i) row.note += (row.note.empty() ? "" : " ") + w[i];
    row.to_server = arrow.find("▶") != std::string::npos;
    const std::size_t open = arrow.find('[');
    if (open != std::string::npos) {
        std::string seg = arrow.substr(open);
        for (const char* junk : {"─", "▶"})
            for (std::size_t p; (p = seg.find(junk)) != std::string::npos;) seg.erase(p, std::string_view(junk).size());
        row.segment = seg;
    }
    return true;
}

// Every ladder row of a one-connection report, by frame.
inline std::map<std::uint64_t, LadderRow> ladder_rows(const std::string& text) {
    std::map<std::uint64_t, LadderRow> rows;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::uint64_t frame = 0;
        LadderRow row;
        if (line.rfind("  ", 0) == 0 && parse_ladder_row(line, frame, row)) rows[frame] = row;
    }
    return rows;
}

// The text under heading `name` (a line "  How it closed"), up to the next
// heading or blank line, its line breaks read as spaces.
inline std::string section(const std::string& text, std::string_view name) {
    std::istringstream in(text);
    std::string out;
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line == "  " + std::string(name)) {
            inside = true;
            continue;
        }
        if (!inside) continue;
        if (line.empty() || line.rfind("    ", 0) != 0) break;
        const std::vector<std::string> w = words_of(line);
        for (const std::string& word : w) out += (out.empty() ? "" : " ") + word;
    }
    return out;
}

}  // namespace tfe::test
