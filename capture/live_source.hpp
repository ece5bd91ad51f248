// Live capture from an interface, driven by the caller's event loop: wait
// until selectable_fd() is readable, then dispatch() what is ready.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/frames.hpp"

namespace tfe::capture {

// The interface cannot be captured on (no such device, no permission,
// gone down): an input error, unlike a bad filter (a usage error).
class InterfaceError : public CaptureError {
public:
    using CaptureError::CaptureError;
};

struct LiveOptions {
    std::string interface;          // "any", "lo", "eth0"...
    std::string bpf_filter;         // empty = every frame
    bool verify_checksums = false;  // locally sent segments often fail (offload)
    bool promiscuous = false;
    int snaplen = 262144;
    int buffer_bytes = 64 << 20;    // tcpdump's 2 MB default drops under bursts
    std::string save_file;          // -w: every captured frame is also written here
    bool immediate = false;         // each frame at once, rather than in blocks
    int block_timeout_ms = 50;      // a block not yet full is handed over after this
};

struct LiveStats {
    std::uint64_t frames = 0;         // frames handed to us
    std::uint64_t bytes = 0;          // their length on the wire
    std::uint64_t received = 0;       // pcap_stats ps_recv
    std::uint64_t dropped = 0;        // ps_drop: no room in the kernel buffer
    std::uint64_t if_dropped = 0;     // ps_ifdrop: dropped by the interface
};

class LiveCapture {
public:
    // Opens and activates the interface, non-blocking, in blocks of frames
    // (or immediate mode), with the filter applied. Throws CaptureError (permission, no such device,
    // bad filter, unsupported link type).
    explicit LiveCapture(const LiveOptions& opts);
    ~LiveCapture();
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    // Becomes readable when frames are ready (pcap_get_selectable_fd).
    int selectable_fd() const;
    // Decodes the frames ready now, at most `limit` (0 = all), numbering
    // them with ++frame_counter, and saves them first when save_file is set.
    // Returns how many frames were processed (0 when none were ready).
    // Throws CaptureError if the capture itself fails (interface gone).
    std::size_t dispatch(SegmentSink& sink, std::uint64_t& frame_counter, std::size_t limit = 0);
    LiveStats stats() const;
    const DecodeStats& decode_stats() const { return stats_; }
    int link_type() const { return dlt_; }
    // pcap_activate's warning (e.g. promiscuous mode unsupported), or empty.
    const std::string& warning() const { return warning_; }

private:
    void open_dump(const std::string& path);
    static void on_frame(u_char* user, const pcap_pkthdr* header, const u_char* data);

    std::string interface_;
    pcap_t* handle_ = nullptr;
    pcap_dumper_t* dumper_ = nullptr;  // -w, or null
    int dlt_ = 0;
    std::uint64_t frames_ = 0, bytes_ = 0;
    bool verify_checksums_ = false;
    std::int64_t subsec_to_ns_ = 1;
    std::string warning_;
    Segment segment_;
    DecodeStats stats_;
    SegmentSink* sink_ = nullptr;            // valid during dispatch() only
    std::uint64_t* frame_counter_ = nullptr; // valid during dispatch() only
};

// Names of the interfaces libpcap can capture on (pcap_findalldevs).
// Throws CaptureError if it cannot list them.
std::vector<std::string> list_interfaces();

}  // namespace tfe::capture
