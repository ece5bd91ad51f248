// Memory for the big tables a segment or a report touches at random: the
// flow index, the remembered 4-tuples and the connection slots.
//
// Blocks of 2 MiB or more are 2 MiB-aligned and advised as transparent huge
// pages. With 4 KiB pages, a random probe into a table of several MiB misses
// the TLB as well as the cache, and first touching a freshly grown table
// costs one page fault per 4 KiB (on the benchmark most of the run's page
// faults). Where the kernel does not do huge pages the advice is ignored.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace tfe {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

void* allocate_table_memory(std::size_t bytes);
// bytes: what was asked of allocate_table_memory for p.
void free_table_memory(void* p, std::size_t bytes) noexcept;

// A std::allocator for those tables' vectors.
template <class T>
struct TableAllocator {
    using value_type = T;
    TableAllocator() = default;
    template <class U>
    TableAllocator(const TableAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        return static_cast<T*>(allocate_table_memory(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { free_table_memory(p, n * sizeof(T)); }
    template <class U>
    bool operator==(const TableAllocator<U>&) const noexcept { return true; }
};

// Blocks of one huge page each, taken one at a time as a table grows and
// given back together when it goes: the connection slots' chunks and the
// parked store's.
template <class T>
class HugePageBlocks {
public:
    static constexpr std::size_t kBytes = kHugePageBytes;
    HugePageBlocks() = default;
    ~HugePageBlocks() {
        for (T* b : blocks_) free_table_memory(b, kBytes);
    }
    HugePageBlocks(const HugePageBlocks&) = delete;
    HugePageBlocks& operator=(const HugePageBlocks&) = delete;

    void add() { blocks_.push_back(static_cast<T*>(allocate_table_memory(kBytes))); }
    T* block(std::size_t i) const { return blocks_[i]; }
    std::size_t size() const { return blocks_.size(); }

private:
    std::vector<T*> blocks_;
};

}  // namespace tfe
