#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (what .ci/run calls).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
# As root (CI), the .deb is built, installed with dpkg -i and tried.
if [[ $(id -u) -eq 0 ]]; then scripts/package-check.sh; fi
