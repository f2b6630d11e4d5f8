package drstest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
)

// checkAnswer validates a recorded answer to an operation against the spec.
func checkAnswer(t *testing.T, op string, rec *httptest.ResponseRecorder) {
	t.Helper()
	spec, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	path, body := "/v3/p/jobs/batch-precheck", `{"jobs":[{"job_id":"j","precheck_mode":"forStartJob"}]}`
	if op == OpBatchCheckResults {
		path, body = "/v3/p/jobs/batch-precheck-result", `{"jobs":["j"]}`
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", "t")
	ex, err := spec.ValidateRequest(context.Background(), req, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.ValidateResponse(context.Background(), ex, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

func newTestSim(t *testing.T) *Simulator {
	t.Helper()
	s, err := New(AcceptAnyToken())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The generated router's and handler's error callback answers with valid
// DRS errors that name the parameter and never quote the Go error (the
// contract's validation normally refuses these requests first).
func TestGeneratedHandlerCallback(t *testing.T) {
	s := newTestSim(t)
	for _, op := range []string{OpBatchCheckJobs, OpBatchCheckResults} {
		ctx := context.WithValue(context.Background(), infoKey{}, &requestInfo{id: "rid", op: op})
		req := httptest.NewRequest(http.MethodPost, "/", nil).WithContext(ctx)
		for _, tc := range []struct {
			err  error
			want string
		}{
			{&generated.InvalidParamFormatError{ParamName: "X-Language", Err: errors.New("bad")}, "X-Language"},
			{&generated.TooManyValuesForParamError{ParamName: "X-Language", Count: 2}, "X-Language"},
			{errors.New("can't decode JSON body"), "body"},
		} {
			rec := httptest.NewRecorder()
			s.requestError(rec, req, tc.err)
			checkAnswer(t, op, rec)
			if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"The value of parameter `+tc.want+` is invalid."`) || strings.Contains(rec.Body.String(), "decode") {
				t.Fatalf("%v: %d %s", tc.err, rec.Code, rec.Body)
			}
		}
	}
}

// Without a connection to hijack, dropping aborts the handler.
func TestDropWithoutConnection(t *testing.T) {
	s := newTestSim(t)
	_ = s.InjectFault(Fault{Kind: FaultDrop})
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Fatalf("recovered %v", r)
		}
	}()
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}

// What a request's violation is named in DRS's answer, for the violations
// TestBadRequests cannot reach (it covers X-Language, Content-Type, a missing
// job_id, an empty job ID and an unknown property).
func TestViolationField(t *testing.T) {
	cases := []struct {
		v    contract.Violation
		want string
	}{
		{contract.Violation{Field: "header X-Language /0", Rule: "enum"}, "X-Language"},
		{contract.Violation{Field: "path project_id", Rule: "minLength"}, "project_id"},
		{contract.Violation{Field: "body", Rule: "requestBody", Reason: "failed to decode"}, "body"},
		{contract.Violation{Field: "/", Rule: "properties", Reason: `no quotes`}, "body"},
		{contract.Violation{Field: "/", Rule: "properties", Reason: `property "` + strings.Repeat("x", 100) + `" is unsupported`}, "body"},
		{contract.Violation{Field: "/a~1b", Rule: "type"}, "a/b"},
		{contract.Violation{Field: "/", Rule: "type"}, "body"},
		{contract.Violation{Field: "", Rule: "route"}, "body"},
	}
	for _, tc := range cases {
		if got := violationField(&tc.v); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.v, got, tc.want)
		}
	}
	if status, code, _ := violationError(&contract.Violation{Rule: "security"}); status != 401 || code != codeAuth {
		t.Errorf("security: %d %s", status, code)
	}
	if _, code, msg := violationError(&contract.Violation{Field: "body", Rule: "requestBody", Reason: "value is required but missing"}); code != codeEmpty || msg != "Parameter jobs is empty." {
		t.Errorf("missing body: %s %s", code, msg)
	}
}

// TestProgressShapes proves what each shape reports along a pre-check with 4
// check items, at 100 s and at the longest duration (the arithmetic's
// bound), that items appear with their share of the duration, and that every
// shape ends at exactly 100%.
func TestProgressShapes(t *testing.T) {
	t0 := time.Unix(0, 0)
	items := []CheckItem{{Item: "a"}, {Item: "b"}, {Item: "c"}, {Item: "d"}}
	at := []time.Duration{0, 10, 25, 49, 50, 75, 99, 100} // percent of the duration
	for _, tc := range []struct {
		progress Progress
		want     []string
	}{
		{Progress{}, []string{"0%", "10%", "25%", "49%", "50%", "75%", "99%", "100%"}},
		{Progress{Shape: ProgressSteps}, []string{"0%", "0%", "25%", "25%", "50%", "75%", "75%", "100%"}},
		{Progress{Shape: ProgressSteps, Steps: 3}, []string{"0%", "0%", "0%", "33%", "33%", "66%", "66%", "100%"}},
		{Progress{Shape: ProgressStall, At: 40}, []string{"0%", "10%", "25%", "40%", "40%", "40%", "40%", "100%"}},
		{Progress{Shape: ProgressStall}, []string{"0%", "0%", "0%", "0%", "0%", "0%", "0%", "100%"}},
		{Progress{Shape: ProgressSlowdown}, []string{"0%", "18%", "45%", "88%", "90%", "95%", "99%", "100%"}},
		{Progress{Shape: ProgressSlowdown, At: 50}, []string{"0%", "10%", "25%", "49%", "50%", "75%", "99%", "100%"}},
	} {
		for _, d := range []time.Duration{100 * time.Second, MaxJobDuration} {
			j, err := Job{ID: "j", Duration: d, Items: items, Progress: tc.progress}.normalize()
			if err != nil {
				t.Fatalf("%+v: %v", tc.progress, err)
			}
			e := &jobEntry{Job: j, started: true, startedAt: t0}
			for k, pct := range at {
				r := e.progress(t0.Add(d * pct / 100))
				if r.Process != tc.want[k] || r.Result != (pct == 100) || len(r.PrecheckResult) != int(pct)*4/100 {
					t.Errorf("%+v over %s at %d%%: %s, result %v, %d items", tc.progress, d, pct, r.Process, r.Result, len(r.PrecheckResult))
				}
			}
			if r := e.progress(t0.Add(-time.Hour)); r.Process != "0%" || r.Result {
				t.Errorf("a clock gone backwards: %+v", r)
			}
			if r := e.progress(t0.Add(d + time.Hour)); r.Process != "100%" || len(r.PrecheckResult) != 4 {
				t.Errorf("long after the end: %+v", r)
			}
		}
	}
}

// A request verified while another one locked its key is refused when it
// settles (authenticate's early check ran before the lock was set), and
// requests settled during the lock do not count towards the next one.
func TestSettleRefusesOnceLocked(t *testing.T) {
	t0 := time.Unix(0, 0)
	var k akskKey
	for i := range lockoutFailures + 1 {
		if k.settle(t0, false) {
			t.Fatalf("failure %d refused as locked", i+1)
		}
	}
	for _, ok := range []bool{true, false, false} {
		if !k.settle(t0.Add(lockoutDuration-1), ok) {
			t.Fatalf("settle(%v) during the lock: not refused", ok)
		}
	}
	if k.settle(t0.Add(lockoutDuration), false) || k.failures != 1 {
		t.Fatalf("after the lock: %d failures counted, want 1", k.failures)
	}
}
