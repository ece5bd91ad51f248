// What an endpoint's sequence numbers prove it sent, beside what the
// capture holds: a FIN at seq 2903 proves 2,902 bytes even when none of
// them was captured (a capture started late, a one-sided tap, loss before
// the capture point).
#pragma once

#include <cstdint>

#include "core/connection.hpp"

namespace tfe::analyzer {

struct StreamBytes {
    std::uint64_t sent = 0;          // stream bytes between its ISN (or first byte seen) and the highest proof
    std::uint64_t not_captured = 0;  // of those, in gaps or acknowledged beyond what was captured
};

// The highest proof is its own highest sequence number or the peer's
// highest acknowledgment, whichever is later; its SYN and FIN are not bytes.
StreamBytes stream_bytes(const Connection& c, Side side);

}  // namespace tfe::analyzer
