// Reading tcpdump's text output (what people paste into tickets) as if it
// were a capture: each TCP line becomes a Segment for the same sink the
// capture files feed. Lines that are not TCP are counted and skipped; a TCP
// line that cannot be read is a warning naming its line number.
#pragma once

#include <cstdint>
#include <cstdio>
#include <istream>
#include <string>
#include <string_view>

#include "capture/pcap_source.hpp"

namespace tfe::capture {

// Where times without a date (tcpdump's default time of day, -ttt deltas,
// -t) are put: 2000-01-01 00:00:00 UTC.
inline constexpr TimeNs kAssumedDate = TimeNs{946'684'800} * 1'000'000'000;

// True when the first bytes of an input are text, not a capture file: no
// pcap or pcapng magic, and printable (tabs and line ends allowed).
bool looks_like_text(std::string_view first_bytes);

// Reads tcpdump text from `in`. Frame numbers: a line's own leading number
// when it has one (a pasted "1 12:43:46..." or tcpdump -#), else one per
// packet line (TCP or not), counted on from `frame_counter`. frame_limit
// (tcpdump's -c; 0 = none): stop after that many packet lines.
FileReport read_tcpdump_text(std::istream& in, const std::string& path, bool verify_checksums,
                             std::uint64_t& frame_counter, SegmentSink& sink, std::uint64_t frame_limit = 0);

// The same for a stream (standard input already peeked at), closed after.
FileReport read_tcpdump_text_stream(std::FILE* in, const std::string& path, bool verify_checksums,
                                    std::uint64_t& frame_counter, SegmentSink& sink,
                                    std::uint64_t frame_limit = 0);

// The same for a file ("-" = standard input).
FileReport read_tcpdump_text_file(const std::string& path, bool verify_checksums, std::uint64_t& frame_counter,
                                  SegmentSink& sink, std::uint64_t frame_limit = 0);

// Whether the file at `path` (not standard input) holds text rather than a
// capture; false when it cannot be read (the capture reader says why).
bool file_looks_like_text(const std::string& path);

}  // namespace tfe::capture
