#include "capture/live_source.hpp"

#include <unistd.h>

#include <climits>

namespace tfe::capture {

namespace {

std::string own_path() {
    char path[PATH_MAX] = {};
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string("tcpflow-explain");
}

// What a person can do about the two errors everyone meets first.
std::string remedy(int status) {
    if (status == PCAP_ERROR_PERM_DENIED)
        return "; capturing needs root or the CAP_NET_RAW capability: sudo setcap cap_net_raw,cap_net_admin=eip " +
               own_path();
    if (status != PCAP_ERROR_NO_SUCH_DEVICE) return {};
    std::string names;
    try {
        for (const std::string& n : list_interfaces()) names += (names.empty() ? "" : ", ") + n;
    } catch (const CaptureError&) {
        return "; see --list-interfaces";
    }
    return "; interfaces here (--list-interfaces): " + (names.empty() ? std::string("none") : names);
}

std::string pcap_failure(pcap_t* p, const std::string& iface, const char* step) {
    return iface + ": " + step + ": " + pcap_geterr(p);
}

// pcap_activate's result: warnings are kept, errors throw.
void activate(pcap_t* p, const std::string& iface, std::string& warning) {
    const int rc = pcap_activate(p);
    if (rc > 0) warning = iface + ": " + pcap_statustostr(rc) + ": " + pcap_geterr(p);
    if (rc >= 0) return;
    // pcap_geterr has the detail when libpcap filled it in, else the status says it.
    const std::string status = pcap_statustostr(rc), detail = pcap_geterr(p);
    std::string msg = iface + ": cannot capture: " + status;
    if (!detail.empty() && detail != status) msg += " (" + detail + ")";
    throw InterfaceError(msg + remedy(rc));
}

}  // namespace

LiveCapture::LiveCapture(const LiveOptions& opts)
    : interface_(opts.interface), verify_checksums_(opts.verify_checksums) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    handle_ = pcap_create(opts.interface.c_str(), errbuf);
    if (handle_ == nullptr) throw InterfaceError(opts.interface + ": " + errbuf);
    try {
        pcap_set_snaplen(handle_, opts.snaplen);
        pcap_set_promisc(handle_, opts.promiscuous ? 1 : 0);
        // Immediate mode wakes us for every frame: at 300 000 frames/s on
        // loopback the kernel then dropped half of them. Blocks of frames
        // (TPACKET_V3) handed over when full or after the timeout dropped
        // none at 450 000/s, for up to that much latency.
        pcap_set_immediate_mode(handle_, opts.immediate ? 1 : 0);
        if (!opts.immediate) pcap_set_timeout(handle_, opts.block_timeout_ms);
        pcap_set_buffer_size(handle_, opts.buffer_bytes);
        // Nanoseconds when the platform has them, else microseconds.
        if (pcap_set_tstamp_precision(handle_, PCAP_TSTAMP_PRECISION_NANO) != 0)
            subsec_to_ns_ = 1000;
        activate(handle_, opts.interface, warning_);
        if (pcap_get_tstamp_precision(handle_) != PCAP_TSTAMP_PRECISION_NANO)
            subsec_to_ns_ = 1000;
        dlt_ = pcap_datalink(handle_);
        if (!linktype_supported(dlt_))
            throw CaptureError(opts.interface + ": link type " + linktype_name(dlt_) +
                               " is not supported");
        apply_filter(handle_, opts.bpf_filter, opts.interface);
        if (pcap_setnonblock(handle_, 1, errbuf) != 0)
            throw CaptureError(opts.interface + ": cannot set non-blocking: " + errbuf);
        if (!opts.save_file.empty()) open_dump(opts.save_file);
    } catch (...) {
        pcap_close(handle_);
        throw;
    }
}

LiveCapture::~LiveCapture() {
    if (dumper_ != nullptr) pcap_dump_close(dumper_);
    pcap_close(handle_);
}

void LiveCapture::open_dump(const std::string& path) {
    dumper_ = pcap_dump_open(handle_, path.c_str());
    if (dumper_ == nullptr) throw CaptureError(path + ": cannot write: " + pcap_geterr(handle_));
}

int LiveCapture::selectable_fd() const { return pcap_get_selectable_fd(handle_); }

void LiveCapture::on_frame(u_char* user, const pcap_pkthdr* header, const u_char* data) {
    // libpcap's callback hands back the pointer dispatch() passed in.
    auto* self = reinterpret_cast<LiveCapture*>(user);
    ++self->frames_;
    self->bytes_ += header->len;
    if (self->dumper_ != nullptr) pcap_dump(reinterpret_cast<u_char*>(self->dumper_), header, data);
    process_frame(self->dlt_, *header, data, self->verify_checksums_, self->subsec_to_ns_,
                  *self->frame_counter_, self->segment_, self->stats_, *self->sink_);
}

std::size_t LiveCapture::dispatch(SegmentSink& sink, std::uint64_t& frame_counter, std::size_t limit) {
    sink_ = &sink;
    frame_counter_ = &frame_counter;
    const int most = limit == 0 || limit > INT_MAX ? -1 : static_cast<int>(limit);
    const int n = pcap_dispatch(handle_, most, &LiveCapture::on_frame, reinterpret_cast<u_char*>(this));
    sink_ = nullptr;
    frame_counter_ = nullptr;
    // Saved frames reach the disk as they come, so the file is usable while
    // the monitor still runs and complete when it is killed.
    if (dumper_ != nullptr && n > 0 && pcap_dump_flush(dumper_) != 0)
        throw CaptureError(interface_ + ": cannot write the saved capture (disk full?)");
    if (n == PCAP_ERROR) throw InterfaceError(pcap_failure(handle_, interface_, "read failed"));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

LiveStats LiveCapture::stats() const {
    pcap_stat s{};
    if (pcap_stats(handle_, &s) != 0) return {frames_, bytes_, 0, 0, 0};
    return {frames_, bytes_, s.ps_recv, s.ps_drop, s.ps_ifdrop};
}

std::vector<std::string> list_interfaces() {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* devices = nullptr;
    if (pcap_findalldevs(&devices, errbuf) != 0) throw CaptureError(errbuf);
    std::vector<std::string> names;
    for (const pcap_if_t* d = devices; d != nullptr; d = d->next) names.emplace_back(d->name);
    pcap_freealldevs(devices);
    return names;
}

}  // namespace tfe::capture
