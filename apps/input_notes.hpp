// What reading one capture file found, as lines for a person: shown on
// stderr as it happens, and (the warnings and errors) repeated under the
// text report, so bad input never vanishes silently.
#pragma once

#include <string>
#include <vector>

#include "capture/pcap_source.hpp"

namespace tfe::app {

struct InputNote {
    enum Level { info, warning, error } level = info;
    std::string text;
};

std::vector<InputNote> input_notes(const capture::FileReport& r);

}  // namespace tfe::app
