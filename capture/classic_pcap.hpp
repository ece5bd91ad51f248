// Reading classic pcap records straight out of a regular file.
//
// libpcap's pcap_next_ex freads every record header and copies every packet
// into its own buffer; on a big capture that is a visible share of the whole
// tool's time. For the common case -- a classic pcap file (magic a1b2c3d4 or
// a1b23c4d, either byte order, version 2.4) on disk -- this walks the records
// itself, reading the file a megabyte at a time and handing out pointers
// into that buffer: no fread, copy or system call per record.
//
// libpcap still opens the file and parses the global header (link type,
// FCS bits, snapshot length, byte order, the error for a bad header), so
// those can never disagree; this code only repeats libpcap's per-record
// rules (sf-pcap.c pcap_next_packet): the same checks, in the same order,
// with the same error text. Anything else stays with libpcap.
#pragma once

#include <pcap/pcap.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

namespace tfe::capture {

// The bytes of a capture file, read front to back through one large buffer:
// a system call per megabyte instead of libpcap's fread per record, and
// the bytes handed out in place.
//
// Why not mmap: walking the records of the 274 MB benchmark file (page
// cache warm) took 0.25-0.3 s over a mapping -- page faults, and a cache
// miss on every line of every record, all in user time -- but 0.06-0.1 s
// through this buffer, whose pread copy leaves the bytes in cache for the
// walker and the decoder (libpcap's loop: 0.27-0.33 s). A buffer also
// keeps the resident set small (a mapping's pages count in it) and cannot
// SIGBUS when the file shrinks under us.
class CaptureFileBytes {
public:
    // `fd` stays owned by the caller and must outlive this object; `size` is
    // the file's size when it was opened (the end we read to).
    CaptureFileBytes(int fd, std::uint64_t size);

    std::uint64_t size() const { return size_; }

    // Points `out` at up to `n` bytes at `offset` and returns how many there
    // are: fewer than `n` only at the end of the file, -1 (errno set) on a
    // read error. Offsets never go backwards from one call to the next, and
    // `out` stays valid until the next call. n <= kMaxFetch.
    ssize_t fetch(std::uint64_t offset, std::size_t n, const std::uint8_t*& out) {
        if (offset >= window_offset_ && offset - window_offset_ <= window_size_ &&
            n <= window_size_ - (offset - window_offset_)) {
            out = buffer_.get() + (offset - window_offset_);
            return static_cast<ssize_t>(n);
        }
        return refill(offset, n, out);
    }

    // The most one fetch asks for: a record header, one classic record's
    // data (libpcap rejects a capture length above 256 KiB before reading
    // it), or one whole pcapng block (capture/pcapng.hpp: an Enhanced Packet
    // Block of 256 KiB of data, with room for its options).
    static constexpr std::size_t kMaxFetch = 512 * 1024;

private:
    static constexpr std::size_t kBufferSize = 2 * kMaxFetch;
    // How much one refill reads when the record is smaller: small enough
    // that the bytes the kernel just copied are still in the core's L2
    // cache when the decoder reads them (a whole 1 MiB buffer is not).
    static constexpr std::size_t kRefillBytes = 128 * 1024;

    ssize_t refill(std::uint64_t offset, std::size_t n, const std::uint8_t*& out);

    int fd_;
    std::uint64_t size_;
    std::unique_ptr<std::uint8_t[]> buffer_;
    std::uint64_t window_offset_ = 0;  // the buffer holds the file's bytes
    std::size_t window_size_ = 0;      // [window_offset_, + window_size_)
};

// How the records of one classic pcap file are laid out.
struct ClassicPcapFormat {
    int dlt = 0;                 // pcap_datalink: the linktype field, FCS bits masked off
    bool swapped = false;        // written by a host of the other byte order
    bool nanosecond = false;     // magic a1b23c4d: the fraction is in ns, not us
    std::uint32_t snapshot = 0;  // pcap_snapshot: the header's snaplen as libpcap adjusted it
};

// The format of the file libpcap opened as `p`, whose first four bytes are
// `magic` (as stored), when walk_classic_records reads it exactly as libpcap
// would; nullopt sends the file down libpcap's own loop: pcapng, other
// magics, versions other than 2.4 (older ones may have caplen and len the
// other way round), byte-swapped link types whose pseudo-headers libpcap
// rewrites in the packet data.
std::optional<ClassicPcapFormat> classic_pcap_format(pcap_t* p, std::uint32_t magic);

// Why a record could not be read: where it starts and libpcap's message for
// it ("truncated dump file; ...", "invalid packet capture length ...").
struct ClassicRecordError {
    std::uint64_t offset = 0;
    std::string pcap_error;
};

// Timestamp conversion as this process's libpcap does it, with nanosecond
// precision requested. libpcap versions differ on whether a 32-bit seconds
// or fraction field with the top bit set is signed (1.10 sign-extends in a
// file of this host's byte order but not in a swapped one), so this is
// measured once against libpcap itself rather than assumed.
struct TimestampRules {
    bool measured = false;          // false: the probe failed, do not walk files
    bool signed_seconds[2] = {};    // [swapped]
    bool signed_fraction[2] = {};   // [swapped]
};
const TimestampRules& libpcap_timestamp_rules();

namespace detail {
std::string truncated_header_error(std::size_t got);
std::string truncated_data_error(std::uint32_t wanted, std::size_t got);
std::string oversized_record_error(std::uint32_t caplen, std::uint32_t snapshot,
                                   std::uint32_t maximum);
std::string read_errno_error(int error);

inline std::uint32_t load_u32(const std::uint8_t* p, bool swapped) {
    std::uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return swapped ? __builtin_bswap32(v) : v;
}
}  // namespace detail

// libpcap's MAXIMUM_SNAPLEN: the largest capture length it accepts for every
// link type this tool decodes (only D-Bus, EBHSCR and USBPcap allow more).
inline constexpr std::uint32_t kLibpcapMaxSnaplen = 262144;

// Walks the records after the 24-byte global header, calling
// on_record(header, data) for each, where `header` is what
// pcap_next_ex would return (timestamp fraction in nanoseconds) and `data`
// points into `file`, valid until on_record returns. Stops at the end of the
// file or when on_record returns false (nullopt), or at the first record
// libpcap would refuse.
template <class OnRecord>
std::optional<ClassicRecordError> walk_classic_records(CaptureFileBytes& file,
                                                       const ClassicPcapFormat& format,
                                                       OnRecord&& on_record) {
    constexpr std::size_t kRecordHeader = 16;  // ts_sec, ts_frac, caplen, len
    const TimestampRules& rules = libpcap_timestamp_rules();
    const bool swapped = format.swapped;
    const bool signed_seconds = rules.signed_seconds[swapped];
    const bool signed_fraction = rules.signed_fraction[swapped];
    const long fraction_to_ns = format.nanosecond ? 1 : 1000;
    std::uint64_t offset = 24;
    pcap_pkthdr header{};
    for (;;) {
        const std::uint8_t* raw = nullptr;
        const ssize_t got_header = file.fetch(offset, kRecordHeader, raw);
        if (got_header < 0) return ClassicRecordError{offset, detail::read_errno_error(errno)};
        if (got_header == 0) return std::nullopt;  // a clean end of file
        if (static_cast<std::size_t>(got_header) < kRecordHeader)
            return ClassicRecordError{offset,
                                      detail::truncated_header_error(std::size_t(got_header))};

        const std::uint32_t sec = detail::load_u32(raw, swapped);
        const std::uint32_t frac = detail::load_u32(raw + 4, swapped);
        const std::uint32_t caplen = detail::load_u32(raw + 8, swapped);
        header.len = detail::load_u32(raw + 12, swapped);
        header.ts.tv_sec =
            signed_seconds ? static_cast<std::int32_t>(sec) : static_cast<time_t>(sec);
        header.ts.tv_usec = (signed_fraction ? static_cast<std::int32_t>(frac)
                                             : static_cast<suseconds_t>(frac)) * fraction_to_ns;

        // A length no sane capture has: a damaged or fuzzed file.
        if (caplen > kLibpcapMaxSnaplen)
            return ClassicRecordError{offset, detail::oversized_record_error(
                                                  caplen, format.snapshot, kLibpcapMaxSnaplen)};

        // Above the file's snaplen but sane: libpcap reads the whole record
        // yet hands out only `snapshot` bytes of it.
        const std::uint32_t delivered = caplen > format.snapshot ? format.snapshot : caplen;
        const std::uint64_t data_offset = offset + kRecordHeader;
        const std::uint8_t* data = nullptr;
        const ssize_t got_data = file.fetch(data_offset, caplen, data);
        if (got_data < 0) return ClassicRecordError{offset, detail::read_errno_error(errno)};
        if (static_cast<std::size_t>(got_data) < caplen) {
            // libpcap first reads the delivered part, then the rest: a short
            // first read names the delivered length, a short second one the
            // whole.
            const std::uint32_t wanted =
                static_cast<std::size_t>(got_data) < delivered ? delivered : caplen;
            return ClassicRecordError{offset,
                                      detail::truncated_data_error(wanted, std::size_t(got_data))};
        }
        header.caplen = delivered;
        offset = data_offset + caplen;
        if (!on_record(static_cast<const pcap_pkthdr&>(header), static_cast<const u_char*>(data)))
            return std::nullopt;
    }
}

}  // namespace tfe::capture
