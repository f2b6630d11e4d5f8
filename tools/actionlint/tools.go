//go:build tools

// Package actionlint pins the version of actionlint that `make
// lint-ci-examples` runs on the example GitHub Actions workflow in docs/ci. It
// is a module of its own so that actionlint's dependencies never enter the
// main module's go.mod.
package actionlint

import _ "github.com/rhysd/actionlint/cmd/actionlint"
