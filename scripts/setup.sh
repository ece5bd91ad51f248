#!/usr/bin/env bash
# Installs what tcpflow-explain needs to build and test, from Debian packages
# only, and nothing that is already there. Idempotent; run as root.
#   scripts/setup.sh          build + test dependencies
#   scripts/setup.sh --bench  also what bench/run.sh compares against
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  # The fuzz targets (scripts/fuzz.sh) need clang and its libFuzzer runtime.
  clang libclang-rt-dev
  libpcap-dev libboost-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev catch2
  # The kernel-truth test and the sample lab capture real loopback traffic.
  tcpdump iproute2 python3 python3-scapy wireshark-common
  # The --table test runs the view in a real terminal.
  tmux
  # The man page and completion checks, and the .deb CI builds and installs.
  man-db bash-completion dpkg-dev
  # The HTML report's test opens the page in headless Chromium and Firefox.
  chromium firefox-esr
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(libbenchmark-dev tcptrace tshark time tcpreplay)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install packages (or install them yourself): ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present"
fi
