package bench

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drs"
)

// verifyToken checks the IAM token header of a token-authenticated request.
func verifyToken(r *http.Request, _ []byte) error {
	if got := r.Header.Get("X-Auth-Token"); got != iamToken {
		return errors.New("missing or wrong X-Auth-Token")
	}
	return nil
}

// verifySignature checks an AK/SK-signed request as the API gateway would.
func verifySignature(r *http.Request, body []byte) error {
	v := aksk.Verifier{Lookup: func(ak string) (string, bool) { return secretKey, ak == accessKey }}
	_, err := v.Verify(r, body)
	return err
}

// caller is one client under test in BenchmarkPrecheckCall.
type caller struct {
	name string
	// setup builds the client against url and returns one call, and the
	// check the server applies to the request of the untimed first call.
	setup func(tb testing.TB, url string) (call func(context.Context) error, verify func(*http.Request, []byte) error)
}

// callers are the clients compared by BenchmarkPrecheckCall, each with its
// own transport of the same settings (newTransport).
var callers = []caller{
	{"client=ours-token", func(tb testing.TB, url string) (func(context.Context) error, func(*http.Request, []byte) error) {
		c := newOursClient(tb, url, drs.WithToken(iamToken), newTransport(tb))
		return func(ctx context.Context) error { return oursCall(ctx, c) }, verifyToken
	}},
	{"client=ours-aksk", func(tb testing.TB, url string) (func(context.Context) error, func(*http.Request, []byte) error) {
		c := newOursClient(tb, url, drs.WithAKSK(accessKey, secretKey), newTransport(tb))
		return func(ctx context.Context) error { return oursCall(ctx, c) }, verifySignature
	}},
	{"client=nethttp", func(tb testing.TB, url string) (func(context.Context) error, func(*http.Request, []byte) error) {
		hc := &http.Client{Transport: newTransport(tb)}
		return func(ctx context.Context) error { return bareCall(ctx, hc, url) }, verifyToken
	}},
	{"client=nethttp-aksk", func(tb testing.TB, url string) (func(context.Context) error, func(*http.Request, []byte) error) {
		hc := &http.Client{Transport: newTransport(tb)}
		signer := &aksk.Signer{Credentials: aksk.Credentials{AccessKey: accessKey, SecretKey: secretKey}}
		return func(ctx context.Context) error { return bareSignedCall(ctx, hc, url, signer) }, verifySignature
	}},
	{"client=official-sdk", func(tb testing.TB, url string) (func(context.Context) error, func(*http.Request, []byte) error) {
		c := newOfficialClient(tb, url, accessKey, secretKey, newTransport(tb))
		req := officialRequest()
		return func(context.Context) error { return officialCall(c, req) }, verifySignature
	}},
}

// BenchmarkPrecheckCall is the headline comparison: one BatchCheckJobs call of
// one job, from the caller's function call to its checked result, against the
// same loopback server in this process (so the server's allocations count,
// equally, in every row). Keep-alive connections are reused; no retries, no
// rate limit. Run with -count ≥ 6 and compare with benchstat.
func BenchmarkPrecheckCall(b *testing.B) {
	srv := newPrecheckServer(b)
	ctx := context.Background()
	for _, c := range callers {
		b.Run(c.name, func(b *testing.B) {
			call, verify := c.setup(b, srv.URL)
			// Untimed: check what this client sends, and open the connection.
			srv.expect(b, func() error { return call(ctx) }, verify)
			timeCalls(b, func() error { return call(ctx) })
		})
	}
}

// timeCalls is the timed part of the call benchmarks: call in a b.Loop,
// with allocations and the process's CPU time per call reported.
func timeCalls(b *testing.B, call func() error) {
	b.ReportAllocs()
	cpu := startCPUMeter()
	for b.Loop() {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkContractTransport is the cost of validating every request and
// response against openapi.yaml (contract.Transport, as the CLI's --validate
// and the simulator's tests use it): the same one-job Precheck with our
// client, directly and through contract.Transport.
func BenchmarkContractTransport(b *testing.B) {
	srv := newPrecheckServer(b)
	ctx := context.Background()
	validating := func(tb testing.TB) http.RoundTripper {
		t, err := contract.NewTransport(newTransport(tb))
		if err != nil {
			tb.Fatal(err)
		}
		return t
	}
	for _, v := range []struct {
		name string
		rt   func(testing.TB) http.RoundTripper
	}{
		{"transport=direct", func(tb testing.TB) http.RoundTripper { return newTransport(tb) }},
		{"transport=contract", validating},
	} {
		b.Run(v.name, func(b *testing.B) {
			c := newOursClient(b, srv.URL, drs.WithToken(iamToken), v.rt(b))
			srv.expect(b, func() error { return oursCall(ctx, c) }, verifyToken)
			timeCalls(b, func() error { return oursCall(ctx, c) })
		})
	}
}

// TestCallersAgree runs each client of BenchmarkPrecheckCall once against the
// checking server, so that a change that breaks a benchmark's client fails
// go test ./... (CI) rather than only a benchmark run.
func TestCallersAgree(t *testing.T) {
	srv := newPrecheckServer(t)
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			call, verify := c.setup(t, srv.URL)
			for range 2 { // the second call goes over the reused connection
				srv.expect(t, func() error { return call(context.Background()) }, verify)
			}
		})
	}
	t.Run("contract", func(t *testing.T) {
		rt, err := contract.NewTransport(newTransport(t))
		if err != nil {
			t.Fatal(err)
		}
		c := newOursClient(t, srv.URL, drs.WithToken(iamToken), rt)
		srv.expect(t, func() error { return oursCall(context.Background(), c) }, verifyToken)
	})
}

// BenchmarkAttemptTimeout is the cost of the per-attempt timeout (30 s by
// default, drs.WithAttemptTimeout): our client's one-job call with the
// default and with the timeout switched off (0), against the in-process
// server of BenchmarkPrecheckCall. The difference is a context, its timer and
// net/http's cancellation hook on it, on every attempt.
func BenchmarkAttemptTimeout(b *testing.B) {
	srv := newPrecheckServer(b)
	ctx := context.Background()
	for _, auth := range []struct {
		name   string
		opt    drs.Option
		verify func(*http.Request, []byte) error
	}{
		{"token", drs.WithToken(iamToken), verifyToken},
		{"aksk", drs.WithAKSK(accessKey, secretKey), verifySignature},
	} {
		for _, timeout := range []struct {
			name  string
			extra []drs.Option
		}{
			{"default", nil},
			{"off", []drs.Option{drs.WithAttemptTimeout(0)}},
		} {
			b.Run("auth="+auth.name+"/timeout="+timeout.name, func(b *testing.B) {
				c := newOursClient(b, srv.URL, auth.opt, newTransport(b), timeout.extra...)
				srv.expect(b, func() error { return oursCall(ctx, c) }, auth.verify)
				timeCalls(b, func() error { return oursCall(ctx, c) })
			})
		}
	}
}
