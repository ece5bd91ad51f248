#include "apps/input_notes.hpp"

#include <fmt/format.h>

namespace tfe::app {

namespace {

// tcpdump text: its packet lines, and what the reader had to assume.
void text_notes(const capture::FileReport& r, std::vector<InputNote>& out) {
    if (r.fatal_error) {
        out.push_back({InputNote::error, *r.fatal_error});
        return;
    }
    out.push_back({InputNote::info, fmt::format("{}: tcpdump text: {} packet lines, {} TCP segments", r.path,
                                                r.frames_read, r.segments_decoded)});
    for (const std::string& n : r.text_notes) out.push_back({InputNote::report, n});
    for (const std::string& w : r.text_warnings) out.push_back({InputNote::warning, w});
    if (r.frames_read > 0 && r.segments_decoded == 0)
        out.push_back({InputNote::warning, fmt::format("{}: no TCP line could be read", r.path)});
}

}  // namespace

std::vector<InputNote> input_notes(const capture::FileReport& r) {
    std::vector<InputNote> out;
    if (r.skipped_link_type) {
        out.push_back({InputNote::error, r.skip_message});
        return out;
    }
    if (r.is_text) {
        text_notes(r, out);
        return out;
    }
    out.push_back({InputNote::info, fmt::format("{}: {} frames, {} TCP segments, link type {}", r.path,
                                                r.frames_read, r.segments_decoded, r.link_type_name)});
    if (r.skipped_non_tcp)
        out.push_back({InputNote::info, fmt::format("{}: {} non-TCP frames skipped", r.path, r.skipped_non_tcp)});
    for (std::size_t i = 0; i < r.by_reason.size(); ++i) {
        const auto e = static_cast<capture::DecodeError>(i);
        const auto& rc = r.by_reason[i];
        if (rc.count && capture::is_malformed(e))
            out.push_back({InputNote::warning, fmt::format("{}: {} malformed frame(s): {} (first: frame {})", r.path,
                                                           rc.count, capture::to_string(e), rc.first_frame)});
    }
    if (r.bad_checksums)
        out.push_back({InputNote::warning,
                       fmt::format("{}: {} segment(s) with a bad TCP checksum (normal on the sending host with "
                                   "checksum offload); analysed anyway",
                                   r.path, r.bad_checksums)});
    if (r.truncated_payloads)
        out.push_back({InputNote::info, fmt::format("{}: {} segment(s) captured shorter than sent (snaplen); "
                                                    "sequence space uses the IP length",
                                                    r.path, r.truncated_payloads)});
    if (r.time_backwards.count)
        out.push_back({InputNote::warning,
                       fmt::format("{}: {} frame(s) stamped earlier than the frame before (first: frame {}); "
                                   "times and durations may mislead",
                                   r.path, r.time_backwards.count, r.time_backwards.first_frame)});
    if (r.time_jumps.count)
        out.push_back({InputNote::warning,
                       fmt::format("{}: {} frame(s) stamped more than a year after the frame before (first: "
                                   "frame {}); times and durations may mislead",
                                   r.path, r.time_jumps.count, r.time_jumps.first_frame)});
    if (r.fatal_error) out.push_back({InputNote::error, *r.fatal_error});
    return out;
}

}  // namespace tfe::app
