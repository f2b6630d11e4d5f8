package drs

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

// TestStateNames proves the names of the states, including a value out of
// range, and that the zero State is NoAnswer.
func TestStateNames(t *testing.T) {
	var zero State
	assert.Equal(t, NoAnswer, zero)
	assert.Equal(t, []string{"no_answer", "in_progress", "passed", "failed", "refused", "State(7)", "State(-1)"},
		[]string{NoAnswer.String(), InProgress.String(), Passed.String(), Failed.String(), Refused.String(), State(7).String(), State(-1).String()})
}

// TestSummary proves the one-line summaries of every state.
func TestSummary(t *testing.T) {
	failed := generated.PrecheckResult{Item: "binlog", Result: generated.PrecheckItemResultFAILED, RawErrorMsg: "raw reason"}
	for _, tc := range []struct {
		v    Verdict
		want string
	}{
		{Verdict{State: Passed}, "may start"},
		{Verdict{State: Passed, Items: []generated.PrecheckResult{{Result: generated.PrecheckItemResultALARM}, {Result: "alarm"}}}, "may start (2 alarms)"},
		{Verdict{State: Failed, Items: []generated.PrecheckResult{failed, {Item: "disk", Group: "db_disk_size", Result: "Failed"}}},
			"pre-check failed: 2 items failed: binlog: raw reason; db_disk_size/disk"},
		{Verdict{State: Refused, Err: &APIError{Code: "DRS.M00304"}}, "refused: DRS.M00304"},
		{Verdict{State: Refused, Err: &APIError{Message: "no"}}, "refused: no"},
		{Verdict{State: Refused, Err: errors.New("other")}, "refused"},
		{Verdict{State: InProgress, Progress: 12.5}, "in progress (12.5%)"},
		{Verdict{}, "no answer"},
		{Verdict{Err: errors.New("why")}, "no answer: why"},
	} {
		assert.Equal(t, tc.want, tc.v.Summary())
	}
}

// TestAPIErrorHints proves the message of an *APIError for each kind of
// answer, hint included, and its classes.
func TestAPIErrorHints(t *testing.T) {
	for _, tc := range []struct {
		e    APIError
		want string
	}{
		{APIError{Operation: opJobs, StatusCode: 404}, "drs: BatchCheckJobs: HTTP 404 Not Found; the endpoint does not serve the DRS API: check the region or endpoint"},
		{APIError{Operation: opJobs, StatusCode: 400, Code: "APIG.0101", Message: "no API"}, "drs: BatchCheckJobs: HTTP 400 Bad Request: APIG.0101: no API; the endpoint does not serve the DRS API: check the region or endpoint"},
		{APIError{Operation: opJobs, StatusCode: 413}, "drs: BatchCheckJobs: HTTP 413 Request Entity Too Large; the request is over the API gateway's 12 MB limit"},
		{APIError{Operation: opJobs, StatusCode: 504, Body: "<html>"}, `drs: BatchCheckJobs: HTTP 504 Gateway Timeout: "<html>"; a server or gateway problem: retry later`},
		{APIError{Operation: opJobs, StatusCode: 500, RequestID: "r1"}, "drs: BatchCheckJobs: HTTP 500 Internal Server Error (request ID r1); a DRS service problem: retry later, or contact support with the request ID"},
		{APIError{Operation: opJobs, StatusCode: 500}, "drs: BatchCheckJobs: HTTP 500 Internal Server Error; a server problem: retry later"},
		{APIError{Operation: opJobs, StatusCode: 599}, "drs: BatchCheckJobs: HTTP 599; a server problem: retry later"},
		{APIError{Operation: opJobs, StatusCode: 400, Code: "DRS.M00201", Message: "bad"}, "drs: BatchCheckJobs: HTTP 400 Bad Request: DRS.M00201: bad"},
		{APIError{Operation: opJobs, StatusCode: 200, JobID: "j", Code: "DRS.M00304"}, `drs: BatchCheckJobs: job "j" refused: DRS.M00304`},
		{APIError{Operation: opJobs, StatusCode: 308, Body: "redirect to https://x"}, `drs: BatchCheckJobs: HTTP 308 Permanent Redirect: "redirect to https://x"; redirects are not followed (credentials stay with the configured endpoint): check the region or endpoint`},
	} {
		assert.EqualError(t, &tc.e, tc.want)
	}
	authIn403 := &APIError{StatusCode: 403, Code: "APIGW.0301"}
	assert.ErrorIs(t, authIn403, ErrAuthentication)
	assert.NotErrorIs(t, authIn403, ErrPermission, "an authentication code wins over the status")
	assert.False(t, (&APIError{StatusCode: 429, JobID: "j"}).retryable(), "a job's refusal is not retried by the call")
	assert.False(t, (&APIError{StatusCode: 500}).Is(errors.New("other")))
}

// TestManyJobsInOneError proves that a failed call's error names its first
// five jobs and counts the rest.
func TestManyJobsInOneError(t *testing.T) {
	c, _, _ := hostile(t, raw(400, `{"error_code":"DRS.M00201","error_msg":"bad"}`))
	rep, err := c.Precheck(bg, ModeStartJob, manyJobs(7))
	require.Error(t, err)
	assert.Len(t, rep.Verdicts, 7)
	assert.Contains(t, err.Error(), `jobs ["job-00" "job-01" "job-02" "job-03" "job-04"] and 2 more: drs: BatchCheckJobs: HTTP 400`)
}

// TestErrorBodies proves how non-2xx bodies are read: the three error shapes,
// a request ID from the body when the header has none, and an excerpt of
// anything else.
func TestErrorBodies(t *testing.T) {
	for _, tc := range []struct{ body, code, msg, rid, excerpt string }{
		{`{"error_code":"DRS.M1","error_msg":"m1","request_id":"body-rid"}`, "DRS.M1", "m1", "body-rid", ""},
		{`{"code":"X.1","message":"m2"}`, "X.1", "m2", "", ""},
		{`{"error":{"code":"X.2","message":"m3"}}`, "X.2", "m3", "", ""},
		{`{"error_code":"","code":"X.3","error":"not an object"}`, "X.3", "", "", ""},
		{`not json`, "", "", "", "not json"},
		{`[1,2]`, "", "", "", "[1,2]"},
	} {
		c, _, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, tc.body)
		})
		_, err := c.Results(bg, []string{"j"})
		apiErr := errAs[*APIError](t, err, tc.body)
		assert.Equal(t, []string{tc.code, tc.msg, tc.rid, tc.excerpt}, []string{apiErr.Code, apiErr.Message, apiErr.RequestID, apiErr.Body}, tc.body)
	}
}

// TestUnusable2xxAnswers proves that a 2xx answer that is not the documented
// JSON is a *ResponseError saying what is wrong, never a verdict.
func TestUnusable2xxAnswers(t *testing.T) {
	for _, tc := range []struct{ contentType, body, reason string }{
		{"text/html", `{"results":[]}`, `Content-Type "text/html" is not JSON`},
		{"", `{"results":[]}`, `Content-Type "" is not JSON`},
		{"application/problem+json", `{"results":[{"id":"j","status":"success"}]}`, ""},
		{"application/json", ``, "the body is not a JSON object"},
		{"application/json", `[{"id":"j"}]`, "the body is not a JSON object"},
		{"application/json", `{"results":[{"id":"j","status":"success"}]`, "invalid JSON"},
		{"application/json", `{"results":{"id":"j"}}`, "/results has the wrong JSON type"},
		{"application/json", `{"results":[{"id":"j","status":"success"}]} trailing`, "invalid JSON"},
	} {
		c, _, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
			w.Header().Set("Content-Type", tc.contentType)
			_, _ = io.WriteString(w, tc.body)
		})
		rep, err := c.Precheck(bg, ModeStartJob, []string{"j"})
		if tc.reason == "" {
			require.NoError(t, err, tc.body)
			assert.Equal(t, InProgress, rep.Verdicts[0].State)
			continue
		}
		respErr := errAs[*ResponseError](t, err)
		assert.Contains(t, respErr.Reason, tc.reason, tc.body)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
	}
}

// TestReportAllPassedAndCount proves that AllPassed is true only for a
// report whose every verdict is Passed (never for a nil or empty one), and
// that Count counts verdicts by state.
func TestReportAllPassedAndCount(t *testing.T) {
	var none *Report
	assert.False(t, none.AllPassed())
	assert.Zero(t, none.Count(Passed))
	assert.False(t, (&Report{}).AllPassed())
	passed := &Report{Verdicts: []Verdict{{State: Passed}, {State: Passed}}}
	assert.True(t, passed.AllPassed())
	assert.Equal(t, 2, passed.Count(Passed))
	for _, s := range []State{NoAnswer, InProgress, Failed, Refused} {
		r := &Report{Verdicts: []Verdict{{State: Passed}, {State: s}, {State: Passed}}}
		assert.False(t, r.AllPassed(), s)
		assert.Equal(t, 2, r.Count(Passed), s)
		assert.Equal(t, 1, r.Count(s), s)
	}
	withUnmatched := &Report{Verdicts: []Verdict{{State: Passed}}, Unmatched: []Verdict{{State: Failed}}}
	assert.True(t, withUnmatched.AllPassed(), "unmatched answers decide no job")
	assert.Zero(t, withUnmatched.Count(Failed))
}
