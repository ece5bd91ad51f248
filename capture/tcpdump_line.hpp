// One line of tcpdump's text output (a -v line wrapped in two already
// joined), taken apart: the fields a TCP line prints, or why the line is
// not one. Knows nothing of flows: relative numbers stay as printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/segment.hpp"

namespace tfe::capture {

// How the line's time was printed; `value` is in nanoseconds.
enum class TextTime : std::uint8_t {
    none,         // -t
    time_of_day,  // default: since midnight, local time, no date
    date_time,    // -tttt: since the Unix epoch (read as UTC)
    epoch,        // -tt: since the Unix epoch
    delta,        // -ttt: since the line before
};

// An address as printed: a literal, or a name tcpdump resolved.
struct TextHost {
    IpAddr ip;            // the literal (unset for a name)
    std::string name;     // non-empty for a name
};

struct TextEndpoint {
    TextHost host;
    std::uint16_t port = 0;
    std::string service;  // the port's name when printed as one ("webcache")
};

struct TcpdumpLine {
    enum class Kind : std::uint8_t { tcp, not_tcp, malformed };
    Kind kind = Kind::not_tcp;
    // not_tcp: what the line is ("ARP", "UDP", "text"); malformed: what is wrong.
    std::string reason;
    // Only for a line that printed a packet (tcp, malformed, or not_tcp with
    // a time stamp): it takes a frame number.
    bool is_packet = false;

    std::optional<std::uint64_t> number;  // tcpdump -# (or a pasted line number)
    TextTime time_kind = TextTime::none;
    std::int64_t time = 0;
    PacketDirection direction = PacketDirection::unknown;  // -i any: In / Out

    std::uint8_t ip_version = 4;
    TextEndpoint src, dst;
    TcpFlags flags;
    std::optional<std::uint32_t> seq, ack;  // as printed (maybe relative)
    std::uint16_t window = 0, urgent = 0;
    TcpOptions options;
    std::uint32_t options_bytes = 0;         // the options' size on the wire, estimated
    std::uint32_t length = 0;                // TCP payload length

    // -v: the IP header in parentheses, and the TCP checksum.
    bool has_ip_header = false;
    std::uint8_t ttl = 0;
    std::uint16_t ip_id = 0;
    std::uint32_t ip_length = 0;             // IPv4 total length or IPv6 payload length
    std::optional<bool> checksum_ok;         // "(correct)" / "(incorrect -> 0x...)"
};

// Parses one line. Port names are looked up in the services database
// (getservbyname); a name it does not know makes the line malformed.
TcpdumpLine parse_tcpdump_line(std::string_view line);

// True when `line` starts a packet (a time stamp, maybe after -#'s number,
// which tcpdump right-aligns: such a line is indented yet no continuation).
bool begins_packet(std::string_view line);

}  // namespace tfe::capture
