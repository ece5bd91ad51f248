#include "capture/pcapng.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace tfe::capture {

PcapngVisitor::~PcapngVisitor() = default;

namespace {

constexpr std::uint32_t kIdb = 1, kObsoletePb = 2, kSpb = 3, kEpb = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr std::uint32_t kShbInsaneMax = 1024 * 1024;  // libpcap's BT_SHB_INSANE_MAX
constexpr std::size_t kBlockHeader = 8, kBlockTrailer = 4;
constexpr std::uint16_t kOptEnd = 0, kIfName = 2, kIfTsresol = 9, kIfTsoffset = 14;

// libpcap's messages, printf-formatted into its error buffer size.
template <class... Args>
std::string message(const char* format, Args... args) {
    char buf[PCAP_ERRBUF_SIZE];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    std::snprintf(buf, sizeof buf, format, args...);
#pragma GCC diagnostic pop
    return buf;
}

std::string truncated(std::size_t wanted, std::size_t got) {
    return message("truncated pcapng dump file; tried to read %zu bytes, only got %zu", wanted, got);
}

// The body of one block (between its length and its trailer), taken front
// to back as libpcap's get_from_block_data takes it.
struct BlockCursor {
    const std::uint8_t* data = nullptr;
    std::size_t remaining = 0;
    std::uint32_t type = 0;

    const std::uint8_t* take(std::size_t n) {
        if (remaining < n) return nullptr;
        const std::uint8_t* p = data;
        data += n;
        remaining -= n;
        return p;
    }
    std::string too_short() const {
        return message("block of type %u in pcapng dump file is too short", type);
    }
};

using Failure = std::optional<std::string>;

class Walker {
public:
    Walker(CaptureFileBytes& file, PcapngVisitor& visitor) : file_(file), visitor_(visitor) {}
    std::optional<PcapngError> run();

private:
    enum class Read { block, end, error };
    Failure open_first_section();
    Read read_block(BlockCursor& cursor, std::string& error);
    Read skip_large_block(std::uint32_t type, std::uint32_t total, std::string& error);
    Failure on_section(BlockCursor& cursor);
    Failure on_interface(BlockCursor& cursor);
    Failure read_interface_options(BlockCursor& cursor, PcapngInterface& iface);
    Failure on_packet(BlockCursor& cursor);

    std::uint32_t u32(const std::uint8_t* p) const { return detail::load_u32(p, swapped_); }
    std::uint16_t u16(const std::uint8_t* p) const {
        std::uint16_t v;
        std::memcpy(&v, p, sizeof v);
        return swapped_ ? __builtin_bswap16(v) : v;
    }
    std::size_t section_interfaces() const { return interfaces_.size() - section_first_; }

    CaptureFileBytes& file_;
    PcapngVisitor& visitor_;
    std::uint64_t offset_ = 0;  // the block being read
    std::uint64_t next_ = 0;    // the one after it
    bool swapped_ = false;      // this section was written in the other byte order
    std::vector<PcapngInterface> interfaces_;  // every section's, in file order
    std::size_t section_first_ = 0;            // this section's interface 0
};

// The file's first SHB, checked as libpcap's pcap_ng_check_header checks
// it when opening: neither its trailer nor a length that is not a multiple
// of 4 are looked at (the next block simply starts where it says it ends).
Failure Walker::open_first_section() {
    const std::uint8_t* raw = nullptr;
    const ssize_t got = file_.fetch(0, 12, raw);
    if (got < 0) return detail::read_errno_error(errno);
    if (got < 12) return std::string("unknown file format");
    const std::uint32_t bom = detail::load_u32(raw + 8, false);
    if (bom != kByteOrderMagic && __builtin_bswap32(bom) != kByteOrderMagic)
        return std::string("unknown file format");
    swapped_ = bom != kByteOrderMagic;
    const std::uint32_t total = u32(raw + 4);
    constexpr std::size_t kMinimum = kBlockHeader + 16 + kBlockTrailer;
    if (total < kMinimum || total > kShbInsaneMax)
        return message("Section Header Block in pcapng dump file has invalid length %zu < _%u_ < %u "
                       "(BT_SHB_INSANE_MAX)", kMinimum, total, kShbInsaneMax);
    if (file_.size() < total) return truncated(total - 12, std::size_t(file_.size() - 12));
    if (file_.fetch(0, 16 + kBlockHeader, raw) < ssize_t(16 + kBlockHeader))
        return truncated(total - 12, 0);  // the file shrank under us
    const std::uint16_t major = u16(raw + 12), minor = u16(raw + 14);
    if (major != 1 || (minor != 0 && minor != 2))
        return message("unsupported pcapng savefile version %u.%u", major, minor);
    next_ = total;
    return std::nullopt;
}

// One block, as libpcap's read_block reads it: length checks, the whole
// block, the trailer's copy of the length. An SHB may switch the byte
// order (its byte-order magic says), which libpcap refuses.
Walker::Read Walker::read_block(BlockCursor& cursor, std::string& error) {
    const std::uint8_t* raw = nullptr;
    ssize_t got = file_.fetch(offset_, kBlockHeader, raw);
    if (got == 0) return Read::end;
    if (got < 0 || std::size_t(got) < kBlockHeader) {
        error = got < 0 ? detail::read_errno_error(errno) : truncated(kBlockHeader, std::size_t(got));
        return Read::error;
    }
    if (detail::load_u32(raw, false) == kPcapngMagic && file_.fetch(offset_, 12, raw) == 12 &&
        u32(raw + 8) == __builtin_bswap32(kByteOrderMagic))
        swapped_ = !swapped_;
    cursor.type = u32(raw);
    const std::uint32_t total = u32(raw + 4);
    if (total < kBlockHeader + kBlockTrailer) {
        error = message("block in pcapng dump file has a length of %u < %zu", total,
                        kBlockHeader + kBlockTrailer);
        return Read::error;
    }
    if (total % 4 != 0) {
        error = message("block in pcapng dump file has a length of %u that is not a multiple of 4",
                        total);
        return Read::error;
    }
    next_ = offset_ + total;
    if (total > CaptureFileBytes::kMaxFetch) return skip_large_block(cursor.type, total, error);
    got = file_.fetch(offset_, total, raw);
    if (got < 0) {
        error = detail::read_errno_error(errno);
        return Read::error;
    }
    if (std::size_t(got) < total) {
        error = truncated(total - kBlockHeader, std::size_t(got) - kBlockHeader);
        return Read::error;
    }
    if (const std::uint32_t trailer = u32(raw + total - kBlockTrailer); trailer != total) {
        error = message("block total length in header %u and trailer %u don't match", total, trailer);
        return Read::error;
    }
    cursor.data = raw + kBlockHeader;
    cursor.remaining = total - kBlockHeader - kBlockTrailer;
    return Read::block;
}

// A block too large to hold in the read buffer: only a kind the walker
// skips may be (a big name resolution or decryption secrets block), and
// then only its trailer is read.
Walker::Read Walker::skip_large_block(std::uint32_t type, std::uint32_t total, std::string& error) {
    if (type == kPcapngMagic || type == kIdb || type == kObsoletePb || type == kSpb || type == kEpb) {
        error = message("pcapng block size %u > maximum %zu", total, CaptureFileBytes::kMaxFetch);
        return Read::error;
    }
    const std::uint64_t available = file_.size() - offset_;
    if (available < total) {
        error = truncated(total - kBlockHeader, std::size_t(available - kBlockHeader));
        return Read::error;
    }
    const std::uint8_t* raw = nullptr;
    const ssize_t got = file_.fetch(next_ - kBlockTrailer, kBlockTrailer, raw);
    if (got < ssize_t(kBlockTrailer)) {
        error = got < 0 ? detail::read_errno_error(errno) : truncated(total - kBlockHeader, 0);
        return Read::error;
    }
    if (const std::uint32_t trailer = u32(raw); trailer != total) {
        error = message("block total length in header %u and trailer %u don't match", total, trailer);
        return Read::error;
    }
    return Read::block;  // an empty cursor: nothing in it is read
}

// A later SHB: a new section, whose interfaces are numbered from 0 again.
// Before the file's first IDB libpcap ignores an SHB altogether.
Failure Walker::on_section(BlockCursor& cursor) {
    const std::uint8_t* fixed = cursor.take(16);
    if (fixed == nullptr) return cursor.too_short();
    if (interfaces_.empty()) return std::nullopt;
    if (u32(fixed) != kByteOrderMagic)
        return std::string("the file has a section with a bad byte order magic field");
    if (const std::uint16_t major = u16(fixed + 4); major != 1)
        return message("unknown pcapng savefile major version number %u", major);
    section_first_ = interfaces_.size();
    return std::nullopt;
}

Failure Walker::on_interface(BlockCursor& cursor) {
    const std::uint8_t* fixed = cursor.take(8);  // linktype, reserved, snaplen
    if (fixed == nullptr) return cursor.too_short();
    PcapngInterface iface;
    iface.linktype = u16(fixed);
    iface.snaplen = u32(fixed + 4);
    iface.snapshot = iface.snaplen == 0 || iface.snaplen > kLibpcapMaxSnaplen ? kLibpcapMaxSnaplen
                                                                               : iface.snaplen;
    if (Failure failed = read_interface_options(cursor, iface)) return failed;
    interfaces_.push_back(iface);
    visitor_.on_interface(interfaces_.size() - 1, interfaces_.back());
    return std::nullopt;
}

// libpcap's process_idb_options, and if_name besides.
Failure Walker::read_interface_options(BlockCursor& cursor, PcapngInterface& iface) {
    bool saw_tsresol = false, saw_tsoffset = false;
    while (cursor.remaining != 0) {
        const std::uint8_t* header = cursor.take(4);
        if (header == nullptr) return cursor.too_short();
        const std::uint16_t code = u16(header), length = u16(header + 2);
        const std::uint8_t* value = cursor.take((std::size_t{length} + 3) / 4 * 4);
        if (value == nullptr) return cursor.too_short();
        switch (code) {
        case kOptEnd:
            if (length != 0)
                return message("Interface Description Block has opt_endofopt option with length %u != 0",
                               length);
            return std::nullopt;
        case kIfName:
            iface.name.assign(reinterpret_cast<const char*>(value), strnlen(reinterpret_cast<const char*>(value), length));
            break;
        case kIfTsresol: {
            if (length != 1)
                return message("Interface Description Block has if_tsresol option with length %u != 1", length);
            if (saw_tsresol) return std::string("Interface Description Block has more than one if_tsresol option");
            saw_tsresol = true;
            const unsigned exponent = value[0] & 0x7Fu;
            iface.binary_tsresol = (value[0] & 0x80) != 0;
            if (iface.binary_tsresol && exponent > 63)
                return message("Interface Description Block if_tsresol option resolution 2^-%u is too high", exponent);
            if (!iface.binary_tsresol && value[0] > 19)
                return message("Interface Description Block if_tsresol option resolution 10^-%u is too high", unsigned{value[0]});
            iface.tsresol = 1;
            for (unsigned i = 0; i < exponent; ++i) iface.tsresol *= iface.binary_tsresol ? 2 : 10;
            break;
        }
        case kIfTsoffset:
            if (length != 8)
                return message("Interface Description Block has if_tsoffset option with length %u != 8", length);
            if (saw_tsoffset) return std::string("Interface Description Block has more than one if_tsoffset option");
            saw_tsoffset = true;
            std::memcpy(&iface.tsoffset, value, 8);
            if (swapped_) iface.tsoffset = std::int64_t(__builtin_bswap64(std::uint64_t(iface.tsoffset)));
            break;
        default:
            break;
        }
    }
    return std::nullopt;
}

// An Enhanced, Simple or obsolete Packet Block, as pcap_ng_next_packet
// reads it.
Failure Walker::on_packet(BlockCursor& cursor) {
    if (interfaces_.empty())
        return std::string("the capture file has a packet block before any Interface Description Blocks");
    pcap_pkthdr header{};
    std::uint32_t id = 0;
    std::uint64_t t = 0;  // a Simple Packet Block has no time stamp
    if (cursor.type == kSpb) {
        const std::uint8_t* fixed = cursor.take(4);
        if (fixed == nullptr) return cursor.too_short();
        header.len = u32(fixed);
        // No captured length: the packet's, up to the snapshot length of the
        // section's first interface (libpcap: of the file's).
        const std::uint32_t snapshot =
            section_interfaces() > 0 ? interfaces_[section_first_].snapshot : interfaces_[0].snapshot;
        header.caplen = header.len < snapshot ? header.len : snapshot;
    } else {
        const std::uint8_t* fixed = cursor.take(20);
        if (fixed == nullptr) return cursor.too_short();
        const bool enhanced = cursor.type == kEpb;
        id = enhanced ? u32(fixed) : u16(fixed);  // obsolete: 16-bit id, 16-bit drop count
        t = std::uint64_t{u32(fixed + 4)} << 32 | u32(fixed + 8);
        header.caplen = u32(fixed + 12);
        header.len = u32(fixed + 16);
    }
    if (id >= section_interfaces())
        return message("a packet arrived on interface %u, but there's no Interface Description Block "
                       "for that interface", id);
    const PcapngInterface& iface = interfaces_[section_first_ + id];
    if (header.caplen > iface.snapshot)
        return message("invalid packet capture length %u, bigger than snaplen of %d", header.caplen,
                       int(iface.snapshot));
    pcapng_timestamp(iface, t, header);
    const std::uint8_t* data = cursor.take(header.caplen);
    if (data == nullptr) return cursor.too_short();
    visitor_.on_packet(section_first_ + id, header, data);
    return std::nullopt;
}

std::optional<PcapngError> Walker::run() {
    if (Failure failed = open_first_section()) return PcapngError{0, *failed, true};
    for (;;) {
        offset_ = next_;
        BlockCursor cursor;
        std::string error;
        const Read read = read_block(cursor, error);
        if (read == Read::end) {
            if (!interfaces_.empty()) return std::nullopt;
            return PcapngError{offset_, "the capture file has no Interface Description Blocks", true};
        }
        if (read == Read::error) return PcapngError{offset_, error, interfaces_.empty()};
        Failure failed;
        switch (cursor.type) {
        case kPcapngMagic: failed = on_section(cursor); break;
        case kIdb: failed = on_interface(cursor); break;
        case kEpb: case kSpb: case kObsoletePb: failed = on_packet(cursor); break;
        default: break;  // a block this reader does not know, or need
        }
        if (failed) return PcapngError{offset_, *failed, interfaces_.empty()};
        if (!visitor_.wants_more()) return std::nullopt;
    }
}

}  // namespace

std::optional<PcapngError> walk_pcapng(CaptureFileBytes& file, PcapngVisitor& visitor) {
    return Walker(file, visitor).run();
}

void pcapng_timestamp(const PcapngInterface& iface, std::uint64_t t, pcap_pkthdr& header) {
    constexpr std::uint64_t kNanosecond = 1'000'000'000;
    const std::uint64_t seconds = t / iface.tsresol + std::uint64_t(iface.tsoffset);
    std::uint64_t fraction = t % iface.tsresol;
    if (iface.tsresol == kNanosecond) {
        // as it is
    } else if (iface.binary_tsresol) {
        fraction = fraction * kNanosecond / iface.tsresol;  // wraps as libpcap's does
    } else if (iface.tsresol > kNanosecond) {
        fraction /= iface.tsresol / kNanosecond;
    } else {
        fraction *= kNanosecond / iface.tsresol;
    }
    header.ts.tv_sec = static_cast<time_t>(seconds);
    header.ts.tv_usec = static_cast<int>(fraction);
}

}  // namespace tfe::capture
