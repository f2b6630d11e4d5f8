package drs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Distinctive credentials: the leak tests look for them in every output.
const (
	testProject = "0123456789abcdef0123456789abcdef"
	testToken   = "TOKEN-zq7Vb9kXw3-SECRET"
	testAK      = "AKTESTKEY0000000001"
	testSK      = "SK-mR4tY8pL2nQ6-SECRET"
	testST      = "ST-hJ5cW1vD9sE3-SECRET"
)

// recorded is one request the test server received.
type recorded struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// handlerFunc answers the n-th request (1-based) of a test server.
type handlerFunc func(w http.ResponseWriter, r *http.Request, body []byte, n int)

// testServer is a loopback DRS double that records what it receives.
type testServer struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []recorded
	handler handlerFunc
}

func newServer(t *testing.T, h handlerFunc) *testServer {
	t.Helper()
	s := &testServer{handler: h}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		n := len(s.reqs)
		s.mu.Unlock()
		s.handler(w, r, body, n)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func (s *testServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// fakeClock is the client's clock in tests: sleeping advances it at once.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
	onWait func(d time.Duration) // called by sleep, if set
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	onWait := f.onWait
	f.sleeps = append(f.sleeps, d)
	f.t = f.t.Add(d)
	f.mu.Unlock()
	if onWait != nil {
		onWait(d)
	}
	return ctx.Err()
}

func (f *fakeClock) waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// violations collects the contract violations of a lenient transport.
type violations struct {
	mu   sync.Mutex
	list []*contract.Violation
}

func (v *violations) all() []*contract.Violation {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]*contract.Violation(nil), v.list...)
}

// contractClient returns an *http.Client whose every request and response is
// checked against openapi.yaml. Strict: a violation fails the round trip.
// Lenient (for tests of a misbehaving server): response violations are
// collected, request violations still fail the test.
func contractClient(t *testing.T, lenient bool) (*http.Client, *violations) {
	t.Helper()
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	tr, err := contract.NewTransport(base)
	require.NoError(t, err)
	v := &violations{}
	if lenient {
		tr.OnViolation = func(viol *contract.Violation) {
			if viol.Direction == contract.Request {
				t.Errorf("the client sent a request that breaks the contract: %v", viol)
			}
			v.mu.Lock()
			v.list = append(v.list, viol)
			v.mu.Unlock()
		}
	}
	return &http.Client{Transport: tr}, v
}

// testClient builds a Client for srv: token auth, no environment, a fake
// clock (retries do not wait), and strict contract checking.
func testClient(t *testing.T, srv *testServer, opts ...Option) (*Client, *fakeClock) {
	t.Helper()
	c, clk, _ := testClientV(t, srv, false, opts...)
	return c, clk
}

// testClientV is testClient with the choice of a lenient contract transport,
// whose violations it returns.
func testClientV(t *testing.T, srv *testServer, lenient bool, opts ...Option) (*Client, *fakeClock, *violations) {
	t.Helper()
	hc, v := contractClient(t, lenient)
	clk := newFakeClock()
	base := []Option{
		WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(testProject), WithToken(testToken),
		WithHTTPClient(hc), withClock(clk.now, clk.sleep),
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	return c, clk, v
}

// writeJSON answers with a JSON body and an X-Request-Id.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("X-Request-Id") == "" {
		w.Header().Set("X-Request-Id", "req-"+http.StatusText(status))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with a documented ErrorBody.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, generated.ErrorBody{ErrorCode: code, ErrorMsg: msg})
}

// decodeJobs parses a BatchCheckJobs request body.
func decodeJobs(t *testing.T, body []byte) []generated.PreCheckInfo {
	t.Helper()
	var req generated.BatchPrecheckReq
	if err := json.Unmarshal(body, &req); err != nil {
		t.Errorf("request body is not a BatchPrecheckReq: %v", err)
	}
	return req.Jobs
}

// startAll answers a BatchCheckJobs request: every job started.
func startAll(t *testing.T) handlerFunc {
	return func(w http.ResponseWriter, _ *http.Request, body []byte, _ int) {
		jobs := decodeJobs(t, body)
		resp := generated.BatchPrecheckResp{Count: int32(len(jobs))}
		for _, j := range jobs {
			resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: j.JobId, Status: generated.Success, PrecheckId: "pc-" + j.JobId})
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

// oneJob is the request of most single-call tests.
var oneJob = generated.BatchPrecheckReq{Jobs: []generated.PreCheckInfo{{JobId: "job-1", PrecheckMode: generated.ForStartJob}}}
