#!/usr/bin/env bash
# Configures and builds into build/ (RelWithDebInfo by default).
set -euo pipefail
cd "$(dirname "$0")/.."
type=${BUILD_TYPE:-RelWithDebInfo}
cmake -S . -B build -DCMAKE_BUILD_TYPE="$type" -DTFE_BUILD_BENCH="${TFE_BUILD_BENCH:-OFF}" >/dev/null
cmake --build build -j"$(nproc)"
