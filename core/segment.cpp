#include "core/segment.hpp"

#include <algorithm>
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

#include "core/flow_key.hpp"
#include "core/host_names.hpp"

namespace tfe {

namespace {

char* write_decimal(char* p, unsigned v) {
    char digits[10];
    int n = 0;
    do digits[n++] = static_cast<char>('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) *p++ = digits[--n];
    return p;
}

// The 16-bit groups in lower-case hex without leading zeros, the longest
// run of two or more zero groups (the first of equal runs) as "::", and an
// IPv4-compatible or IPv4-mapped address (::a.b.c.d, ::ffff:a.b.c.d) with
// its last 32 bits in dotted decimal: what glibc's inet_ntop writes.
char* write_ipv6(char* p, const std::uint8_t* bytes) {
    std::uint16_t groups[8];
    for (std::size_t i = 0; i < 8; ++i) groups[i] = static_cast<std::uint16_t>(bytes[2 * i] << 8 | bytes[2 * i + 1]);
    std::size_t zeros_at = 8, zeros_len = 0;  // the longest run of zero groups
    for (std::size_t i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < 8 && groups[end] == 0) ++end;
        if (end - i > zeros_len) zeros_at = i, zeros_len = end - i;
        i = end;
    }
    if (zeros_len < 2) zeros_at = 8, zeros_len = 0;  // a single zero group is written as "0"
    constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < 8; ++i) {
        if (i == zeros_at) {
            *p++ = ':';
            i += zeros_len - 1;
            if (i == 7) *p++ = ':';  // the run ends the address
            continue;
        }
        if (i != 0) *p++ = ':';
        if (i == 6 && zeros_at == 0 && (zeros_len == 6 || (zeros_len == 5 && groups[5] == 0xffff))) {
            for (std::size_t k = 12; k < 16; ++k) {
                if (k != 12) *p++ = '.';
                p = write_decimal(p, bytes[k]);
            }
            break;
        }
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned digit = (groups[i] >> shift) & 0xF;
            if (digit != 0 || started || shift == 0) {
                *p++ = kHex[digit];
                started = true;
            }
        }
    }
    return p;
}

}  // namespace

std::size_t hash_host_port(const HostPort& hp, std::uint64_t more) {
    std::uint64_t w[2];
    std::memcpy(w, hp.ip.bytes.data(), sizeof w);
    std::uint64_t h = w[0] * 0x9e3779b97f4a7c15ull ^ w[1];
    h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull ^ (std::uint64_t{hp.port} << 16 | more);
    return static_cast<std::size_t>(h ^ (h >> 29));
}

char* write_ip(char* out, const IpAddr& ip) {
    // A name from tcpdump text (core/host_names.hpp), cut to fit the buffer.
    if (const std::string* name = host_name_of(ip)) {
        const std::size_t n = std::min(name->size(), kIpTextMax);
        std::memcpy(out, name->data(), n);
        return out + n;
    }
    if (ip.version == 6) return write_ipv6(out, ip.bytes.data());
    for (std::size_t i = 0; i < 4; ++i) {
        if (i) *out++ = '.';
        out = write_decimal(out, ip.bytes[i]);
    }
    return out;
}

char* write_host_port(char* out, const HostPort& hp) {
    if (hp.ip.version == 6) *out++ = '[';
    out = write_ip(out, hp.ip);
    if (hp.ip.version == 6) *out++ = ']';
    *out++ = ':';
    return write_decimal(out, hp.port);
}

std::string to_string(const IpAddr& ip) {
    char buf[kIpTextMax];
    return std::string(buf, write_ip(buf, ip));
}

std::string to_string(const HostPort& hp) {
    char buf[kHostPortTextMax];
    return std::string(buf, write_host_port(buf, hp));
}

}  // namespace tfe
