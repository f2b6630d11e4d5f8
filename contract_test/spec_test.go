package contract_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	drsprecheck "github.com/drsclient/drs-precheck"
	"github.com/drsclient/drs-precheck/contract"
)

// loadDoc parses an OpenAPI document without validating it.
func loadDoc(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err, "openapi.yaml does not parse")
	return doc
}

// TestSpecIsValidOpenAPI: openapi.yaml loads with kin-openapi and passes its
// validation, examples included; contract.Default (what every other package
// uses) loads the same document.
func TestSpecIsValidOpenAPI(t *testing.T) {
	doc := loadDoc(t, drsprecheck.OpenAPISpec)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	assert.Equal(t, "3.0.3", doc.OpenAPI)

	spec, err := contract.Default()
	require.NoError(t, err)
	for _, id := range []string{"BatchCheckJobs", "BatchCheckResults"} {
		assert.NotNil(t, spec.Operation(id), "operation %s is missing from the spec", id)
	}
}

// TestEveryExampleMatchesItsSchema walks the whole document and validates every
// example it finds (media type example/examples, parameter and header
// example/examples, schema example/examples, components.examples through the
// places that reference them) against the schema that applies there. The walk
// is by reflection over kin-openapi's types, so an example added anywhere is
// covered without touching this test.
func TestEveryExampleMatchesItsSchema(t *testing.T) {
	doc := loadDoc(t, drsprecheck.OpenAPISpec)
	checked, failures := checkExamples(doc)
	for _, f := range failures {
		t.Error(f)
	}
	for _, c := range checked {
		t.Log("example valid:", c)
	}
	t.Logf("%d examples validated", len(checked))
	require.NotEmpty(t, checked, "no example was checked: the walk is broken")
}

// TestExampleCheckCatchesABadExample proves the walk above can fail: a spec
// whose example breaks its schema is reported, naming the example.
func TestExampleCheckCatchesABadExample(t *testing.T) {
	broken := replaceOnce(t, string(drsprecheck.OpenAPISpec),
		"                        status: failed\n                        error_code: DRS.10000010",
		"                        status: refused\n                        error_code: DRS.10000010")
	doc := loadDoc(t, []byte(broken))
	_, failures := checkExamples(doc)
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0], "examples/oneRefused")
	assert.Contains(t, failures[0], "refused")

	// kin-openapi's own validation and contract.Load agree.
	require.Error(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	_, err := contract.Load([]byte(broken))
	require.Error(t, err)

	// A schema-level example is checked too.
	broken = replaceOnce(t, string(drsprecheck.OpenAPISpec),
		"          enum: [up, down, non-dbs]\n",
		"          enum: [up, down, non-dbs]\n          example: sideways\n")
	_, failures = checkExamples(loadDoc(t, []byte(broken)))
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0], "job_direction")
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	require.Equal(t, 1, strings.Count(s, old), "openapi.yaml changed: %q must occur exactly once", old)
	return strings.Replace(s, old, new, 1)
}

// exampleWalker finds every example in a document.
type exampleWalker struct {
	seen     map[visitKey]bool
	used     map[*openapi3.Example]bool
	checked  []string
	failures []string
}

type visitKey struct {
	t reflect.Type
	p uintptr
}

// checkExamples validates every example of doc; it returns the examples
// checked and the failures, each naming where the example is.
func checkExamples(doc *openapi3.T) (checked, failures []string) {
	w := &exampleWalker{seen: map[visitKey]bool{}, used: map[*openapi3.Example]bool{}}
	w.walk(reflect.ValueOf(doc), "#", "")
	// A named example nobody references has no schema to be checked against.
	if doc.Components != nil {
		for _, name := range sortedKeys(doc.Components.Examples) {
			if ref := doc.Components.Examples[name]; ref != nil && !w.used[ref.Value] {
				w.failures = append(w.failures, fmt.Sprintf("#/components/examples/%s: not referenced by any media type or parameter, so it cannot be validated", name))
			}
		}
	}
	return w.checked, w.failures
}

var (
	typeMediaType = reflect.TypeFor[openapi3.MediaType]()
	typeParameter = reflect.TypeFor[openapi3.Parameter]()
	typeSchema    = reflect.TypeFor[openapi3.Schema]()
	typeOrigin    = reflect.TypeFor[openapi3.Origin]()
)

// walk descends into v. where is a JSON pointer into the document; dir is
// "request" or "response" once known (it decides readOnly/writeOnly rules).
func (w *exampleWalker) walk(v reflect.Value, where, dir string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		key := visitKey{v.Type(), v.Pointer()}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		w.walk(v.Elem(), where, dir)
	case reflect.Interface:
		// Extensions and raw example values: no examples inside.
	case reflect.Struct:
		if v.Type() == typeOrigin {
			return
		}
		if v.CanAddr() {
			w.visit(v.Addr(), where, dir)
			// Paths, Responses and Callback keep their entries in an
			// unexported map behind Map().
			if m := v.Addr().MethodByName("Map"); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
				w.walk(m.Call(nil)[0], where, dir)
			}
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "Extensions" {
				continue
			}
			name := jsonName(f)
			next, nextDir := where, dir
			// A *Ref's Value is where its $ref points: not a segment of the
			// document's own pointer.
			if !f.Anonymous && !(f.Name == "Value" && strings.HasSuffix(v.Type().Name(), "Ref")) {
				next = where + "/" + name
			}
			switch name {
			case "requestBody", "requestBodies", "parameters":
				nextDir = "request"
			case "responses":
				nextDir = "response"
			}
			w.walk(v.Field(i), next, nextDir)
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			w.walk(v.MapIndex(k), where+"/"+strings.ReplaceAll(k.String(), "/", "~1"), dir)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), fmt.Sprintf("%s/%d", where, i), dir)
		}
	}
}

// visit checks the examples held by a MediaType, Parameter (Header embeds one)
// or Schema.
func (w *exampleWalker) visit(p reflect.Value, where, dir string) {
	switch p.Type().Elem() {
	case typeMediaType:
		mt := p.Interface().(*openapi3.MediaType)
		w.checkAll(where, dir, mt.Schema, mt.Example, mt.Examples)
	case typeParameter:
		param := p.Interface().(*openapi3.Parameter)
		w.checkAll(where, dir, param.Schema, param.Example, param.Examples)
	case typeSchema:
		s := p.Interface().(*openapi3.Schema)
		ref := &openapi3.SchemaRef{Value: s}
		if s.Example != nil {
			w.check(where+"/example", "", ref, s.Example)
		}
		for i, ex := range s.Examples {
			w.check(fmt.Sprintf("%s/examples/%d", where, i), "", ref, ex)
		}
	}
}

func (w *exampleWalker) checkAll(where, dir string, schema *openapi3.SchemaRef, example any, examples openapi3.Examples) {
	if example != nil {
		w.check(where+"/example", dir, schema, example)
	}
	for _, name := range sortedKeys(examples) {
		loc := where + "/examples/" + name
		ref := examples[name]
		if ref == nil || ref.Value == nil {
			w.failures = append(w.failures, loc+": unresolved example")
			continue
		}
		w.used[ref.Value] = true
		if ref.Value.ExternalValue != "" {
			w.failures = append(w.failures, loc+": externalValue examples cannot be checked; inline the value")
			continue
		}
		w.check(loc, dir, schema, ref.Value.Value)
	}
}

func (w *exampleWalker) check(where, dir string, schema *openapi3.SchemaRef, value any) {
	if schema == nil || schema.Value == nil {
		w.failures = append(w.failures, where+": example has no schema to be checked against")
		return
	}
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
	switch dir {
	case "request":
		opts = append(opts, openapi3.VisitAsRequest())
	case "response":
		opts = append(opts, openapi3.VisitAsResponse())
	}
	if err := schema.Value.VisitJSON(value, opts...); err != nil {
		w.failures = append(w.failures, fmt.Sprintf("%s: example does not match its schema: %v", where, err))
		return
	}
	w.checked = append(w.checked, where)
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return f.Name
	}
	return name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
