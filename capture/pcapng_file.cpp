#include "capture/pcapng_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "capture/pcapng.hpp"

namespace tfe::capture {

namespace {

struct PcapCloser {
    void operator()(pcap_t* p) const { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

// A file descriptor, closed with the object.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() { if (fd_ >= 0) close(fd_); }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(&v);
    out.insert(out.end(), b, b + sizeof v);
}

// Hands every packet on to process_frame with its interface's link type,
// through the filter compiled for that link type, and keeps the counts.
class FrameReader final : public PcapngVisitor {
public:
    FrameReader(const std::string& path, const ReadOptions& opts, std::uint64_t& frame_counter,
                SegmentSink& sink, FileReport& report)
        : path_(path), opts_(opts), frame_counter_(frame_counter), sink_(sink), report_(report) {}

    void on_interface(std::size_t index, const PcapngInterface& iface) override;
    void on_packet(std::size_t index, const pcap_pkthdr& header, const u_char* data) override;
    bool wants_more() const override { return !opts_.limit_reached(report_.frames_read); }

private:
    int dlt_of(std::uint16_t linktype);
    std::unique_ptr<BpfProgram> filter_for(int dlt, std::uint32_t snapshot, InterfaceReport& iface);

    const std::string& path_;
    const ReadOptions& opts_;
    std::uint64_t& frame_counter_;
    SegmentSink& sink_;
    FileReport& report_;
    std::map<std::uint16_t, int> dlts_;                 // LINKTYPE_ -> DLT, asked once each
    std::vector<std::unique_ptr<BpfProgram>> filters_;  // by interface; null: none, or inapplicable
    std::vector<std::uint16_t> interface_ids_;          // by interface: the run's number, or 0
    Segment segment_;
};

int FrameReader::dlt_of(std::uint16_t linktype) {
    const auto known = dlts_.find(linktype);
    if (known != dlts_.end()) return known->second;
    return dlts_[linktype] = pcapng_linktype_dlt(linktype);
}

// The filter compiled as libpcap would compile it for a file of this one
// link type and snapshot length. It must compile for the first interface
// decoded (as for any file, before a frame is read); one that does not fit
// a later interface's link type lets none of that interface's frames by.
std::unique_ptr<BpfProgram> FrameReader::filter_for(int dlt, std::uint32_t snapshot,
                                                    InterfaceReport& iface) {
    if (opts_.bpf_filter.empty()) return nullptr;
    const PcapHandle dead(pcap_open_dead(dlt, static_cast<int>(snapshot)));
    if (!dead) {
        iface.filter_inapplicable = true;
        return nullptr;
    }
    auto program = std::make_unique<BpfProgram>();
    const bool must_compile = iface.supported && report_.frames_read == 0 &&
                              std::none_of(report_.interfaces.begin(), report_.interfaces.end(),
                                           [](const InterfaceReport& r) { return r.supported; });
    if (must_compile) {
        compile_filter(dead.get(), opts_.bpf_filter, path_, *program);
        return program;
    }
    if (pcap_compile(dead.get(), program->get(), opts_.bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        iface.filter_inapplicable = true;
        return nullptr;
    }
    return program;
}

void FrameReader::on_interface(std::size_t index, const PcapngInterface& iface) {
    InterfaceReport r;
    r.name = iface.name;
    r.link_type = dlt_of(iface.linktype);
    r.link_type_name = linktype_name(r.link_type);
    r.supported = linktype_supported(r.link_type);
    if (index == 0) {
        report_.link_type = r.link_type;
        report_.link_type_name = r.link_type_name;
    }
    filters_.push_back(filter_for(r.link_type, iface.snapshot, r));
    interface_ids_.push_back(opts_.interface_names ? opts_.interface_names->id_for(iface.name, path_, index) : 0);
    report_.interfaces.push_back(std::move(r));
}

void FrameReader::on_packet(std::size_t index, const pcap_pkthdr& header, const u_char* data) {
    InterfaceReport& iface = report_.interfaces[index];
    if (!opts_.bpf_filter.empty()) {
        // A rejected frame keeps its number, as for classic pcap.
        const BpfProgram* filter = filters_[index].get();
        if (filter == nullptr || pcap_offline_filter(filter->get(), &header, data) == 0) {
            ++frame_counter_;
            return;
        }
    }
    segment_.interface_id = interface_ids_[index];
    process_frame(iface.link_type, header, data, opts_.verify_checksums, 1, frame_counter_,
                  segment_, report_, sink_);
    if (report_.first_frame == 0) report_.first_frame = frame_counter_;
    report_.last_frame = frame_counter_;
    ++iface.frames;
}

// The walk is done: say how it ended. A file none of whose interfaces can
// be decoded is skipped whole, as such a file is when libpcap opens it:
// its frames give back their numbers.
void finish_report(const std::optional<PcapngError>& error, std::uint64_t counter_before,
                   std::uint64_t& frame_counter, FileReport& report) {
    if (error && error->before_first_interface) {
        report.fatal_error = report.path + ": cannot open: " + error->message;
        return;
    }
    if (error)
        report.fatal_error = detail::read_error_message(report.path, static_cast<long>(error->offset),
                                                        frame_counter + 1, error->message.c_str());
    const bool any_supported = std::any_of(report.interfaces.begin(), report.interfaces.end(),
                                           [](const InterfaceReport& r) { return r.supported; });
    if (any_supported) return;
    FileReport skipped;
    skipped.path = report.path;
    skipped.link_type = report.link_type;
    skipped.link_type_name = report.link_type_name;
    skipped.interfaces = std::move(report.interfaces);
    for (InterfaceReport& r : skipped.interfaces) r.frames = 0;
    skipped.skipped_link_type = true;
    skipped.skip_message = report.path + ": link type " + linktype_label(report.link_type) +
                           " is not supported; file skipped";
    report = std::move(skipped);
    frame_counter = counter_before;
}

}  // namespace

int pcapng_linktype_dlt(std::uint16_t linktype) {
    // A Section Header Block and one Interface Description Block, in this
    // host's byte order: libpcap's linktype_to_dlt is not exported.
    std::vector<std::uint8_t> file;
    for (const std::uint32_t v : {kPcapngMagic, 28u, 0x1A2B3C4Du, 1u, 0xFFFFFFFFu, 0xFFFFFFFFu, 28u})
        put_u32(file, v);
    for (const std::uint32_t v : {1u, 20u, std::uint32_t{linktype}, 65535u, 20u}) put_u32(file, v);
    std::FILE* in = fmemopen(file.data(), file.size(), "rb");
    if (in == nullptr) return linktype;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    const PcapHandle p(pcap_fopen_offline(in, errbuf));
    if (!p) {
        std::fclose(in);
        return linktype;
    }
    return pcap_datalink(p.get());  // pcap_close closes `in`
}

std::optional<FileReport> read_pcapng_on_disk(const std::string& path, const ReadOptions& opts,
                                              std::uint64_t& frame_counter, SegmentSink& sink) {
    struct stat st{};  // a FIFO is not opened here: it could be read only once
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    const FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0 || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    std::uint32_t magic = 0;
    if (pread(fd.get(), &magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic) ||
        magic != kPcapngMagic)
        return std::nullopt;
    FileReport report;
    report.path = path;
    CaptureFileBytes bytes(fd.get(), static_cast<std::uint64_t>(st.st_size));
    const std::uint64_t counter_before = frame_counter;
    FrameReader reader(path, opts, frame_counter, sink, report);
    const std::optional<PcapngError> error = walk_pcapng(bytes, reader);
    finish_report(error, counter_before, frame_counter, report);
    return report;
}

}  // namespace tfe::capture
