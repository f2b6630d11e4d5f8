// Package contract checks HTTP traffic against openapi.yaml with kin-openapi.
//
// It is the one place that loads the spec at run time. The contract tests, the
// client's tests, the simulator (package drstest) and the CLI's --validate flag all
// use it, so "valid" means the same thing everywhere. Only test code, the simulator
// and the CLI import it: the client package (drs) does not, which keeps kin-openapi
// out of library users' builds.
//
// One document gives two levels (see Level). Documented is openapi.yaml as
// written; Compatible is derived from it when it is loaded, by relaxing every
// response (see relax). A Spec is the documented level; Spec.Compatible is the
// other. Spec.CheckResponse validates an answer at both: it fails only at the
// compatible level and reports each documented departure as drift.
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
	// Doc is the parsed document of this level. Treat it as read-only: it is
	// shared.
	Doc    *openapi3.T
	router routers.Router
	level  Level
	// compat is the compatible level of a documented Spec; nil on the
	// compatible Spec itself.
	compat *Spec
}

var loadOnce = sync.OnceValues(func() (*Spec, error) { return Load(drsprecheck.OpenAPISpec) })

// Default returns the spec embedded in this module (openapi.yaml), parsed and
// validated on first use, at the documented level.
func Default() (*Spec, error) { return loadOnce() }

// Load parses and validates an OpenAPI document and derives its compatible
// level. It returns the documented level. Tests use it for altered copies of
// the spec; everything else uses Default.
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
	// A second parse is the deep copy the relaxed level is made from: nothing
	// of the documented document is shared with it.
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
	// Route on paths only: the spec's servers name the public cloud hosts, while the
	// same operations are served by loopback simulators and recorded fixtures.
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
