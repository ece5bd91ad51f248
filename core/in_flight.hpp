// A segment whose delivery would move its receiver, held until a later
// segment proves it arrived (delivery.cpp explains when and why).
#pragma once

#include <cstdint>

#include "core/flags.hpp"
#include "core/segment.hpp"
#include "core/seq.hpp"

namespace tfe {

struct InFlight {
    std::uint64_t frame = 0;
    TimeNs ts = 0;
    SeqNum seq, end, ack;
    std::uint32_t seq_len = 0;
    TcpFlags flags;
    bool active = false;
    bool crossed = false;     // the receiver sent something not covering it
    TcpFlags crossed_flags;
    SeqNum crossed_ack;
    std::uint64_t crossed_frame = 0;  // the first segment of the receiver not covering it
    // Held ACKs of the receiver's SYN: how many later segments of the same
    // sender, each only acknowledging the SYN too, came behind it (not
    // pushing it: see Connection::push_in_flight), saturating.
    std::uint8_t followers = 0;

    bool operator==(const InFlight&) const = default;
};

}  // namespace tfe
