// Why an RST ended a connection, where the packets show it (JSON
// `reset_reason`, the text's "How it closed"), decided from the core's
// ResetFacts and FIN facts only (docs/json-schema.md).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/connection.hpp"

namespace tfe::analyzer {

enum class ResetReason : std::uint8_t {
    none,              // no accepted RST, or nothing the packets show
    injected,          // its TTL / hop limit is not the sender's own: likely a middlebox
    data_after_close,  // the sender had sent FIN, and the RST answers the peer's data after it
    after_idle,        // no segment for kIdleBeforeReset before it
    abortive_close,    // right after its own FIN, or instead of one with the peer's data unread
};

// The idle gap before an RST that makes it "after-idle".
inline constexpr TimeNs kIdleBeforeReset = 60'000'000'000;

ResetReason reset_reason(const Connection& c);
std::string_view reset_reason_name(ResetReason r);  // "abortive-close", ...; "null" for none

}  // namespace tfe::analyzer
