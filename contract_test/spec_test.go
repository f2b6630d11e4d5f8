package contract_test

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	drsprecheck "github.com/drsclient/drs-precheck"
	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
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

// editedSpec loads a copy of openapi.yaml with old replaced by new (old must
// occur exactly once, so the test notices when the spec changes under it).
func editedSpec(t *testing.T, old, new string) *contract.Spec {
	t.Helper()
	text := replaceOnce(t, string(drsprecheck.OpenAPISpec), old, new)
	spec, err := contract.Load([]byte(text))
	require.NoError(t, err)
	return spec
}

func clientWithSpec(t *testing.T, spec *contract.Spec, base http.RoundTripper) *generated.ClientWithResponses {
	return newClient(t, testServer, &contract.Transport{Base: base, Spec: spec})
}

// TestEditingTheSpecChangesValidation: validation is driven by openapi.yaml,
// not by code. The same request and response pass with the shipped spec and
// fail with an edited copy.
func TestEditingTheSpecChangesValidation(t *testing.T) {
	ctx := context.Background()
	shipped, err := contract.Default()
	require.NoError(t, err)

	t.Run("removing forRetryJob from the enum rejects a retry pre-check", func(t *testing.T) {
		edited := editedSpec(t, "enum: [forStartJob, forRetryJob]", "enum: [forStartJob]")
		retry := generated.BatchPrecheckReq{Jobs: []generated.PreCheckInfo{{JobId: publishedJobID, PrecheckMode: generated.PrecheckModeForRetryJob}}}
		okBody := `{"results":[{"id":"` + publishedJobID + `","status":"success","precheck_id":"` + publishedJobID + `"}],"count":1}`

		var calls atomic.Int32
		_, err := clientWithSpec(t, shipped, cannedResponse(200, jsonHeader(), okBody, &calls)).
			BatchCheckJobsWithResponse(ctx, testProject, nil, retry, withToken)
		require.NoError(t, err, "forRetryJob is valid with the shipped spec")
		require.Equal(t, int32(1), calls.Load())

		_, err = clientWithSpec(t, edited, cannedResponse(200, jsonHeader(), okBody, &calls)).
			BatchCheckJobsWithResponse(ctx, testProject, nil, retry, withToken)
		requireViolation(t, err, contract.Request, "BatchCheckJobs", "/jobs/0/precheck_mode", "enum")
		assert.Equal(t, int32(1), calls.Load(), "the edited spec stopped the request before it was sent")
	})

	t.Run("making status required: drift at the documented level, no failure at the compatible one", func(t *testing.T) {
		edited := editedSpec(t,
			"    PostPreCheckResp:\n      type: object\n",
			"    PostPreCheckResp:\n      type: object\n      required: [status]\n")
		noStatus := `{"results":[{"id":"` + publishedJobID + `"}],"count":1}`
		var calls atomic.Int32
		_, err := clientWithSpec(t, shipped, cannedResponse(200, jsonHeader(), noStatus, &calls)).
			BatchCheckJobsWithResponse(ctx, testProject, nil, validJobs, withToken)
		require.NoError(t, err, "status is optional in the shipped spec")

		_, err = clientWithSpec(t, edited, cannedResponse(200, jsonHeader(), noStatus, &calls)).
			BatchCheckJobsWithResponse(ctx, testProject, nil, validJobs, withToken)
		requireViolation(t, err, contract.Response, "BatchCheckJobs", "/results/0/status", "required")

		// The compatible level derived from the edited document drops
		// required: the same answer is drift there, not a failure.
		var drift []*contract.Violation
		_, err = newClient(t, testServer, &contract.Transport{
			Base: cannedResponse(200, jsonHeader(), noStatus, &calls), Spec: edited,
			OnDrift: func(v *contract.Violation) { drift = append(drift, v) },
		}).BatchCheckJobsWithResponse(ctx, testProject, nil, validJobs, withToken)
		require.NoError(t, err)
		require.Len(t, drift, 1)
		assert.Equal(t, "/results/0/status", drift[0].Field)
		assert.Equal(t, "required", drift[0].Rule)
	})
}

// TestBreakingGateInputs: what `make breaking` compares with is a valid
// OpenAPI document, and every entry of the allowlist (a "- METHOD /path text"
// line, the form oasdiff's --err-ignore matches) names an operation of
// openapi.yaml and sits under a heading that gives its reason.
func TestBreakingGateInputs(t *testing.T) {
	base, err := os.ReadFile("testdata/openapi.baseline.yaml")
	require.NoError(t, err)
	doc := loadDoc(t, base)
	require.NoError(t, doc.Validate(context.Background()))

	current := loadDoc(t, drsprecheck.OpenAPISpec)
	f, err := os.Open("testdata/breaking-allowlist.md")
	require.NoError(t, err)
	defer f.Close()
	heading, reasoned := "", false
	entries := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			heading, reasoned = line, false
		case strings.HasPrefix(line, "- "):
			fields := strings.Fields(line)
			require.GreaterOrEqual(t, len(fields), 4, "allowlist entry %q: want '- METHOD /path text'", line)
			method, path := fields[1], fields[2]
			require.NotEmpty(t, heading, "allowlist entry %q is under no heading", line)
			assert.True(t, reasoned, "the entries under %q come before any reason", heading)
			item := current.Paths.Value(path)
			if assert.NotNil(t, item, "allowlist entry %q names a path openapi.yaml does not have", line) {
				assert.NotNil(t, item.GetOperation(method), "allowlist entry %q names an operation openapi.yaml does not have", line)
			}
			entries++
		case strings.TrimSpace(line) != "" && heading != "":
			reasoned = true
		}
	}
	require.NoError(t, sc.Err())
	t.Logf("%d allowlisted breaking changes", entries)
}
