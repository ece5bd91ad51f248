#include "capture/pcap_source.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "capture/classic_pcap.hpp"
#include "capture/pcapng_file.hpp"

namespace tfe::capture {

namespace {

struct PcapCloser {
    void operator()(pcap_t* p) const { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

// Opens `path`, or takes the stream already opened for it ("-" without
// one: a duplicate of stdin, since pcap_close fcloses it).
std::FILE* open_file(const std::string& path, std::FILE* stream, char* errbuf) {
    std::FILE* in = nullptr;
    if (stream != nullptr) {
        in = stream;
    } else if (path == "-") {
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
PcapHandle open_offline(const std::string& path, std::FILE* stream, char* errbuf) {
    std::FILE* in = open_file(path, stream, errbuf);
    if (in == nullptr) return nullptr;
    PcapHandle p(pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, errbuf));
    if (!p) std::fclose(in);
    return p;
}

// One record read from the file, by either loop: decoded, handed on, and
// counted in the file's frame range.
void take_frame(int dlt, const pcap_pkthdr& header, const u_char* data, bool verify_checksums,
                std::uint64_t& frame_counter, Segment& segment, FileReport& report, SegmentSink& sink) {
    process_frame(dlt, header, data, verify_checksums, 1, frame_counter, segment, report, sink);
    if (report.first_frame == 0) report.first_frame = frame_counter;
    report.last_frame = frame_counter;
}

// libpcap's record loop, for files the classic walker does not take:
// pcapng, standard input, rare pcap variants. One reused Segment, no
// allocation per frame. The filter runs here on each record, as in the
// walker, rather than inside pcap_next_ex: a read error then names the
// broken record itself, not the first of the rejected ones before it.
void read_frames(pcap_t* p, const BpfProgram& filter, const std::string& path, const ReadOptions& opts,
                 std::uint64_t& frame_counter, SegmentSink& sink, FileReport& report) {
    const bool verify_checksums = opts.verify_checksums;
    const auto stopped = [&opts] { return opts.stop != nullptr && opts.stop->load(std::memory_order_relaxed); };
    const int dlt = pcap_datalink(p);
    std::FILE* file = pcap_file(p);
    // Pipes have no offsets: stop asking after the first failure. Elsewhere
    // the ftell per record is what lets a read error name its offset (pcapng
    // blocks vary in size); glibc answers it from its cached position,
    // without a system call.
    if (file != nullptr && std::ftell(file) < 0) file = nullptr;
    Segment segment;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    while (!stopped() && !opts.limit_reached(report.frames_read)) {
        // Start of the next record, for the error message.
        const long offset = file != nullptr ? std::ftell(file) : -1;
        const int rc = pcap_next_ex(p, &header, &data);
        if (rc == 1) {
            // A rejected frame keeps its number: reports name frames as
            // tshark and the unfiltered run do.
            if (filter.empty() || pcap_offline_filter(filter.get(), header, data) != 0)
                take_frame(dlt, *header, data, verify_checksums, frame_counter, segment, report, sink);
            else
                ++frame_counter;
            continue;
        }
        if (rc == PCAP_ERROR && !stopped())  // an interrupted read is not the file's fault
            report.fatal_error =
                detail::read_error_message(path, offset, frame_counter + 1, pcap_geterr(p));
        return;  // PCAP_ERROR_BREAK: end of file
    }
}

// A classic pcap file the walker can read: where and how.
struct ClassicFile {
    int fd = -1;  // libpcap's, still owned by the pcap_t
    std::uint64_t size = 0;
    ClassicPcapFormat format;
};

// The classic pcap file behind `p`, when its records can be walked directly:
// a regular file (not standard input, which may be a pipe) whose header
// classic_pcap_format accepts.
std::optional<ClassicFile> walkable_classic_file(pcap_t* p, const std::string& path,
                                                 const ReadOptions& opts) {
    if (opts.libpcap_record_loop || opts.stream != nullptr || path == "-") return std::nullopt;
    std::FILE* in = pcap_file(p);
    if (in == nullptr) return std::nullopt;
    ClassicFile file;
    file.fd = fileno(in);
    struct stat st{};
    if (file.fd < 0 || fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    file.size = static_cast<std::uint64_t>(st.st_size);
    std::uint32_t magic = 0;
    if (pread(file.fd, &magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic))
        return std::nullopt;
    const std::optional<ClassicPcapFormat> format = classic_pcap_format(p, magic);
    if (!format) return std::nullopt;
    file.format = *format;
    return file;
}

// The same as read_frames, for a classic pcap file: records are walked in
// place, the filter (if any) runs on each as libpcap's loop would run it.
void read_classic_frames(const ClassicFile& classic, const BpfProgram& filter,
                         const std::string& path, const ReadOptions& opts,
                         std::uint64_t& frame_counter, SegmentSink& sink, FileReport& report) {
    CaptureFileBytes bytes(classic.fd, classic.size);
    const int dlt = classic.format.dlt;
    Segment segment;
    const auto on_record = [&](const pcap_pkthdr& header, const u_char* data) {
        // A rejected frame keeps its number, as in libpcap's loop above.
        if (!filter.empty() && pcap_offline_filter(filter.get(), &header, data) == 0) {
            ++frame_counter;
            return true;
        }
        // The walker has already scaled the fraction to nanoseconds.
        take_frame(dlt, header, data, opts.verify_checksums, frame_counter, segment, report, sink);
        return !opts.limit_reached(report.frames_read);
    };
    const std::optional<ClassicRecordError> error =
        walk_classic_records(bytes, classic.format, on_record);
    if (error) {
        report.fatal_error = detail::read_error_message(path, static_cast<long>(error->offset),
                                                frame_counter + 1, error->pcap_error.c_str());
    }
}

}  // namespace

namespace detail {

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

}  // namespace detail

FileReport read_capture_file(const std::string& path, const ReadOptions& opts,
                             std::uint64_t& frame_counter, SegmentSink& sink) {
    if (!opts.libpcap_record_loop && opts.stream == nullptr && path != "-") {
        if (std::optional<FileReport> pcapng = read_pcapng_on_disk(path, opts, frame_counter, sink))
            return std::move(*pcapng);
    }
    FileReport report;
    report.path = path;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    const PcapHandle p = open_offline(path, opts.stream, errbuf);
    if (!p) {
        report.fatal_error = path + ": cannot open: " + errbuf;
        return report;
    }
    report.link_type = pcap_datalink(p.get());
    report.link_type_name = linktype_name(report.link_type);
    if (!linktype_supported(report.link_type)) {
        report.skipped_link_type = true;
        report.skip_message = path + ": link type " + linktype_label(report.link_type) +
                              " is not supported; file skipped";
        return report;
    }
    BpfProgram filter;
    compile_filter(p.get(), opts.bpf_filter, path, filter);
    if (const std::optional<ClassicFile> classic = walkable_classic_file(p.get(), path, opts)) {
        read_classic_frames(*classic, filter, path, opts, frame_counter, sink, report);
        return report;
    }
    read_frames(p.get(), filter, path, opts, frame_counter, sink, report);
    return report;
}

}  // namespace tfe::capture
