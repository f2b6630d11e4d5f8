//go:build tools

// Package tools pins the versions of the code generator and linters this
// project runs, so `go run` / `go tool` use exactly what go.mod records.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
