#include "apps/input_notes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>

namespace tfe::app {

namespace {

// "1 frame", "86 frames".
std::string count_of(std::uint64_t n, std::string_view one) {
    return fmt::format("{} {}{}", n, one, n == 1 ? "" : "s");
}

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
                           fmt::format("{}: {} on {}, link type {}, not decoded", r.path,
                                       count_of(i.frames, "frame"), interface_name(r, k),
                                       capture::linktype_label(i.link_type))});
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
    const std::uint64_t non_tcp = r.skipped_non_tcp - r.reason(capture::DecodeError::encapsulation_not_decoded).count;
    if (non_tcp)
        out.push_back({InputNote::info, fmt::format("{}: {} skipped", r.path, count_of(non_tcp, "non-TCP frame"))});
    for (const auto& [why, rc] : r.undecoded)
        out.push_back({InputNote::warning, fmt::format("{}: {} in an encapsulation not decoded: {} (first: frame {})",
                                                       r.path, count_of(rc.count, "frame"), capture::to_string(why),
                                                       rc.first_frame)});
    if (r.icmp_errors)
        out.push_back({InputNote::info, fmt::format("{}: {} quoting a TCP segment, noted on its connection", r.path,
                                                    count_of(r.icmp_errors, "ICMP error"))});
    for (std::size_t i = 0; i < r.by_reason.size(); ++i) {
        const auto e = static_cast<capture::DecodeError>(i);
        const auto& rc = r.by_reason[i];
        if (rc.count && capture::is_malformed(e))
            out.push_back({InputNote::warning, fmt::format("{}: {}: {} (first: frame {})", r.path,
                                                           count_of(rc.count, "malformed frame"), capture::to_string(e), rc.first_frame)});
    }
    if (r.bad_checksums)
        out.push_back({InputNote::warning,
                       fmt::format("{}: {} with a bad TCP checksum (normal on the sending host with "
                                   "checksum offload); analysed anyway",
                                   r.path, count_of(r.bad_checksums, "segment"))});
    if (r.truncated_payloads)
        out.push_back({InputNote::info, fmt::format("{}: {} captured shorter than sent (snaplen); "
                                                    "sequence space uses the IP length",
                                                    r.path, count_of(r.truncated_payloads, "segment"))});
    if (r.time_backwards.count)
        out.push_back({InputNote::warning,
                       fmt::format("{}: {} stamped earlier than the frame before (first: frame {}); "
                                   "times and durations may mislead",
                                   r.path, count_of(r.time_backwards.count, "frame"), r.time_backwards.first_frame)});
    if (r.time_jumps.count)
        out.push_back({InputNote::warning,
                       fmt::format("{}: {} stamped more than a year after the frame before (first: "
                                   "frame {}); times and durations may mislead",
                                   r.path, count_of(r.time_jumps.count, "frame"), r.time_jumps.first_frame)});
    if (r.fatal_error) out.push_back({InputNote::error, *r.fatal_error});
    return out;
}

}  // namespace tfe::app
