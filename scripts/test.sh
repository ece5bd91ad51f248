#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (what .ci/run calls):
#  1. the normal build (build/) and every test;
#  2. the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#     (build-asan/, any finding fails the test that hit it);
#  2b. as root, the .deb built, installed with dpkg -i and tried;
#  3. a short run of every fuzz target (scripts/fuzz.sh; TFE_FUZZ_SECONDS
#     per target, default 30; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
# As root (CI), the .deb is built, installed with dpkg -i and tried.
if [[ $(id -u) -eq 0 ]]; then scripts/package-check.sh; fi

echo "test: ASan+UBSan build (build-asan)"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFE_BUILD_BENCH=OFF \
  -DTFE_SANITIZE=address,undefined "${launcher[@]}" >/dev/null
cmake --build build-asan -j"$(nproc)"
(cd build-asan &&
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j"$(nproc)")

fuzz_seconds=${TFE_FUZZ_SECONDS:-30}
if ((fuzz_seconds > 0)); then
  echo "test: fuzzing each target for ${fuzz_seconds}s (build-fuzz)"
  scripts/fuzz.sh "$fuzz_seconds"
fi
