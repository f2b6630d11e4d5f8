#!/usr/bin/env bash
# cold.sh [REV]: the README's two commands as a newcomer runs them, measured the
# same way every time. A fresh clone of REV (default HEAD: committed work only)
# in a temporary directory, with empty GOPATH, GOCACHE, GOMODCACHE and HOME
# (modules come from the proxy) and no GOFLAGS but those make sets; then
# `make run` and `make test`. It prints the machine (cores, load), each
# command's wall and CPU time, the first-line latency of `make run`, and the
# time of each gate of `make test`. Full logs: $COLD_KEEP/run.log and
# test.log when COLD_KEEP names a directory.
#
# Budgets (issue 21, on 2 cores): make run <= 45 s with a line at once,
# make test <= 240 s. Exit status: make's, or 1 when a budget is exceeded.
set -euo pipefail
# The whole script in braces: bash reads it all before running it, so that an
# edit of this file during a run (of half an hour on a loaded machine) cannot
# change what the run does.
{
src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
rev=$(git -C "$src" rev-parse "${1:-HEAD}^{commit}")
work=$(mktemp -d "${TMPDIR:-/tmp}/drs-cold.XXXXXX")
# The module cache is read-only; make it writable to remove it.
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
git clone -q --no-checkout "$src" "$work/src"
git -C "$work/src" checkout -q --detach "$rev"
mkdir -p "$work/home" "$work/gopath" "$work/cache"

# A clean environment: what a shell of a new user has, plus the proxy settings
# of this machine (if any) so that modules can be fetched at all.
cold_env=(env -i "PATH=$PATH" "HOME=$work/home" "TERM=dumb" "LANG=C.UTF-8"
	"GOPATH=$work/gopath" "GOMODCACHE=$work/gopath/pkg/mod" "GOCACHE=$work/cache")
for v in GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GONOPROXY GOTOOLCHAIN HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy CI; do
	if [ -n "${!v:-}" ]; then cold_env+=("$v=${!v}"); fi
done

# cpu_mark: CPU_NOW = user+sys seconds of every child waited for so far. `times`
# runs in this shell (a command substitution would report its own children).
cpu_mark() {
	times >"$work/times"
	CPU_NOW=$(sed -n 2p "$work/times" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.1f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}

# timed NAME LOG COMMAND...: runs COMMAND in the clone, each output line
# prefixed with the seconds since it started (and kept in LOG); sets WALL,
# CPU, FIRST (the first line's latency) and RC.
timed() {
	local name=$1 log=$2 start cpu0
	shift 2
	cpu_mark
	cpu0=$CPU_NOW
	start=$EPOCHREALTIME
	set +e
	(cd "$work/src" && "${cold_env[@]}" "$@" 2>&1) | while IFS= read -r line; do
		printf '%6.1f  %s\n' "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$line"
	done | tee "$log"
	RC=${PIPESTATUS[0]}
	set -e
	WALL=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	cpu_mark
	CPU=$(awk -v a="$cpu0" -v b="$CPU_NOW" 'BEGIN { printf "%.0f", b - a }')
	FIRST=$(awk 'NR == 1 { print $1 }' "$log")
	echo "cold: $name: $WALL s wall, $CPU s CPU, first line at ${FIRST:-?} s, exit $RC"
}

machine() {
	echo "cores $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
logs=${COLD_KEEP:-$work}
mkdir -p "$logs"
echo "cold: $(git -C "$src" log -1 --format='%h %cs %s' "$rev")"
echo "cold: $("${cold_env[@]}" go version), $(machine) at the start"

timed "make run" "$logs/run.log" make run
run_wall=$WALL run_cpu=$CPU run_first=$FIRST run_rc=$RC load_run=$(machine)
timed "make test" "$logs/test.log" make test
test_wall=$WALL test_cpu=$CPU test_rc=$RC load_test=$(machine)

verdict() { # WALL BUDGET
	awk -v w="$1" -v b="$2" 'BEGIN { if (w <= b) print "within"; else print "OVER" }'
}
echo
echo "cold: summary for $(git -C "$src" rev-parse --short "$rev") ($("${cold_env[@]}" go env GOVERSION))"
echo "| command | budget | wall | CPU | first line | exit | machine at the end |"
echo "|---|---|---|---|---|---|---|"
echo "| make run | 45 s ($(verdict "$run_wall" 45)) | $run_wall s | $run_cpu s | $run_first s | $run_rc | $load_run |"
echo "| make test | 240 s ($(verdict "$test_wall" 240)) | $test_wall s | $test_cpu s | | $test_rc | $load_test |"
echo
echo "make test's gates (wall, CPU, start), in the order they ended:"
grep -o 'gate [^ ]*: .*' "$logs/test.log" | sed -n '/^gate [^ ]*: [0-9]* s (CPU/p' | awk '!seen[$0]++' | sed 's/^/  /'
[ "$run_rc" -eq 0 ] || exit "$run_rc"
[ "$test_rc" -eq 0 ] || exit "$test_rc"
[ "$(verdict "$run_wall" 45)" = within ] && [ "$(verdict "$test_wall" 240)" = within ] || exit 1
exit
}
