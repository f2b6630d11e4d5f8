package contract_test

import (
	"context"
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
// validation, which checks every example (media type, parameter, header and
// schema) against the schema that applies there; a named example nobody
// references would have no schema, so there is none. contract.Default (what
// every other package uses) loads the same document.
func TestSpecIsValidOpenAPI(t *testing.T) {
	doc := loadDoc(t, drsprecheck.OpenAPISpec)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	if doc.Components != nil {
		for name := range doc.Components.Examples {
			assert.Contains(t, string(drsprecheck.OpenAPISpec), "#/components/examples/"+name, "example %s is referenced nowhere, so it cannot be validated", name)
		}
	}
	spec, err := contract.Default()
	require.NoError(t, err)
	for _, id := range []string{"BatchCheckJobs", "BatchCheckResults"} {
		assert.NotNil(t, spec.Operation(id), "operation %s is missing from the spec", id)
	}
}

// TestExampleCheckCatchesABadExample proves the validation above can fail: a
// spec whose example breaks its schema, in an operation or in a schema, is
// refused, naming the example; contract.Load refuses it too.
func TestExampleCheckCatchesABadExample(t *testing.T) {
	for _, c := range []struct{ old, new, where, value string }{
		{"                        status: failed\n                        error_code: DRS.10000010",
			"                        status: refused\n                        error_code: DRS.10000010", "example oneRefused", `"refused"`},
		{"          enum: [up, down, non-dbs]\n", "          enum: [up, down, non-dbs]\n          example: sideways\n",
			`schema "BatchQueryPrecheckResultResp": invalid example`, `"sideways"`},
	} {
		broken := replaceOnce(t, string(drsprecheck.OpenAPISpec), c.old, c.new)
		err := loadDoc(t, []byte(broken)).Validate(context.Background(), openapi3.EnableExamplesValidation())
		require.Error(t, err)
		assert.Contains(t, err.Error(), c.where)
		assert.Contains(t, err.Error(), c.value)
		_, err = contract.Load([]byte(broken))
		require.Error(t, err)
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	require.Equal(t, 1, strings.Count(s, old), "openapi.yaml changed: %q must occur exactly once", old)
	return strings.Replace(s, old, new, 1)
}
