#include "capture/encapsulation.hpp"

namespace tfe::capture::encapsulation {

namespace {

// IEEE 802 EtherTypes (IANA / IEEE registry).
constexpr std::uint16_t kIpv4 = 0x0800, kIpv6 = 0x86DD;
constexpr std::uint16_t kVlan = 0x8100, kQinQ = 0x88A8, kQinQOld = 0x9100;
constexpr std::uint16_t kMplsUnicast = 0x8847, kMplsMulticast = 0x8848;
constexpr std::uint16_t kPppoeSession = 0x8864, kPbb = 0x88E7, kVnTag = 0x8926, kETag = 0x893F;
constexpr std::uint16_t kTransparentEthernet = 0x6558;  // GRE/Geneve: an Ethernet frame follows
constexpr std::uint16_t kErspan2 = 0x88BE, kErspan3 = 0x22EB, kPpp = 0x880B;

// EtherTypes of families that never carry IP: skipped as "not IP", not
// named as an encapsulation left undecoded.
constexpr std::uint16_t kNoIp[] = {
    0x0806,  // ARP
    0x8035,  // RARP
    0x809B,  // AppleTalk
    0x8137,  // IPX
    0x8808,  // Ethernet flow control (PAUSE)
    0x8809,  // slow protocols (LACP)
    0x8863,  // PPPoE discovery
    0x888E,  // EAPOL
    0x88CC,  // LLDP
    0x88F7,  // PTP
    0x8902,  // CFM (802.1ag)
    0x8906,  // FCoE
    0x8914,  // FCoE initialisation
    0x9000,  // loopback (configuration test protocol)
};

// PPP protocol numbers (RFC 1661, IANA PPP DLL protocol numbers).
constexpr std::uint16_t kPppIpv4 = 0x0021, kPppIpv6 = 0x0057, kPppMpls = 0x0281;

// IP protocols (IANA).
constexpr std::uint8_t kIpInIp = 4, kIpv6InIp = 41, kGre = 47, kUdp = 17, kEtherIp = 97, kMplsInIp = 137;

// UDP destination ports of tunnels (IANA; 8472 is Linux's pre-IANA VXLAN).
constexpr std::uint16_t kVxlan = 4789, kVxlanLinux = 8472, kVxlanGpe = 4790, kGeneve = 6081, kGtpU = 2152;

constexpr int kMaxVlanTags = 8;  // and VN-Tag, E-Tag
constexpr int kMaxMplsLabels = 16;
constexpr int kMaxGtpExtensions = 16;

DecodeError truncated() { return DecodeError::truncated_tunnel_header; }

DecodeError undecoded(Undecoded::Kind kind, std::uint16_t value, Undecoded& why) {
    why = {kind, value};
    return DecodeError::encapsulation_not_decoded;
}

DecodeError to(Next n, Next& next) {
    next = n;
    return DecodeError::ok;
}

// RFC 3032: labels until bottom of stack; then the payload by its first
// nibble, as Wireshark guesses it (4, 6: IP; 0: a pseudowire control word,
// RFC 4385, before an Ethernet frame).
DecodeError after_mpls(ByteReader& r, Next& next, Undecoded& why) {
    for (int labels = 0;; ++labels) {
        if (labels == kMaxMplsLabels) return DecodeError::too_many_encapsulations;
        std::uint32_t entry = 0;
        if (!r.u32(entry)) return truncated();
        if ((entry & 0x100u) != 0) break;  // S: bottom of stack
    }
    if (!r.has(1)) return truncated();
    const int nibble = r.rest()[0] >> 4;
    if (nibble == 4) return to(Next::ipv4, next);
    if (nibble == 6) return to(Next::ipv6, next);
    if (nibble == 0) return r.skip(4) ? to(Next::ethernet, next) : truncated();
    return undecoded(Undecoded::Kind::mpls_payload, static_cast<std::uint16_t>(nibble), why);
}

DecodeError after_ppp_protocol(std::uint16_t protocol, ByteReader& r, Next& next, Undecoded& why) {
    if (protocol == kPppIpv4) return to(Next::ipv4, next);
    if (protocol == kPppIpv6) return to(Next::ipv6, next);
    if (protocol == kPppMpls) return after_mpls(r, next, why);
    // 0x8000-0xBFFF network control (IPCP...), 0xC000+ link control (LCP, PAP, CHAP).
    if (protocol >= 0x8000) return DecodeError::not_ip;
    return undecoded(Undecoded::Kind::ppp_protocol, protocol, why);
}

// The PPP protocol field, one byte when compressed (RFC 1661 section 6.5:
// an odd first byte), and what it names.
DecodeError after_ppp_protocol_field(ByteReader& r, Next& next, Undecoded& why) {
    std::uint8_t first = 0, second = 0;
    if (!r.u8(first)) return truncated();
    if ((first & 1u) != 0) return after_ppp_protocol(first, r, next, why);
    if (!r.u8(second)) return truncated();
    return after_ppp_protocol(static_cast<std::uint16_t>(first << 8 | second), r, next, why);
}

// PPP in HDLC-like framing as PPTP's GRE carries it (RFC 1662): address
// and control may be there.
DecodeError after_ppp(ByteReader& r, Next& next, Undecoded& why) {
    if (r.has(1) && r.rest()[0] == 0xFF) {  // the all-stations address, then control 0x03
        if (!r.skip(2)) return truncated();
    }
    return after_ppp_protocol_field(r, next, why);
}

// RFC 2516 section 4: version/type, code, session id, length; then PPP.
DecodeError after_pppoe(ByteReader& r, Next& next, Undecoded& why) {
    if (!r.skip(6)) return truncated();
    return after_ppp_protocol_field(r, next, why);
}

// ERSPAN type III (draft-foschiano-erspan): 12 bytes, then 8 more when the
// O flag (the last bit) says a platform sub-header follows.
DecodeError after_erspan3(ByteReader& r, Next& next) {
    if (!r.has(12)) return truncated();
    const bool sub_header = (r.rest()[11] & 1u) != 0;
    if (!r.skip(12) || (sub_header && !r.skip(8))) return truncated();
    return to(Next::ethernet, next);
}

bool carries_no_ip(std::uint16_t type) {
    if (type <= 1500) return true;  // an 802.3 length: LLC/SNAP (STP, CDP...)
    for (const std::uint16_t t : kNoIp)
        if (t == type) return true;
    return false;
}

// One EtherType that is not a tag: the header it names.
DecodeError after_type(std::uint16_t type, ByteReader& r, Next& next, Undecoded& why) {
    switch (type) {
    case kIpv4: return to(Next::ipv4, next);
    case kIpv6: return to(Next::ipv6, next);
    case kMplsUnicast:
    case kMplsMulticast: return after_mpls(r, next, why);
    case kPppoeSession: return after_pppoe(r, next, why);
    case kPbb: return r.skip(4) ? to(Next::ethernet, next) : truncated();  // 802.1ah I-TAG
    case kTransparentEthernet: return to(Next::ethernet, next);
    case kErspan2: return r.skip(8) ? to(Next::ethernet, next) : truncated();
    case kErspan3: return after_erspan3(r, next);
    case kPpp: return after_ppp(r, next, why);
    default:
        if (carries_no_ip(type)) return DecodeError::not_ip;
        return undecoded(Undecoded::Kind::ethertype, type, why);
    }
}

// RFC 2784/2890 (version 0) and RFC 2637 (version 1, PPTP): flags and
// version, protocol type, then the optional fields the flags announce.
DecodeError after_gre(ByteReader& r, Next& next, Undecoded& why) {
    std::uint16_t flags = 0, type = 0;
    if (!r.u16(flags) || !r.u16(type)) return truncated();
    const int version = flags & 7;
    if (version > 1 || (flags & 0x4000u) != 0)  // RFC 1701 source routing: obsolete
        return undecoded(Undecoded::Kind::gre_version, flags, why);
    const int optional_words = ((flags & 0x8000u) ? 1 : 0) + ((flags & 0x2000u) ? 1 : 0) +
                               ((flags & 0x1000u) ? 1 : 0) + (version == 1 && (flags & 0x0080u) ? 1 : 0);
    if (!r.skip(4u * optional_words)) return truncated();
    return after_ethertype(type, r, next, why);
}

// RFC 8926: version and option length (4-byte units), flags, protocol
// type, VNI; then the options.
DecodeError after_geneve(ByteReader& r, Next& next, Undecoded& why) {
    std::uint8_t ver_optlen = 0;
    std::uint16_t type = 0;
    if (!r.u8(ver_optlen) || !r.skip(1) || !r.u16(type) || !r.skip(4) || !r.skip((ver_optlen & 0x3Fu) * 4u))
        return truncated();
    return after_ethertype(type, r, next, why);
}

// draft-ietf-nvo3-vxlan-gpe: flags, reserved, next protocol, VNI.
DecodeError after_vxlan_gpe(ByteReader& r, Next& next, Undecoded& why) {
    if (!r.has(8)) return truncated();
    const std::uint8_t protocol = r.rest()[3];
    r.skip(8);
    switch (protocol) {
    case 1: return to(Next::ipv4, next);
    case 2: return to(Next::ipv6, next);
    case 3: return to(Next::ethernet, next);
    case 5: return after_mpls(r, next, why);
    default: return undecoded(Undecoded::Kind::vxlan_gpe_protocol, protocol, why);
    }
}

// 3GPP TS 29.281 section 5: flags, message type (255: a user packet),
// length, TEID; sequence number, N-PDU number and next extension type when
// any of E, S, PN is set; then the extension headers (length in 4 bytes).
DecodeError after_gtp_u(ByteReader& r, Next& next) {
    std::uint8_t flags = 0, type = 0;
    if (!r.u8(flags) || !r.u8(type) || !r.skip(6)) return truncated();
    if ((flags >> 5) != 1 || type != 0xFF) return DecodeError::not_tcp;  // echo, error indication...
    if ((flags & 0x07u) == 0) return to(Next::ip_by_version, next);
    std::uint8_t extension = 0;
    if (!r.skip(3) || !r.u8(extension)) return truncated();
    for (int n = 0; extension != 0; ++n) {
        std::uint8_t words = 0;
        if (n == kMaxGtpExtensions) return DecodeError::too_many_encapsulations;
        if (!r.u8(words) || words == 0 || !r.skip(words * 4u - 2u) || !r.u8(extension)) return truncated();
    }
    return to(Next::ip_by_version, next);
}

DecodeError after_udp(ByteReader& r, Next& next, Undecoded& why) {
    std::uint16_t dport = 0;
    if (!r.skip(2) || !r.u16(dport)) return DecodeError::not_tcp;  // too short to be a tunnel
    if (!r.skip(4)) return truncated();
    switch (dport) {
    case kVxlan:
    case kVxlanLinux: return r.skip(8) ? to(Next::ethernet, next) : truncated();  // RFC 7348
    case kVxlanGpe: return after_vxlan_gpe(r, next, why);
    case kGeneve: return after_geneve(r, next, why);
    case kGtpU: return after_gtp_u(r, next);
    default: return DecodeError::not_tcp;
    }
}

}  // namespace

DecodeError after_ethertype(std::uint16_t type, ByteReader& r, Next& next, Undecoded& why) {
    for (int tags = 0;; ++tags) {
        if (tags == kMaxVlanTags) return DecodeError::too_many_vlan_tags;
        if (type == kVlan || type == kQinQ || type == kQinQOld) {
            if (!r.skip(2) || !r.u16(type)) return DecodeError::truncated_link_header;  // 802.1Q TCI
        } else if (type == kVnTag) {
            if (!r.skip(4) || !r.u16(type)) return truncated();
        } else if (type == kETag) {  // 802.1BR
            if (!r.skip(6) || !r.u16(type)) return truncated();
        } else {
            return after_type(type, r, next, why);
        }
    }
}

DecodeError after_ethernet(ByteReader& r, Next& next, Undecoded& why) {
    std::uint16_t type = 0;
    if (!r.skip(12) || !r.u16(type)) return DecodeError::truncated_link_header;
    return after_ethertype(type, r, next, why);
}

DecodeError after_ip_protocol(std::uint8_t protocol, ByteReader& r, Next& next, Undecoded& why) {
    switch (protocol) {
    case kIpInIp: return to(Next::ipv4, next);
    case kIpv6InIp: return to(Next::ipv6, next);
    case kMplsInIp: return after_mpls(r, next, why);  // RFC 4023
    case kEtherIp: return r.skip(2) ? to(Next::ethernet, next) : truncated();  // RFC 3378
    case kGre: return after_gre(r, next, why);
    case kUdp: return after_udp(r, next, why);
    default: return DecodeError::not_tcp;
    }
}

}  // namespace tfe::capture::encapsulation
