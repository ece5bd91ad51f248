// Host names that stand in for addresses. tcpdump's text shows a resolved
// name ("localhost.localdomain") where the capture had an address we cannot
// know; each distinct name gets a synthetic address from a range no real
// packet uses, and reports print the name instead of that address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/segment.hpp"

namespace tfe {

// The address standing for `name` in IP version `version` (4 or 6): the
// same every time for the same name. IPv4 names take 240.0.0.0/4 (reserved,
// never routed), IPv6 names 100::/64 (the discard prefix, RFC 6666).
IpAddr address_for_host_name(std::string_view name, std::uint8_t version);

// The name behind a synthetic address, or null for every other address.
const std::string* host_name_of(const IpAddr& ip);

}  // namespace tfe
