// One TCP segment as capture/ decodes it and core/ consumes it.
//
// Plain data, fixed size, no allocation: the decoder fills one Segment per
// packet into a reused buffer, and the hot path copies nothing else.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "core/flags.hpp"
#include "core/seq.hpp"

namespace tfe {

// Capture time in nanoseconds since the Unix epoch.
using TimeNs = std::int64_t;

struct IpAddr {
    // IPv4 addresses use the first 4 bytes; the rest stay zero so that
    // comparisons and hashing work on the whole array.
    std::array<std::uint8_t, 16> bytes{};
    std::uint8_t version = 4;  // 4 or 6

    static IpAddr v4(std::uint32_t host_order);
    static IpAddr v6(const std::uint8_t* sixteen);
    bool operator==(const IpAddr&) const = default;
    // Lexicographic over the bytes, then the version: what the defaulted
    // comparison means, in two big-endian 64-bit words instead of a memcmp
    // call (every segment orders its two addresses to find its flow key).
    std::strong_ordering operator<=>(const IpAddr& o) const {
        for (std::size_t i = 0; i < 16; i += 8) {
            const std::uint64_t x = word(i), y = o.word(i);
            if (x != y) return x < y ? std::strong_ordering::less : std::strong_ordering::greater;
        }
        return version <=> o.version;
    }

private:
    std::uint64_t word(std::size_t at) const {
        std::uint64_t w;
        std::memcpy(&w, bytes.data() + at, 8);
        if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
        return w;
    }
};

struct TcpOptions {
    bool has_mss = false;
    bool has_wscale = false;
    bool sack_permitted = false;
    bool has_timestamps = false;
    bool has_fast_open = false;     // option 34 (RFC 7413) or experimental 254/0xF989
    std::uint8_t wscale = 0;        // clamped to 14 (RFC 7323 section 2.3)
    std::uint8_t sack_blocks = 0;   // number of SACK blocks in this segment
    std::uint8_t fast_open_cookie_len = 0;  // 0 = cookie request
    std::uint16_t mss = 0;
    std::uint32_t ts_val = 0;
    std::uint32_t ts_ecr = 0;

    bool operator==(const TcpOptions&) const = default;
};

// Where the frame came from, when the link layer says (Linux cooked capture's
// packet type). Used to tell a duplicated frame from a retransmission.
enum class PacketDirection : std::uint8_t { unknown, incoming, outgoing };

struct Segment {
    std::uint64_t frame = 0;   // 1-based frame number in the run (across files)
    TimeNs ts = 0;

    IpAddr src, dst;
    std::uint16_t sport = 0, dport = 0;

    SeqNum seq, ack;
    TcpFlags flags;
    std::uint16_t window = 0;  // raw, unscaled
    std::uint16_t urgent = 0;

    // Payload length in sequence space, from the IP header's length (not
    // what was captured): a snaplen-truncated capture keeps its sequence
    // space right.
    std::uint32_t payload_len = 0;
    // Payload bytes actually present in the capture (<= payload_len).
    std::uint32_t captured_len = 0;
    // Frame length on the wire (pcap's `len`, link header included), as
    // tshark counts "bytes" in its conversation tables.
    std::uint32_t wire_len = 0;

    TcpOptions options;

    PacketDirection direction = PacketDirection::unknown;
    // The interface it was captured on, as the run numbers them (capture/
    // interface_names.hpp); 0: the input does not say (classic pcap, live).
    std::uint16_t interface_id = 0;
    bool checksum_checked = false;
    bool checksum_ok = true;
    std::uint8_t ip_ttl = 0;        // TTL or hop limit: tells duplicate frames apart
    std::uint16_t ip_id = 0;        // IPv4 identification (0 for IPv6)

    // The first payload byte when captured (keep-alive probes carry one
    // garbage byte; we never keep more of the payload than this).
    std::uint8_t first_payload_byte = 0;
    // Not captured: made from the peer's ACK that proves it (core/inferred.cpp).
    bool inferred = false;

    // Sequence space this segment occupies: payload, plus one for SYN and
    // one for FIN (RFC 9293 section 3.4).
    std::uint32_t seq_len() const {
        return payload_len + (flags.syn() ? 1u : 0u) + (flags.fin() ? 1u : 0u);
    }
    SeqNum seq_end() const { return seq + seq_len(); }
};

}  // namespace tfe
