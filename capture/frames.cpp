#include "capture/frames.hpp"

#include <algorithm>
#include <cstdint>

namespace tfe::capture {

SegmentSink::~SegmentSink() = default;
void SegmentSink::on_icmp_error(const IcmpError&) {}

void DecodeStats::record(DecodeError e, const Segment& segment, const Undecoded& why) {
    if (e == DecodeError::ok) {
        ++segments_decoded;
        if (segment.checksum_checked && !segment.checksum_ok) ++bad_checksums;
        if (segment.captured_len < segment.payload_len) ++truncated_payloads;
        return;
    }
    ReasonCount& r = by_reason[static_cast<std::size_t>(e)];
    if (r.count++ == 0) r.first_frame = segment.frame;
    if (e == DecodeError::icmp_error) ++icmp_errors;  // used, not skipped
    else ++(is_malformed(e) ? malformed : skipped_non_tcp);
    if (e != DecodeError::encapsulation_not_decoded) return;
    auto kind = std::find_if(undecoded.begin(), undecoded.end(), [&](const auto& u) { return u.first == why; });
    if (kind == undecoded.end()) kind = undecoded.insert(undecoded.end(), {why, ReasonCount{0, segment.frame}});
    ++kind->second.count;
}

void DecodeStats::note_time(TimeNs ts, std::uint64_t frame) {
    constexpr TimeNs kYear = TimeNs{365} * 24 * 3600 * 1'000'000'000;
    if (frames_read > 1) {
        ReasonCount* odd = ts < last_ts ? &time_backwards : ts - last_ts > kYear ? &time_jumps : nullptr;
        if (odd != nullptr && odd->count++ == 0) odd->first_frame = frame;
    }
    last_ts = ts;
}

void process_frame(int dlt, const pcap_pkthdr& header, const u_char* data, bool verify_checksums,
                   std::int64_t subsec_to_ns, std::uint64_t& frame_counter, Segment& segment,
                   DecodeStats& stats, SegmentSink& sink) {
    ++stats.frames_read;
    segment.frame = ++frame_counter;
    // Seconds beyond what a classic pcap can hold (1901 to 2106; pcapng's
    // 64-bit stamps go further) are clamped to it: nanoseconds, and the
    // differences between two of them, then fit in 64 bits.
    const TimeNs seconds = std::clamp<TimeNs>(header.ts.tv_sec, INT32_MIN, UINT32_MAX);
    segment.ts = seconds * 1'000'000'000 +
                 static_cast<TimeNs>(header.ts.tv_usec) * subsec_to_ns;
    stats.note_time(segment.ts, segment.frame);
    Undecoded why;
    // Reused like `segment`, so that a TCP frame costs no IcmpError of its own.
    thread_local IcmpError icmp;
    const DecodeError e =
        decode_frame(dlt, {data, header.caplen}, header.len, verify_checksums, segment, &why, &icmp);
    stats.record(e, segment, why);
    if (e == DecodeError::ok) {
        sink.on_segment(segment);
    } else if (e == DecodeError::icmp_error) {
        icmp.frame = segment.frame;
        icmp.ts = segment.ts;
        sink.on_icmp_error(icmp);
    }
}

void compile_filter(pcap_t* handle, const std::string& expression, const std::string& what,
                    BpfProgram& program) {
    if (expression.empty()) return;
    if (pcap_compile(handle, program.get(), expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
        throw CaptureError(what + ": bad capture filter \"" + expression +
                           "\": " + pcap_geterr(handle));
}

void apply_filter(pcap_t* handle, const std::string& expression, const std::string& what) {
    if (expression.empty()) return;
    BpfProgram program;
    compile_filter(handle, expression, what, program);
    if (pcap_setfilter(handle, program.get()) != 0)
        throw CaptureError(what + ": cannot install capture filter \"" + expression +
                           "\": " + pcap_geterr(handle));
}

}  // namespace tfe::capture
