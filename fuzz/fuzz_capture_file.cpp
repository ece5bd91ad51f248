// A whole capture file, from memory (a memfd, so it is a regular file with
// a path), read twice by read_capture_file: through our classic pcap
// record walker and through libpcap's pcap_next_ex loop. Both must deliver
// the same segments, count the same decode results and stop at the same
// record with the same message (the walker repeats libpcap's rules). A
// pcapng file is held to fuzz/pcapng_check.hpp's rules instead (libpcap
// reads fewer of them, and names an error's offset differently).
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "capture/pcap_source.hpp"
#include "fuzz/fuzz_target.hpp"
#include "fuzz/pcapng_check.hpp"
#include "fuzz/segment_list.hpp"

namespace {

using namespace tfe;

struct Read {
    fuzz::SegmentList sink;
    capture::FileReport report;
    std::uint64_t frames = 0;
};

void read_with(const std::string& path, bool libpcap_loop, Read& out) {
    capture::ReadOptions options;
    options.libpcap_record_loop = libpcap_loop;
    options.verify_checksums = true;
    out.report = capture::read_capture_file(path, options, out.frames, out.sink);
}

}  // namespace

TFE_FUZZ_TARGET(capture_file) {
    const int fd = memfd_create("fuzz-capture", 0);
    TFE_FUZZ_CHECK(fd >= 0);
    std::size_t written = 0;
    while (written < size) {
        const ssize_t n = write(fd, data + written, size - written);
        TFE_FUZZ_CHECK(n > 0);
        written += static_cast<std::size_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    if (size >= 4 && data[0] == 0x0A && data[1] == 0x0D && data[2] == 0x0D && data[3] == 0x0A) {
        fuzz::check_pcapng_readers(path);
        close(fd);
        return 0;
    }
    Read walked, looped;
    read_with(path, false, walked);
    read_with(path, true, looped);
    close(fd);

    TFE_FUZZ_CHECK(walked.report.link_type == looped.report.link_type);
    TFE_FUZZ_CHECK(walked.report.skipped_link_type == looped.report.skipped_link_type);
    if (walked.report.fatal_error != looped.report.fatal_error)
        std::fprintf(stderr, "walked: %s\nlibpcap: %s\n", walked.report.fatal_error.value_or("-").c_str(),
                     looped.report.fatal_error.value_or("-").c_str());
    TFE_FUZZ_CHECK(walked.report.fatal_error == looped.report.fatal_error);
    TFE_FUZZ_CHECK(walked.frames == looped.frames);
    TFE_FUZZ_CHECK(walked.sink.segments == looped.sink.segments);
    TFE_FUZZ_CHECK(walked.report.frames_read == looped.report.frames_read);
    for (std::size_t i = 0; i < walked.report.by_reason.size(); ++i) {
        TFE_FUZZ_CHECK(walked.report.by_reason[i].count == looped.report.by_reason[i].count);
        TFE_FUZZ_CHECK(walked.report.by_reason[i].first_frame == looped.report.by_reason[i].first_frame);
    }
    TFE_FUZZ_CHECK(walked.report.segments_decoded == walked.sink.segments.size());
    TFE_FUZZ_CHECK(walked.report.frames_read ==
                   walked.report.segments_decoded + walked.report.skipped_non_tcp + walked.report.malformed +
                   walked.report.icmp_errors);
    // An error names the file.
    if (walked.report.fatal_error) TFE_FUZZ_CHECK(walked.report.fatal_error->find(path) == 0);
    return 0;
}
