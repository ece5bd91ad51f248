// What the two readers of one pcapng file must agree on: our block walker
// (capture/pcapng.hpp) and libpcap's pcap_next_ex loop. Where libpcap reads
// the whole file, the walker delivers the same segments and counts and no
// error; where libpcap stops early (it refuses interfaces of a second link
// type or snapshot length, sections of the other byte order), what it
// delivered is where the walker's delivery begins. Either way the walker's
// report adds up and an error is one line naming the file.
#pragma once

#include <algorithm>
#include <string>

#include "capture/pcap_source.hpp"
#include "fuzz/fuzz_target.hpp"
#include "fuzz/segment_list.hpp"

namespace tfe::fuzz {

struct PcapngRead {
    SegmentList sink;
    capture::FileReport report;
    std::uint64_t frames = 0;
};

inline void read_pcapng_with(const std::string& path, bool libpcap_loop, PcapngRead& out) {
    capture::ReadOptions options;
    options.libpcap_record_loop = libpcap_loop;
    options.verify_checksums = true;
    out.report = capture::read_capture_file(path, options, out.frames, out.sink);
}

inline void check_walker_report(const std::string& path, const PcapngRead& walked) {
    const capture::FileReport& r = walked.report;
    TFE_FUZZ_CHECK(r.segments_decoded == walked.sink.segments.size());
    TFE_FUZZ_CHECK(r.frames_read == r.segments_decoded + r.skipped_non_tcp + r.malformed + r.icmp_errors);
    TFE_FUZZ_CHECK(walked.frames == r.frames_read);  // no filter: every frame numbered
    std::uint64_t by_interface = 0;
    for (const capture::InterfaceReport& i : r.interfaces) by_interface += i.frames;
    TFE_FUZZ_CHECK(by_interface == r.frames_read);
    if (r.skipped_link_type) TFE_FUZZ_CHECK(r.frames_read == 0 && !r.interfaces.empty());
    if (r.fatal_error) {
        TFE_FUZZ_CHECK(r.fatal_error->find(path) == 0);
        TFE_FUZZ_CHECK(r.fatal_error->find('\n') == std::string::npos);
    }
}

inline void check_pcapng_readers(const std::string& path) {
    PcapngRead walked, looped;
    read_pcapng_with(path, false, walked);
    read_pcapng_with(path, true, looped);
    check_walker_report(path, walked);
    const capture::FileReport& w = walked.report;
    const capture::FileReport& l = looped.report;
    if (l.link_type == -1 || l.skipped_link_type) return;  // libpcap read nothing
    TFE_FUZZ_CHECK(w.link_type == l.link_type);
    if (!l.fatal_error) {
        if (w.fatal_error) std::fprintf(stderr, "walker: %s\n", w.fatal_error->c_str());
        TFE_FUZZ_CHECK(!w.fatal_error);
        TFE_FUZZ_CHECK(walked.sink.segments == looped.sink.segments);
        TFE_FUZZ_CHECK(walked.frames == looped.frames);
        for (std::size_t i = 0; i < w.by_reason.size(); ++i)
            TFE_FUZZ_CHECK(w.by_reason[i].count == l.by_reason[i].count);
        return;
    }
    TFE_FUZZ_CHECK(looped.frames <= walked.frames);
    TFE_FUZZ_CHECK(looped.sink.segments.size() <= walked.sink.segments.size());
    TFE_FUZZ_CHECK(std::equal(looped.sink.segments.begin(), looped.sink.segments.end(),
                              walked.sink.segments.begin()));
}

}  // namespace tfe::fuzz
