// TCP flags as a bitset with the two printers people know: tcpdump's
// letters (S . P F R U E W) and Wireshark's names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tfe {

struct TcpFlags {
    enum : std::uint8_t {
        FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08,
        ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80,
    };
    std::uint8_t bits = 0;

    constexpr TcpFlags() = default;
    constexpr explicit TcpFlags(std::uint8_t b) : bits(b) {}
    constexpr bool has(std::uint8_t f) const { return (bits & f) == f; }
    constexpr bool any(std::uint8_t f) const { return (bits & f) != 0; }
    constexpr bool syn() const { return any(SYN); }
    constexpr bool fin() const { return any(FIN); }
    constexpr bool rst() const { return any(RST); }
    constexpr bool ack() const { return any(ACK); }
    constexpr bool operator==(const TcpFlags&) const = default;

    // tcpdump's notation: "S", "S.", "F.", "P.", "R.", "." for a bare ACK.
    std::string tcpdump() const { return std::string(Letters(*this).view()); }
    // The same letters without a heap string (a label per transition).
    struct Letters {
        explicit Letters(TcpFlags f);
        std::string_view view() const { return {text, size}; }
        char text[9];
        std::uint8_t size = 0;
    };
    // Wireshark's notation: "SYN, ACK", "FIN, ACK".
    std::string names() const;
    // A name for combinations no stack sends on purpose (SYN+FIN, SYN+RST,
    // no flags at all), or nullptr. They are narrated, never rejected.
    const char* oddity() const;
};

}  // namespace tfe
