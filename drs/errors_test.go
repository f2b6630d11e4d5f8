package drs

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

// TestInvalidInputReportIsNil proves that invalid input is the only case of a
// nil report: every problem is an *InputError with its index, reachable
// through the joined error, whose message shows the job ID escaped and, when
// long, cut; and nothing is sent.
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

// TestTransportErrorIsNoAnswer proves that a call that got no answer leaves
// its jobs NoAnswer with a *TransportError reachable through the joined error.
func TestTransportErrorIsNoAnswer(t *testing.T) {
	_, srv := serveHTTP(t, func(http.ResponseWriter, *http.Request, recorded, int) {})
	url := srv.URL
	srv.Close()
	c := newClient(t, url, &http.Client{}, newFakeClock(), WithRetry(RetryPolicy{MaxAttempts: 2}))
	rep, err := c.Results(bg, []string{"j"})
	require.NotNil(t, rep)
	tErr := errAs[*TransportError](t, err)
	assert.Equal(t, 2, tErr.Attempts, "a refused connection is retried")
	assert.Equal(t, opResults, tErr.Operation)
	assert.Contains(t, err.Error(), "no answer after 2 attempts")
	assert.Contains(t, err.Error(), "retry policy")
	assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
	assert.True(t, errors.Is(err, tErr.Err))
}
