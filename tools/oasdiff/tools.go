//go:build tools

// Package oasdiff pins the version of oasdiff that `make breaking` runs. It is a
// module of its own so that oasdiff's dependencies (and its fork of kin-openapi)
// never enter the main module's go.mod.
package oasdiff

import _ "github.com/oasdiff/oasdiff"
