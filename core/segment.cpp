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

#include <arpa/inet.h>

#include "core/flow_key.hpp"

namespace tfe {

std::string to_string(const IpAddr& ip) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(ip.version == 6 ? AF_INET6 : AF_INET, ip.bytes.data(), buf, sizeof buf);
    return buf;
}

std::string to_string(const HostPort& hp) {
    const std::string ip = to_string(hp.ip);
    return (hp.ip.version == 6 ? "[" + ip + "]" : ip) + ":" + std::to_string(hp.port);
}

}  // namespace tfe
