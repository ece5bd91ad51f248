#include "capture/decoder.hpp"

#include <fmt/format.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <array>

#include "capture/byte_reader.hpp"
#include "capture/encapsulation.hpp"
#include "capture/icmp.hpp"

namespace tfe::capture {

namespace {

constexpr std::size_t kIpv4FixedHeader = 20;  // RFC 791 section 3.1
constexpr std::size_t kTcpFixedHeader = 20;   // RFC 9293 section 3.1

// ---------------------------------------------------------------- names

constexpr std::array<const char*, static_cast<std::size_t>(DecodeError::count)> kErrorNames{
    "ok",
    "not_ip",
    "not_tcp",
    "icmp_error",
    "non_first_fragment",
    "unsupported_link_type",
    "encapsulation_not_decoded",
    "truncated_link_header",
    "too_many_vlan_tags",
    "truncated_ip_header",
    "ip_version_mismatch",
    "ip_header_length_below_5",
    "ip_total_length_below_header",
    "ip_length_beyond_frame",
    "truncated_ipv6_extension_header",
    "too_many_ipv6_extension_headers",
    "ipv6_extension_beyond_payload",
    "truncated_tcp_header",
    "tcp_data_offset_below_5",
    "tcp_header_beyond_capture",
    "tcp_header_beyond_ip_length",
    "truncated_tunnel_header",
    "too_many_encapsulations",
};

// ---------------------------------------------------------------- constants

// pcap's LINKTYPE_RAW; libpcap maps it to the platform's DLT_RAW when it
// reads a file, but a caller may hand us the file value.
constexpr int kLinktypeRaw = 101;

// BSD loopback address families (AF_INET6 differs per BSD).
constexpr std::uint32_t kBsdAfInet = 2;
constexpr bool is_bsd_af_inet6(std::uint32_t af) { return af == 24 || af == 28 || af == 30; }

// Linux cooked capture packet types (linux/if_packet.h PACKET_*).
constexpr std::uint16_t kPacketHost = 0, kPacketBroadcast = 1, kPacketMulticast = 2,
                        kPacketOutgoing = 4;

// IP protocol numbers (IANA).
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoIcmp = 1, kProtoIcmpv6 = 58;
constexpr std::uint8_t kIpv6HopByHop = 0, kIpv6Routing = 43, kIpv6Fragment = 44,
                       kIpv6DestOptions = 60, kIpv6Ah = 51;
constexpr int kMaxIpv6ExtensionHeaders = 8;

// TCP option kinds (IANA "TCP Option Kind Numbers").
constexpr std::uint8_t kOptEol = 0, kOptNop = 1, kOptMss = 2, kOptWscale = 3,
                       kOptSackPermitted = 4, kOptSack = 5, kOptTimestamps = 8,
                       kOptFastOpen = 34, kOptExperimental = 254;
constexpr std::uint16_t kFastOpenExperimentalMagic = 0xF989;  // RFC 7413 section 4.1.1
constexpr std::uint8_t kMaxWindowScale = 14;                 // RFC 7323 section 2.3

using encapsulation::Next;

// What the IP layer hands to TCP (or to a tunnel's header).
struct IpPayload {
    Bytes tcp;                    // captured payload bytes, trimmed to the IP length
    std::uint32_t tcp_len = 0;    // payload length per the IP header
    std::uint8_t protocol = 0;    // IPv4 protocol, IPv6's last next header
    bool length_from_frame = false;  // IP said 0 (TSO or jumbo): length is the frame's
    bool more_fragments = false;     // first fragment: the checksum covers more
};

// ---------------------------------------------------------------- link layer

PacketDirection direction_from_packet_type(std::uint16_t type) {
    switch (type) {
    case kPacketHost:
    case kPacketBroadcast:
    case kPacketMulticast: return PacketDirection::incoming;
    case kPacketOutgoing: return PacketDirection::outgoing;
    default: return PacketDirection::unknown;  // 3 = another host's (promiscuous)
    }
}

// https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html: packet type,
// ARPHRD type, address length, 8 address bytes, protocol.
DecodeError decode_sll(ByteReader& r, Next& next, PacketDirection& dir, Undecoded& why) {
    std::uint16_t packet_type = 0, type = 0;
    if (!r.u16(packet_type) || !r.skip(12) || !r.u16(type))
        return DecodeError::truncated_link_header;
    dir = direction_from_packet_type(packet_type);
    return encapsulation::after_ethertype(type, r, next, why);
}

// https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html: protocol,
// reserved, interface index, ARPHRD type, packet type (1 byte), address
// length, 8 address bytes.
DecodeError decode_sll2(ByteReader& r, Next& next, PacketDirection& dir, Undecoded& why) {
    std::uint16_t type = 0;
    std::uint8_t packet_type = 0;
    if (!r.u16(type) || !r.skip(8) || !r.u8(packet_type) || !r.skip(9))
        return DecodeError::truncated_link_header;
    dir = direction_from_packet_type(packet_type);
    return encapsulation::after_ethertype(type, r, next, why);
}

// https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html: a 4-byte address
// family, in the writing host's byte order for NULL (so either order is
// accepted), network order for LOOP.
DecodeError decode_bsd_loopback(ByteReader& r, bool network_order, Next& next) {
    std::uint32_t af = 0;
    if (!r.has(4)) return DecodeError::truncated_link_header;
    if (network_order) {
        r.u32(af);
    } else {
        r.u32_le(af);
        // A family fits in 16 bits: high bits set means a big-endian writer.
        if ((af & 0xFFFF0000u) != 0) af = (af >> 24) | ((af >> 8) & 0xFF00u);
    }
    if (af == kBsdAfInet) next = Next::ipv4;
    else if (is_bsd_af_inet6(af)) next = Next::ipv6;
    else return DecodeError::not_ip;
    return DecodeError::ok;
}

DecodeError decode_link(int dlt, ByteReader& r, Next& next, PacketDirection& dir, Undecoded& why) {
    switch (dlt) {
    case DLT_EN10MB: return encapsulation::after_ethernet(r, next, why);
    case DLT_LINUX_SLL: return decode_sll(r, next, dir, why);
    case DLT_LINUX_SLL2: return decode_sll2(r, next, dir, why);
    case DLT_NULL: return decode_bsd_loopback(r, false, next);
    case DLT_LOOP: return decode_bsd_loopback(r, true, next);
    case DLT_IPV4: next = Next::ipv4; return DecodeError::ok;
    case DLT_IPV6: next = Next::ipv6; return DecodeError::ok;
    case DLT_RAW:
    case kLinktypeRaw: next = Next::ip_by_version; return DecodeError::ok;
    default: return DecodeError::unsupported_link_type;
    }
}

// ---------------------------------------------------------------- IPv4

// RFC 791 section 3.1. `wire_avail` is the IP packet's room in the frame on
// the wire, >= ip.size(); a larger total length than that is malformed, a
// larger one than ip.size() is snaplen truncation.
DecodeError decode_ipv4(Bytes ip, std::uint32_t wire_avail, Segment& out, IpPayload& res) {
    // The fixed header is checked once and read in place (every packet
    // passes here; a bounds check per field was a tenth of decoding).
    if (ip.size() < kIpv4FixedHeader) return DecodeError::truncated_ip_header;
    const std::uint8_t* h = ip.data();
    const std::uint8_t ver_ihl = h[0];
    const std::uint16_t total = be16(h + 2);
    out.ip_id = be16(h + 4);
    const std::uint16_t frag = be16(h + 6);
    out.ip_ttl = h[8];
    const std::uint8_t proto = h[9];
    const std::uint32_t src = be32(h + 12), dst = be32(h + 16);
    if ((ver_ihl >> 4) != 4) return DecodeError::ip_version_mismatch;
    const std::uint32_t header_len = (ver_ihl & 0x0Fu) * 4u;
    if (header_len < 20) return DecodeError::ip_header_length_below_5;
    if (header_len > ip.size()) return DecodeError::truncated_ip_header;
    out.src = IpAddr::v4(src);
    out.dst = IpAddr::v4(dst);

    std::uint32_t ip_len = total;
    if (total == 0) {
        // TSO/GSO super-segment handed to the capture before segmentation:
        // the NIC fills the length in later (STYLE.md pitfall 11).
        ip_len = wire_avail;
        res.length_from_frame = true;
    } else if (total < header_len) {
        return DecodeError::ip_total_length_below_header;
    } else if (total > wire_avail) {
        return DecodeError::ip_length_beyond_frame;
    }
    if ((frag & 0x1FFFu) != 0) return DecodeError::non_first_fragment;
    res.protocol = proto;
    res.more_fragments = (frag & 0x2000u) != 0;
    res.tcp_len = ip_len - header_len;
    // Trim Ethernet padding; keep fewer bytes when snaplen cut the frame.
    res.tcp = ip.subspan(header_len, std::min<std::size_t>(res.tcp_len, ip.size() - header_len));
    return DecodeError::ok;
}

// ---------------------------------------------------------------- IPv6

constexpr bool is_ipv6_extension(std::uint8_t next) {
    return next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6DestOptions ||
           next == kIpv6Fragment || next == kIpv6Ah;
}

// Walks RFC 8200 section 4 extension headers up to the first other header
// (TCP, a tunnel, 59 no next header, ESP, UDP, ICMPv6...), left in
// res.protocol. On return r is at it and `consumed` counts the extension
// bytes.
DecodeError walk_ipv6_extensions(ByteReader& r, std::uint8_t next, std::uint32_t& consumed,
                                 IpPayload& res) {
    for (int n = 0; next != kProtoTcp && is_ipv6_extension(next); ++n) {
        if (n == kMaxIpv6ExtensionHeaders) return DecodeError::too_many_ipv6_extension_headers;
        const bool is_ah = next == kIpv6Ah;
        if (next == kIpv6Fragment) {
            // RFC 8200 section 4.5: fixed 8 bytes; offset in 8-byte units.
            std::uint16_t off_flags = 0;
            if (!r.u8(next) || !r.skip(1) || !r.u16(off_flags) || !r.skip(4))
                return DecodeError::truncated_ipv6_extension_header;
            if ((off_flags >> 3) != 0) return DecodeError::non_first_fragment;
            res.more_fragments = (off_flags & 1u) != 0;
            consumed += 8;
            continue;
        }
        std::uint8_t len_field = 0;
        if (!r.u8(next) || !r.u8(len_field)) return DecodeError::truncated_ipv6_extension_header;
        // Options/routing: 8-byte units not counting the first 8 (RFC 8200
        // section 4.3); AH: 4-byte units minus 2 (RFC 4302 section 2.2).
        const std::size_t header_len = is_ah ? (len_field + 2u) * 4u : (len_field + 1u) * 8u;
        if (!r.skip(header_len - 2)) return DecodeError::truncated_ipv6_extension_header;
        consumed += static_cast<std::uint32_t>(header_len);
    }
    res.protocol = next;
    return DecodeError::ok;
}

// RFC 8200 section 3.
DecodeError decode_ipv6(Bytes ip, std::uint32_t wire_avail, Segment& out, IpPayload& res) {
    ByteReader r(ip);
    std::uint32_t ver_class_flow = 0;
    std::uint16_t payload = 0;
    std::uint8_t next = 0;
    Bytes src, dst;
    if (!r.u32(ver_class_flow) || !r.u16(payload) || !r.u8(next) || !r.u8(out.ip_ttl) ||
        !r.take(16, src) || !r.take(16, dst))
        return DecodeError::truncated_ip_header;
    if ((ver_class_flow >> 28) != 6) return DecodeError::ip_version_mismatch;
    out.src = IpAddr::v6(src.data());
    out.dst = IpAddr::v6(dst.data());

    std::uint32_t payload_len = payload;
    const std::uint32_t payload_room = wire_avail - 40;
    if (payload == 0) {
        // RFC 2675 jumbogram (or GSO): the length is elsewhere; the frame's is right.
        payload_len = payload_room;
        res.length_from_frame = true;
    } else if (payload_len > payload_room) {
        return DecodeError::ip_length_beyond_frame;
    }
    std::uint32_t ext_len = 0;
    if (auto e = walk_ipv6_extensions(r, next, ext_len, res); e != DecodeError::ok) return e;
    if (ext_len > payload_len) return DecodeError::ipv6_extension_beyond_payload;
    res.tcp_len = payload_len - ext_len;
    res.tcp = r.rest().first(std::min<std::size_t>(res.tcp_len, r.remaining()));
    return DecodeError::ok;
}

// ---------------------------------------------------------------- TCP

void decode_option(std::uint8_t kind, Bytes body, TcpOptions& o) {
    ByteReader r(body);
    switch (kind) {
    case kOptMss:  // RFC 9293 section 3.2
        o.has_mss = body.size() == 2 && r.u16(o.mss);
        break;
    case kOptWscale:  // RFC 7323 section 2.3
        if (body.size() == 1 && r.u8(o.wscale)) {
            o.has_wscale = true;
            o.wscale = std::min(o.wscale, kMaxWindowScale);
        }
        break;
    case kOptSackPermitted:  // RFC 2018 section 2
        o.sack_permitted = body.empty();
        break;
    case kOptSack:  // RFC 2018 section 3: 8 bytes per block
        o.sack_blocks = static_cast<std::uint8_t>(body.size() / 8);
        break;
    case kOptTimestamps:  // RFC 7323 section 3.2
        o.has_timestamps = body.size() == 8 && r.u32(o.ts_val) && r.u32(o.ts_ecr);
        break;
    case kOptFastOpen:  // RFC 7413 section 4.1.1; empty cookie = cookie request
        o.has_fast_open = true;
        o.fast_open_cookie_len = static_cast<std::uint8_t>(body.size());
        break;
    case kOptExperimental: {  // RFC 6994 experiment id; only TFO's is known
        std::uint16_t magic = 0;
        if (r.u16(magic) && magic == kFastOpenExperimentalMagic) {
            o.has_fast_open = true;
            o.fast_open_cookie_len = static_cast<std::uint8_t>(body.size() - 2);
        }
        break;
    }
    default: break;
    }
}

// RFC 9293 section 3.1: EOL ends the list, NOP is one byte, every other
// option has a length that counts kind and length. A bad length stops the
// loop; the segment is still good.
void decode_options(Bytes options, TcpOptions& o) {
    ByteReader r(options);
    std::uint8_t kind = 0, len = 0;
    while (r.u8(kind) && kind != kOptEol) {
        if (kind == kOptNop) continue;
        Bytes body;
        if (!r.u8(len) || len < 2 || !r.take(len - 2u, body)) break;
        decode_option(kind, body, o);
    }
}

// RFC 9293 section 3.1 header layout.
DecodeError decode_tcp(const IpPayload& ip, Segment& out) {
    if (ip.tcp_len < 20) return DecodeError::tcp_header_beyond_ip_length;
    // Checked once, read in place, as for IPv4.
    if (ip.tcp.size() < kTcpFixedHeader) return DecodeError::truncated_tcp_header;
    const std::uint8_t* h = ip.tcp.data();
    out.sport = be16(h);
    out.dport = be16(h + 2);
    const std::uint32_t seq = be32(h + 4), ack = be32(h + 8);
    const std::uint8_t offset = h[12], flags = h[13];
    out.window = be16(h + 14);
    out.urgent = be16(h + 18);
    const std::uint32_t header_len = (offset >> 4) * 4u;
    if (header_len < 20) return DecodeError::tcp_data_offset_below_5;
    if (header_len > ip.tcp_len) return DecodeError::tcp_header_beyond_ip_length;
    if (header_len > ip.tcp.size()) return DecodeError::tcp_header_beyond_capture;
    out.seq = SeqNum(seq);
    out.ack = SeqNum(ack);
    out.flags = TcpFlags(flags);
    out.payload_len = ip.tcp_len - header_len;
    out.captured_len = static_cast<std::uint32_t>(ip.tcp.size() - header_len);
    decode_options(ip.tcp.subspan(20, header_len - 20), out.options);
    if (out.captured_len > 0) out.first_payload_byte = ip.tcp[header_len];
    return DecodeError::ok;
}

// ---------------------------------------------------------------- checksum

// RFC 1071 one's-complement sum of 16-bit big-endian words.
std::uint64_t sum_words(Bytes b, std::uint64_t acc) {
    std::size_t i = 0;
    for (; i + 1 < b.size(); i += 2) acc += (std::uint32_t{b[i]} << 8) | b[i + 1];
    if (i < b.size()) acc += std::uint32_t{b[i]} << 8;  // odd byte, zero padded
    return acc;
}

// Pseudo-header: RFC 9293 section 3.1 (IPv4), RFC 8200 section 8.1 (IPv6).
bool tcp_checksum_ok(const Segment& s, Bytes tcp) {
    const std::size_t addr_len = s.src.version == 4 ? 4 : 16;
    std::uint64_t acc = sum_words(Bytes(s.src.bytes).first(addr_len), 0);
    acc = sum_words(Bytes(s.dst.bytes).first(addr_len), acc);
    const std::uint64_t len = tcp.size();
    acc += kProtoTcp + (len >> 16) + (len & 0xFFFFu);
    acc = sum_words(tcp, acc);
    while (acc >> 16) acc = (acc & 0xFFFFu) + (acc >> 16);
    return acc == 0xFFFFu;
}

std::uint32_t clamp_u32(std::size_t n) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(n, UINT32_MAX));
}

DecodeError decode_ip(Next next, Bytes ip, std::uint32_t wire_avail, Segment& out, IpPayload& res) {
    if (next == Next::ip_by_version) {
        if (ip.empty()) return DecodeError::truncated_ip_header;
        const int version = ip[0] >> 4;
        if (version != 4 && version != 6) return DecodeError::not_ip;
        next = version == 4 ? Next::ipv4 : Next::ipv6;
    }
    return next == Next::ipv4 ? decode_ipv4(ip, wire_avail, out, res) : decode_ipv6(ip, wire_avail, out, res);
}

// From the header `next` at `r` (a region `region_wire` bytes long on the
// wire) through every tunnel to the innermost IP packet, whose payload is
// TCP: `ip` is that payload. Outer headers are read and left behind; the
// Segment's addresses are the innermost packet's. A tunnel inside an
// outer first fragment is followed, its checksum not checked.
DecodeError decode_ip_layers(Next next, ByteReader r, std::uint32_t region_wire, Segment& out,
                             IpPayload& ip, Undecoded& why) {
    bool incomplete = false;
    for (int depth = 0;; ++depth) {
        if (depth == encapsulation::kMaxDepth) return DecodeError::too_many_encapsulations;
        if (next == Next::ethernet) {
            if (auto e = encapsulation::after_ethernet(r, next, why); e != DecodeError::ok) return e;
            continue;
        }
        const std::uint32_t wire_avail =
            clamp_u32(std::max<std::size_t>(region_wire, r.position() + r.remaining()) - r.position());
        ip = IpPayload{};
        if (auto e = decode_ip(next, r.rest(), wire_avail, out, ip); e != DecodeError::ok) return e;
        incomplete = incomplete || ip.more_fragments || ip.length_from_frame;
        if (ip.protocol == kProtoTcp) {
            ip.more_fragments = incomplete;
            return DecodeError::ok;
        }
        // An ICMP error (IPv4) or ICMPv6 error: the message, for decode_icmp_error.
        const bool icmp = (ip.protocol == kProtoIcmp && out.src.version == 4) ||
                          (ip.protocol == kProtoIcmpv6 && out.src.version == 6);
        if (icmp) return incomplete ? DecodeError::not_tcp : DecodeError::icmp_error;
        r = ByteReader(ip.tcp);
        // Inside a fragment the inner packet is longer than the region.
        region_wire = incomplete ? UINT32_MAX : ip.tcp_len;
        if (auto e = encapsulation::after_ip_protocol(ip.protocol, r, next, why); e != DecodeError::ok) return e;
    }
}

}  // namespace

const char* to_string(DecodeError e) {
    const auto i = static_cast<std::size_t>(e);
    return i < kErrorNames.size() ? kErrorNames[i] : "unknown";
}

bool is_malformed(DecodeError e) {
    switch (e) {
    case DecodeError::ok:
    case DecodeError::not_ip:
    case DecodeError::not_tcp:
    case DecodeError::icmp_error:
    case DecodeError::non_first_fragment:
    case DecodeError::unsupported_link_type:
    case DecodeError::encapsulation_not_decoded:
    case DecodeError::count: return false;
    default: return true;
    }
}

std::string to_string(const Undecoded& u) {
    using Kind = Undecoded::Kind;
    switch (u.kind) {
    case Kind::ethertype: return fmt::format("EtherType {:#06x}", u.value);
    case Kind::ppp_protocol: return fmt::format("PPP protocol {:#06x}", u.value);
    case Kind::gre_version: return fmt::format("GRE version {}{}", u.value & 7, (u.value & 0x4000u) ? " with source routing" : "");
    case Kind::mpls_payload: return fmt::format("MPLS payload starting with nibble {}", u.value);
    case Kind::vxlan_gpe_protocol: return fmt::format("VXLAN-GPE next protocol {}", u.value);
    case Kind::none: break;
    }
    return "an unknown header";
}

bool linktype_supported(int dlt) {
    switch (dlt) {
    case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_NULL: case DLT_LOOP:
    case DLT_IPV4: case DLT_IPV6: case DLT_RAW: case kLinktypeRaw: return true;
    default: return false;
    }
}

std::string linktype_name(int dlt) {
    if (const char* name = pcap_datalink_val_to_name(dlt)) return name;
    if (dlt == kLinktypeRaw) return "RAW";
    return "DLT " + std::to_string(dlt);
}

std::string linktype_label(int dlt) {
    const std::string name = linktype_name(dlt);
    return name.rfind("DLT ", 0) == 0 ? name : name + " (" + std::to_string(dlt) + ")";
}

DecodeError decode_frame(int dlt, std::span<const std::uint8_t> bytes, std::uint32_t wire_len,
                         bool verify_checksums, Segment& out, Undecoded* undecoded, IcmpError* icmp) {
    const std::uint64_t frame = out.frame;
    const TimeNs ts = out.ts;
    const std::uint16_t interface_id = out.interface_id;
    out = Segment{};
    out.frame = frame;
    out.ts = ts;
    out.interface_id = interface_id;
    out.wire_len = wire_len;

    Undecoded ignored;
    Undecoded& why = undecoded ? *undecoded : ignored;
    ByteReader r(bytes);
    Next next = Next::ipv4;
    if (auto e = decode_link(dlt, r, next, out.direction, why); e != DecodeError::ok) return e;
    IpPayload ip;
    const std::uint32_t frame_wire = clamp_u32(std::max<std::size_t>(wire_len, bytes.size()));
    if (auto e = decode_ip_layers(next, r, frame_wire, out, ip, why); e != DecodeError::ok) {
        if (e != DecodeError::icmp_error) return e;
        const bool routed = icmp != nullptr && decode_icmp_error(ip.tcp, out.src.version, out.src, *icmp);
        return routed ? DecodeError::icmp_error : DecodeError::not_tcp;
    }
    if (auto e = decode_tcp(ip, out); e != DecodeError::ok) return e;

    // A super-segment's or fragment's checksum covers bytes we do not have.
    if (verify_checksums && !ip.length_from_frame && !ip.more_fragments &&
        ip.tcp.size() == ip.tcp_len) {
        out.checksum_checked = true;
        out.checksum_ok = tcp_checksum_ok(out, ip.tcp);
    }
    return DecodeError::ok;
}

}  // namespace tfe::capture
