// Recognition: what kind of handshake and close a connection had, decided
// from the facts the core recorded (never from packets).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/connection.hpp"

namespace tfe::analyzer {

enum class HandshakeKind : std::uint8_t {
    three_way, simultaneous_open, refused, unanswered, incomplete, not_seen,
    partly_seen,  // SYN+ACK and ACK captured, the SYN not: the three-way handshake, partly in the capture
};
enum class CloseKind : std::uint8_t {
    four_way, three_way, simultaneous, reset, half_closed, open, none,
};
enum class Initiator : std::uint8_t { client, server, both, none };

inline constexpr std::size_t kHandshakeKinds = 7;
inline constexpr std::size_t kCloseKinds = 7;

std::string_view initiator_name(Initiator i);      // "client", "server", "both", "null"

struct Summary {
    HandshakeKind handshake = HandshakeKind::not_seen;
    CloseKind close = CloseKind::open;
    Initiator initiator = Initiator::none;
    std::uint32_t syn_retransmissions = 0;
    std::uint32_t synack_retransmissions = 0;
    // Handshake timing at the capture point (0 = not measurable).
    TimeNs syn_to_synack = 0;   // server side: network + server
    TimeNs synack_to_ack = 0;   // client side
    TimeNs initial_rtt = 0;     // Wireshark's iRTT: the most recent SYN to the handshake's ACK
    // The side whose FIN came first, for narration (none if no FIN).
    Initiator first_fin = Initiator::none;
};

Summary summarize(const Connection& c);

}  // namespace tfe::analyzer
