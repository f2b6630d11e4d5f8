#!/usr/bin/env bash
# gate.sh NAME COMMAND...: runs one gate of `make test` and prints
#   gate NAME: N s (CPU N s), started at +N s, ok|FAILED (exit N)
# when it ends: its wall time, the CPU time of everything it ran (user+sys:
# steadier than wall time on a loaded machine) and, when GATES_START (epoch
# seconds) is set, when it started relative to it. With GATES_LOG set, the
# line is appended to that file too. Exits with COMMAND's status.
set -u
name=$1
shift
start=$EPOCHREALTIME
"$@"
rc=$?
end=$EPOCHREALTIME
# The children's user and sys times, as `times` prints them on its second line
# (0m1.234s 0m0.567s); `times` runs in this shell, not in a subshell, to see them.
tf=$(mktemp)
times >"$tf"
read -r cu cs < <(sed -n 2p "$tf")
rm -f "$tf"
secs() { # 1m2.345s -> 62.3
	local m=${1%%m*} s=${1#*m}
	s=${s%s}
	awk -v m="$m" -v s="$s" 'BEGIN { printf "%.1f", m * 60 + s }'
}
cpu=$(awk -v a="$(secs "$cu")" -v b="$(secs "$cs")" 'BEGIN { printf "%.0f", a + b }')
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
at=""
if [ -n "${GATES_START:-}" ]; then
	at=$(awk -v a="$GATES_START" -v b="$start" 'BEGIN { printf ", started at +%.0f s", b - a }')
fi
verdict=ok
[ "$rc" -eq 0 ] || verdict="FAILED (exit $rc)"
line="gate $name: $wall s (CPU $cpu s)$at, $verdict"
echo "$line"
if [ -n "${GATES_LOG:-}" ]; then echo "$line" >>"$GATES_LOG"; fi
exit "$rc"
