// A pcapng file on disk, read by our own block walker (capture/pcapng.hpp)
// into a FileReport: each interface's link type, filter and counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "capture/pcap_source.hpp"

namespace tfe::capture {

// Reads `path` when it is a regular file that starts as a pcapng file does,
// as read_capture_file would; nullopt (nothing read) for any other file.
// Throws CaptureError for a filter that does not compile for the file's
// first decodable interface, before any frame is read.
std::optional<FileReport> read_pcapng_on_disk(const std::string& path, const ReadOptions& opts,
                                              std::uint64_t& frame_counter, SegmentSink& sink);

// The DLT libpcap reports for an interface of pcapng LINKTYPE_ `linktype`
// (LINKTYPE_RAW 101 is DLT_RAW, most are the same number), asked of
// libpcap itself; `linktype` when libpcap will not say.
int pcapng_linktype_dlt(std::uint16_t linktype);

}  // namespace tfe::capture
