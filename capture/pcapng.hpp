// Reading pcapng blocks straight out of a regular file.
//
// libpcap 1.10 reads pcapng only while every interface of the file has the
// link type and snapshot length of the first one, and every section the
// byte order of the first; Wireshark reads them all, and so does this.
// It walks the blocks itself (through CaptureFileBytes, as the classic pcap
// walker does): Section Header Blocks (each starts a new numbering of
// interfaces, in its own byte order), Interface Description Blocks (link
// type, snapshot length, if_name, if_tsresol in powers of ten or two,
// if_tsoffset, each interface its own), Enhanced, Simple and obsolete
// Packet Blocks, and every other block skipped by its length.
//
// Where libpcap does read a file, this reads it the same: the same checks
// in the same order, the same packets and timestamps (scaled to
// nanoseconds as libpcap scales them), libpcap's wording for errors
// (sf-pcapng.c), so tests/test_pcapng.cpp and fuzz/fuzz_pcapng.cpp can
// hold the two readers to each other.
#pragma once

#include <pcap/pcap.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "capture/classic_pcap.hpp"

namespace tfe::capture {

// One Interface Description Block, as the packets on it are read.
struct PcapngInterface {
    std::uint16_t linktype = 0;        // the IDB's LINKTYPE_ value
    std::uint32_t snaplen = 0;         // the IDB's (0 = no limit)
    std::uint32_t snapshot = 0;        // as libpcap adjusts it: 0 or above the maximum -> maximum
    std::string name;                  // if_name; empty when the IDB has none
    std::uint64_t tsresol = 1000000;   // time stamp units per second
    bool binary_tsresol = false;       // tsresol is a power of 2
    std::int64_t tsoffset = 0;         // seconds added to every time stamp
};

// Why the walk stopped early: the offset of the block at fault, libpcap's
// message for it, and whether any interface had been described by then
// (libpcap fails to open a file that breaks before its first IDB).
struct PcapngError {
    std::uint64_t offset = 0;
    std::string message;
    bool before_first_interface = false;
};

class PcapngVisitor {
public:
    virtual ~PcapngVisitor();
    // A new interface; `index` counts the file's interfaces in every
    // section, from 0, in the order of their IDBs.
    virtual void on_interface(std::size_t index, const PcapngInterface& iface) = 0;
    // A packet on interface `index`: `header` as pcap_next_ex would fill it
    // with nanosecond precision, `data` valid until the call returns.
    virtual void on_packet(std::size_t index, const pcap_pkthdr& header, const u_char* data) = 0;
    // Asked after each packet: false ends the walk there, as at the end of
    // the file (tcpdump's -c).
    virtual bool wants_more() const { return true; }
};

// Walks the blocks of the pcapng file in `file` from its start to its end
// or until the visitor wants no more (nullopt), or to the first block it
// cannot read. A block larger than
// CaptureFileBytes::kMaxFetch is refused unless it is one the walker skips
// (libpcap takes up to 16 MiB; no packet within its snapshot limit needs
// that much).
std::optional<PcapngError> walk_pcapng(CaptureFileBytes& file, PcapngVisitor& visitor);

// The first four bytes of every pcapng file (the SHB's type, the same in
// either byte order).
inline constexpr std::uint32_t kPcapngMagic = 0x0A0D0D0A;

// libpcap's conversion of a packet's 64-bit time stamp `t` on `iface` into
// seconds and nanoseconds, wrap-arounds and all.
void pcapng_timestamp(const PcapngInterface& iface, std::uint64_t t, pcap_pkthdr& header);

}  // namespace tfe::capture
