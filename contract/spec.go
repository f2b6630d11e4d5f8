// Package contract checks HTTP traffic against openapi.yaml with kin-openapi.
//
// It is the one place that loads the spec at run time. The contract tests, the
// client's tests, the simulator (package drstest) and the CLI's --validate flag all
// use it, so "valid" means the same thing everywhere. Only test code, the simulator
// and the CLI import it: the client package (drs) does not, which keeps kin-openapi
// out of library users' builds.
package contract

import (
	"context"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	drsprecheck "github.com/drsclient/drs-precheck"
)

// Spec is openapi.yaml, loaded and validated once.
type Spec struct {
	// Doc is the parsed document. Treat it as read-only: it is shared.
	Doc    *openapi3.T
	router routers.Router
}

var loadOnce = sync.OnceValues(func() (*Spec, error) { return Load(drsprecheck.OpenAPISpec) })

// Default returns the spec embedded in this module (openapi.yaml), parsed and
// validated on first use.
func Default() (*Spec, error) { return loadOnce() }

// Load parses and validates an OpenAPI document. Tests use it for altered copies
// of the spec; everything else uses Default.
func Load(data []byte) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("contract: parse openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("contract: openapi.yaml is not a valid OpenAPI 3 document: %w", err)
	}
	// Route on paths only: the spec's servers name the public cloud hosts, while the
	// same operations are served by loopback simulators and recorded fixtures.
	routing := *doc
	routing.Servers = nil
	router, err := legacy.NewRouter(&routing)
	if err != nil {
		return nil, fmt.Errorf("contract: build router: %w", err)
	}
	return &Spec{Doc: doc, router: router}, nil
}
