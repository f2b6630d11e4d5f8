package drs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

// quickRetries has jitter far below any Retry-After of these tests, so the
// wait observed is the Retry-After's.
var quickRetries = RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: 7 * time.Second}

// throttleOnce answers the first request 429 with retryAfter, the others
// with every job started.
func throttleOnce(retryAfter string) handlerFunc {
	return func(w http.ResponseWriter, _ *http.Request, req recorded, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", retryAfter)
			writeJSON(w, 429, generated.ErrorBody{ErrorCode: "APIGW.0308", ErrorMsg: "throttled"})
			return
		}
		startAll(w, req)
	}
}

// TestRetryAfterIsCapped proves that a Retry-After too large to parse (or just
// large) is obeyed up to MaxRetryAfter, not ignored, and that an HTTP date
// works; the wait is observed through the client's clock.
func TestRetryAfterIsCapped(t *testing.T) {
	clk := newFakeClock()
	for _, tc := range []struct {
		name, value string
		want        time.Duration
	}{
		{"too large to parse", "99999999999999999999", 7 * time.Second},
		{"larger than the cap", "3600", 7 * time.Second},
		{"below the cap", "5", 5 * time.Second},
		{"HTTP date", clk.now().Add(4 * time.Second).Format(http.TimeFormat), 4 * time.Second},
		{"HTTP date beyond the cap", clk.now().Add(time.Hour).Format(http.TimeFormat), 7 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rc, clk := hostile(t, throttleOnce(tc.value), WithRetry(quickRetries))
			rep, err := c.Precheck(bg, ModeStartJob, []string{"job-1"})
			require.NoError(t, err)
			assert.Equal(t, InProgress, rep.Verdicts[0].State)
			assert.Equal(t, 2, rc.count())
			assert.Equal(t, []time.Duration{tc.want}, clk.waits())
		})
	}
	t.Run("past date or garbage: backoff only", func(t *testing.T) {
		for _, v := range []string{clk.now().Add(-time.Hour).Format(http.TimeFormat), "soon", "-5", ""} {
			c, _, clk := hostile(t, throttleOnce(v), WithRetry(quickRetries))
			_, err := c.Precheck(bg, ModeStartJob, []string{"job-1"})
			require.NoError(t, err)
			require.Len(t, clk.waits(), 1)
			assert.LessOrEqual(t, clk.waits()[0], time.Millisecond, v)
		}
	})
}

// TestBackoffGrowsAndIsCapped proves the exponential backoff: each wait is at
// most BaseDelay doubled per attempt, up to MaxDelay.
func TestBackoffGrowsAndIsCapped(t *testing.T) {
	c, rc, clk := hostile(t, raw(503, `{"error_code":"APIGW.0203","error_msg":"busy"}`), WithRetry(RetryPolicy{MaxAttempts: 6, BaseDelay: time.Second, MaxDelay: 3 * time.Second}))
	_, err := c.Results(bg, []string{"j"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gave up after 6 attempts")
	assert.Contains(t, err.Error(), "a server or gateway problem: retry later")
	assert.Equal(t, 6, rc.count())
	ceilings := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}
	waits := clk.waits()
	require.Len(t, waits, len(ceilings))
	for i, w := range waits {
		assert.LessOrEqual(t, w, ceilings[i], "wait %d", i)
		assert.GreaterOrEqual(t, w, time.Duration(0))
	}
}

// hang never answers: it waits for the client to give up.
func hang(_ http.ResponseWriter, r *http.Request, _ recorded, _ int) { <-r.Context().Done() }

// TestHangEndsNamingTheLimit proves that a call to a server that never
// answers (or asks for a wait past the deadline) ends saying which limit
// ended it and after how many attempts, in the message and in Attempts, and
// keeps the cause for errors.Is. Time is synctest's.
func TestHangEndsNamingTheLimit(t *testing.T) {
	busy := func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, 503, generated.ErrorBody{ErrorCode: "APIGW.0203", ErrorMsg: "busy"})
	}
	for _, tc := range []struct {
		name     string
		timeout  time.Duration // of the context; 0: none, canceled 10s into the first wait
		h        handlerFunc
		opts     []Option
		attempts int
		msgs     []string
		cause    error
	}{
		{"attempt timeout, retries exhausted", 0, hang,
			[]Option{WithAttemptTimeout(2 * time.Second), WithRetry(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Second})}, 3,
			[]string{"no answer after 3 attempts: the attempt timed out after 2s (the per-attempt limit)", "gave up after 3 attempts, the retry policy's limit"}, context.DeadlineExceeded},
		{"context deadline", 5 * time.Second, hang, []Option{WithAttemptTimeout(0)}, 1,
			[]string{"no answer after 1 attempt: the context's deadline passed"}, context.DeadlineExceeded},
		{"attempt timeouts, then the context deadline", 5 * time.Second, hang,
			[]Option{WithAttemptTimeout(2 * time.Second), WithRetry(RetryPolicy{MaxAttempts: 10, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond})}, 3,
			[]string{"no answer after 3 attempts: the context's deadline passed"}, context.DeadlineExceeded},
		{"next attempt after the deadline", 5 * time.Second, busy, nil, 1,
			[]string{"gave up after 1 attempt: the next one would start after the context's deadline"}, nil},
		{"an answer, then a hang until the deadline", 5 * time.Second, func(w http.ResponseWriter, r *http.Request, req recorded, n int) {
			if n > 1 {
				hang(w, r, req, n)
				return
			}
			writeJSON(w, 503, generated.ErrorBody{ErrorCode: "APIGW.0203", ErrorMsg: "busy"})
		}, []Option{WithAttemptTimeout(0)}, 2,
			[]string{"no answer after 2 attempts: the context's deadline passed; the last attempt: drs: BatchCheckResults: HTTP 503"}, context.DeadlineExceeded},
		{"canceled while waiting to retry", 0, busy, nil, 1,
			[]string{"no answer after 1 attempt: the context was canceled; the last attempt: drs: BatchCheckResults: HTTP 503"}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(bg)
				if tc.timeout > 0 {
					ctx, cancel = context.WithTimeout(bg, tc.timeout)
				} else if tc.cause == context.Canceled {
					time.AfterFunc(10*time.Second, cancel)
				}
				defer cancel()
				c, rc, _ := memClient(t, tc.h, nil, tc.opts...)
				start := time.Now()
				rep, err := c.Results(ctx, []string{"j"})
				assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
				assert.Equal(t, tc.attempts, rc.count())
				for _, m := range tc.msgs {
					assert.Contains(t, err.Error(), m)
				}
				var apiErr *APIError
				if tc.cause == nil {
					require.ErrorAs(t, err, &apiErr, "the answer that ended the retries")
					assert.Equal(t, 30*time.Second, apiErr.RetryAfter)
					return
				}
				tErr := errAs[*TransportError](t, err)
				assert.Equal(t, tc.attempts, tErr.Attempts)
				assert.ErrorIs(t, err, tc.cause)
				if tc.timeout == 0 && tc.cause == context.DeadlineExceeded {
					assert.LessOrEqual(t, time.Since(start), 8*time.Second, "three 2s attempts and two waits of at most 1s")
				}
				if strings.Contains(tc.msgs[0], "the last attempt") {
					assert.ErrorAs(t, err, &apiErr, "the last answer's error is kept")
				}
			})
		})
	}
}

// TestRateLimit proves that the client's rate limit spaces requests, and that
// a call whose turn would come after its context's deadline, or whose context
// is canceled while it waits, ends without sending.
func TestRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Duration
		start := time.Now()
		c, rc, _ := memClient(t, func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) {
			at = append(at, time.Since(start))
			startAll(w, req)
		}, nil, WithRateLimit(0.5, 1), WithConcurrency(1))
		_, err := c.Precheck(bg, ModeStartJob, manyJobs(3*MaxBatchSize))
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{0, 2 * time.Second, 4 * time.Second}, at, "one request every 2s")

		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		rep, err := c.Results(ctx, []string{"a"})
		tErr := errAs[*TransportError](t, err)
		assert.Zero(t, tErr.Attempts)
		assert.Contains(t, err.Error(), "no answer after 0 attempts: the client-side rate limit would wait past the context's deadline")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)

		ctx, cancel = context.WithCancel(bg)
		time.AfterFunc(time.Second, cancel)
		_, err = c.Results(ctx, []string{"a"})
		require.ErrorAs(t, err, &tErr)
		assert.Contains(t, err.Error(), "no answer after 0 attempts: the context was canceled")
		assert.Equal(t, 3, rc.count(), "neither call was sent")
	})
}

// TestStartSentButNotAnsweredIsUnknown proves that a start whose request was
// read but whose connection was dropped before an answer is "unknown
// whether started", never a refusal, and that the drop is retried.
func TestStartSentButNotAnsweredIsUnknown(t *testing.T) {
	for _, attempts := range []int{1, 3} {
		c, rc, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, WithRetry(RetryPolicy{MaxAttempts: attempts}))
		rep, err := c.PrecheckAndWait(bg, ModeStartJob, []string{"job-1", "job-2"})
		require.Error(t, err)
		assert.Equal(t, attempts, rc.count(), "a dropped connection is retried, and no poll follows")
		assert.Zero(t, rep.Polls)
		for _, v := range rep.Verdicts {
			assert.Equal(t, NoAnswer, v.State)
			assert.Contains(t, v.Err.Error(), "unknown whether the pre-checks started")
			tErr := errAs[*TransportError](t, v.Err)
			assert.Equal(t, attempts, tErr.Attempts)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTransportFailuresOfEveryPlatform proves that retries are decided by
// kind, not by the errno of one platform: a connection refused (for real,
// too), reset, aborted or timed out as Linux, macOS or Windows report it,
// failing the request or the body, is retried; a certificate that does not
// verify, a server that does not speak TLS, a scheme or header the
// transport refuses, a request the client could not build, or a host that
// does not resolve (pointing at the region or endpoint) is not. Either way
// the job is NoAnswer with a *TransportError.
func TestTransportFailuresOfEveryPlatform(t *testing.T) {
	sysErr := func(call string, errno uintptr) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError(call, syscall.Errno(errno))}
	}
	transient := map[string]error{
		"linux ECONNRESET":           sysErr("read", 104),
		"linux ECONNREFUSED":         sysErr("connect", 111),
		"linux ECONNABORTED":         sysErr("read", 103),
		"linux ETIMEDOUT":            sysErr("read", 110),
		"linux EPIPE":                sysErr("write", 32),
		"darwin ECONNRESET":          sysErr("read", 54),
		"darwin ECONNREFUSED":        sysErr("connect", 61),
		"windows WSAECONNRESET":      sysErr("wsarecv", 10054),
		"windows WSAECONNREFUSED":    sysErr("connectex", 10061),
		"windows WSAECONNABORTED":    sysErr("wsasend", 10053),
		"windows WSAETIMEDOUT":       sysErr("wsarecv", 10060),
		"windows WSAENETUNREACH":     sysErr("connectex", 10051),
		"EOF":                        io.EOF,
		"unexpected EOF":             io.ErrUnexpectedEOF,
		"an error of no known kind":  errors.New("something broke"),
		"a proxy that failed":        errors.New("proxyconnect tcp: dial tcp 192.0.2.1:3128: connect: connection refused"),
		"a DNS failure, not unknown": &net.DNSError{Err: "server misbehaving", Name: "drs.test", IsTemporary: true},
	}
	permanent := map[string]error{
		"unknown authority":        x509.UnknownAuthorityError{},
		"certificate verification": &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}},
		"wrong host name":          x509.HostnameError{Certificate: &x509.Certificate{}, Host: "drs.test"},
		"expired certificate":      x509.CertificateInvalidError{Cert: &x509.Certificate{}, Reason: x509.Expired},
		"not TLS":                  tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"},
		"HTTP to an HTTPS client":  errors.New("http: server gave HTTP response to HTTPS client"),
		"unsupported scheme":       errors.New(`unsupported protocol scheme "ftp"`),
		"invalid header":           errors.New(`net/http: invalid header field value for "User-Agent"`),
		"macOS untrusted":          errors.New(`x509: “drs.test” certificate is not trusted`),
	}
	const attempts = 3
	run := func(t *testing.T, rt roundTripFunc) (int, error) {
		t.Helper()
		var calls atomic.Int32
		c := newClient(t, "https://drs.test", &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			return rt(r)
		})}, newFakeClock(), WithRetry(RetryPolicy{MaxAttempts: attempts}))
		rep, err := c.Results(bg, []string{"job-1"})
		tErr := errAs[*TransportError](t, err)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
		assert.Equal(t, int(calls.Load()), tErr.Attempts)
		return int(calls.Load()), err
	}
	fails := func(cause error) roundTripFunc {
		return func(*http.Request) (*http.Response, error) { return nil, cause }
	}
	for name, cause := range transient {
		t.Run("retried/send/"+name, func(t *testing.T) {
			n, _ := run(t, fails(cause))
			assert.Equal(t, attempts, n)
		})
		if cause == io.EOF {
			continue // a body that ends is whole, as far as HTTP can tell
		}
		t.Run("retried/body/"+name, func(t *testing.T) {
			n, _ := run(t, func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(io.MultiReader(strings.NewReader(`{"results":[`), iotest.ErrReader(cause))), ContentLength: -1, Request: r}, nil
			})
			assert.Equal(t, attempts, n)
		})
	}
	for name, cause := range permanent {
		t.Run("not retried/"+name, func(t *testing.T) {
			n, _ := run(t, fails(cause))
			assert.Equal(t, 1, n)
		})
	}
	t.Run("retried/a loopback port that refuses", func(t *testing.T) {
		_, srv := serveHTTP(t, hang)
		srv.Close()
		n, err := run(t, toServer{srv.URL}.RoundTrip)
		assert.Equal(t, attempts, n)
		tErr := errAs[*TransportError](t, err)
		assert.Equal(t, opResults, tErr.Operation)
		assert.Contains(t, err.Error(), "no answer after 3 attempts")
		assert.Contains(t, err.Error(), "retry policy")
		assert.ErrorIs(t, err, tErr.Err)
	})
	t.Run("not retried/a host that does not resolve", func(t *testing.T) {
		n, err := run(t, fails(&net.DNSError{Err: "no such host", Name: "drs.nowhere-1.myhuaweicloud.com", IsNotFound: true}))
		assert.Equal(t, 1, n)
		assert.Contains(t, err.Error(), "the host drs.nowhere-1.myhuaweicloud.com does not resolve: check the region or endpoint")
		var dnsErr *net.DNSError
		assert.ErrorAs(t, err, &dnsErr)
	})
	t.Run("not retried/a request the client could not build", func(t *testing.T) {
		c := newClient(t, "https://drs.test", nil, newFakeClock(), WithRetry(RetryPolicy{MaxAttempts: attempts}))
		_, err := c.call(bg, new(guard), opResults, func(context.Context) (*http.Response, error) {
			return nil, errors.New("drs: read the request body to sign it: gone")
		}, new(generated.BatchQueryPrecheckResultResp))
		tErr := errAs[*TransportError](t, err)
		assert.Equal(t, 1, tErr.Attempts)
	})
}
