package drs

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/generated"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Distinctive credentials, with characters that URL and JSON encodings
// change, so that the leak tests can look for every form of them.
const (
	testProject = "0123456789abcdef0123456789abcdef"
	testToken   = "MIItok/en+A<b>&c=Secret_zq7Vb9kXw3"
	testAK      = "AKTESTKEY0000000001"
	testSK      = "sK/9+x<y>&z=Secret_mR4tY8pL2nQ6"
	testST      = "ST/hJ5+c<W>&v=Secret_vD9sE3qq"
)

// withClock replaces the client's clock: now for signatures, deadlines and
// Retry-After dates, sleep for every backoff and poll interval.
func withClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) { s.now, s.sleep = now, sleep }
}

// withAKSK replaces newClient's token with AK/SK credentials (and a
// security token, when st is not empty).
func withAKSK(ak, sk, st string) Option {
	return func(s *settings) {
		s.creds.Token, s.tokenSet = "", false
		WithAKSK(ak, sk)(s)
		if st != "" {
			WithSecurityToken(st)(s)
		}
	}
}

// fakeClock is a client clock whose sleeps return at once (or with the
// context's error) and advance it; it records every sleep.
type fakeClock struct {
	mu      sync.Mutex
	t       time.Time
	sleeps  []time.Duration
	onSleep func(n int, d time.Duration) // called after the n-th sleep (1-based), if set
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	f.t = f.t.Add(max(d, 0))
	n, hook := len(f.sleeps), f.onSleep
	f.mu.Unlock()
	if hook != nil {
		hook(n, d)
	}
	return ctx.Err()
}

func (f *fakeClock) waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// recorded is one request a test server received.
type recorded struct {
	Path string
	Jobs []string // the job IDs asked about, for either operation
}

// isStart reports whether the request is a BatchCheckJobs call.
func (r recorded) isStart() bool { return strings.HasSuffix(r.Path, "/batch-precheck") }

// handlerFunc answers the n-th request (1-based) a recorder received.
type handlerFunc func(w http.ResponseWriter, r *http.Request, req recorded, n int)

// recorder is a DRS double that records what it receives and answers with
// a handler; serve it over loopback (serveHTTP) or in memory (memClient).
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	h    handlerFunc
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	rec := recorded{Path: r.URL.Path, Jobs: parseJobs(r.URL.Path, body)}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, rec)
	n := len(rc.reqs)
	rc.mu.Unlock()
	rc.h(w, r, rec, n)
}

func (rc *recorder) requests() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.reqs...)
}

func (rc *recorder) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

// parseJobs reads the job IDs of either request body.
func parseJobs(path string, body []byte) []string {
	if (recorded{Path: path}).isStart() {
		var req generated.BatchPrecheckReq
		_ = json.Unmarshal(body, &req)
		out := make([]string, len(req.Jobs))
		for i, j := range req.Jobs {
			out[i] = j.JobId
		}
		return out
	}
	var req generated.BatchQueryPrecheckResultReq
	_ = json.Unmarshal(body, &req)
	return req.Jobs
}

// serveHTTP serves h on a loopback httptest server and returns the recorder
// and the server's URL.
func serveHTTP(t testing.TB, h handlerFunc) (*recorder, *httptest.Server) {
	t.Helper()
	rc := &recorder{h: h}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

// newClient builds a client for endpoint: token auth, no environment, the
// fake clock (retries and polls do not wait), then opts.
func newClient(t testing.TB, endpoint string, hc *http.Client, clk *fakeClock, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithoutEnvironment(), WithEndpoint(endpoint), WithProjectID(testProject), WithToken(testToken), WithHTTPClient(hc)}
	if clk != nil {
		base = append(base, withClock(clk.now, clk.sleep))
	}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// hostile serves h over loopback and returns a client for it (token auth,
// fake clock) with opts.
func hostile(t testing.TB, h handlerFunc, opts ...Option) (*Client, *recorder, *fakeClock) {
	t.Helper()
	rc, srv := serveHTTP(t, h)
	clk := newFakeClock()
	return newClient(t, srv.URL, srv.Client(), clk, opts...), rc, clk
}

// memClient is hostile over an in-memory transport: no socket, so it works
// inside a synctest bubble, and the transport counts the body bytes read.
// clk may be nil (the real clock, which synctest fakes).
func memClient(t testing.TB, h handlerFunc, clk *fakeClock, opts ...Option) (*Client, *recorder, *handlerTransport) {
	t.Helper()
	rc := &recorder{h: h}
	tr := &handlerTransport{h: rc}
	return newClient(t, "https://drs.test", &http.Client{Transport: tr}, clk, opts...), rc, tr
}

// handlerTransport is an http.RoundTripper that serves each request with an
// http.Handler in memory. The response body streams through an io.Pipe,
// which does not buffer: the bytes the handler managed to write are exactly
// the bytes the client read.
type handlerTransport struct {
	h       http.Handler
	read    atomic.Int64   // response body bytes written by the handler and read by the client
	serving sync.WaitGroup // the handlers still running
}

// done waits for every handler to return; read is final after it.
func (t *handlerTransport) done() { t.serving.Wait() }

func (t *handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	ctx := req.Context()
	sreq := req.Clone(ctx)
	sreq.Body = io.NopCloser(bytes.NewReader(body))
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "192.0.2.1:1234"
	pr, pw := io.Pipe()
	w := &pipeWriter{t: t, pw: pw, header: http.Header{}, ready: make(chan struct{})}
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	t.serving.Add(1)
	go func() {
		defer t.serving.Done()
		defer func() {
			w.WriteHeader(http.StatusOK)
			_ = pw.Close()
		}()
		t.h.ServeHTTP(w, sreq)
	}()
	select {
	case <-w.ready:
	case <-ctx.Done():
		pr.CloseWithError(ctx.Err())
		return nil, ctx.Err()
	}
	cl, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64)
	if err != nil {
		cl = -1
	}
	return &http.Response{
		Status: strconv.Itoa(w.status) + " " + http.StatusText(w.status), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sent, ContentLength: cl, Request: req,
		Body: pipeBody{pr, stop},
	}, nil
}

// pipeWriter is the handler's side of a handlerTransport exchange.
type pipeWriter struct {
	t      *handlerTransport
	pw     *io.PipeWriter
	header http.Header
	sent   http.Header
	status int
	once   sync.Once
	ready  chan struct{}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(status int) {
	w.once.Do(func() {
		w.status, w.sent = status, w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	n, err := w.pw.Write(p)
	w.t.read.Add(int64(n))
	return n, err
}

func (w *pipeWriter) Flush() {}

// pipeBody is the client's side: closing it stops the handler's writes.
type pipeBody struct {
	*io.PipeReader
	stop func() bool
}

func (b pipeBody) Close() error {
	b.stop()
	return b.CloseWithError(io.ErrClosedPipe)
}

// writeJSON answers with a JSON body and an X-Request-Id.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	writeRaw(w, status, string(b))
}

// writeRaw answers with body as application/json and an X-Request-Id.
func writeRaw(w http.ResponseWriter, status int, body string) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if w.Header().Get("X-Request-Id") == "" {
		w.Header().Set("X-Request-Id", "req-"+strconv.Itoa(status))
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// raw answers every request with status and body.
func raw(status int, body string) handlerFunc {
	return func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) { writeRaw(w, status, body) }
}

// startAll answers BatchCheckJobs: every job asked started, with its job ID
// as its pre-check ID.
func startAll(w http.ResponseWriter, req recorded) {
	resp := generated.BatchPrecheckResp{Count: int32(len(req.Jobs))}
	for _, id := range req.Jobs {
		resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: id, Status: generated.PrecheckStartStatusSuccess, PrecheckId: id})
	}
	writeJSON(w, http.StatusOK, resp)
}

// result is a BatchCheckResults entry for one job.
func result(id, process string, passed bool, items ...generated.PrecheckResult) generated.QueryPreCheckResp {
	rate := "100%"
	for _, it := range items {
		if it.Result == generated.PrecheckItemResultFAILED {
			rate = "50%"
		}
	}
	if process != "100%" {
		rate = ""
	}
	return generated.QueryPreCheckResp{PrecheckId: id, Process: process, Result: passed, TotalPassedRate: rate, PrecheckResult: items}
}

// results answers BatchCheckResults with entries.
func results(w http.ResponseWriter, entries ...generated.QueryPreCheckResp) {
	writeJSON(w, http.StatusOK, generated.BatchQueryPrecheckResultResp{Count: int32(len(entries)), Results: entries})
}

// errorsOf flattens a joined error (and joined errors inside it) into its
// leaves, in order.
func errorsOf(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, errorsOf(e)...)
		}
		return out
	}
	return []error{err}
}

// errAs requires an E in err's chain and returns it.
func errAs[E error](t testing.TB, err error, msgAndArgs ...any) E {
	t.Helper()
	var e E
	require.ErrorAs(t, err, &e, msgAndArgs...)
	return e
}

// callOp calls Precheck (opJobs) or Results (opResults) about jobs.
func callOp(ctx context.Context, c *Client, op string, jobs ...string) (*Report, error) {
	if op == opJobs {
		return c.Precheck(ctx, ModeStartJob, jobs)
	}
	return c.Results(ctx, jobs)
}

// oneShot is a retry policy without retries.
var oneShot = WithRetry(RetryPolicy{MaxAttempts: 1})

var bg = context.Background()
