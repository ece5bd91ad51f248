#!/usr/bin/env bash
# Builds the .deb from build/ with CPack, installs it with dpkg -i (as root),
# and checks the installed tool: same report as the build tree's binary, the
# man page found by man, the completion in place. A package that was not
# installed before is removed again afterwards.
#   scripts/package-check.sh          (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "package-check: needs root for dpkg -i" >&2; exit 1; }

rm -f build/tcpflow-explain_*.deb
(cd build && cpack -G DEB >/dev/null)
deb=$(ls build/tcpflow-explain_*.deb)
echo "package-check: built $deb ($(stat -c %s "$deb") bytes)"

was_installed=0
dpkg-query -W -f='${Status}' tcpflow-explain 2>/dev/null | grep -q "install ok installed" && was_installed=1
dpkg -i "$deb" >/dev/null
cleanup() { ((was_installed)) || dpkg -r tcpflow-explain >/dev/null; }
trap cleanup EXIT

sample=samples/seed-1-merged-close/capture.pcap
diff <(/usr/bin/tcpflow-explain --color never "$sample") samples/seed-1-merged-close/expected.txt
/usr/bin/tcpflow-explain -q --expect samples/seed-1-merged-close/expected.jsonl "$sample" >/dev/null
/usr/bin/tcpflow-explain --version
man -w tcpflow-explain
MANWIDTH=80 man tcpflow-explain 2>/dev/null | grep -q "^EXIT STATUS"
test -r /usr/share/bash-completion/completions/tcpflow-explain
dpkg -L tcpflow-explain | grep -q '^/usr/share/doc/tcpflow-explain/json-schema.md$'
echo "package-check: installed package works (tool, man page, completion)"
