// The few smallest connection ids of a set, kept as ids are seen in any
// order: examples a report can name ("#2, #4, #9"). Merging the sets of
// several flow tables keeps the smallest of the union, so a threaded run
// names the same examples as one table.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

namespace tfe {

struct SmallestIds {
    static constexpr std::size_t kCount = 3;
    std::array<std::uint64_t, kCount> ids{};  // ascending; 0: unused

    void add(std::uint64_t id) {
        for (std::uint64_t& slot : ids) {
            if (slot == id) return;
            if (slot == 0) {
                slot = id;
                return;
            }
            if (id < slot) std::swap(id, slot);
        }
    }
    void merge(const SmallestIds& o) {
        for (std::uint64_t id : o.ids)
            if (id) add(id);
    }
    bool operator==(const SmallestIds&) const = default;
};

}  // namespace tfe
