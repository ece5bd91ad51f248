// The big tables' memory (core/table_memory): aligned for huge pages, all
// of it writable, and a fault as soon as anything runs off its end.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/table_memory.hpp"

using namespace tfe;

namespace {

// Runs `touch` in a child and returns the signal that ended it (0: none).
template <class Touch>
int signal_ending(Touch touch) {
    const pid_t child = ::fork();
    if (child == 0) {
        std::signal(SIGSEGV, SIG_DFL);  // a sanitizer's handler would report and abort instead
        touch();
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

}  // namespace

TEST_CASE("big table blocks are aligned, writable, and guarded at the end", "[table_memory]") {
    for (const std::size_t bytes : {kHugePageBytes, kHugePageBytes + 1, 3 * kHugePageBytes - 7}) {
        CAPTURE(bytes);
        auto* p = static_cast<std::uint8_t*>(allocate_table_memory(bytes));
        REQUIRE(reinterpret_cast<std::uintptr_t>(p) % kHugePageBytes == 0);
        std::memset(p, 0xab, bytes);
        const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
        CHECK(signal_ending([&] { p[rounded - 1] = 1; }) == 0);  // the rounding is usable too
        CHECK(signal_ending([&] { reinterpret_cast<volatile std::uint8_t*>(p)[rounded] = 1; }) == SIGSEGV);
        free_table_memory(p, bytes);
    }
}

TEST_CASE("small table blocks and the vectors built on them", "[table_memory]") {
    void* small = allocate_table_memory(100);
    REQUIRE(small != nullptr);
    std::memset(small, 1, 100);
    free_table_memory(small, 100);
    std::vector<std::uint64_t, TableAllocator<std::uint64_t>> v;
    for (std::uint64_t i = 0; i < 1'000'000; ++i) v.push_back(i);  // grows across the 2 MiB line
    std::uint64_t sum = 0;
    for (const auto x : v) sum += x;
    CHECK(sum == 999'999ull * 1'000'000ull / 2);
}
