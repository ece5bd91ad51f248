#include "core/segment.hpp"

#include <cstring>

namespace tfe {

IpAddr IpAddr::v4(std::uint32_t host_order) {
    IpAddr a;
    a.version = 4;
    a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
    a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
    a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
    a.bytes[3] = static_cast<std::uint8_t>(host_order);
    return a;
}

IpAddr IpAddr::v6(const std::uint8_t* sixteen) {
    IpAddr a;
    a.version = 6;
    std::memcpy(a.bytes.data(), sixteen, 16);
    return a;
}

}  // namespace tfe
