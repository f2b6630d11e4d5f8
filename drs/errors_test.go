package drs

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

// TestInvalidInputReportIsNil proves that invalid input, and only it, gives a
// nil report: one *InputError per problem, job IDs shown escaped and cut.
func TestInvalidInputReportIsNil(t *testing.T) {
	c, rc, _ := hostile(t, raw(200, `{"results":[]}`), oneShot)
	long, over := strings.Repeat("a", 16*MaxJobIDBytes), strings.Repeat("a", MaxJobIDBytes+1)
	cutID := `"` + strings.Repeat("a", MaxJobIDBytes-len(CutMark)) + CutMark + `"`
	ids := []string{"ok-1", "", " pad", "ok-1", "bad\x00id", "bad\xffutf8", "tab\t", long, over, "job\u200b-1", "\ufeffjob-1", "job\u00ad1"}
	want := []InputError{
		{JobID: "", Index: -1, Reason: `unknown pre-check mode "forSomething"; use forStartJob or forRetryJob`},
		{JobID: "", Index: 1, Reason: "empty"},
		{JobID: " pad", Index: 2, Reason: "leading or trailing white space"},
		{JobID: "ok-1", Index: 3, Reason: "repeats the job ID at index 0"},
		{JobID: "bad\x00id", Index: 4, Reason: "a control character or invalid UTF-8"},
		{JobID: "bad\xffutf8", Index: 5, Reason: "a control character or invalid UTF-8"},
		{JobID: "tab\t", Index: 6, Reason: "leading or trailing white space"},
		{JobID: long, Index: 7, Reason: "2048 bytes long, over the 128-byte limit (DRS's job IDs have 36 characters)"},
		{JobID: over, Index: 8, Reason: "129 bytes long, over the 128-byte limit (DRS's job IDs have 36 characters)"},
		{JobID: "job\u200b-1", Index: 9, Reason: "an invisible character (U+200B)"},
		{JobID: "\ufeffjob-1", Index: 10, Reason: "an invisible character (U+FEFF)"},
		{JobID: "job\u00ad1", Index: 11, Reason: "an invisible character (U+00AD)"},
	}
	shown := map[int]string{7: cutID, 8: cutID, 9: `"job\u200b-1"`, 10: `"\ufeffjob-1"`, 11: `"job\u00ad1"`}
	calls := map[string]func() (*Report, error){
		"Precheck":        func() (*Report, error) { return c.Precheck(bg, "forSomething", ids) },
		"PrecheckAndWait": func() (*Report, error) { return c.PrecheckAndWait(bg, "forSomething", ids) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			rep, err := call()
			assert.Nil(t, rep)
			first := errAs[*InputError](t, err, "errors.As reaches an *InputError through the joined error")
			assert.Equal(t, -1, first.Index)
			var got []InputError
			for _, e := range errorsOf(err) {
				ie := errAs[*InputError](t, e)
				got = append(got, *ie)
				if s, ok := shown[ie.Index]; ok {
					assert.Contains(t, e.Error(), fmt.Sprintf("job ID %s at index %d", s, ie.Index))
					assert.Less(t, len(e.Error()), 512)
				}
			}
			assert.Equal(t, want, got)
		})
	}
	for name, call := range map[string]func([]string) (*Report, error){
		"Results": func(ids []string) (*Report, error) { return c.Results(bg, ids) },
		"Wait":    func(ids []string) (*Report, error) { return c.Wait(bg, ids) },
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := call(ids)
			assert.Nil(t, rep)
			assert.Len(t, errorsOf(err), len(want)-1, "every job ID problem, and no mode to check")
			rep, err = call(nil)
			assert.Nil(t, rep)
			ie := errAs[*InputError](t, err)
			assert.Equal(t, InputError{Index: -1, Reason: "no job IDs"}, *ie)
			assert.EqualError(t, err, "drs: invalid input, nothing was sent: no job IDs")
		})
	}
	assert.Zero(t, rc.count())
	assert.EqualError(t, &InputError{JobID: "a", Index: 2, Reason: "empty"}, `drs: invalid input, nothing was sent: job ID "a" at index 2: empty`)
	rep, _ := c.Results(bg, []string{strings.Repeat("a", MaxJobIDBytes)})
	assert.NotNil(t, rep, "an ID of MaxJobIDBytes is valid")
	assert.Equal(t, 1, rc.count(), "and sent")
}

// TestErrNonNilWheneverAJobHasNoAnswer proves that err is non-nil exactly when
// some job has no usable answer, names those jobs only, and that the report
// is still filled in.
func TestErrNonNilWheneverAJobHasNoAnswer(t *testing.T) {
	c, _, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) {
		if req.isStart() {
			writeJSON(w, 200, generated.BatchPrecheckResp{Results: []generated.PostPreCheckResp{
				{Id: "started", Status: generated.PrecheckStartStatusSuccess, PrecheckId: "p1"},
				{Id: "refused", Status: "failed", ErrorCode: "DRS.M00304", ErrorMsg: "state"},
				{Id: "garbled", Status: "maybe"},
			}})
			return
		}
		results(w, result("passed", "100%", true), result("failed", "100%", false,
			generated.PrecheckResult{Item: "binlog", Group: "db_params", Result: generated.PrecheckItemResultFAILED, FailedReason: "ROW needed"}),
			result("running", "40%", false))
	})
	rep, err := c.Precheck(bg, ModeStartJob, []string{"started", "refused", "garbled", "missing"})
	require.NotNil(t, rep)
	require.Error(t, err)
	assert.Equal(t, []State{InProgress, Refused, NoAnswer, NoAnswer}, statesOf(rep))
	assert.Equal(t, "p1", rep.Verdicts[0].PrecheckID)
	assert.Len(t, errorsOf(err), 2, "one error per job without an answer")
	assert.Contains(t, err.Error(), `job ["garbled"]`)
	assert.Contains(t, err.Error(), `job ["missing"]`)
	assert.NotContains(t, err.Error(), "refused", "a refusal is an answer")
	for _, e := range errorsOf(err) {
		var respErr *ResponseError
		assert.ErrorAs(t, e, &respErr)
	}

	rep, err = c.Results(bg, []string{"passed", "failed", "running"})
	require.NoError(t, err, "failed and in-progress pre-checks are answers")
	assert.Equal(t, []State{Passed, Failed, InProgress}, statesOf(rep))
	assert.Equal(t, "pre-check failed: 1 item failed: db_params/binlog: ROW needed", rep.Verdicts[1].Summary())

	rep, err = c.Results(bg, []string{"passed", "nowhere"})
	require.Error(t, err)
	assert.Equal(t, []State{Passed, NoAnswer}, statesOf(rep))
	assert.Equal(t, "the answer has no result for the job", errAs[*ResponseError](t, rep.Verdicts[1].Err).Reason)
	require.Len(t, rep.Unmatched, 2, "the answers about jobs not asked")
	assert.Equal(t, "failed", rep.Unmatched[0].JobID)
}

func statesOf(rep *Report) []State {
	out := make([]State, len(rep.Verdicts))
	for i, v := range rep.Verdicts {
		out[i] = v.State
	}
	return out
}

// TestRefusedAndFailedAreNotErrors proves that a report of refusals and
// failed pre-checks only comes with err == nil, and that the refusals'
// classes work on the verdicts.
func TestRefusedAndFailedAreNotErrors(t *testing.T) {
	c, _, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) {
		if req.isStart() {
			writeJSON(w, 200, generated.BatchPrecheckResp{Results: []generated.PostPreCheckResp{
				{Id: "a", Status: "failed", ErrorCode: "DRS.10000010", ErrorMsg: "no such job"},
				{Id: "b", Status: "failed", ErrorCode: "DRS.M00102", ErrorMsg: "not allowed"},
			}})
			return
		}
		results(w, result("c", "100%", false), generated.QueryPreCheckResp{PrecheckId: "d", ErrorCode: "DRS.M01503", ErrorMsg: "busy"})
	})
	rep, err := c.Precheck(bg, ModeRetryJob, []string{"a", "b"})
	require.NoError(t, err)
	assert.ErrorIs(t, rep.Verdicts[0].Err, ErrJobNotFound)
	assert.ErrorIs(t, rep.Verdicts[1].Err, ErrPermission)
	assert.Contains(t, rep.Verdicts[0].Err.Error(), `drs: BatchCheckJobs: job "a" refused: DRS.10000010: no such job (request ID req-200); check the job ID, the region and the project ID`)

	rep, err = c.Results(bg, []string{"c", "d"})
	require.NoError(t, err)
	assert.Equal(t, []State{Failed, Refused}, statesOf(rep))
	assert.ErrorIs(t, rep.Verdicts[1].Err, ErrThrottled)
	assert.Equal(t, "pre-check failed (no failed item reported)", rep.Verdicts[0].Summary())
}

// TestClassesWorkThroughTheJoinedError proves that errors.Is(err, ErrX) works
// on a call's joined error for every class, and errors.As reaches the
// *APIError, with a hint in its message.
func TestClassesWorkThroughTheJoinedError(t *testing.T) {
	for _, tc := range []struct {
		status     int
		code, hint string
		class      error
	}{
		{401, "APIGW.0301", "check the credentials", ErrAuthentication},
		{401, "", "not retried", ErrAuthentication},
		{400, "DRS.M00100", "check the credentials", ErrAuthentication},
		{403, "APIGW.0302", "check the IAM permissions", ErrPermission},
		{403, "", "check the IAM permissions", ErrPermission},
		{400, "DRS.M05003", "check the job ID", ErrJobNotFound},
		{200, "DRS.10000010", "check the job ID", ErrJobNotFound},
		{429, "APIGW.0308", "throttled", ErrThrottled},
		{400, "DRS.M01503", "throttled", ErrThrottled},
	} {
		t.Run(fmt.Sprint(tc.status, tc.code), func(t *testing.T) {
			c, rc, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
				writeJSON(w, tc.status, generated.ErrorBody{ErrorCode: tc.code, ErrorMsg: "said no", RequestId: "rid-body"})
			}, WithRetry(RetryPolicy{MaxAttempts: 2}))
			rep, err := c.Precheck(bg, ModeStartJob, []string{"j1", "j2"})
			require.NotNil(t, rep)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.class)
			for _, other := range []error{ErrAuthentication, ErrPermission, ErrJobNotFound, ErrThrottled} {
				if other != tc.class {
					assert.NotErrorIs(t, err, other)
				}
			}
			apiErr := errAs[*APIError](t, err)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, "said no", apiErr.Message)
			assert.Contains(t, err.Error(), tc.hint)
			assert.Contains(t, err.Error(), `jobs ["j1" "j2"]`, "one error for the call, naming its jobs")
			assert.Len(t, errorsOf(err), 1)
			for _, v := range rep.Verdicts {
				assert.Equal(t, NoAnswer, v.State)
				assert.ErrorIs(t, v.Err, tc.class)
				assert.Equal(t, "req-"+fmt.Sprint(tc.status), v.RequestID)
			}
			wantRequests := 1
			if tc.class == ErrThrottled && tc.status != 200 {
				wantRequests = 2
			}
			assert.Equal(t, wantRequests, rc.count(), "only throttling is retried")
		})
	}
}

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
