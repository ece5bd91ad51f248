#include "capture/classic_pcap.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace tfe::capture {

CaptureFileBytes::CaptureFileBytes(int fd, std::uint64_t size)
    // No bigger than the file (a refill never reads past its end), and not
    // zeroed: only the bytes read are ever looked at. A small file's open
    // cost 1 MiB of memset and page faults (fuzzing read 89 files a second).
    : fd_(fd),
      size_(size),
      buffer_(std::make_unique_for_overwrite<std::uint8_t[]>(
          static_cast<std::size_t>(std::min<std::uint64_t>(kBufferSize, size)))) {
    // One pass, front to back: ask the kernel for aggressive read-ahead.
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
}

ssize_t CaptureFileBytes::refill(std::uint64_t offset, std::size_t n, const std::uint8_t*& out) {
    if (offset >= size_) return 0;
    // Keep what the buffer already holds from `offset` on (the start of a
    // record that straddles the old window's end), then top it up.
    std::size_t kept = 0;
    if (offset >= window_offset_ && offset - window_offset_ < window_size_) {
        const std::size_t from = static_cast<std::size_t>(offset - window_offset_);
        kept = window_size_ - from;
        std::memmove(buffer_.get(), buffer_.get() + from, kept);
    }
    const std::size_t wanted = static_cast<std::size_t>(
        std::min<std::uint64_t>(std::min(std::max(kept + kRefillBytes, n), kBufferSize), size_ - offset));
    std::size_t filled = kept;
    while (filled < wanted) {
        const ssize_t r = pread(fd_, buffer_.get() + filled, wanted - filled,
                                static_cast<off_t>(offset + filled));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;  // the file shrank since it was opened
        filled += static_cast<std::size_t>(r);
    }
    window_offset_ = offset;
    window_size_ = filled;
    out = buffer_.get();
    return static_cast<ssize_t>(std::min(n, filled));
}

std::optional<ClassicPcapFormat> classic_pcap_format(pcap_t* p, std::uint32_t magic) {
    constexpr std::uint32_t kMicroMagic = 0xa1b2c3d4, kNanoMagic = 0xa1b23c4d;
    ClassicPcapFormat format;
    if (magic == kMicroMagic || magic == kNanoMagic) {
        format.swapped = false;
    } else if (__builtin_bswap32(magic) == kMicroMagic || __builtin_bswap32(magic) == kNanoMagic) {
        format.swapped = true;
        magic = __builtin_bswap32(magic);
    } else {
        return std::nullopt;  // pcapng, Kuznetzov's modified pcap, ...
    }
    format.nanosecond = magic == kNanoMagic;
    // Versions before 2.4 (and DG/UX's 543.0) may store caplen and len the
    // other way round; libpcap guesses, we do not.
    if (pcap_major_version(p) != 2 || pcap_minor_version(p) != 4) return std::nullopt;
    if ((pcap_is_swapped(p) != 0) != format.swapped) return std::nullopt;
    format.dlt = pcap_datalink(p);
    // libpcap rewrites host-order fields inside these link types' pseudo-
    // headers when the file is byte-swapped (and newer versions fix up
    // Linux USB headers in every file): we hand out the file's bytes as
    // they are, so those files stay with libpcap.
    switch (format.dlt) {
    case DLT_USB_LINUX_MMAPPED:
        return std::nullopt;
    case DLT_PFLOG: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_USB_LINUX: case DLT_NFLOG:
        if (format.swapped) return std::nullopt;
        break;
    default:
        break;
    }
    const int snapshot = pcap_snapshot(p);
    if (snapshot <= 0) return std::nullopt;
    // As libpcap has it, even above its maximum (a header's snaplen of
    // 262204 stays that): its "bigger than snaplen of" message names it.
    format.snapshot = static_cast<std::uint32_t>(snapshot);
    if (!libpcap_timestamp_rules().measured) return std::nullopt;
    return format;
}

namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v, bool swapped) {
    if (swapped) v = __builtin_bswap32(v);
    const auto* b = reinterpret_cast<const std::uint8_t*>(&v);
    out.insert(out.end(), b, b + sizeof v);
}

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v, bool swapped) {
    if (swapped) v = __builtin_bswap16(v);
    const auto* b = reinterpret_cast<const std::uint8_t*>(&v);
    out.insert(out.end(), b, b + sizeof v);
}

// Reads one record whose seconds and fraction fields have only the top bit
// set through libpcap, and reports which of them came back negative.
bool probe_timestamp_signs(bool swapped, bool& signed_seconds, bool& signed_fraction) {
    std::vector<std::uint8_t> file;
    put_u32(file, 0xa1b2c3d4, swapped);
    put_u16(file, 2, swapped);
    put_u16(file, 4, swapped);
    put_u32(file, 0, swapped);  // thiszone
    put_u32(file, 0, swapped);  // sigfigs
    put_u32(file, 65535, swapped);
    put_u32(file, DLT_EN10MB, swapped);
    put_u32(file, 0x80000000u, swapped);  // ts_sec
    put_u32(file, 0x80000000u, swapped);  // ts_usec
    put_u32(file, 0, swapped);            // caplen
    put_u32(file, 0, swapped);            // len
    std::FILE* in = fmemopen(file.data(), file.size(), "rb");
    if (in == nullptr) return false;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == nullptr) {
        std::fclose(in);
        return false;
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const bool ok = pcap_next_ex(p, &header, &data) == 1;
    if (ok) {
        signed_seconds = header->ts.tv_sec < 0;
        signed_fraction = header->ts.tv_usec < 0;
    }
    pcap_close(p);  // closes `in` too
    return ok;
}

}  // namespace

const TimestampRules& libpcap_timestamp_rules() {
    static const TimestampRules rules = [] {
        TimestampRules r{};
        r.measured = probe_timestamp_signs(false, r.signed_seconds[0], r.signed_fraction[0]) &&
                     probe_timestamp_signs(true, r.signed_seconds[1], r.signed_fraction[1]);
        return r;
    }();
    return rules;
}

namespace detail {

// The texts below are libpcap's own (sf-pcap.c), so that a report reads the
// same whichever loop read the file.
std::string truncated_header_error(std::size_t got) {
    char buf[PCAP_ERRBUF_SIZE];
    std::snprintf(buf, sizeof buf,
                  "truncated dump file; tried to read %zu header bytes, only got %zu",
                  std::size_t{16}, got);
    return buf;
}

std::string truncated_data_error(std::uint32_t wanted, std::size_t got) {
    char buf[PCAP_ERRBUF_SIZE];
    std::snprintf(buf, sizeof buf,
                  "truncated dump file; tried to read %u captured bytes, only got %zu", wanted,
                  got);
    return buf;
}

std::string oversized_record_error(std::uint32_t caplen, std::uint32_t snapshot,
                                   std::uint32_t maximum) {
    char buf[PCAP_ERRBUF_SIZE];
    if (caplen > snapshot)
        std::snprintf(buf, sizeof buf,
                      "invalid packet capture length %u, bigger than snaplen of %d", caplen,
                      static_cast<int>(snapshot));
    else
        std::snprintf(buf, sizeof buf,
                      "invalid packet capture length %u, bigger than maximum of %u", caplen,
                      maximum);
    return buf;
}

std::string read_errno_error(int error) {
    return std::string("error reading dump file: ") + std::strerror(error);
}

}  // namespace detail

}  // namespace tfe::capture
