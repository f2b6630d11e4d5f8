#!/usr/bin/env bash
# size.sh: binary size and dependency count of a DRS-only program built on our
# client (cmd/drs-precheck-min) and on Huawei's official Go SDK
# (cmd/official-precheck). Run from anywhere.
#
# Each program is built the way its users would build it: copied into a fresh
# module of its own whose go.mod requires only its one library (our module via
# a replace to this checkout; the SDK at the version bench/go.mod pins), then
# `go mod tidy`. So neither build sees the other's requirements, nor the bench
# module's (benchstat, goleak, the main module's tools).
#
# For each program it prints:
#   - the binary size built with `go build -trimpath -ldflags='-s -w'` (stripped)
#     and with `go build -trimpath` (not stripped), in bytes and MiB;
#   - `go list -deps` counts, the program's own main package left out: all
#     packages it depends on, the standard-library ones, the others
#     (non-standard), the non-standard ones from outside the two projects
#     (neither github.com/drsclient/ nor github.com/huaweicloud/), and the
#     modules the non-standard ones come from.
# Set VERBOSE=1 to list the non-standard packages and modules.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
GO=${GO:-go}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

sdk_version=$(cd "$bench" && $GO list -m -f '{{.Version}}' github.com/huaweicloud/huaweicloud-sdk-go-v3)

# module NAME REQUIRE [REPLACE]: a fresh module in $out/NAME with cmd/NAME's main.go.
module() {
	local name=$1 require=$2 replace=${3:-}
	local dir="$out/mod-$name"
	mkdir -p "$dir"
	cp "$bench/cmd/$name/main.go" "$dir/"
	cp "$bench/go.sum" "$dir/" # known checksums, so that tidy needs no lookups
	{
		echo "module example.com/$name"
		echo
		echo "go 1.26"
		echo
		echo "require $require"
		if [ -n "$replace" ]; then echo "replace $replace"; fi
	} >"$dir/go.mod"
	if ! (cd "$dir" && $GO mod tidy >"$dir/tidy.log" 2>&1); then
		cat "$dir/tidy.log" >&2
		exit 1
	fi
	echo "$dir"
}

size() { stat -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

declare -A dirs
dirs[drs-precheck-min]=$(module drs-precheck-min "github.com/drsclient/drs-precheck v0.0.0" "github.com/drsclient/drs-precheck => $root")
dirs[official-precheck]=$(module official-precheck "github.com/huaweicloud/huaweicloud-sdk-go-v3 $sdk_version")
progs=(drs-precheck-min official-precheck)

echo "$($GO version), GOOS=$($GO env GOOS) GOARCH=$($GO env GOARCH) CGO_ENABLED=$($GO env CGO_ENABLED)"
echo
printf '%-20s %22s %22s %6s %6s %8s %10s %8s\n' program "stripped (-s -w)" "not stripped" deps std non-std "3rd-party" modules
for p in "${progs[@]}"; do
	d=${dirs[$p]}
	(
		cd "$d"
		$GO build -trimpath -ldflags='-s -w' -o "$out/$p.stripped" .
		$GO build -trimpath -o "$out/$p.full" .
		self=$($GO list .)
		$GO list -deps . | grep -vxF "$self" >"$out/$p.all"
		$GO list -deps -f '{{if .Standard}}{{.ImportPath}}{{end}}' . | sed '/^$/d' >"$out/$p.std"
		$GO list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' . | sed '/^$/d' | grep -vxF "$self" | sort >"$out/$p.pkgs"
		$GO list -deps -f '{{if not .Standard}}{{with .Module}}{{.Path}}@{{.Version}}{{end}}{{end}}' . | sed '/^$/d' |
			grep -v "^$($GO list -m)@" | sort -u >"$out/$p.mods"
	)
	s=$(size "$out/$p.stripped")
	f=$(size "$out/$p.full")
	third=$(grep -cv -e '^github.com/drsclient/' -e '^github.com/huaweicloud/' "$out/$p.pkgs" || true)
	printf '%-20s %12d (%5s MiB) %12d (%5s MiB) %6d %6d %8d %10d %8d\n' "$p" "$s" "$(mib "$s")" "$f" "$(mib "$f")" \
		"$(wc -l <"$out/$p.all")" "$(wc -l <"$out/$p.std")" "$(wc -l <"$out/$p.pkgs")" "$third" "$(wc -l <"$out/$p.mods")"
done
echo
echo "deps = packages in go list -deps but the program's own; std = standard library; non-std = the rest;"
echo "3rd-party = non-std outside github.com/drsclient/ and github.com/huaweicloud/; modules = modules of the non-std ones."
for p in "${progs[@]}"; do
	echo
	echo "$p: modules: $(paste -sd' ' "$out/$p.mods")"
	if [ "${VERBOSE:-}" = 1 ]; then
		echo "$p: non-standard packages:"
		sed 's/^/  /' "$out/$p.pkgs"
	fi
done
