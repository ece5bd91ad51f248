// What both frame sources (files and interfaces) share: the sink that
// receives Segments, per-reason decode counters, and the one function that
// turns a libpcap record into a Segment.
#pragma once

#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "capture/decoder.hpp"
#include "core/segment.hpp"

namespace tfe::capture {

// A usage error found before any packet is read (bad BPF filter, interface
// that cannot be opened). Never thrown per packet.
class CaptureError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class SegmentSink {
public:
    virtual ~SegmentSink();
    // The Segment is reused for the next frame: copy what you keep.
    virtual void on_segment(const Segment& segment) = 0;
    // An ICMP/ICMPv6 error quoting a TCP segment (capture/icmp.hpp): for
    // the flow table to note on the connection it names. Ignored by default.
    virtual void on_icmp_error(const IcmpError& error);
};

struct ReasonCount {
    std::uint64_t count = 0;
    std::uint64_t first_frame = 0;  // frame number of the first occurrence
};

struct DecodeStats {
    std::uint64_t frames_read = 0;
    std::uint64_t segments_decoded = 0;
    std::uint64_t skipped_non_tcp = 0;    // reasons where !is_malformed
    std::uint64_t malformed = 0;          // reasons where is_malformed
    std::uint64_t bad_checksums = 0;      // only counted with verify_checksums
    std::uint64_t truncated_payloads = 0; // captured_len < payload_len (snaplen)
    std::uint64_t icmp_errors = 0;        // ICMP/ICMPv6 errors quoting TCP, handed on
    // Every non-ok reason, skipped or malformed, indexed by DecodeError.
    std::array<ReasonCount, static_cast<std::size_t>(DecodeError::count)> by_reason{};

    const ReasonCount& reason(DecodeError e) const {
        return by_reason[static_cast<std::size_t>(e)];
    }
    // Frames stamped earlier than the frame before (a clock stepped back,
    // files merged out of order) or more than a year after it (a damaged
    // seconds field): counted, since durations then mean little; the
    // connections are still followed by their sequence numbers.
    ReasonCount time_backwards;
    ReasonCount time_jumps;
    TimeNs last_ts = 0;                   // the previous frame's (frames_read > 0)

    // encapsulation_not_decoded frames by the header they stopped at, in
    // the order first met (a few kinds at most in a real capture).
    std::vector<std::pair<Undecoded, ReasonCount>> undecoded;

    // Counts one decode result for the frame in `segment.frame`; `why`
    // names the header of an encapsulation_not_decoded one.
    void record(DecodeError e, const Segment& segment, const Undecoded& why = {});
    // Compares frame `frame`'s time with the previous frame's (call after
    // counting it in frames_read).
    void note_time(TimeNs ts, std::uint64_t frame);
};

// Decodes one libpcap record into `segment` (reused, no allocation), counts
// it, numbers it (++frame_counter) and hands it to the sink when it is a TCP
// segment, or an IcmpError when it is an ICMP error quoting one. `subsec_to_ns` is 1 for a nanosecond-precision handle, 1000 for
// microseconds.
void process_frame(int dlt, const pcap_pkthdr& header, const u_char* data, bool verify_checksums,
                   std::int64_t subsec_to_ns, std::uint64_t& frame_counter, Segment& segment,
                   DecodeStats& stats, SegmentSink& sink);

// A compiled BPF program, freed with the object.
class BpfProgram {
public:
    BpfProgram() = default;
    ~BpfProgram() { pcap_freecode(&program_); }
    BpfProgram(const BpfProgram&) = delete;
    BpfProgram& operator=(const BpfProgram&) = delete;

    bool empty() const { return program_.bf_insns == nullptr; }
    // What pcap_offline_filter and pcap_setfilter take.
    const bpf_program* get() const { return &program_; }
    bpf_program* get() { return &program_; }

private:
    bpf_program program_{};
};

// Compiles a BPF filter for `handle`'s link type and snapshot length into
// `program` (empty expression = leaves it empty); throws CaptureError naming
// `what` (a file or interface) and the expression when it is bad.
void compile_filter(pcap_t* handle, const std::string& expression, const std::string& what,
                    BpfProgram& program);

// Compiles and installs a BPF filter (empty = none); throws CaptureError
// naming `what` (a file or interface) and the expression when it is bad.
void apply_filter(pcap_t* handle, const std::string& expression, const std::string& what);

}  // namespace tfe::capture
