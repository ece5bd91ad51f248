#include "apps/summary_file.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>

#include "apps/exit_codes.hpp"

namespace tfe::app {

// Written beside it and renamed, so a reader never sees half an object.
int write_summary_json(const std::string& path, const ReportSink& sink) {
    const std::string text = sink.summary().json(sink.input_notes());
    if (path == "-") {
        std::fwrite(text.data(), 1, text.size(), stderr);
        return kOk;
    }
    const std::string temp = path + ".tmp";
    {
        std::ofstream out(temp);
        out << text;
        if (!out.flush()) {
            spdlog::error("{}: cannot write the summary", temp);
            std::remove(temp.c_str());
            return kUsage;
        }
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        spdlog::error("{}: cannot replace it with {}", path, temp);
        std::remove(temp.c_str());
        return kUsage;
    }
    return kOk;
}

}  // namespace tfe::app
