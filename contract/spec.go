// Package contract checks HTTP traffic against openapi.yaml with kin-openapi,
// the one place that loads the spec at run time: the contract tests, the
// simulator (drstest) and the CLI's --validate use it, so "valid" means the
// same everywhere. The client (drs) does not import it, which keeps
// kin-openapi out of library users' builds.
//
// One document gives two levels (see Level): Documented is openapi.yaml as
// written, Compatible is derived from it by relaxing every response (see
// relax). Spec.CheckResponse validates an answer at both: it fails only at
// the compatible level and reports each documented departure as drift.
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

// Spec is openapi.yaml at one level, loaded and validated once.
type Spec struct {
	// Doc is the parsed document of this level; shared, so read-only.
	Doc    *openapi3.T
	router routers.Router
	level  Level
	// compat is the compatible level of a documented Spec, else nil.
	compat *Spec
}

var loadOnce = sync.OnceValues(func() (*Spec, error) { return Load(drsprecheck.OpenAPISpec) })

// Default returns the embedded openapi.yaml, loaded on first use.
func Default() (*Spec, error) { return loadOnce() }

// Load parses and validates an OpenAPI document, derives its compatible
// level, and returns the documented one. Tests use it for altered copies.
func Load(data []byte) (*Spec, error) {
	doc, err := parse(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("contract: openapi.yaml is not a valid OpenAPI 3 document: %w", err)
	}
	documented, err := newSpec(doc, Documented)
	if err != nil {
		return nil, err
	}
	// A second parse is the deep copy the relaxed level is made from.
	relaxed, err := parse(data)
	if err != nil {
		return nil, err
	}
	if err := relax(relaxed); err != nil {
		return nil, fmt.Errorf("contract: derive the compatible level: %w", err)
	}
	if err := relaxed.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract: the compatible level derived from openapi.yaml is not valid: %w", err)
	}
	if documented.compat, err = newSpec(relaxed, Compatible); err != nil {
		return nil, err
	}
	return documented, nil
}

func parse(data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("contract: parse openapi.yaml: %w", err)
	}
	return doc, nil
}

func newSpec(doc *openapi3.T, level Level) (*Spec, error) {
	// Route on paths only: loopback simulators serve the same operations.
	routing := *doc
	routing.Servers = nil
	router, err := legacy.NewRouter(&routing)
	if err != nil {
		return nil, fmt.Errorf("contract: build router: %w", err)
	}
	return &Spec{Doc: doc, router: router, level: level}, nil
}

// Level is the contract level this Spec validates at.
func (s *Spec) Level() Level { return s.level }

// Compatible returns the compatible level derived from this Spec's document
// (the Spec itself when it is that level).
func (s *Spec) Compatible() *Spec {
	if s.compat == nil {
		return s
	}
	return s.compat
}
