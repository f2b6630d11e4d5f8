#!/usr/bin/env bash
# breaking.sh openapi|goapi|goapi-baseline|selftest: the gates of `make breaking`
# (run them through make, which builds the tools they name and sets their paths).
#
#   openapi [BASE]  openapi.yaml against the committed baseline (or BASE, an
#                   openapi.yaml file) with oasdiff, pinned in tools/breaking: a
#                   breaking change (level ERR; tools/breaking/oasdiff-levels.txt
#                   raises the removal of an optional response property, which
#                   removes a field of the generated Go type, to ERR) fails unless
#                   contract_test/testdata/breaking-allowlist.md lists it.
#   goapi           the exported Go API of the packages users import (generated/
#                   and drs/) against tools/breaking/goapi/ (apidiff export data,
#                   one file per package) with apidiff, pinned beside oasdiff.
#                   Each incompatible change is one line, "PKG: CHANGE" (say
#                   "generated: PostPreCheckResp.PrecheckId: removed"); any line
#                   tools/breaking/goapi/allowlist.txt does not hold fails.
#   goapi-baseline  the current Go API becomes the baseline (make api-baseline)
#   selftest        both gates fail on breaks (a removed request enum value, a
#                   removed optional response property and the Go field it takes
#                   away), and the lines they print, pasted into their
#                   allowlist, let exactly those breaks through.
#
# On failure each gate prints the allowlist lines ready to paste.
set -euo pipefail
cd "$(dirname "$0")/.."
MODULE=github.com/drsclient/drs-precheck
PKGS="generated drs"
DIR=tools/breaking/goapi
ALLOW=$DIR/allowlist.txt
SPEC_BASELINE=contract_test/testdata/openapi.baseline.yaml
SPEC_ALLOW=contract_test/testdata/breaking-allowlist.md
LEVELS=tools/breaking/oasdiff-levels.txt

# spec_breaks BASE REVISION ALLOWLIST: oasdiff's breaking changes (level ERR)
# from BASE to REVISION that ALLOWLIST does not list, one allowlist line each
# ("- METHOD PATH TEXT"); exit 1 when there is one.
spec_breaks() {
	local out rc=0
	out=$("$OASDIFF" breaking "$1" "$2" --fail-on ERR --severity-levels "$LEVELS" --err-ignore "$3" \
		-f singleline --color never) || rc=$?
	case $rc in
	0) return 0 ;;
	1) printf '%s\n' "$out" | sed -n 's/^error at [^,]*, in API \(.*\) \[[a-z0-9-]*\]\. *$/- \1/p' | sort -u; return 1 ;;
	*) echo "breaking: oasdiff failed: $out" >&2; return 2 ;;
	esac
}

# changes OLD NEW PKG: the incompatible changes from OLD to NEW (export data
# files or import paths), one "PKG: CHANGE" line each.
changes() {
	local out
	out=$("$APIDIFF" -incompatible "$1" "$2") || { echo "goapi: apidiff failed on $3: $out" >&2; return 2; }
	printf '%s\n' "$out" | sed -n "s|^- |$3: |p"
}

# unlisted ALLOWLIST: the lines of stdin that ALLOWLIST does not hold (blank
# lines and # comments in it ignored).
unlisted() {
	grep -Fxv -f <(grep -v '^[[:space:]]*\(#\|$\)' "$1" || true) || true
}

# remove_precheck_id FILE: FILE with the optional property precheck_id of the
# response schema PostPreCheckResp removed.
remove_precheck_id() {
	awk '
		/^    [A-Za-z]/ { schema = $1 }
		schema == "PostPreCheckResp:" && $0 == "        precheck_id:" { skip = 1; next }
		skip && /^        [a-z_]+:/ { skip = 0 }
		skip && /^    [A-Za-z]/ { skip = 0 }
		!skip
	' "$1"
}

case ${1:-} in
openapi | selftest) : "${OASDIFF:?set by make}" ;;&
goapi | goapi-baseline | selftest) : "${APIDIFF:?set by make}" ;;
esac
case ${1:-} in
openapi)
	base=${2:-$SPEC_BASELINE}
	if new=$(spec_breaks "$base" openapi.yaml "$SPEC_ALLOW"); then
		echo "breaking: no breaking change of openapi.yaml since $base beyond those $SPEC_ALLOW records"
		exit 0
	fi
	test -n "$new" || exit 2
	echo "breaking: openapi.yaml breaks clients built from $base. If that is intended, paste these lines"
	echo "into $SPEC_ALLOW under a heading that says why:"
	printf '%s\n' "$new"
	exit 1
	;;
goapi)
	for p in $PKGS; do
		test -s "$DIR/$p.export" || { echo "breaking: $DIR/$p.export is missing: make api-baseline"; exit 1; }
	done
	found=$(for p in $PKGS; do changes "$DIR/$p.export" "$MODULE/$p" "$p"; done)
	new=$(printf '%s\n' "$found" | sed '/^$/d' | unlisted "$ALLOW")
	if [ -n "$new" ]; then
		echo "breaking: the Go API of ${PKGS// /\/ and }/ changed incompatibly since the baseline ($DIR):"
		printf '%s\n' "$new" | sed 's/^/  /'
		echo "breaking: every user of these packages may stop compiling. If that is intended, paste these"
		echo "lines into $ALLOW under a comment saying why (make api-baseline when a release is cut):"
		printf '%s\n' "$new"
		exit 1
	fi
	echo "breaking: no incompatible change of the Go API of ${PKGS// /\/ and }/ since $DIR beyond those $ALLOW records"
	;;
goapi-baseline)
	mkdir -p "$DIR"
	for p in $PKGS; do
		"$APIDIFF" -w "$DIR/$p.export" "$MODULE/$p"
	done
	printf '# %s\n' \
		"Incompatible changes of the Go API accepted since the baseline (tools/breaking.sh), one line each as" \
		"make breaking prints it, under a comment saying why. make api-baseline empties it." >"$ALLOW"
	echo "api-baseline: $DIR now holds the Go API of ${PKGS// /\/ and }/, and $ALLOW is empty"
	;;
selftest)
	: "${OAPI:?set by make}" "${GEN_CONFIGS:?set by make}"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	test -s "$SPEC_BASELINE" || { echo "breaking selftest: $SPEC_BASELINE is missing"; exit 1; }
	# openapi.yaml: a removed request enum value (ERR for oasdiff) and a removed
	# optional response property (ERR by oasdiff-levels.txt) each fail with the
	# allowlist in force, and pass with the lines the gate printed.
	sed 's/enum: \[forStartJob, forRetryJob\]/enum: [forStartJob]/' openapi.yaml >"$tmp/enum.yaml"
	remove_precheck_id openapi.yaml >"$tmp/openapi.yaml"
	for edit in enum openapi; do
		if cmp -s openapi.yaml "$tmp/$edit.yaml"; then echo "breaking selftest: the $edit edit of openapi.yaml did not apply"; exit 1; fi
		rc=0
		lines=$(spec_breaks openapi.yaml "$tmp/$edit.yaml" "$SPEC_ALLOW") || rc=$?
		if [ "$rc" -ne 1 ] || [ -z "$lines" ]; then
			echo "breaking selftest: oasdiff let the $edit edit through (exit $rc)"; exit 1
		fi
		printf '%s\n' "$lines" >"$tmp/allow-$edit.md"
		if ! spec_breaks openapi.yaml "$tmp/$edit.yaml" "$tmp/allow-$edit.md" >/dev/null; then
			echo "breaking selftest: the lines printed for the $edit edit, as an allowlist, did not let it through"; exit 1
		fi
	done
	echo "breaking selftest: oasdiff fails on a removed request enum value and on a removed optional response property, and passes with the lines it printed"
	# Go: a copy of the module whose generated/ comes from openapi.yaml less
	# that optional response property.
	mkdir -p "$tmp/m/generated"
	cp go.mod go.sum "$tmp/m/"
	cp generated/generate.go "$tmp/m/generated/"
	root=$PWD
	for cfg in $GEN_CONFIGS; do (cd "$tmp/m/generated" && "$OAPI" -config "$root/$cfg" "$tmp/openapi.yaml"); done
	(cd "$tmp/m" && "$APIDIFF" -w "$tmp/changed.export" "$MODULE/generated")
	"$APIDIFF" -w "$tmp/current.export" "$MODULE/generated"
	found=$(changes "$tmp/current.export" "$tmp/changed.export" generated)
	want="generated: PostPreCheckResp.PrecheckId: removed"
	if ! printf '%s\n' "$found" | grep -Fxq "$want"; then
		echo "breaking selftest: apidiff did not report \"$want\"; it reported:"; printf '%s\n' "$found"; exit 1
	fi
	if [ -z "$(printf '%s\n' "$found" | unlisted "$ALLOW")" ]; then
		echo "breaking selftest: $ALLOW lets the removed field through"; exit 1
	fi
	printf '# the selftest\n%s\n' "$found" >"$tmp/allow.txt"
	if [ -n "$(printf '%s\n' "$found" | unlisted "$tmp/allow.txt")" ]; then
		echo "breaking selftest: the printed lines, pasted into an allowlist, did not let the change through"; exit 1
	fi
	echo "breaking selftest: apidiff flags \"$want\" (a removed optional response property) and only its line lets it through"
	;;
*)
	echo "usage: breaking.sh openapi [BASE]|goapi|goapi-baseline|selftest" >&2
	exit 2
	;;
esac
