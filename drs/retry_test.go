package drs

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastRetry keeps the backoff tiny, so that Retry-After decides the waits.
var fastRetry = WithRetry(RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})

func TestRetryOn429HonoursRetryAfter(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "3")
			writeError(w, http.StatusTooManyRequests, "APIGW.0308", "The throttling threshold has been reached")
			return
		}
		startAll(t)(w, r, body, n)
	})
	c, clk := testClient(t, srv, fastRetry)
	resp, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Len(t, resp.Results, 1)
	assert.Equal(t, 2, srv.count())
	assert.Equal(t, []time.Duration{3 * time.Second}, clk.waits())
}

func TestRetryAfterIsCapped(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "3600")
			writeError(w, http.StatusServiceUnavailable, "APIGW.0613", "IAM is unavailable")
			return
		}
		startAll(t)(w, r, body, n)
	})
	c, clk := testClient(t, srv, WithRetry(RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 10 * time.Second}))
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{10 * time.Second}, clk.waits())
}

func TestRetryOn503And504ThenSuccess(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		switch n {
		case 1:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<html><body>503 Service Temporarily Unavailable</body></html>")
		case 2:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusGatewayTimeout)
			_, _ = io.WriteString(w, "upstream timed out")
		default:
			startAll(t)(w, r, body, n)
		}
	})
	c, clk := testClient(t, srv, WithRetry(RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: 150 * time.Millisecond}))
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Equal(t, 3, srv.count())
	waits := clk.waits()
	require.Len(t, waits, 2)
	assert.LessOrEqual(t, waits[0], 100*time.Millisecond, "first backoff is at most BaseDelay")
	assert.LessOrEqual(t, waits[1], 150*time.Millisecond, "backoff is capped at MaxDelay")
}

func TestRetryOnConnectionReset(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if n == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close() // the connection breaks before any answer
			}
			return
		}
		startAll(t)(w, r, body, n)
	})
	c, clk := testClient(t, srv, fastRetry)
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.count())
	assert.Len(t, clk.waits(), 1)
}

func TestConnectionRefusedGivesUpAfterMaxAttempts(t *testing.T) {
	srv := newServer(t, startAll(t))
	url := srv.URL
	srv.Close() // nothing listens there any more
	hc, _ := contractClient(t, false)
	clk := newFakeClock()
	c, err := New(WithoutEnvironment(), WithEndpoint(url), WithProjectID(testProject), WithToken(testToken),
		WithHTTPClient(hc), withClock(clk.now, clk.sleep), fastRetry)
	require.NoError(t, err)
	_, err = c.BatchCheckJobs(context.Background(), oneJob)
	require.Error(t, err)
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	assert.True(t, IsRetryable(err))
	assert.Contains(t, err.Error(), "gave up after 4 attempts")
	assert.Len(t, clk.waits(), 3)
}

func TestGiveUpAfterMaxAttempts(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeError(w, http.StatusServiceUnavailable, "APIGW.0613", "IAM is unavailable")
	})
	c, clk := testClient(t, srv, WithRetry(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.Error(t, err)
	assert.Equal(t, 3, srv.count())
	assert.Len(t, clk.waits(), 2)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "gave up after 3 attempts")
	assert.True(t, IsRetryable(err))
}

func TestNoRetryOnAuthenticationOrValidation(t *testing.T) {
	cases := []struct {
		status int
		code   string
	}{
		{http.StatusUnauthorized, "APIGW.0301"},
		{http.StatusUnauthorized, "APIGW.0307"},
		{http.StatusForbidden, "DRS.M00100"},
		{http.StatusBadRequest, "DRS.M00201"},
		{http.StatusBadRequest, "DRS.M00304"},
		{http.StatusInternalServerError, "DRS.M00004"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
				writeError(w, tc.status, tc.code, "no")
			})
			c, clk := testClient(t, srv) // default policy: up to 4 attempts
			_, err := c.BatchCheckJobs(context.Background(), oneJob)
			require.Error(t, err)
			assert.Equal(t, 1, srv.count(), "must not retry")
			assert.Empty(t, clk.waits())
			assert.False(t, IsRetryable(err))
			assert.NotContains(t, err.Error(), "gave up")
		})
	}
}

func TestRetryOnDRSThrottlingCodeIn400(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if n == 1 {
			writeError(w, http.StatusBadRequest, "DRS.M01503", "Operation too frequent, try again later.")
			return
		}
		startAll(t)(w, r, body, n)
	})
	c, _ := testClient(t, srv, fastRetry)
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.count())
}

func TestCancellationMidRetry(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeError(w, http.StatusServiceUnavailable, "APIGW.0613", "IAM is unavailable")
	})
	c, clk := testClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk.onWait = func(time.Duration) { cancel() } // cancelled while waiting to retry
	_, err := c.BatchCheckJobs(ctx, oneJob)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr, "the last answer is kept")
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	assert.Equal(t, 1, srv.count())
	assert.Contains(t, err.Error(), "context canceled")
}

func TestNoSleepPastTheDeadline(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusTooManyRequests, "APIGW.0308", "The throttling threshold has been reached")
	})
	c, clk := testClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.BatchCheckJobs(ctx, oneJob)
	require.Error(t, err)
	assert.Empty(t, clk.waits(), "a wait that would pass the deadline is not started")
	assert.Equal(t, 1, srv.count())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, IsThrottled(err))
	assert.Contains(t, err.Error(), "deadline")
}

func TestContextAlreadyDone(t *testing.T) {
	srv := newServer(t, startAll(t))
	c, _ := testClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.BatchCheckJobs(ctx, oneJob)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, srv.count())
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if n == 1 {
			select { // hang until the client gives up on the attempt
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		startAll(t)(w, r, body, n)
	})
	c, clk := testClient(t, srv, WithAttemptTimeout(100*time.Millisecond), fastRetry)
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.count())
	assert.Len(t, clk.waits(), 1)
}

func TestAttemptTimeoutError(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	c, _ := testClient(t, srv, WithAttemptTimeout(50*time.Millisecond), WithoutRetries())
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	assert.True(t, tErr.Timeout)
	assert.True(t, IsRetryable(err))
	assert.Contains(t, err.Error(), "WithAttemptTimeout")
}

func TestBackoffIsBoundedFullJitter(t *testing.T) {
	c := &Client{retry: RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: time.Minute}}
	for attempt := 1; attempt <= 40; attempt++ {
		ceiling := min(time.Second, 100*time.Millisecond<<min(attempt-1, 20))
		for range 50 {
			d := c.backoff(attempt, errors.New("x"))
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, ceiling, "attempt %d", attempt)
		}
	}
	d := c.backoff(1, &APIError{StatusCode: 429, RetryAfter: 5 * time.Second})
	assert.Equal(t, 5*time.Second, d)
}

func TestRateLimitIsSharedAndRespectsContext(t *testing.T) {
	srv := newServer(t, startAll(t))
	c, _ := testClient(t, srv, WithRateLimit(0.001, 1)) // one call, then one per 1000 s
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = c.BatchCheckJobs(ctx, oneJob)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "WithRateLimit")
	assert.Equal(t, 1, srv.count(), "the limiter held the second call back")

	// Precheck's calls share the same limiter.
	report, err := c.Precheck(ctx, ModeStartJob, "a", "b")
	require.NoError(t, err)
	for _, o := range report.Outcomes {
		assert.ErrorIs(t, o.Err, context.DeadlineExceeded)
	}
	assert.Equal(t, 1, srv.count())
}

func TestRateLimitAllowsBurst(t *testing.T) {
	srv := newServer(t, startAll(t))
	c, _ := testClient(t, srv, WithRateLimit(1000, 10), WithBatchSize(1))
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = string(rune('a' + i))
	}
	report, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	assert.True(t, report.AllStarted(), "%v", report.Err())
	assert.Equal(t, 10, srv.count())
}
