#include "apps/input_notes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>

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

// "EN10MB", or "EN10MB, RAW, USB_LINUX" for a pcapng file whose interfaces
// differ: each link type once, in the order the interfaces came.
std::string link_types(const capture::FileReport& r) {
    std::vector<std::string> names;
    for (const capture::InterfaceReport& i : r.interfaces)
        if (std::find(names.begin(), names.end(), i.link_type_name) == names.end())
            names.push_back(i.link_type_name);
    if (names.size() < 2) return "link type " + r.link_type_name;
    return fmt::format("link types {}", fmt::join(names, ", "));
}

std::string interface_name(const capture::FileReport& r, std::size_t index) {
    const capture::InterfaceReport& i = r.interfaces[index];
    return fmt::format("interface {}{}", index, i.name.empty() ? "" : " (" + i.name + ")");
}

// A pcapng file's interfaces whose frames were not analysed: a link type
// the decoder does not know, or a filter that cannot apply to it.
void interface_notes(const capture::FileReport& r, std::vector<InputNote>& out) {
    for (std::size_t k = 0; k < r.interfaces.size(); ++k) {
        const capture::InterfaceReport& i = r.interfaces[k];
        if (!i.supported && i.frames > 0)
            out.push_back({InputNote::warning,
                           fmt::format("{}: {} frame(s) on {}, link type {} ({}), not decoded", r.path,
                                       i.frames, interface_name(r, k), i.link_type_name, i.link_type)});
        if (i.filter_inapplicable)
            out.push_back({InputNote::warning,
                           fmt::format("{}: the filter does not apply to {}, link type {}: its frames "
                                       "were left out", r.path, interface_name(r, k), i.link_type_name)});
    }
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
    out.push_back({InputNote::info, fmt::format("{}: {} frames, {} TCP segments, {}", r.path,
                                                r.frames_read, r.segments_decoded, link_types(r))});
    interface_notes(r, out);
    if (r.skipped_non_tcp)
        out.push_back({InputNote::info, fmt::format("{}: {} non-TCP frames skipped", r.path, r.skipped_non_tcp)});
    if (r.icmp_errors)
        out.push_back({InputNote::info, fmt::format("{}: {} ICMP error(s) quoting a TCP segment, noted on its "
                                                    "connection", r.path, r.icmp_errors)});
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
