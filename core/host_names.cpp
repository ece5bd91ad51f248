#include "core/host_names.hpp"

#include <map>
#include <utility>
#include <vector>

namespace tfe {

namespace {

// Process-wide: the names are registered while text is read (one thread),
// and the reports that print them come later or from the same thread.
struct Registry {
    std::map<std::pair<std::uint8_t, std::string>, std::uint32_t, std::less<>> index;
    std::vector<std::string> names_v4, names_v6;  // name of index i is at i - 1
};

Registry& registry() {
    static Registry r;
    return r;
}

constexpr std::uint32_t kV4Base = 0xF0000000u;      // 240.0.0.0
constexpr std::uint32_t kV4Count = 0x0FFFFFFFu;     // 240.0.0.1 .. 255.255.255.255

IpAddr synthetic(std::uint8_t version, std::uint32_t n) {
    if (version == 4) return IpAddr::v4(kV4Base + n);
    std::uint8_t b[16] = {0x01, 0x00};  // 100::/64, the discard prefix
    for (int i = 0; i < 4; ++i) b[15 - i] = static_cast<std::uint8_t>(n >> (8 * i));
    return IpAddr::v6(b);
}

}  // namespace

IpAddr address_for_host_name(std::string_view name, std::uint8_t version) {
    Registry& r = registry();
    auto key = std::make_pair(version, std::string(name));
    if (const auto it = r.index.find(key); it != r.index.end()) return synthetic(version, it->second);
    auto& names = version == 4 ? r.names_v4 : r.names_v6;
    // Past 2^28 distinct names the last address is shared: never in a paste.
    if (names.size() < kV4Count) names.push_back(key.second);
    const auto n = static_cast<std::uint32_t>(names.size());
    r.index.emplace(std::move(key), n);
    return synthetic(version, n);
}

const std::string* host_name_of(const IpAddr& ip) {
    const Registry& r = registry();
    std::uint32_t n = 0;
    if (ip.version == 4) {
        if ((ip.bytes[0] & 0xF0) != 0xF0 || r.names_v4.empty()) return nullptr;
        n = (std::uint32_t{ip.bytes[0]} << 24 | std::uint32_t{ip.bytes[1]} << 16 |
             std::uint32_t{ip.bytes[2]} << 8 | ip.bytes[3]) - kV4Base;
        return n >= 1 && n <= r.names_v4.size() ? &r.names_v4[n - 1] : nullptr;
    }
    if (r.names_v6.empty() || ip.bytes[0] != 0x01) return nullptr;
    for (int i = 1; i < 12; ++i)
        if (ip.bytes[static_cast<std::size_t>(i)] != 0) return nullptr;
    for (int i = 12; i < 16; ++i) n = n << 8 | ip.bytes[static_cast<std::size_t>(i)];
    return n >= 1 && n <= r.names_v6.size() ? &r.names_v6[n - 1] : nullptr;
}

}  // namespace tfe
