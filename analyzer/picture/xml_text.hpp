// Text put into SVG or HTML: the five characters XML gives meaning to,
// escaped.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace tfe::analyzer::picture {

inline void append_escaped(fmt::memory_buffer& out, std::string_view s) {
    for (const char ch : s) {
        switch (ch) {
            case '&': out.append(std::string_view("&amp;")); break;
            case '<': out.append(std::string_view("&lt;")); break;
            case '>': out.append(std::string_view("&gt;")); break;
            case '"': out.append(std::string_view("&quot;")); break;
            case '\'': out.append(std::string_view("&#39;")); break;
            default: out.push_back(ch);
        }
    }
}

}  // namespace tfe::analyzer::picture
