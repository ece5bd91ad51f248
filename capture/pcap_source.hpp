// Reading capture files (pcap, nanosecond pcap, pcapng). A pcapng file on
// disk is read by our own block walker (capture/pcapng.hpp), which takes
// the files libpcap refuses (interfaces of several link types or snapshot
// lengths, sections in both byte orders). libpcap opens every other file;
// the records of a classic pcap file on disk are then walked by our own
// reader (capture/classic_pcap.hpp), the rest (standard input, rare pcap
// variants) goes through pcap_next_ex.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capture/frames.hpp"
#include "capture/interface_names.hpp"

namespace tfe::capture {

struct ReadOptions {
    std::string bpf_filter;         // empty = every frame
    bool verify_checksums = false;
    // Read classic pcap and pcapng files through pcap_next_ex too, instead
    // of walking them ourselves (for tests that compare the two; the same
    // results wherever libpcap reads the file).
    bool libpcap_record_loop = false;
    // An input already opened and peeked at (standard input, or a pipe or
    // FIFO named on the command line: capture/peeked_stream.hpp): read this
    // stream instead of opening the path; closed with the capture.
    std::FILE* stream = nullptr;
    // Where a pcapng file's interfaces get their run-wide numbers, which
    // its Segments then carry (interface_id); null: Segments carry 0.
    InterfaceNames* interface_names = nullptr;
    // Set (by a signal handler) to stop reading a stream: what was read is
    // kept and no error is recorded for the interrupted read. Files on disk
    // are walked to their end, which takes about a second per GB.
    const std::atomic<bool>* stop = nullptr;
    // Told, about once a second, how long a stream input has been quiet
    // (capture/peeked_stream.hpp); empty: a quiet stream is just waited on.
    std::function<void(std::chrono::nanoseconds silent)> on_quiet;
    // Told when a read of a stream input is about to wait for its writer
    // (a threaded run hands over the segments it holds); may be empty.
    std::function<void()> on_idle;
    // tcpdump's -c: stop after this many frames of this file were delivered
    // (passed the filter); 0 = no limit. The frames read are kept.
    std::uint64_t frame_limit = 0;
    bool limit_reached(std::uint64_t delivered) const { return frame_limit != 0 && delivered >= frame_limit; }
};

// One interface of a pcapng file read by our own walker.
struct InterfaceReport {
    std::string name;              // if_name; empty when the file gives none
    int link_type = -1;            // pcap DLT value, as libpcap maps the IDB's
    std::string link_type_name;
    bool supported = false;        // decode_frame understands the link type
    std::uint64_t frames = 0;      // frames delivered from it (after the filter)
    // The filter does not compile for this link type (e.g. "ether host" on
    // raw IP): none of its frames were delivered.
    bool filter_inapplicable = false;
};

// What reading one file did. Counters (frames_read, segments_decoded,
// skipped_non_tcp, malformed, by_reason, bad_checksums, truncated_payloads)
// come from DecodeStats.
struct FileReport : DecodeStats {
    std::string path;
    int link_type = -1;             // pcap DLT value, -1 if the file did not open
    std::string link_type_name;
    std::uint64_t first_frame = 0;  // frame numbers this file used (0 = none)
    std::uint64_t last_frame = 0;
    // Set when the file could not be opened or a record could not be read;
    // frames before it were delivered. One line naming the file and offset.
    std::optional<std::string> fatal_error;
    // The link type is not one decode_frame understands: nothing was read.
    bool skipped_link_type = false;
    std::string skip_message;       // "f.pcap: link type USB_LINUX (189) not supported..."
    // tcpdump text (capture/tcpdump_text.hpp) rather than a capture: frames
    // are its packet lines, and these say how it was read.
    bool is_text = false;
    std::vector<std::string> text_notes;     // info: the date assumed, relative numbers, lines skipped
    std::vector<std::string> text_warnings;  // malformed lines, by line number; unrecoverable numbers
    // pcapng files read by our walker: every IDB of every section, in file
    // order (empty for other files, whose one link type is link_type).
    std::vector<InterfaceReport> interfaces;
};

// Reads `path` ("-" = standard input) and hands every decoded TCP segment to
// `sink`. frame_counter is shared across files: each delivered frame gets
// ++frame_counter (1-based). Frames the BPF filter rejects are numbered
// too, never delivered: a report names the file's own frame numbers (what
// tshark shows), with or without a filter. A pcapng file whose
// interfaces all have link types decode_frame does not know is skipped
// like any such file; otherwise frames of those interfaces are counted
// (unsupported_link_type) and the rest analysed. Timestamps are nanoseconds
// whatever the file's precision. Throws CaptureError only for a bad filter,
// before any frame is read; every other problem lands in the report.
FileReport read_capture_file(const std::string& path, const ReadOptions& opts,
                             std::uint64_t& frame_counter, SegmentSink& sink);

namespace detail {
// "f.pcap: truncated record at byte offset 1234 (frame 7): <libpcap's message>"
// (offset -1: none, as on a pipe), for every reader of files.
std::string read_error_message(const std::string& path, long offset, std::uint64_t frame,
                               const char* pcap_error);
}  // namespace detail

}  // namespace tfe::capture
