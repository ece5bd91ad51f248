// What reading one capture file found, as lines for a person: shown on
// stderr as it happens, and (the warnings and errors) repeated under the
// text report, so bad input never vanishes silently.
#pragma once

#include <string>
#include <vector>

#include "capture/pcap_source.hpp"

namespace tfe::app {

struct InputNote {
    // report: how the input was read (tcpdump text's assumed date): under
    // the text report, on stderr only with -v.
    enum Level { info, report, warning, error } level = info;
    std::string text;
};

std::vector<InputNote> input_notes(const capture::FileReport& r);

}  // namespace tfe::app
