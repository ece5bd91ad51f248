#!/usr/bin/env bash
# Configures and builds into build/ (RelWithDebInfo by default). Uses ccache
# when it is installed (a developer's machine; CI builds without it).
set -euo pipefail
cd "$(dirname "$0")/.."
type=${BUILD_TYPE:-RelWithDebInfo}
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -DCMAKE_BUILD_TYPE="$type" -DTFE_BUILD_BENCH="${TFE_BUILD_BENCH:-OFF}" "${launcher[@]}" >/dev/null
cmake --build build -j"$(nproc)"
