#include "capture/pcap_source.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

namespace tfe::capture {

namespace {

struct PcapCloser {
    void operator()(pcap_t* p) const { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

// Opens `path` ("-" = a duplicate of stdin, since pcap_close fcloses it).
std::FILE* open_file(const std::string& path, char* errbuf) {
    std::FILE* in = nullptr;
    if (path == "-") {
        const int fd = dup(STDIN_FILENO);
        in = fd >= 0 ? fdopen(fd, "rb") : nullptr;
        if (in == nullptr && fd >= 0) close(fd);
    } else {
        in = std::fopen(path.c_str(), "rb");
    }
    if (in == nullptr) std::snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", std::strerror(errno));
    // An explicit seek makes glibc cache the file offset, so the ftell per
    // record below costs no lseek system call (it fails harmlessly on pipes).
    if (in != nullptr) std::fseek(in, 0, SEEK_SET);
    return in;
}

// Nanosecond precision: libpcap scales micro- and nanosecond files alike.
PcapHandle open_offline(const std::string& path, char* errbuf) {
    std::FILE* in = open_file(path, errbuf);
    if (in == nullptr) return nullptr;
    PcapHandle p(pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, errbuf));
    if (!p) std::fclose(in);
    return p;
}

std::string read_error_message(const std::string& path, long offset, std::uint64_t frame,
                               const char* pcap_error) {
    const std::string_view err(pcap_error);
    const char* what = err.find("truncated") != std::string_view::npos ? "truncated record"
                                                                       : "unreadable record";
    std::string msg = path + ": " + what;
    if (offset >= 0) msg += " at byte offset " + std::to_string(offset);  // pipes have none
    msg += " (frame " + std::to_string(frame) + "): ";
    msg += err;
    return msg;
}

// The hot loop: one reused Segment, no allocation per frame.
void read_frames(pcap_t* p, const std::string& path, bool verify_checksums,
                 std::uint64_t& frame_counter, SegmentSink& sink, FileReport& report) {
    const int dlt = pcap_datalink(p);
    std::FILE* file = pcap_file(p);
    // Pipes have no offsets: stop asking after the first failure.
    if (file != nullptr && std::ftell(file) < 0) file = nullptr;
    Segment segment;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    for (;;) {
        // Start of the next record, for the error message.
        const long offset = file != nullptr ? std::ftell(file) : -1;
        const int rc = pcap_next_ex(p, &header, &data);
        if (rc == 1) {
            process_frame(dlt, *header, data, verify_checksums, 1, frame_counter, segment,
                          report, sink);
            if (report.first_frame == 0) report.first_frame = frame_counter;
            report.last_frame = frame_counter;
            continue;
        }
        if (rc == PCAP_ERROR)
            report.fatal_error =
                read_error_message(path, offset, frame_counter + 1, pcap_geterr(p));
        return;  // PCAP_ERROR_BREAK: end of file
    }
}

}  // namespace

FileReport read_capture_file(const std::string& path, const ReadOptions& opts,
                             std::uint64_t& frame_counter, SegmentSink& sink) {
    FileReport report;
    report.path = path;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    const PcapHandle p = open_offline(path, errbuf);
    if (!p) {
        report.fatal_error = path + ": cannot open: " + errbuf;
        return report;
    }
    report.link_type = pcap_datalink(p.get());
    report.link_type_name = linktype_name(report.link_type);
    if (!linktype_supported(report.link_type)) {
        report.skipped_link_type = true;
        report.skip_message = path + ": link type " + report.link_type_name + " (" +
                              std::to_string(report.link_type) +
                              ") is not supported; file skipped";
        return report;
    }
    apply_filter(p.get(), opts.bpf_filter, path);
    read_frames(p.get(), path, opts.verify_checksums, frame_counter, sink, report);
    return report;
}

}  // namespace tfe::capture
