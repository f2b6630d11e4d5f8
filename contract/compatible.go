package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Level is one of the two contract levels read from openapi.yaml.
type Level string

const (
	// Documented is openapi.yaml as written: Huawei's pages field for field,
	// enum for enum. The simulator answers at this level; a real answer that
	// departs from it is drift.
	Documented Level = "documented"
	// Compatible is what a client must accept from the real service, derived
	// from the same document when it is loaded (see relax). Only what no client
	// can decode breaks it.
	Compatible Level = "compatible"
)

// compatibleSchemaExt names, on a response header, the schema the compatible
// level uses instead (Retry-After: seconds or an HTTP date).
const compatibleSchemaExt = "x-compatible-schema"

// relax turns doc, a freshly parsed copy of openapi.yaml, into the compatible
// level. Requests are left as documented: the client controls what it sends,
// so the documented request rules are the compatible ones. For every response
// of every operation:
//   - every schema is nullable, its enum open and its properties optional; the
//     keywords that bound a value (length, pattern, range, item counts,
//     uniqueness, string formats) and additionalProperties: false are dropped.
//     The JSON type stays, and so do number formats (int32): a value of
//     another type, or an integer the generated model cannot hold, is what no
//     client can decode;
//   - an error response (4XX, 5XX, default) takes any body in any content
//     type other than JSON, or none; a JSON body is still decoded and typed;
//   - a header with x-compatible-schema validates against that schema;
//   - an operation without a default response gets one, so that any status
//     is accepted as an error.
func relax(doc *openapi3.T) error {
	r := &relaxer{schemas: map[*openapi3.Schema]*openapi3.Schema{}, responses: map[*openapi3.Response]bool{}, headers: map[*openapi3.Header]bool{}}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			if op.Responses == nil {
				op.Responses = openapi3.NewResponses()
			}
			if op.Responses.Default() == nil {
				desc := "Any other status (compatible level)."
				op.Responses.Set("default", &openapi3.ResponseRef{Value: &openapi3.Response{Description: &desc}})
			}
			for code, ref := range op.Responses.Map() {
				if ref == nil || ref.Value == nil {
					return fmt.Errorf("response %s of %s is not resolved", code, op.OperationID)
				}
				if err := r.response(ref.Value, isErrorStatus(code)); err != nil {
					return fmt.Errorf("response %s of %s: %w", code, op.OperationID, err)
				}
			}
		}
	}
	return nil
}

// isErrorStatus reports whether a response key of an operation stands for
// errors: 4XX, 5XX, their ranges, and default.
func isErrorStatus(code string) bool {
	if code == "default" {
		return true
	}
	return len(code) == 3 && (code[0] == '4' || code[0] == '5')
}

type relaxer struct {
	// schemas maps each documented schema to its relaxed copy (once each).
	schemas map[*openapi3.Schema]*openapi3.Schema
	// responses and headers are shared through $ref; relax each once.
	responses map[*openapi3.Response]bool
	headers   map[*openapi3.Header]bool
}

func (r *relaxer) response(resp *openapi3.Response, isError bool) error {
	if r.responses[resp] {
		return nil
	}
	r.responses[resp] = true
	for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
		if h := resp.Headers[name]; h != nil && h.Value != nil {
			if err := r.header(name, h.Value); err != nil {
				return err
			}
		}
	}
	content := openapi3.Content{}
	for mime, mt := range resp.Content {
		if isError && !isJSONMediaType(mime) {
			continue // replaced by the catch-all below
		}
		relaxed := *mt
		relaxed.Examples, relaxed.Example = nil, nil
		relaxed.Schema = r.schemaRef(mt.Schema)
		content[mime] = &relaxed
	}
	if isError {
		content["*/*"] = openapi3.NewMediaType().WithSchema(&openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Nullable: true})
	}
	resp.Content = content
	return nil
}

func (r *relaxer) header(name string, h *openapi3.Header) error {
	if r.headers[h] {
		return nil
	}
	r.headers[h] = true
	h.Required = false
	raw, ok := h.Extensions[compatibleSchemaExt]
	if !ok {
		h.Schema = r.schemaRef(h.Schema)
		return nil
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("header %s: %s: %w", name, compatibleSchemaExt, err)
	}
	var s openapi3.Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("header %s: %s is not a schema: %w", name, compatibleSchemaExt, err)
	}
	if err := s.Validate(context.Background()); err != nil {
		return fmt.Errorf("header %s: %s is not a valid schema: %w", name, compatibleSchemaExt, err)
	}
	h.Schema = &openapi3.SchemaRef{Value: &s}
	return nil
}

// schemaRef returns a relaxed copy of ref. The $ref name is kept, for
// messages only.
func (r *relaxer) schemaRef(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref == nil || ref.Value == nil {
		return ref
	}
	return &openapi3.SchemaRef{Ref: ref.Ref, Value: r.schema(ref.Value)}
}

func (r *relaxer) schemaRefs(refs openapi3.SchemaRefs) openapi3.SchemaRefs {
	if refs == nil {
		return nil
	}
	out := make(openapi3.SchemaRefs, len(refs))
	for i, ref := range refs {
		out[i] = r.schemaRef(ref)
	}
	return out
}

func (r *relaxer) schema(s *openapi3.Schema) *openapi3.Schema {
	if c, ok := r.schemas[s]; ok {
		return c
	}
	c := &openapi3.Schema{}
	r.schemas[s] = c // before recursing: schemas may refer to themselves
	*c = *s
	c.Nullable = true
	c.Enum, c.Const = nil, nil
	c.Required = nil
	c.Default, c.Example, c.Examples = nil, nil, nil
	c.MinLength, c.MaxLength, c.Pattern = 0, nil, ""
	c.Min, c.Max, c.MultipleOf = nil, nil, nil
	c.ExclusiveMin, c.ExclusiveMax = openapi3.ExclusiveBound{}, openapi3.ExclusiveBound{}
	c.MinItems, c.MaxItems, c.UniqueItems = 0, nil, false
	c.MinProps, c.MaxProps = 0, nil
	if c.Type == nil || !c.Type.Includes(openapi3.TypeInteger) && !c.Type.Includes(openapi3.TypeNumber) {
		c.Format = ""
	}
	c.Not = nil
	c.Items = r.schemaRef(s.Items)
	c.AllOf, c.AnyOf, c.OneOf = r.schemaRefs(s.AllOf), r.schemaRefs(s.AnyOf), r.schemaRefs(s.OneOf)
	c.AdditionalProperties = openapi3.AdditionalProperties{}
	if s.AdditionalProperties.Schema != nil {
		c.AdditionalProperties.Schema = r.schemaRef(s.AdditionalProperties.Schema)
	}
	if s.Properties != nil {
		c.Properties = make(openapi3.Schemas, len(s.Properties))
		for name, p := range s.Properties {
			c.Properties[name] = r.schemaRef(p)
		}
	}
	return c
}

// isJSONMediaType reports whether a media type key of the spec is JSON.
func isJSONMediaType(mime string) bool {
	return mime == "application/json" || len(mime) > 5 && mime[len(mime)-5:] == "+json"
}

// describeValue renders an offending value for Violation.Value: short JSON
// scalars as ASCII JSON text, anything else by kind and size, so that a long
// secret is never cut into a prefix a redactor would not recognise.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if data, err := json.Marshal(x); err == nil {
			return string(data)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case json.Number, string:
		text := fmt.Sprint(x)
		switch _, isNumber := x.(json.Number); {
		case len(text) > maxValueLen:
			return fmt.Sprintf("a string of %d bytes", len(text))
		case isNumber:
			return text
		}
		return strconv.QuoteToASCII(text)
	case map[string]any:
		return fmt.Sprintf("an object of %d members", len(x))
	case []any:
		return fmt.Sprintf("an array of %d items", len(x))
	}
	return fmt.Sprintf("a value of type %T", v)
}

// maxValueLen bounds the text of a value a Violation repeats.
const maxValueLen = 64
