#include "capture/tcpdump_line.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace tfe::capture {

namespace {

using Line = TcpdumpLine;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    return s;
}

// An unsigned decimal at the front of `s`, consumed; nullopt (and `s` kept)
// when there is none or it exceeds `max`.
std::optional<std::uint64_t> take_number(std::string_view& s, std::uint64_t max = UINT32_MAX) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || v > max) return std::nullopt;
    s.remove_prefix(static_cast<std::size_t>(end - s.data()));
    return v;
}

// The first word of `s` (up to a space, comma or colon), for a reason.
std::string first_word(std::string_view s) {
    const std::size_t end = s.find_first_of(" \t,:(");
    std::string w(s.substr(0, std::min<std::size_t>(end, 40)));
    return w.empty() ? "text" : w;
}

// "HH:MM:SS.frac" at the front of `s` in nanoseconds, consumed.
std::optional<std::int64_t> take_clock(std::string_view& s) {
    std::string_view t = s;
    const auto h = take_number(t, 99);
    if (!h || !starts_with(t, ":")) return std::nullopt;
    t.remove_prefix(1);
    const auto m = take_number(t, 59);
    if (!m || !starts_with(t, ":")) return std::nullopt;
    t.remove_prefix(1);
    const auto sec = take_number(t, 60);
    if (!sec) return std::nullopt;
    std::int64_t ns = ((static_cast<std::int64_t>(*h) * 60 + static_cast<std::int64_t>(*m)) * 60 +
                       static_cast<std::int64_t>(*sec)) * 1'000'000'000;
    if (starts_with(t, ".")) {
        t.remove_prefix(1);
        std::int64_t scale = 100'000'000;
        std::size_t digits = 0;
        for (; digits < t.size() && is_digit(t[digits]); ++digits, scale /= 10)
            ns += (t[digits] - '0') * scale;
        if (digits == 0 || digits > 9) return std::nullopt;
        t.remove_prefix(digits);
    }
    s = t;
    return ns;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// "YYYY-MM-DD HH:MM:SS.frac" (-tttt) at the front of `s`, consumed.
bool take_date_time(std::string_view& s, Line& out) {
    std::string_view t = s;
    // The years a capture's time stamps can hold (pcap's 32-bit seconds).
    const auto y = take_number(t, 2106);
    if (!y || *y < 1901 || !starts_with(t, "-")) return false;
    t.remove_prefix(1);
    const auto m = take_number(t, 12);
    if (!m || *m == 0 || !starts_with(t, "-")) return false;
    t.remove_prefix(1);
    const auto d = take_number(t, 31);
    if (!d || *d == 0 || !starts_with(t, " ")) return false;
    t = trim_left(t);
    const auto clock = take_clock(t);
    if (!clock) return false;
    out.time_kind = TextTime::date_time;
    out.time = days_from_civil(static_cast<std::int64_t>(*y), static_cast<unsigned>(*m),
                               static_cast<unsigned>(*d)) * 86'400'000'000'000 + *clock;
    s = t;
    return true;
}

// "1592218150.094025" (-tt) at the front of `s`, consumed.
bool take_epoch(std::string_view& s, Line& out) {
    std::string_view t = s;
    const auto sec = take_number(t, std::uint64_t{1} << 33);
    if (!sec || !starts_with(t, ".")) return false;
    t.remove_prefix(1);
    std::int64_t ns = 0, scale = 100'000'000;
    std::size_t digits = 0;
    for (; digits < t.size() && is_digit(t[digits]); ++digits, scale /= 10) ns += (t[digits] - '0') * scale;
    if (digits == 0 || digits > 9) return false;
    t.remove_prefix(digits);
    out.time_kind = TextTime::epoch;
    out.time = static_cast<std::int64_t>(*sec) * 1'000'000'000 + ns;
    s = t;
    return true;
}

// Any of tcpdump's time stamps at the front of `s` (after spaces), consumed.
bool take_time(std::string_view& s, Line& out) {
    std::string_view t = trim_left(s);
    if (take_date_time(t, out) || take_epoch(t, out)) {
        s = t;
        return true;
    }
    if (const auto clock = take_clock(t)) {
        out.time_kind = TextTime::time_of_day;  // or a -ttt delta: the reader decides
        out.time = *clock;
        s = t;
        return true;
    }
    return false;
}

// A leading line number ("1 12:43:46..." as pasted, "    1  ..." from -#),
// then the time stamp; both optional. True when the line starts a packet.
bool take_number_and_time(std::string_view& s, Line& out) {
    std::string_view t = trim_left(s);
    if (const auto n = take_number(t, UINT64_MAX); n && !t.empty() && is_space(t.front())) {
        std::string_view rest = trim_left(t);
        Line probe;
        if (take_time(rest, probe) || starts_with(rest, "IP")) {
            out.number = *n;
            s = t;
        }
    }
    return take_time(s, out);
}

// "-i any" prints the interface and the direction before the protocol.
void take_interface(std::string_view& s, Line& out) {
    std::string_view t = trim_left(s);
    const std::size_t end = t.find_first_of(" \t");
    if (end == std::string_view::npos) return;
    std::string_view rest = trim_left(t.substr(end));
    const std::size_t dir_end = std::min(rest.find_first_of(" \t"), rest.size());
    const std::string_view dir = rest.substr(0, dir_end);
    if (dir != "In" && dir != "Out" && dir != "B" && dir != "M" && dir != "P") return;
    if (dir == "In") out.direction = PacketDirection::incoming;
    if (dir == "Out") out.direction = PacketDirection::outgoing;
    s = rest.substr(dir_end);
}

// "IP " / "IP6 ", or -e's link header ending in an IP ethertype. Leaves `s`
// after it; false for every other protocol.
bool take_protocol(std::string_view& s, Line& out) {
    s = trim_left(s);
    if (starts_with(s, "IP ") || starts_with(s, "IP6 ")) {
        out.ip_version = s[2] == '6' ? 6 : 4;
        s.remove_prefix(out.ip_version == 6 ? 4 : 3);
        return true;
    }
    for (const auto& [tag, version] : {std::pair{"ethertype IPv4 (0x0800), ", 4}, std::pair{"ethertype IPv6 (0x86dd), ", 6}}) {
        const std::size_t at = s.rfind(tag);
        if (at == std::string_view::npos) continue;
        out.ip_version = static_cast<std::uint8_t>(version);
        s.remove_prefix(at + std::string_view(tag).size());
        if (starts_with(s, "length ")) {  // -e without a VLAN tag: "length 74: "
            const std::size_t colon = s.find(": ");
            s.remove_prefix(colon == std::string_view::npos ? s.size() : colon + 2);
        }
        return true;
    }
    return false;
}

// The value after `key` inside an IP header's text, if present.
std::optional<std::uint64_t> header_field(std::string_view header, std::string_view key) {
    std::size_t at = 0;
    while ((at = header.find(key, at)) != std::string_view::npos) {
        if (at == 0 || header[at - 1] == ' ' || header[at - 1] == '(') {
            std::string_view v = header.substr(at + key.size());
            if (auto n = take_number(v)) return n;
        }
        at += key.size();
    }
    return std::nullopt;
}

// The protocol an IP header names ("proto TCP (6)", "next-header TCP (6)").
std::string header_protocol(std::string_view header) {
    for (std::string_view key : {"proto ", "next-header "}) {
        const std::size_t at = header.find(key);
        if (at != std::string_view::npos) return first_word(header.substr(at + key.size()));
    }
    return "TCP";  // a fragment's header may name none: the rest decides
}

// -v's "(tos 0x0, ttl 64, ... length 60)" after the protocol, consumed,
// its protocol's name left in out.reason; false when it never closes.
bool take_ip_header(std::string_view& s, Line& out) {
    s = trim_left(s);
    if (!starts_with(s, "(")) return true;
    int depth = 0;
    std::size_t end = 0;
    for (; end < s.size(); ++end) {
        if (s[end] == '(') ++depth;
        if (s[end] == ')' && --depth == 0) break;
    }
    if (end == s.size()) return false;
    const std::string_view header = s.substr(1, end - 1);
    out.has_ip_header = true;
    out.ttl = static_cast<std::uint8_t>(std::min<std::uint64_t>(
        header_field(header, "ttl ").value_or(header_field(header, "hlim ").value_or(0)), 255));
    out.ip_id = static_cast<std::uint16_t>(header_field(header, "id ").value_or(0) & 0xFFFF);
    const std::size_t last_length = header.rfind("length");
    if (last_length != std::string_view::npos) {
        std::string_view v = trim_left(header.substr(last_length + 6 + (header.substr(last_length + 6, 1) == ":")));
        out.ip_length = static_cast<std::uint32_t>(take_number(v).value_or(0));
    }
    out.reason = header_protocol(header);
    s.remove_prefix(end + 1);
    return true;
}


// A port as printed: digits, or a service name looked up once.
std::optional<std::uint16_t> port_of(std::string_view text) {
    std::string_view t = text;
    if (const auto n = take_number(t, 65535); n && t.empty()) return static_cast<std::uint16_t>(*n);
    static std::map<std::string, std::optional<std::uint16_t>, std::less<>> cache;
    if (const auto it = cache.find(text); it != cache.end()) return it->second;
    const std::string name(text);
    const servent* se = getservbyname(name.c_str(), "tcp");
    std::optional<std::uint16_t> port;
    if (se != nullptr) port = ntohs(static_cast<std::uint16_t>(se->s_port));
    cache.emplace(name, port);
    return port;
}

bool is_host_name(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
               c == '_' || c == ':' || c == '%';
    });
}

// "192.168.101.5.webcache", "2001:db8::10.51012", "localhost.localdomain.57290".
bool parse_endpoint(std::string_view text, std::uint8_t version, TextEndpoint& out, std::string& error) {
    const std::size_t dot = text.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) {
        error = "no port in address '" + std::string(text.substr(0, 60)) + "'";
        return false;
    }
    const std::string_view host = text.substr(0, dot), port = text.substr(dot + 1);
    const auto p = port_of(port);
    if (!p) {
        error = "unknown port name '" + std::string(port.substr(0, 40)) + "'";
        return false;
    }
    out.port = *p;
    if (!is_digit(port.front())) out.service = std::string(port);
    const std::string h(host);
    std::uint8_t bytes[16] = {};
    if (inet_pton(version == 6 ? AF_INET6 : AF_INET, h.c_str(), bytes) == 1) {
        out.host.ip = version == 6 ? IpAddr::v6(bytes)
                                   : IpAddr::v4(std::uint32_t{bytes[0]} << 24 | std::uint32_t{bytes[1]} << 16 |
                                                std::uint32_t{bytes[2]} << 8 | bytes[3]);
        return true;
    }
    if (!is_host_name(host)) {
        error = "bad address '" + std::string(host.substr(0, 60)) + "'";
        return false;
    }
    out.host.name = h;
    return true;
}

// "S.", "F.", "P.", "R", ".", "SEW", "none": tcpdump's letters.
bool parse_flags(std::string_view letters, TcpFlags& flags) {
    if (letters == "none") return true;
    for (const char c : letters) {
        const std::size_t at = std::string_view("FSRP.UEW").find(c);
        if (at == std::string_view::npos) return false;
        flags.bits |= static_cast<std::uint8_t>(1u << at);
    }
    return true;
}

// One option as tcpdump prints it; unknown kinds (md5, mptcp, ...) are
// skipped: nothing the analysis reads.
void parse_option(std::string_view o, Line& out) {
    TcpOptions& opt = out.options;
    std::string_view v = o;
    const auto after = [&v](std::string_view key) {
        if (!starts_with(v, key)) return false;
        v = trim_left(v.substr(key.size()));
        return true;
    };
    if (o == "nop" || o == "eol") {
        out.options_bytes += 1;
    } else if (o == "sackOK") {
        opt.sack_permitted = true;
        out.options_bytes += 2;
    } else if (after("mss ")) {
        opt.has_mss = true;
        opt.mss = static_cast<std::uint16_t>(take_number(v, 65535).value_or(0));
        out.options_bytes += 4;
    } else if (after("wscale ")) {
        opt.has_wscale = true;
        opt.wscale = static_cast<std::uint8_t>(std::min<std::uint64_t>(take_number(v, 255).value_or(0), 14));
        out.options_bytes += 3;
    } else if (after("TS val ")) {
        opt.has_timestamps = true;
        opt.ts_val = static_cast<std::uint32_t>(take_number(v).value_or(0));
        if (after(" ecr ") || after("ecr ")) opt.ts_ecr = static_cast<std::uint32_t>(take_number(v).value_or(0));
        out.options_bytes += 10;
    } else if (after("sack ")) {
        opt.sack_blocks = static_cast<std::uint8_t>(take_number(v, 4).value_or(0));
        out.options_bytes += 2 + 8u * opt.sack_blocks;
    } else if (after("tfo") || after("exp-tfo")) {
        opt.has_fast_open = true;
        const bool cookie = after("cookie ");
        opt.fast_open_cookie_len = static_cast<std::uint8_t>(cookie ? std::min<std::size_t>(v.size() / 2, 16) : 0);
        out.options_bytes += 2 + opt.fast_open_cookie_len;
    }
}

void parse_options(std::string_view list, Line& out) {
    while (!list.empty()) {
        const std::size_t comma = std::min(list.find(','), list.size());
        parse_option(trim_left(list.substr(0, comma)), out);
        list.remove_prefix(std::min(comma + 1, list.size()));
    }
}

// "key N" for the numeric fields, into `field`.
bool numeric_field(std::string_view& s, std::string_view key, std::uint64_t max, std::uint64_t& field) {
    if (!starts_with(s, key)) return false;
    std::string_view t = s.substr(key.size());
    const auto n = take_number(t, max);
    if (!n) return false;
    field = *n;
    s = t;
    return true;
}

// "cksum 0x4b9e (correct)" / "(incorrect -> 0xdc83)", consumed.
bool take_checksum(std::string_view& s, Line& out) {
    if (!starts_with(s, "cksum ")) return false;
    const std::size_t close = s.find(')');
    const std::size_t comma = s.find(',');
    const std::string_view c = s.substr(0, std::min(close == std::string_view::npos ? s.size() : close + 1, s.size()));
    if (c.find("(correct)") != std::string_view::npos) out.checksum_ok = true;
    if (c.find("(incorrect") != std::string_view::npos) out.checksum_ok = false;
    s.remove_prefix(close == std::string_view::npos ? std::min(comma, s.size()) : close + 1);
    return true;
}

// One ", "-separated field after the flags; false when it is none we know.
bool take_field(std::string_view& s, Line& out) {
    std::uint64_t n = 0;
    if (take_checksum(s, out)) return true;
    if (numeric_field(s, "seq ", UINT32_MAX, n)) {
        out.seq = static_cast<std::uint32_t>(n);
        if (starts_with(s, ":")) {  // the end: seq + length, recomputed from length
            s.remove_prefix(1);
            return take_number(s).has_value();
        }
        return true;
    }
    if (numeric_field(s, "ack ", UINT32_MAX, n)) return out.ack = static_cast<std::uint32_t>(n), true;
    if (numeric_field(s, "win ", 65535, n)) return out.window = static_cast<std::uint16_t>(n), true;
    if (numeric_field(s, "urg ", 65535, n)) return out.urgent = static_cast<std::uint16_t>(n), true;
    if (starts_with(s, "options [")) {
        const std::size_t close = s.find(']');
        if (close == std::string_view::npos) return false;
        parse_options(s.substr(9, close - 9), out);
        s.remove_prefix(close + 1);
        return true;
    }
    return false;
}

Line malformed(Line l, std::string why) {
    l.kind = Line::Kind::malformed;
    l.reason = std::move(why);
    return l;
}

// Everything after "Flags [": the flags and the fields up to "length N".
Line parse_tcp_part(std::string_view s, Line l) {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos || !parse_flags(s.substr(0, close), l.flags))
        return malformed(std::move(l), "bad flags");
    s.remove_prefix(close + 1);
    for (;;) {
        if (starts_with(s, ",")) s.remove_prefix(1);
        s = trim_left(s);
        std::uint64_t n = 0;
        if (numeric_field(s, "length ", UINT32_MAX, n)) {
            l.length = static_cast<std::uint32_t>(n);
            l.kind = Line::Kind::tcp;
            return l;  // what follows (": HTTP ...") is the payload's summary
        }
        if (s.empty()) return malformed(std::move(l), "no length");
        if (starts_with(s, "[|tcp]")) return malformed(std::move(l), "truncated by tcpdump ([|tcp])");
        if (!take_field(s, l)) return malformed(std::move(l), "unexpected '" + first_word(s) + "'");
    }
}

// After the protocol (and -v's IP header): "SRC > DST: Flags [...] ...".
Line parse_addresses_and_tcp(std::string_view s, Line l) {
    s = trim_left(s);
    if (s.empty() && l.has_ip_header) return malformed(std::move(l), "an IP header naming TCP, and no TCP after it");
    const std::size_t arrow = s.find(" > ");
    const std::size_t colon = arrow == std::string_view::npos ? arrow : s.find(": ", arrow + 3);
    const std::string_view rest = colon == std::string_view::npos ? std::string_view{} : s.substr(colon + 2);
    if (!starts_with(rest, "Flags [")) {
        if (s.find("Flags [") != std::string_view::npos) return malformed(std::move(l), "no 'SRC > DST:' before the flags");
        // UDP, ICMP, fragments: what the line says it is.
        l.reason = l.has_ip_header && l.reason != "TCP" ? l.reason : "IP, not TCP";
        return l;
    }
    std::string error;
    if (!parse_endpoint(s.substr(0, arrow), l.ip_version, l.src, error) ||
        !parse_endpoint(s.substr(arrow + 3, colon - arrow - 3), l.ip_version, l.dst, error))
        return malformed(std::move(l), error);
    return parse_tcp_part(rest.substr(7), std::move(l));
}

// Where tcpdump prints a packet inside this one ("GREv0, length 64: IP
// ...", "MPLS (label 100, ...) IP ...", "PPPoE  [ses 0x9] IP6 ..."): the
// text from that "IP"/"IP6", or empty.
std::string_view inner_packet(std::string_view s) {
    for (std::size_t at = 0; (at = s.find("IP", at)) != std::string_view::npos; at += 2) {
        const std::string_view from = s.substr(at);
        if (at < 2 || !(starts_with(from, "IP ") || starts_with(from, "IP6 "))) continue;
        const char before = s[at - 2];
        if (s[at - 1] == ' ' && (before == ':' || before == ')' || before == ']' || before == ' ')) return from;
    }
    return {};
}

constexpr int kMaxInnerPackets = 8;  // tunnels in tunnels

// "SRC > DST: Flags [" where tcpdump names no protocol before it (-e over
// MPLS or PPPoE, a tunnel's inner packet with -e): from after the
// separator before SRC; empty when the line has no such segment.
std::string_view bare_segment(std::string_view s) {
    const std::size_t flags = s.rfind(": Flags [");  // the innermost: printed last
    const std::size_t arrow = flags == std::string_view::npos ? flags : s.rfind(" > ", flags);
    if (arrow == std::string_view::npos) return {};
    std::size_t start = 0;
    for (const std::string_view sep : {": ", ") ", "] "}) {
        const std::size_t at = s.rfind(sep, arrow);
        if (at != std::string_view::npos) start = std::max(start, at + 2);
    }
    return s.substr(start);
}

// A bare segment's line: the IP version from the source's form.
Line parse_bare_segment(std::string_view segment, Line l) {
    const std::string_view src = segment.substr(0, segment.find(" > "));
    l.ip_version = src.find(':') != std::string_view::npos ? 6 : 4;
    l.is_packet = true;
    return parse_addresses_and_tcp(segment, std::move(l));
}

// From the protocol on: the IP packet, or the one inside it when it is a
// tunnel's (the innermost TCP is the segment, as the capture path decodes it).
Line parse_packet(std::string_view s, Line l, int depth) {
    if (!take_ip_header(s, l)) return malformed(std::move(l), "unclosed IP header '('");
    const std::string_view inner = inner_packet(s);
    const bool tcp_here = !(l.has_ip_header && l.reason != "TCP");  // -v names the protocol: UDP, GRE
    if (tcp_here) {
        Line here = parse_addresses_and_tcp(s, l);
        if (here.kind == Line::Kind::tcp || depth == kMaxInnerPackets) return here;
        if (inner.empty()) {
            const std::string_view bare = bare_segment(s);
            return bare.empty() ? here : parse_bare_segment(bare, std::move(l));
        }
    } else if (starts_with(l.reason, "ICMP")) {
        return l;  // what an ICMP error quotes (-v, indented) is not a packet of the capture
    } else if (inner.empty() || depth == kMaxInnerPackets) {
        const std::string_view bare = depth < kMaxInnerPackets ? bare_segment(s) : std::string_view{};
        return bare.empty() ? l : parse_bare_segment(bare, std::move(l));
    }
    std::string_view rest = inner;
    Line next = l;  // the line's number, time and direction; the inner header's own fields
    next.has_ip_header = false;
    next.ttl = 0;
    next.ip_id = 0;
    next.ip_length = 0;
    next.reason.clear();
    take_protocol(rest, next);
    return parse_packet(rest, std::move(next), depth + 1);
}

}  // namespace

TcpdumpLine parse_tcpdump_line(std::string_view line) {
    Line l;
    std::string_view s = line;
    l.is_packet = take_number_and_time(s, l);
    take_interface(s, l);
    if (!take_protocol(s, l)) {
        // MPLS, PPPoE, ...: an IP packet may follow its header.
        std::string_view inner = inner_packet(s);
        if (!l.is_packet || inner.empty() || !take_protocol(inner, l)) {
            const std::string_view bare = l.is_packet ? bare_segment(s) : std::string_view{};
            if (!bare.empty()) return parse_bare_segment(bare, std::move(l));
            l.reason = l.is_packet ? first_word(trim_left(s)) : "text";
            return l;
        }
        s = inner;
    }
    l.is_packet = true;
    return parse_packet(s, std::move(l), 0);
}

bool begins_packet(std::string_view line) {
    Line l;
    // "10.0.0.1.40000 > ..." reads as an epoch time "10.0" otherwise.
    return take_number_and_time(line, l) && (line.empty() || is_space(line.front()));
}

}  // namespace tfe::capture
