// Package drsprecheck holds the contract of Huawei Cloud DRS's batch pre-check API:
// openapi.yaml, embedded once so that the code that needs the spec at run time
// (package contract, the simulator, the CLI's --validate) reads the very file the
// client was generated from.
//
// Users of the client import github.com/drsclient/drs-precheck/drs; see its docs.
package drsprecheck

import _ "embed"

// OpenAPISpec is openapi.yaml, byte for byte.
//
//go:embed openapi.yaml
var OpenAPISpec []byte
