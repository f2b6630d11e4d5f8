package contract_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	drsprecheck "github.com/drsclient/drs-precheck"
	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
)

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

		// The same through the Spec API directly.
		req, err := generated.NewBatchCheckJobsRequest(testServer, testProject, nil, retry)
		require.NoError(t, err)
		req.Header.Set("X-Auth-Token", "REDACTED")
		body := []byte(`{"jobs":[{"job_id":"` + publishedJobID + `","precheck_mode":"forRetryJob"}]}`)
		_, err = shipped.ValidateRequest(ctx, req, body)
		require.NoError(t, err)
		_, err = edited.ValidateRequest(ctx, req, body)
		requireViolation(t, err, contract.Request, "BatchCheckJobs", "/jobs/0/precheck_mode", "enum")
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

	t.Run("a spec whose examples break it does not load", func(t *testing.T) {
		// The oneRefused example has a job whose status is failed.
		text := replaceOnce(t, string(drsprecheck.OpenAPISpec), "enum: [success, failed]", "enum: [success]")
		_, err := contract.Load([]byte(text))
		require.Error(t, err)
		t.Log(err)
		assert.Contains(t, err.Error(), "oneRefused")
	})
}
