package contract_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
)

// roundTripFunc is an in-process http.RoundTripper: these tests need exact
// control of the headers (net/http's server would sniff a Content-Type) and
// no network at all.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// cannedResponse answers every request with status, headers and body, and
// counts the requests that got through.
func cannedResponse(status int, header http.Header, body string, calls *atomic.Int32) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			_ = r.Body.Close()
		}
		return &http.Response{
			StatusCode: status,
			Status:     http.StatusText(status),
			Header:     header,
			Body:       io.NopCloser(strings.NewReader(body)),
			Request:    r,
		}, nil
	})
}

const (
	testServer  = "https://drs.cn-north-4.myhuaweicloud.com"
	testProject = "054ba152d480d55b2f5dc0069e7ddef0"
	// marker is put into bad values: a Violation's message names the field and
	// the rule, never the offending value (it could be a secret).
	marker = "MARKER7f3e"
)

func withToken(_ context.Context, req *http.Request) error {
	req.Header.Set("X-Auth-Token", "REDACTED")
	return nil
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

var validJobs = generated.BatchPrecheckReq{Jobs: []generated.PreCheckInfo{{JobId: publishedJobID, PrecheckMode: generated.PrecheckModeForStartJob}}}

// requireViolation unwraps err into a *contract.Violation and checks where it
// points.
func requireViolation(t *testing.T, err error, dir contract.Direction, op, field, rule string) *contract.Violation {
	t.Helper()
	require.Error(t, err)
	var v *contract.Violation
	require.True(t, errors.As(err, &v), "want a *contract.Violation, got %T: %v", err, err)
	t.Log(v.Error())
	assert.Equal(t, dir, v.Direction)
	assert.Equal(t, op, v.Operation)
	assert.Equal(t, field, v.Field)
	assert.Equal(t, rule, v.Rule)
	assert.Contains(t, v.Error(), "field "+field, "the message names the field")
	assert.Contains(t, err.Error(), field)
	assert.NotContains(t, v.Error(), marker, "the message must not repeat the offending value")
	return v
}

type call func(*generated.ClientWithResponses) error

func callJobs(c *generated.ClientWithResponses) error {
	_, err := c.BatchCheckJobsWithResponse(context.Background(), testProject, nil, validJobs, withToken)
	return err
}

func callResults(c *generated.ClientWithResponses) error {
	_, err := c.BatchCheckResultsWithResponse(context.Background(), testProject, nil,
		generated.BatchQueryPrecheckResultReq{Jobs: []string{publishedJobID}}, withToken)
	return err
}

// TestAnswersAtTwoLevels: through the two-level transport (the CLI's
// --validate, the live and replay tests) each answer that breaks the
// compatible level is the round trip's error, naming the field and the rule
// and not the value; decodeFails says the generated client itself cannot
// read it either (in report mode the answer gets through the contract and the
// generated client's parse fails). An answer that departs from the
// documented level only (enums, a status the spec does not list, an
// HTTP-date Retry-After) passes: the departure goes to OnDrift naming the
// field, its Warning shows the value, and the documented level alone (the
// simulator's) rejects the same answer.
func TestAnswersAtTwoLevels(t *testing.T) {
	throttled := func(retryAfter string) http.Header {
		return http.Header{"Content-Type": {"application/json"}, "Retry-After": {retryAfter}}
	}
	const J, R = "BatchCheckJobs", "BatchCheckResults"
	cases := []struct {
		name        string
		call        call
		op          string
		status      int
		header      http.Header
		body        string
		field, rule string
		drift       string // the value of a drift; "" for a compatible violation
		decodeFails bool
	}{
		{"valid (control)", callJobs, J, 200, jsonHeader(),
			`{"results":[{"id":"j1","status":"success","precheck_id":"j1"}],"count":1}`, "", "", "", false},
		{"count is a string", callJobs, J, 200, jsonHeader(), `{"results":[],"count":"1"}`, "/count", "type", "", true},
		{"count overflows int32", callJobs, J, 200, jsonHeader(), `{"results":[],"count":3000000000}`, "/count", "format", "", true},
		{"result is a string", callResults, R, 200, jsonHeader(),
			`{"count":1,"results":[{"result":"true","process":"100%"}]}`, "/results/0/result", "type", "", true},
		{"is_skipped is a string", callResults, R, 200, jsonHeader(),
			`{"results":[{"precheck_result":[{"result":"PASSED","is_skipped":"no"}]}]}`, "/results/0/precheck_result/0/is_skipped", "type", "", true},
		{"failed_sub_jobs is not an array", callResults, R, 200, jsonHeader(),
			`{"results":[{"precheck_result":[{"result":"FAILED","failed_sub_jobs":{"id":"s1"}}]}]}`,
			"/results/0/precheck_result/0/failed_sub_jobs", "type", "", true},
		{"malformed JSON", callResults, R, 200, jsonHeader(), `{"results":[{"precheck_id":`, "body", "responseBody", "", true},
		{"empty JSON body", callJobs, J, 200, jsonHeader(), ``, "body", "responseBody", "", true},
		{"malformed JSON error body", callJobs, J, 500, jsonHeader(), `{"error_code":"DRS.M`, "body", "responseBody", "", true},
		{"error_code is a number", callResults, R, 401, jsonHeader(), `{"error_code":401}`, "/error_code", "type", "", true},
		{"nested error is a string", callJobs, J, 403, jsonHeader(), `{"error":"forbidden-` + marker + `"}`, "/error", "type", "", true},
		{"missing Content-Type on a 200", callJobs, J, 200, http.Header{},
			`{"results":[],"count":0}`, "header Content-Type", "content-type", "", false},
		{"HTML page with status 200", callJobs, J, 200, http.Header{"Content-Type": {"text/html"}},
			`<html><body>OK</body></html>`, "header Content-Type", "content-type", "", false},
		{"Retry-After is a word", callJobs, J, 429, throttled("soon-" + marker),
			`{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}`, "header Retry-After", "pattern", "", false},
		{"Retry-After is negative", callJobs, J, 429, throttled("-1"),
			`{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}`, "header Retry-After", "pattern", "", false},
		// Drift.
		{"unknown start status", callJobs, J, 200, jsonHeader(),
			`{"results":[{"id":"j1","status":"queued-` + marker + `"}],"count":1}`, "/results/0/status", "enum", `"queued-` + marker + `"`, false},
		{"unknown precheck_result result", callResults, R, 200, jsonHeader(),
			`{"count":1,"results":[{"result":true,"precheck_result":[{"item":"srcDbConnection","result":"WARNING-` + marker + `"}]}]}`,
			"/results/0/precheck_result/0/result", "enum", `"WARNING-` + marker + `"`, false},
		{"unknown job_direction", callResults, R, 200, jsonHeader(),
			`{"count":1,"results":[{"job_direction":"sideways-` + marker + `"}]}`, "/results/0/job_direction", "enum", `"sideways-` + marker + `"`, false},
		{"undocumented status 418", callJobs, J, http.StatusTeapot, jsonHeader(),
			`{"error_code":"X","error_msg":"teapot"}`, "status", "status", "418", false},
		{"Retry-After as an HTTP date", callResults, R, 503, http.Header{"Content-Type": {"text/plain"}, "Retry-After": {"Wed, 12 Mar 2025 08:20:00 GMT"}},
			"Service Unavailable", "header Retry-After", "pattern", `"Wed, 12 Mar 2025 08:20:00 GMT"`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			answer := func() http.RoundTripper { return cannedResponse(tc.status, tc.header, tc.body, &calls) }
			c, drift := twoLevelClient(t, testServer, answer())
			err := tc.call(c)
			assert.Equal(t, int32(1), calls.Load(), "the request was valid and must have been sent")
			switch {
			case tc.field == "":
				require.NoError(t, err)
				assert.Empty(t, *drift)
			case tc.drift != "":
				require.NoError(t, err, "drift must not fail the round trip")
				require.Len(t, *drift, 1)
				v := (*drift)[0]
				assert.Equal(t, contract.Documented, v.Level)
				assert.Equal(t, tc.field, v.Field)
				assert.Equal(t, tc.rule, v.Rule)
				assert.Equal(t, tc.drift, v.Value)
				assert.Contains(t, v.Warning(), "got "+tc.drift, "the warning names the value")
				assert.Contains(t, v.Warning(), "field "+tc.field)
				assert.NotContains(t, v.Error(), marker)

				strict := requireViolation(t, tc.call(strictClient(t, testServer, answer())), contract.Response, tc.op, tc.field, tc.rule)
				assert.Equal(t, contract.Documented, strict.Level, "at the documented level alone, drift fails")
			default:
				assert.Empty(t, *drift, "no drift is reported beside a compatible violation")
				v := requireViolation(t, err, contract.Response, tc.op, tc.field, tc.rule)
				assert.Equal(t, tc.status, v.Status)
				assert.Equal(t, contract.Compatible, v.Level)

				var reported []*contract.Violation
				err = tc.call(newClient(t, testServer, &contract.Transport{
					Base:        answer(),
					OnViolation: func(v *contract.Violation) { reported = append(reported, v) },
					OnDrift:     func(v *contract.Violation) { t.Errorf("unexpected drift: %s", v.Warning()) },
				}))
				require.Len(t, reported, 1)
				assert.Equal(t, tc.field, reported[0].Field)
				if tc.decodeFails {
					assert.Error(t, err, "the generated client cannot read this answer either")
				} else {
					assert.NoError(t, err, "the generated client leaves this answer unparsed")
				}
			}
		})
	}
}

// TestRequestsThatBreakTheSpecAreNotSent: a request that breaks the spec is
// refused before it leaves the process.
func TestRequestsThatBreakTheSpecAreNotSent(t *testing.T) {
	ctx := context.Background()
	jobs := func(params *generated.BatchCheckJobsParams, body generated.BatchPrecheckReq, editors ...generated.RequestEditorFn) call {
		return func(c *generated.ClientWithResponses) error {
			_, err := c.BatchCheckJobsWithResponse(ctx, testProject, params, body, editors...)
			return err
		}
	}
	raw := func(body string) call {
		return func(c *generated.ClientWithResponses) error {
			_, err := c.BatchCheckJobsWithBodyWithResponse(ctx, testProject, nil, "application/json", strings.NewReader(body), withToken)
			return err
		}
	}
	bearer := func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+marker)
		return nil
	}
	cases := []struct {
		name        string
		call        call
		op          string
		field, rule string
	}{
		{"valid (control)", jobs(nil, validJobs, withToken), "BatchCheckJobs", "", ""},
		{"empty jobs", jobs(nil, generated.BatchPrecheckReq{Jobs: []generated.PreCheckInfo{}}, withToken), "BatchCheckJobs", "/jobs", "minItems"},
		{"jobs is null", jobs(nil, generated.BatchPrecheckReq{}, withToken), "BatchCheckJobs", "/jobs", "nullable"},
		{"missing precheck_mode", raw(`{"jobs":[{"job_id":"` + publishedJobID + `"}]}`), "BatchCheckJobs", "/jobs/0/precheck_mode", "required"},
		{"unknown precheck_mode", raw(`{"jobs":[{"job_id":"j1","precheck_mode":"forEver-` + marker + `"}]}`), "BatchCheckJobs", "/jobs/0/precheck_mode", "enum"},
		{"empty job_id", raw(`{"jobs":[{"job_id":"","precheck_mode":"forStartJob"}]}`), "BatchCheckJobs", "/jobs/0/job_id", "minLength"},
		{"unknown request field", raw(`{"jobs":[{"job_id":"j1","precheck_mode":"forStartJob"}],"dry_run":true}`), "BatchCheckJobs", "/", "properties"},
		{"bad X-Language", jobs(&generated.BatchCheckJobsParams{XLanguage: "fr-" + marker}, validJobs, withToken), "BatchCheckJobs", "header X-Language", "enum"},
		// The generated client sets X-Language whenever params is not nil:
		// callers pass nil or a language.
		{"zero params send an empty X-Language", jobs(&generated.BatchCheckJobsParams{}, validJobs, withToken), "BatchCheckJobs", "header X-Language", "enum"},
		{"no auth header", jobs(nil, validJobs), "BatchCheckJobs", "header X-Auth-Token or Authorization", "security"},
		{"Authorization that is not an SDK-HMAC-SHA256 signature", jobs(nil, validJobs, bearer), "BatchCheckJobs", "header X-Auth-Token or Authorization", "security"},
		{"duplicate job IDs in a results query", func(c *generated.ClientWithResponses) error {
			_, err := c.BatchCheckResultsWithResponse(ctx, testProject, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"j1", "j1"}}, withToken)
			return err
		}, "BatchCheckResults", "/jobs", "uniqueItems"},
		{"precheck IDs as objects in a results query", func(c *generated.ClientWithResponses) error {
			_, err := c.BatchCheckResultsWithBodyWithResponse(ctx, testProject, nil, "application/json", strings.NewReader(`{"jobs":[{"job_id":"j1"}]}`), withToken)
			return err
		}, "BatchCheckResults", "/jobs/0", "type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c := strictClient(t, testServer, cannedResponse(200, jsonHeader(), `{"results":[],"count":0}`, &calls))
			err := tc.call(c)
			if tc.field == "" {
				require.NoError(t, err)
				assert.Equal(t, int32(1), calls.Load())
				return
			}
			requireViolation(t, err, contract.Request, tc.op, tc.field, tc.rule)
			assert.Zero(t, calls.Load(), "a request that breaks the contract must not be sent")

			// In report mode (the CLI's --validate) the request is sent and
			// the answer still validated: here a count that is a string.
			var got []*contract.Violation
			err = tc.call(newClient(t, testServer, &contract.Transport{
				Base:        cannedResponse(200, jsonHeader(), `{"results":[],"count":"1"}`, &calls),
				OnViolation: func(v *contract.Violation) { got = append(got, v) },
			}))
			require.Error(t, err, "the generated client cannot decode a string count into int32")
			assert.Equal(t, int32(1), calls.Load())
			require.Len(t, got, 2)
			assert.Equal(t, contract.Request, got[0].Direction)
			assert.Equal(t, tc.field, got[0].Field)
			assert.Equal(t, contract.Response, got[1].Direction)
			assert.Equal(t, "/count", got[1].Field)
		})
	}
}
