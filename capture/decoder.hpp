// Link layer + IPv4/IPv6 + TCP decoding of one captured frame into a Segment.
//
// Pure function of the bytes: no allocation, no exceptions, no state. Every
// reason a frame does not become a Segment is a DecodeError value, so the
// caller can count them (STYLE.md practice 5).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/icmp_error.hpp"
#include "core/segment.hpp"

namespace tfe::capture {

enum class DecodeError : std::uint8_t {
    ok,
    // Not TCP/IP: skipped, not malformed (see is_malformed).
    not_ip,                  // link layer carries ARP, LLC, an unknown family...
    not_tcp,                 // IP carrying UDP, ICMP, ESP, no-next-header...
    icmp_error,              // an ICMP/ICMPv6 error quoting TCP: handed on as an IcmpError
    non_first_fragment,      // IP fragment with offset != 0: no TCP header in it
    unsupported_link_type,
    // A header that may carry TCP but is not decoded (an unknown EtherType,
    // GRE version, PPP protocol...): skipped, and named (Undecoded).
    encapsulation_not_decoded,
    // Malformed or cut short.
    truncated_link_header,
    too_many_vlan_tags,
    truncated_ip_header,
    ip_version_mismatch,     // link layer says v4, version nibble says otherwise
    ip_header_length_below_5,
    ip_total_length_below_header,
    ip_length_beyond_frame,  // IP length larger than the frame on the wire
    truncated_ipv6_extension_header,
    too_many_ipv6_extension_headers,
    ipv6_extension_beyond_payload,
    truncated_tcp_header,    // fewer than 20 TCP header bytes captured
    tcp_data_offset_below_5,
    tcp_header_beyond_capture,   // data offset points past the captured bytes
    tcp_header_beyond_ip_length, // data offset larger than the IP payload
    truncated_tunnel_header,     // MPLS, PPPoE, GRE, VXLAN... cut short
    too_many_encapsulations,     // more nested headers than encapsulation::kMaxDepth
    count
};

const char* to_string(DecodeError e);

// The header an encapsulation_not_decoded frame stopped at.
struct Undecoded {
    enum class Kind : std::uint8_t { none, ethertype, ppp_protocol, gre_version, mpls_payload, vxlan_gpe_protocol };
    Kind kind = Kind::none;
    std::uint16_t value = 0;  // the EtherType, PPP protocol, GRE flags word, first nibble, GPE protocol
    bool operator==(const Undecoded&) const = default;
};

// "EtherType 0x88e5", "PPP protocol 0x002b", "GRE version 2",
// "MPLS payload starting with nibble 9", "VXLAN-GPE next protocol 4".
std::string to_string(const Undecoded& u);

// False for ok and for reasons that are simply "not a TCP segment we can
// follow" (not_ip, not_tcp, non_first_fragment): callers count those as
// skipped. unsupported_link_type is a per-file condition, not malformed.
bool is_malformed(DecodeError e);

// Link types decode_frame understands (pcap DLT_* values; LINKTYPE_RAW 101
// is accepted as well as the platform's DLT_RAW).
bool linktype_supported(int dlt);
// libpcap's name ("EN10MB", "LINUX_SLL2"), or "DLT <n>" when it has none.
std::string linktype_name(int dlt);
// "USB_LINUX (189)", or "DLT 147" when libpcap has no name for it.
std::string linktype_label(int dlt);

// Decodes one frame. `bytes` is what was captured, `wire_len` the length on
// the wire (pcap's len; >= bytes.size() when snaplen cut the frame). Fills
// every Segment field except `frame`, `ts` and `interface_id`, which the
// caller owns and which are left untouched. On error the other fields are unspecified.
// With verify_checksums, the TCP checksum is checked when the whole segment
// was captured (checksum_checked/checksum_ok); a bad checksum never fails
// decoding (offload: STYLE.md pitfall 11). A first IPv4/IPv6 fragment (MF
// set, offset 0) decodes, but its payload_len counts only that fragment's
// bytes and its checksum is not checked; later fragments are skipped.
// TCP inside the encapsulations of capture/encapsulation.hpp decodes as
// the innermost IP packet's segment. `undecoded`, when given, says which
// header an encapsulation_not_decoded frame stopped at. With `icmp`, an
// ICMP or ICMPv6 error that quotes a TCP segment (capture/icmp.hpp) fills
// *icmp (but its frame and time) and returns icmp_error; without, every
// ICMP message is not_tcp.
DecodeError decode_frame(int dlt, std::span<const std::uint8_t> bytes, std::uint32_t wire_len,
                         bool verify_checksums, Segment& out, Undecoded* undecoded = nullptr,
                         IcmpError* icmp = nullptr);

}  // namespace tfe::capture
