//go:build tools

// Package tools pins goreleaser, the release tool of `make release-snapshot`,
// in a module of its own: its dependency tree is large and must not reach the
// main module's go.mod or `make test`.
package tools

import _ "github.com/goreleaser/goreleaser/v2"
