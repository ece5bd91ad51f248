// What every fuzz target shares: how its entry point is named, and how an
// invariant that does not hold stops the run.
//
// Built for libFuzzer (TFE_FUZZ_LIBFUZZER, fuzz/CMakeLists.txt) a target is
// LLVMFuzzerTestOneInput; built into the regression tests (tests/), the
// same code is tfe::fuzz::<name>, so the normal gcc build replays every
// kept finding through exactly what found it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#ifdef TFE_FUZZ_LIBFUZZER
#define TFE_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#else
#define TFE_FUZZ_TARGET(name) int tfe::fuzz::name(const std::uint8_t* data, std::size_t size)
#endif

// An invariant broken is a finding: say which, and abort (libFuzzer keeps
// the input; a regression test fails).
#define TFE_FUZZ_CHECK(cond)                                                                  \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)

namespace tfe::fuzz {

// One declaration per target (fuzz/fuzz_<name>.cpp); the regression test
// replays tests/data/fuzz-regressions/<name>/* through them.
int decode_frame(const std::uint8_t* data, std::size_t size);
int capture_file(const std::uint8_t* data, std::size_t size);
int pcap_pipeline(const std::uint8_t* data, std::size_t size);
int flow_table(const std::uint8_t* data, std::size_t size);
int tcpdump_text(const std::uint8_t* data, std::size_t size);
int pcapng(const std::uint8_t* data, std::size_t size);
// A new target adds its line here, in fuzz/CMakeLists.txt and in
// tests/test_fuzz_regressions.cpp.

}  // namespace tfe::fuzz
