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
	if rec.Header().Get(headerRequestID) == "" {
		t.Fatalf("%s: no X-Request-Id", op)
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

// The generated handler's own error callbacks answer with valid DRS errors
// (the contract's validation normally catches these requests first).
func TestGeneratedHandlerCallbacks(t *testing.T) {
	s := newTestSim(t)
	for _, op := range []string{OpBatchCheckJobs, OpBatchCheckResults} {
		ctx := context.WithValue(context.Background(), infoKey{}, &requestInfo{id: "rid", op: op})
		req := httptest.NewRequest(http.MethodPost, "/", nil).WithContext(ctx)

		rec := httptest.NewRecorder()
		s.paramError(rec, req, &generated.InvalidParamFormatError{ParamName: "X-Language", Err: errors.New("bad")})
		checkAnswer(t, op, rec)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"The value of parameter X-Language is invalid."`) {
			t.Fatalf("paramError: %d %s", rec.Code, rec.Body)
		}
		rec = httptest.NewRecorder()
		s.paramError(rec, req, &generated.TooManyValuesForParamError{ParamName: "X-Language", Count: 2})
		checkAnswer(t, op, rec)
		rec = httptest.NewRecorder()
		s.paramError(rec, req, errors.New("other"))
		checkAnswer(t, op, rec)

		rec = httptest.NewRecorder()
		s.requestError(rec, req, errors.New("can't decode JSON body"))
		checkAnswer(t, op, rec)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "DRS.M00202") || strings.Contains(rec.Body.String(), "decode") {
			t.Fatalf("requestError: %d %s", rec.Code, rec.Body)
		}

		rec = httptest.NewRecorder()
		s.responseError(rec, req, errors.New("boom"))
		checkAnswer(t, op, rec)
		if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") {
			t.Fatalf("responseError: %d %s", rec.Code, rec.Body)
		}
		// Nothing more once an answer was (partly) sent.
		rec = httptest.NewRecorder()
		sw := &statusWriter{ResponseWriter: rec, s: s, info: &requestInfo{}}
		sw.WriteHeader(200)
		s.responseError(sw, req, errors.New("boom"))
		bw := &bufferWriter{header: http.Header{}, status: 200}
		s.responseError(bw, req, errors.New("boom"))
		if rec.Body.Len() != 0 || bw.body.Len() != 0 {
			t.Fatal("responseError wrote after an answer")
		}
	}
	// A context without request info still gets a request ID.
	rec := httptest.NewRecorder()
	s.requestError(rec, httptest.NewRequest(http.MethodPost, "/", nil), errors.New("x"))
	if rec.Header().Get(headerRequestID) == "" || rec.Code != 400 {
		t.Fatalf("no request info: %d %v", rec.Code, rec.Header())
	}
}

// Faults on unknown routes answer outside the spec's operations but still
// with the gateway's formats.
func TestFaultsOnUnknownRoutes(t *testing.T) {
	s := newTestSim(t)
	for _, f := range []Fault{
		{Kind: FaultThrottle, Count: 1},
		{Kind: FaultError, Status: 503, Count: 1},
		{Kind: FaultGatewayPage, Status: 503, Count: 1},
		{Kind: FaultGatewayText, Count: 1},
	} {
		if err := s.InjectFault(f); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nowhere", nil))
		f, _ = f.normalize()
		want := f.Status
		if f.Kind == FaultThrottle {
			want = 429
		}
		if rec.Code != want || rec.Header().Get(headerRequestID) == "" {
			t.Fatalf("%s: %d %v", f.Kind, rec.Code, rec.Header())
		}
		if (want == 429 || want == 503) && rec.Header().Get("Retry-After") != "1" {
			t.Fatalf("%s: no Retry-After", f.Kind)
		}
	}
	// Without a connection to hijack, dropping aborts the handler.
	_ = s.InjectFault(Fault{Kind: FaultDrop, Count: 1})
	func() {
		defer func() {
			if r := recover(); r != http.ErrAbortHandler {
				t.Fatalf("recovered %v", r)
			}
		}()
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}()
}

func TestViolationField(t *testing.T) {
	cases := []struct {
		v    contract.Violation
		want string
	}{
		{contract.Violation{Field: "header X-Language", Rule: "enum"}, "X-Language"},
		{contract.Violation{Field: "header X-Language /0", Rule: "enum"}, "X-Language"},
		{contract.Violation{Field: "path project_id", Rule: "minLength"}, "project_id"},
		{contract.Violation{Field: "body", Rule: "requestBody", Reason: `header Content-Type has unexpected value "text/plain"`}, "Content-Type"},
		{contract.Violation{Field: "body", Rule: "requestBody", Reason: "failed to decode"}, "body"},
		{contract.Violation{Field: "/jobs/0/job_id", Rule: "required"}, "job_id"},
		{contract.Violation{Field: "/jobs/0", Rule: "minLength"}, "jobs"},
		{contract.Violation{Field: "/", Rule: "properties", Reason: `property "extra" is unsupported`}, "extra"},
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

func TestProgressArithmetic(t *testing.T) {
	t0 := time.Unix(0, 0)
	const d = MaxJobDuration
	longest := &jobEntry{Job: Job{ID: "j", Duration: d, Items: []CheckItem{{Item: "a", Result: ResultPassed}, {Item: "b", Result: ResultAlarm}}}, started: true, startedAt: t0}
	for _, tc := range []struct {
		at      time.Duration
		process string
		items   int
	}{
		{0, "0%", 0},
		{d/2 - 1, "49%", 0},
		{d / 2, "50%", 1}, // the first of two items appears at half
		{d - 1, "99%", 1},
		{d, "100%", 2},
		{d + time.Hour, "100%", 2},
	} {
		r := longest.progress(t0.Add(tc.at))
		if r.Process != tc.process || len(r.PrecheckResult) != tc.items {
			t.Errorf("at %d: %s with %d items, want %s with %d", tc.at, r.Process, len(r.PrecheckResult), tc.process, tc.items)
		}
	}
	// A clock that goes backwards reads as 0%.
	e := &jobEntry{Job: Job{ID: "j", Duration: time.Second}, started: true, startedAt: t0}
	if r := e.progress(t0.Add(-time.Hour)); r.Process != "0%" || r.Result {
		t.Errorf("backwards clock: %+v", r)
	}
	for seq := range uint64(1000) {
		if d := draw(42, seq, 1); d < 0 || d >= 1 {
			t.Fatalf("draw %v", d)
		}
	}
}

func TestSimulatorString(t *testing.T) {
	s, err := New(WithToken("secret-token"), WithAKSK("AK", "secret-key"), WithJobs(Job{ID: "j"}))
	if err != nil {
		t.Fatal(err)
	}
	out := s.String()
	if strings.Contains(out, "secret") || !strings.Contains(out, "Jobs:1") {
		t.Fatalf("String: %s", out)
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
