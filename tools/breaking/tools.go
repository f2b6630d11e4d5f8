//go:build tools

// Package breaking pins the two checkers of `make breaking`: oasdiff for
// openapi.yaml and apidiff for the Go API of generated/ and drs/. A module of
// its own, so that their dependencies (and oasdiff's fork of kin-openapi) never
// enter the main module's go.mod; one module, so that one `go build` makes
// both. golang.org/x/exp is the version whose golang.org/x/tools is the main
// module's (staticcheck's), so that the x/tools packages both use compile
// once. The Go API baseline (goapi/*.export) is apidiff's export data: after
// a change of these versions, `make api-baseline` on the baseline's commit.
package breaking

import (
	_ "github.com/oasdiff/oasdiff"
	_ "golang.org/x/exp/cmd/apidiff"
)
