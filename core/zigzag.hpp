// Zigzag coding (as in protobuf): small signed numbers, either sign, become
// small unsigned ones (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...), so deltas fit in
// few bytes. Written on unsigned words: defined for every int64, INT64_MIN
// included.
#pragma once

#include <cstdint>

namespace tfe {

constexpr std::uint64_t zigzag(std::int64_t v) {
    const auto u = static_cast<std::uint64_t>(v);
    return (u << 1) ^ (0 - (u >> 63));
}

constexpr std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>((v >> 1) ^ (0 - (v & 1))); }

static_assert(zigzag(0) == 0 && zigzag(-1) == 1 && zigzag(1) == 2 && zigzag(-2) == 3);
static_assert(unzigzag(zigzag(INT64_MIN)) == INT64_MIN && unzigzag(zigzag(INT64_MAX)) == INT64_MAX);

}  // namespace tfe
