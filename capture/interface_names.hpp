// The interfaces a run's frames were captured on, as pcapng files name them
// (if_name), numbered once for the whole run so that rotated files naming
// the same interface give its frames the same number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tfe::capture {

class InterfaceNames {
public:
    // The run's number (1-based: a Segment's 0 means "not known") for the
    // interface a file describes as `if_name`, or, when the file names it
    // not, as its `index` in `path` ("interface 1 of f.pcapng").
    std::uint16_t id_for(std::string_view if_name, std::string_view path, std::size_t index);
    // Printable ASCII names, by number - 1: safe in a terminal and in JSON
    // without more than `"` and `\` escaped.
    const std::vector<std::string>& names() const { return names_; }

private:
    std::vector<std::string> names_;
};

// `raw` with every byte outside printable ASCII replaced by '?' (an if_name
// is bytes the file chose: UTF-8 by the format, anything in practice).
std::string printable_name(std::string_view raw);

}  // namespace tfe::capture
