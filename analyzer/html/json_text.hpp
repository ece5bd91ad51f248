// Strings into JSON that goes inside an HTML <script> element: quotes,
// backslashes and control characters escaped as JSON needs, and '<' as
// \u003c so that no "</script>" can end the element early.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace tfe::analyzer::html {

inline void append_json_string(fmt::memory_buffer& out, std::string_view s) {
    out.push_back('"');
    for (const char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (ch == '\n') {
            out.append(std::string_view("\\n"));
        } else if (u < 0x20 || ch == '<') {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
        } else {
            out.push_back(ch);
        }
    }
    out.push_back('"');
}

}  // namespace tfe::analyzer::html
