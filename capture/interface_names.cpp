#include "capture/interface_names.hpp"

#include <algorithm>
#include <limits>

namespace tfe::capture {

std::string printable_name(std::string_view raw) {
    std::string out(raw);
    for (char& ch : out)
        if (ch < 0x20 || ch > 0x7E) ch = '?';
    return out;
}

std::uint16_t InterfaceNames::id_for(std::string_view if_name, std::string_view path, std::size_t index) {
    const std::string name = if_name.empty()
        ? "interface " + std::to_string(index) + " of " + printable_name(path)
        : printable_name(if_name);
    const auto known = std::find(names_.begin(), names_.end(), name);
    if (known != names_.end()) return static_cast<std::uint16_t>(known - names_.begin() + 1);
    // Past 65535 distinct interfaces the rest share the last number.
    if (names_.size() == std::numeric_limits<std::uint16_t>::max()) return static_cast<std::uint16_t>(names_.size());
    names_.push_back(name);
    return static_cast<std::uint16_t>(names_.size());
}

}  // namespace tfe::capture
