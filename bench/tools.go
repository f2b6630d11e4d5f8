//go:build tools

// This file pins the version of benchstat in go.mod, so that
// `go run golang.org/x/perf/cmd/benchstat` runs the same benchstat everywhere.
package bench

import _ "golang.org/x/perf/cmd/benchstat"
