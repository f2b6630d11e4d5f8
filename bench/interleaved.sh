#!/usr/bin/env bash
# interleaved.sh: the headline comparison of docs/BENCHMARKS.md, one
# BatchCheckJobs call per client, measured in ROUNDS separate processes that
# each run every client once.
#
# Why not -count: go test repeats one sub-benchmark back to back, so a burst of
# load from another process (these machines are shared and noisy) lands on
# one client only and skews the comparison. Interleaving spreads it over all.
#
# Usage: bench/interleaved.sh [OUT]   (ROUNDS=10, BENCH='PrecheckCall(Remote)?' by default:
# the call with the server in this process and in a child process)
# Writes raw go test output to OUT (default /tmp/drs-bench-interleaved.txt) and
# prints benchstat side by side, bare net/http first.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-/tmp/drs-bench-interleaved.txt}
rounds=${ROUNDS:-10}
bench=${BENCH:-'PrecheckCall(Remote)?'}
bin=$(mktemp -d)/bench.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" .
# What was measured, as benchstat configuration lines: the commit (+dirty
# when the library's code differs from it) and the load at the start.
{
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- ../drs ../aksk ../generated ../internal 2>/dev/null || echo +dirty)"
  if [ -r /proc/loadavg ]; then echo "loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"; fi
} > "$out"
for i in $(seq "$rounds"); do
  "$bin" -test.run '^$' -test.bench "^Benchmark${bench}\$" -test.benchmem -test.count 1 >> "$out"
done
go run golang.org/x/perf/cmd/benchstat -col '/client@(nethttp nethttp-aksk ours-token ours-aksk official-sdk)' "$out"
echo
echo "against the official SDK:"
go run golang.org/x/perf/cmd/benchstat -col '/client@(official-sdk ours-token ours-aksk)' "$out"
