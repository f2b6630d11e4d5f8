#!/usr/bin/env bash
# build-cli.sh OUT: builds the CLI to OUT as make run does (make sets GOFLAGS and
# CGO_ENABLED). On a first build the go command downloads modules for seconds
# with the CPU idle, then compiles, mostly the standard library; so the
# standard packages the CLI needs compile during the download. They are listed
# offline (GOPROXY=off: the imports of this module's packages, nothing
# downloaded); a package missing from the list is compiled by the last step.
set -u
GO=${GO:-go}
out=$1
std=$(GOPROXY=off "$GO" list -e -deps -f '{{if .Standard}}{{.ImportPath}}{{end}}' ./cmd/drs-precheck 2>/dev/null)
# shellcheck disable=SC2086 # one word per package
"$GO" build $std 2>/dev/null &
"$GO" list -deps ./cmd/drs-precheck >/dev/null # downloads the modules the CLI needs
wait
exec "$GO" build -ldflags='-s -w' -o "$out" ./cmd/drs-precheck
