#include "capture/icmp.hpp"

namespace tfe::capture {

namespace {

// IANA ICMP and ICMPv6 type numbers.
constexpr std::uint8_t kIcmpDestUnreachable = 3, kIcmpTimeExceeded = 11;
constexpr std::uint8_t kIcmp6DestUnreachable = 1, kIcmp6TimeExceeded = 3;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kIpv6HopByHop = 0, kIpv6Routing = 43, kIpv6Fragment = 44, kIpv6DestOptions = 60;
constexpr int kMaxQuotedExtensions = 8;
constexpr std::size_t kIcmpHeader = 8;      // type, code, checksum, 4 bytes unused/MTU/pointer
constexpr std::size_t kQuotedTcpMinimum = 8;  // ports + sequence number (RFC 792)
constexpr std::size_t kTcpFlagsOffset = 13;

// The quoted TCP header's start: ports, sequence number, and the flags
// when quoted that far.
bool read_quoted_tcp(Bytes tcp, IcmpError& out) {
    if (tcp.size() < kQuotedTcpMinimum) return false;
    out.quoted_sport = be16(tcp.data());
    out.quoted_dport = be16(tcp.data() + 2);
    out.quoted_seq = SeqNum(be32(tcp.data() + 4));
    out.flags_quoted = tcp.size() > kTcpFlagsOffset;
    out.quoted_flags = TcpFlags(out.flags_quoted ? tcp[kTcpFlagsOffset] : 0);
    return true;
}

// RFC 791 header as quoted: its own length and protocol; the total length
// is the original packet's, longer than the quote, so it is not checked.
bool read_quoted_ipv4(Bytes ip, IcmpError& out) {
    if (ip.size() < 20 || (ip[0] >> 4) != 4) return false;
    const std::size_t header_len = (ip[0] & 0x0Fu) * 4u;
    const std::uint16_t frag = be16(ip.data() + 6);
    if (header_len < 20 || header_len > ip.size() || ip[9] != kProtoTcp || (frag & 0x1FFFu) != 0) return false;
    out.quoted_src = IpAddr::v4(be32(ip.data() + 12));
    out.quoted_dst = IpAddr::v4(be32(ip.data() + 16));
    return read_quoted_tcp(ip.subspan(header_len), out);
}

// RFC 8200 header as quoted, through the extension headers a TCP segment
// may carry; a non-first fragment holds no TCP header.
bool read_quoted_ipv6(Bytes ip, IcmpError& out) {
    ByteReader r(ip);
    std::uint32_t ver = 0;
    std::uint8_t next = 0;
    Bytes src, dst;
    if (!r.u32(ver) || !r.skip(2) || !r.u8(next) || !r.skip(1) || !r.take(16, src) || !r.take(16, dst) ||
        (ver >> 28) != 6)
        return false;
    for (int n = 0; next != kProtoTcp; ++n) {
        if (n == kMaxQuotedExtensions) return false;
        std::uint8_t len = 0;
        std::uint16_t offset = 0;
        if (next == kIpv6Fragment) {
            if (!r.u8(next) || !r.skip(1) || !r.u16(offset) || !r.skip(4) || (offset >> 3) != 0) return false;
        } else if (next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6DestOptions) {
            if (!r.u8(next) || !r.u8(len) || !r.skip((len + 1u) * 8u - 2u)) return false;
        } else {
            return false;  // ESP, AH, UDP...: no TCP header to read
        }
    }
    out.quoted_src = IpAddr::v6(src.data());
    out.quoted_dst = IpAddr::v6(dst.data());
    return read_quoted_tcp(r.rest(), out);
}

}  // namespace

bool is_routed_icmp_error(int ip_version, std::uint8_t type) {
    if (ip_version == 4) return type == kIcmpDestUnreachable || type == kIcmpTimeExceeded;
    return type == kIcmp6DestUnreachable || type == kIcmp6TimeExceeded;
}

bool decode_icmp_error(Bytes msg, int ip_version, const IpAddr& router, IcmpError& out) {
    if (msg.size() < kIcmpHeader || !is_routed_icmp_error(ip_version, msg[0])) return false;
    out.router = router;
    out.version = static_cast<std::uint8_t>(ip_version);
    out.type = msg[0];
    out.code = msg[1];
    const Bytes quoted = msg.subspan(kIcmpHeader);
    return ip_version == 4 ? read_quoted_ipv4(quoted, out) : read_quoted_ipv6(quoted, out);
}

}  // namespace tfe::capture
