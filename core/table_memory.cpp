#include "core/table_memory.hpp"

#include <sys/mman.h>

#include <cstdlib>

namespace tfe {

void* allocate_table_memory(std::size_t bytes) {
    if (bytes < kHugePageBytes) {
        void* p = std::malloc(bytes == 0 ? 1 : bytes);
        if (!p) throw std::bad_alloc();
        return p;
    }
    const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* p = std::aligned_alloc(kHugePageBytes, rounded);
    if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure leaves 4 KiB pages
#endif
    return p;
}

void free_table_memory(void* p) noexcept { std::free(p); }

}  // namespace tfe
