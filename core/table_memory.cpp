#include "core/table_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace tfe {

namespace {

// One page: what mmap's addresses are aligned to.
std::size_t guard_bytes() {
    static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return page;
}

std::size_t rounded_to_huge_pages(std::size_t bytes) {
    return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

}  // namespace

// Big blocks come straight from the kernel: mapped with one huge page of
// slack, trimmed to a 2 MiB-aligned range, and followed by one page that
// cannot be touched, so running off the end faults at once. Only the pages
// a table touches are ever faulted in, and a sanitizer's allocator (which
// poisons and fills what malloc hands out) stays out of the way: under
// ASan, malloc's 2 MiB blocks took two thirds of a fuzz run.
void* allocate_table_memory(std::size_t bytes) {
    if (bytes < kHugePageBytes) {
        void* p = std::malloc(bytes == 0 ? 1 : bytes);
        if (!p) throw std::bad_alloc();
        return p;
    }
    const std::size_t rounded = rounded_to_huge_pages(bytes);
    void* mapped = ::mmap(nullptr, rounded + kHugePageBytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t aligned = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
    if (aligned > start) ::munmap(mapped, aligned - start);
    // The slack after the block is at least one page: mmap's addresses are page-aligned.
    const std::size_t guard_size = guard_bytes();
    auto* guard = reinterpret_cast<std::uint8_t*>(aligned + rounded);
    ::mprotect(guard, guard_size, PROT_NONE);
    const std::size_t tail = kHugePageBytes - (aligned - start) - guard_size;
    if (tail > 0) ::munmap(guard + guard_size, tail);
    void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure leaves 4 KiB pages
#endif
    return p;
}

void free_table_memory(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (bytes < kHugePageBytes)
        std::free(p);
    else
        ::munmap(p, rounded_to_huge_pages(bytes) + guard_bytes());
}

}  // namespace tfe
