#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and runs
# each for SECONDS (default 600), one after the other, at the lowest
# priority. Seeds come from samples/ (scripts/fuzz-corpus.py); what the
# fuzzer adds stays in build-fuzz/corpus/<target> for the next run.
#   scripts/fuzz.sh [SECONDS-PER-TARGET] [TARGET...]
# A crash or a broken invariant leaves its input in build-fuzz/findings/
# and fails the run: keep it in tests/data/fuzz-regressions/<target>/
# once fixed. Each target's last libFuzzer status line (execs, cov, ft)
# is printed at the end, and kept in build-fuzz/fuzz-<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(decode_frame capture_file pcap_pipeline flow_table tcpdump_text pcapng)

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFE_FUZZ=ON \
  -DTFE_BUILD_TESTS=OFF -DTFE_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

seeds=build-fuzz/seeds
rm -rf "$seeds"
python3 scripts/fuzz-corpus.py "$seeds" >/dev/null
mkdir -p build-fuzz/findings
# A 16 MiB quarantine still outlasts what one input usually allocates, so a
# use after free within an input is caught; the default 256 MiB kept
# handing out fresh pages, and their faults cost a quarter of a run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  dict=fuzz/dict/frames.dict
  case $t in capture_file|pcap_pipeline|pcapng) dict=fuzz/dict/pcap.dict ;; tcpdump_text) dict=fuzz/dict/tcpdump.dict ;; esac
  max_len=65536
  # A segment is 8 bytes in flow_table: 4096 is 510 segments on four 4-tuples.
  [[ $t == decode_frame || $t == flow_table ]] && max_len=4096
  log=build-fuzz/fuzz-$t.log
  echo "fuzz: $t for ${seconds}s"
  if ! nice -n 19 "build-fuzz/fuzz/fuzz_$t" "$corpus" "$seeds/$t" -dict="$dict" \
      -max_len="$max_len" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$t-" >"$log" 2>&1; then
    failed+=("$t")
    grep -m3 -E "ERROR|invariant failed|runtime error" "$log" || tail -20 "$log"
  fi
  grep -E "^#[0-9]+" "$log" | tail -1 | sed "s/^/fuzz: $t: /"
  grep -E "stat::number_of_executed_units" "$log" | sed "s/^/fuzz: $t: /"
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (inputs in build-fuzz/findings/)" >&2
  exit 1
fi
