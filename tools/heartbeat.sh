#!/usr/bin/env bash
# heartbeat.sh LABEL COMMAND...: runs COMMAND and, while it runs, prints
# "LABEL: still running (N s)" every HEARTBEAT seconds (default 20), so that a
# long, quiet build or test step never leaves a log silent for 30 s. Exits
# with COMMAND's status.
set -u
label=$1
shift
every=${HEARTBEAT:-20}
start=$SECONDS
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	while :; do
		sleep "$every" &
		s=$!
		wait "$s"
		echo "$label: still running ($((SECONDS - start)) s)"
	done
) &
beat=$!
"$@"
rc=$?
kill "$beat" 2>/dev/null
wait "$beat" 2>/dev/null
echo "$label: done in $((SECONDS - start)) s (exit $rc)"
exit "$rc"
