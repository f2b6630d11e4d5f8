package drs

// Fault injection against the drstest simulator: every fault kind the
// simulator offers, through the whole client (Precheck, Results, Wait), with
// all traffic checked by contract.Transport over http.DefaultTransport.
// Strict mode (a violation fails the round trip) unless the fault breaks the
// contract on purpose (reset mid-body, truncated JSON), where the transport
// reports violations instead and the test looks at them.
//
// Retries sleep on the fake clock and Wait's polls advance a
// drstest.ManualClock, so nothing waits for real except the latency tests,
// whose attempts must really time out (well under a second in all).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drstest"
)

// noLeaks fails the test if a goroutine it started outlives it. Call it
// first: its check then runs after every other cleanup (the simulator's
// Close, which also closes http.DefaultTransport's idle connections).
func noLeaks(t *testing.T) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
}

// simTransport returns the contract-checking transport every test of this
// file sends through: strict, or (lenient) collecting response violations.
// A request that breaks the contract always fails the test.
func simTransport(t *testing.T, lenient bool) (*contract.Transport, *violations) {
	t.Helper()
	tr, err := contract.NewTransport(http.DefaultTransport)
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
	return tr, v
}

// simClient builds a client for the simulator: its token and project, a fake
// clock (retries do not wait), and tr (or a strict contract transport).
func simClient(t *testing.T, url, projectID, token string, rt http.RoundTripper, opts ...Option) (*Client, *fakeClock) {
	t.Helper()
	if rt == nil {
		rt, _ = simTransport(t, false)
	}
	clk := newFakeClock()
	base := []Option{
		WithoutEnvironment(), WithEndpoint(url), WithProjectID(projectID), WithToken(token),
		WithHTTPClient(&http.Client{Transport: rt}), withClock(clk.now, clk.sleep),
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	return c, clk
}

// faultServer starts a simulator holding n jobs ("<prefix>-00", ...) in
// CONFIGURATION whose pre-checks complete at once, and returns their IDs.
func faultServer(t *testing.T, prefix string, n int, opts ...drstest.Option) (*drstest.Server, []string) {
	t.Helper()
	jobs, ids := simJobs(prefix, n)
	return drstest.NewServer(t, append([]drstest.Option{drstest.WithJobs(jobs...)}, opts...)...), ids
}

func simJobs(prefix string, n int) ([]drstest.Job, []string) {
	jobs := make([]drstest.Job, n)
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s-%02d", prefix, i)
		jobs[i] = drstest.Job{ID: ids[i], Items: []drstest.CheckItem{{Item: "srcDbConnection", Group: "network"}}}
	}
	return jobs, ids
}

// requireAccounted checks that a report has exactly one outcome per input
// job, in input order, each consistent with its state.
func requireAccounted(t *testing.T, ids []string, rep *PrecheckReport) {
	t.Helper()
	require.NotNil(t, rep)
	require.Len(t, rep.Outcomes, len(ids), "one outcome per job")
	for i, o := range rep.Outcomes {
		require.Equal(t, ids[i], o.JobID, "outcome %d is for the job at the same index", i)
		switch o.State {
		case Started:
			require.NoError(t, o.Err, "job %s", o.JobID)
			require.NotEmpty(t, o.PrecheckID, "job %s", o.JobID)
		case Refused, Errored:
			require.Error(t, o.Err, "job %s", o.JobID)
			require.Empty(t, o.PrecheckID, "job %s", o.JobID)
		default:
			t.Fatalf("job %s: state %v", o.JobID, o.State)
		}
	}
	require.Equal(t, rep.AllStarted(), rep.Err() == nil)
	require.Empty(t, rep.Unsolicited)
}

// requireVerdicts checks that a results report has exactly one verdict per
// input job, in input order.
func requireVerdicts(t *testing.T, ids []string, rep *ResultsReport) {
	t.Helper()
	require.NotNil(t, rep)
	require.Len(t, rep.Verdicts, len(ids), "one verdict per job")
	for i, v := range rep.Verdicts {
		require.Equal(t, ids[i], v.JobID, "verdict %d is for the job at the same index", i)
		if v.State == VerdictErrored || v.State == VerdictInProgress {
			require.Error(t, v.Err, "job %s (%v) must say why it has no final verdict", v.JobID, v.State)
		}
	}
	require.Empty(t, rep.Unmatched)
}

// allErrored checks that every outcome is Errored with an error for which
// check holds, and returns the first outcome's error.
func allErrored(t *testing.T, rep *PrecheckReport, check func(error) bool, what string) error {
	t.Helper()
	for _, o := range rep.Outcomes {
		require.Equal(t, Errored, o.State, "job %s: %v", o.JobID, o.Err)
		require.True(t, check(o.Err), "job %s: want %s, got %T: %v", o.JobID, what, o.Err, o.Err)
	}
	return rep.Outcomes[0].Err
}

// notViolation fails if err is a contract violation: in strict mode the
// simulator's answers must all pass the contract.
func notViolation(t *testing.T, err error) {
	t.Helper()
	var v *contract.Violation
	require.False(t, errors.As(err, &v), "strict contract check failed: %v", err)
}

// jobCalls counts the simulator's BatchCheckJobs and BatchCheckResults
// requests.
func jobCalls(srv *drstest.Server, op string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Operation == op {
			n++
		}
	}
	return n
}

var fastSimRetry = WithRetry(RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})

// --- connection broken mid-answer -----------------------------------------

func TestFaultSimResetMidBodyIsRetried(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "reset", 10, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultReset, Count: 1}))
	tr, viol := simTransport(t, true)
	c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, tr, fastSimRetry)

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	assert.True(t, rep.AllStarted(), "%v", rep.Err())
	assert.Equal(t, 2, srv.RequestCount(), "the broken answer was retried once")
	assert.Len(t, clk.waits(), 1)
	reqs := srv.Requests()
	assert.Equal(t, drstest.FaultReset, reqs[0].Fault)
	assert.Equal(t, http.StatusOK, reqs[1].Status)
	assert.Empty(t, viol.all(), "a reset is a read error, not a response to validate")
}

func TestFaultSimResetMidBodyGivesUp(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "reset", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultReset}))
	tr, _ := simTransport(t, true)
	c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, tr, WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	first := allErrored(t, rep, func(err error) bool {
		var tErr *TransportError
		return errors.As(err, &tErr) && !tErr.Timeout && IsRetryable(err) && errors.Is(err, io.ErrUnexpectedEOF)
	}, "a retryable *TransportError wrapping io.ErrUnexpectedEOF")
	assert.Contains(t, first.Error(), "gave up after 2 attempts")
	assert.Equal(t, 3*2, srv.RequestCount(), "3 calls, 2 attempts each")
	assert.True(t, IsRetryable(rep.Err()))
	// The simulator did the work before breaking the answer: the jobs did
	// start, which is why the client says Errored ("not known to have
	// started"), never Refused.
	srv.ClearFaults()
	res, err := c.Results(context.Background(), ids...)
	require.NoError(t, err)
	requireVerdicts(t, ids, res)
	assert.True(t, res.AllMayStart(), "%v", res.Err())
}

func TestFaultSimDroppedConnection(t *testing.T) {
	noLeaks(t)
	t.Run("recovered", func(t *testing.T) {
		srv, ids := faultServer(t, "drop", 10, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultDrop, Count: 2}))
		c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
		rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
		require.NoError(t, err)
		requireAccounted(t, ids, rep)
		assert.True(t, rep.AllStarted(), "%v", rep.Err())
		assert.Equal(t, 3, srv.RequestCount())
	})
	t.Run("given up", func(t *testing.T) {
		srv, ids := faultServer(t, "drop", 10, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultDrop}))
		c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
		rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
		require.NoError(t, err)
		requireAccounted(t, ids, rep)
		first := allErrored(t, rep, func(err error) bool {
			var tErr *TransportError
			return errors.As(err, &tErr) && IsRetryable(err)
		}, "a retryable *TransportError")
		notViolation(t, first)
		assert.Contains(t, first.Error(), "gave up after 4 attempts")
		assert.Equal(t, DefaultMaxAttempts, srv.RequestCount())
	})
}

// --- a well-formed answer with a broken body -------------------------------

func TestFaultSimTruncatedJSON(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "trunc", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultTruncate, Operation: drstest.OpBatchCheckJobs}))
	tr, viol := simTransport(t, true)
	c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, tr, fastSimRetry)

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	first := allErrored(t, rep, func(err error) bool {
		var rErr *ResponseError
		return errors.As(err, &rErr) && rErr.StatusCode == http.StatusOK && errors.Is(err, ErrInvalidResponse) &&
			!errors.Is(err, ErrResponseTooLarge) && !IsRetryable(err)
	}, "a non-retryable *ResponseError, errors.Is ErrInvalidResponse")
	var rErr *ResponseError
	require.ErrorAs(t, first, &rErr)
	assert.NotEmpty(t, rErr.RequestID, "the request ID to quote")
	assert.NotEmpty(t, rErr.Body)
	assert.LessOrEqual(t, len(rErr.Body), maxSnippet)
	for _, o := range rep.Outcomes {
		assert.Equal(t, requestIDOf(o.Err), o.RequestID)
	}
	assert.Equal(t, 3, srv.RequestCount(), "an unusable 2xx answer is not retried")
	assert.Empty(t, clk.waits())
	assert.ErrorIs(t, rep.Err(), ErrInvalidResponse)

	// The contract transport saw each broken answer, as a response violation.
	vs := viol.all()
	require.Len(t, vs, 3)
	for _, v := range vs {
		assert.Equal(t, contract.Response, v.Direction)
		assert.Equal(t, http.StatusOK, v.Status)
		assert.Equal(t, "BatchCheckJobs", v.Operation)
	}

	// The truncated answers came after the work: the pre-checks did start.
	res, err := c.Results(context.Background(), ids...)
	require.NoError(t, err)
	requireVerdicts(t, ids, res)
	assert.True(t, res.AllMayStart(), "%v", res.Err())
}

func TestFaultSimResultsTruncatedJSON(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "trunc", 12)
	tr, viol := simTransport(t, true)
	c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, tr, fastSimRetry)
	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	require.True(t, rep.AllStarted(), "%v", rep.Err())

	require.NoError(t, srv.InjectFault(drstest.Fault{Kind: drstest.FaultTruncate, Operation: drstest.OpBatchCheckResults, Count: 1}))
	res, err := c.Results(context.Background(), ids...)
	require.NoError(t, err)
	requireVerdicts(t, ids, res)
	// One of the two calls (10 + 2 jobs) got the truncated answer: its jobs,
	// and only those, are errored with it; the others have their verdict.
	var errored, passed int
	for _, v := range res.Verdicts {
		switch v.State {
		case VerdictErrored:
			errored++
			assert.ErrorIs(t, v.Err, ErrInvalidResponse)
		case VerdictPassed:
			passed++
		default:
			t.Errorf("job %s: %v", v.JobID, v.State)
		}
	}
	assert.Contains(t, [][2]int{{10, 2}, {2, 10}}, [2]int{errored, passed})
	assert.Len(t, viol.all(), 1)
	assert.ErrorIs(t, res.Err(), ErrInvalidResponse)
}

// --- slow answers ------------------------------------------------------------

// The latency tests wait for real: an attempt must actually time out.
const simAttemptTimeout = 80 * time.Millisecond

func TestFaultSimSlowAnswerPastAttemptTimeoutIsRetried(t *testing.T) {
	noLeaks(t)
	// An hour-long delay on the first request only: the simulator ends it as
	// soon as the client gives up the attempt.
	srv, ids := faultServer(t, "slow", 10, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultLatency, Latency: time.Hour, Count: 1}))
	c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry, WithAttemptTimeout(simAttemptTimeout))

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	assert.True(t, rep.AllStarted(), "%v", rep.Err())
	assert.Equal(t, 2, srv.RequestCount())
	assert.Len(t, clk.waits(), 1)
	reqs := srv.Requests()
	assert.True(t, reqs[0].Delayed)
	assert.Zero(t, reqs[0].Status, "the slow request was abandoned, never answered")
}

func TestFaultSimSlowAnswerPastAttemptTimeoutGivesUp(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "slow", 10, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultLatency, Latency: time.Hour}))
	c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, WithAttemptTimeout(simAttemptTimeout),
		WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	first := allErrored(t, rep, func(err error) bool {
		var tErr *TransportError
		return errors.As(err, &tErr) && tErr.Timeout && IsRetryable(err)
	}, "a retryable *TransportError with Timeout")
	assert.Contains(t, first.Error(), "drs.WithAttemptTimeout")
	assert.Contains(t, first.Error(), "gave up after 2 attempts")
	assert.Equal(t, 2, srv.RequestCount())
}

func TestFaultSimSlowAnswerPastContextDeadline(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "slow", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultLatency, Latency: time.Hour}))
	c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry) // default 30 s attempt timeout
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	rep, err := c.Precheck(ctx, ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	allErrored(t, rep, func(err error) bool {
		return errors.Is(err, context.DeadlineExceeded) && !IsRetryable(err)
	}, "errors.Is context.DeadlineExceeded, not retryable")
	// At most one attempt per call (three calls): the caller's deadline is
	// not retried. (A request still on its way at the deadline never
	// arrives, hence "at most".)
	assert.LessOrEqual(t, srv.RequestCount(), 3)
	assert.Empty(t, clk.waits())
	assert.ErrorIs(t, rep.Err(), context.DeadlineExceeded)
}

// --- throttling --------------------------------------------------------------

func TestFaultSimThrottleStormRecovered(t *testing.T) {
	noLeaks(t)
	// Six 429s with Retry-After: 1 spread over the three calls of 25 jobs;
	// the attempt budget is large enough for any spread.
	srv, ids := faultServer(t, "storm", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultThrottle, Count: 6}))
	c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil,
		WithRetry(RetryPolicy{MaxAttempts: 8, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	assert.True(t, rep.AllStarted(), "%v", rep.Err())
	assert.Equal(t, 3+6, srv.RequestCount())
	waits := clk.waits()
	require.Len(t, waits, 6, "one wait per 429")
	for _, w := range waits {
		assert.Equal(t, time.Second, w, "Retry-After: 1 is honoured (the jitter is 1 ms)")
	}
	throttled := 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			throttled++
			assert.Equal(t, "APIGW.0308", r.ErrorCode)
		}
	}
	assert.Equal(t, 6, throttled)
}

func TestFaultSimThrottleStormGivesUp(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "storm", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultThrottle, RetryAfter: 5 * time.Second}))
	c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil,
		WithRetry(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 2 * time.Second}))

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	first := allErrored(t, rep, func(err error) bool {
		return IsThrottled(err) && errors.Is(err, ErrThrottled) && IsRetryable(err) && !IsAuthentication(err)
	}, "throttled and retryable")
	var apiErr *APIError
	require.ErrorAs(t, first, &apiErr)
	assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
	assert.Equal(t, "APIGW.0308", apiErr.Code)
	assert.Equal(t, 5*time.Second, apiErr.RetryAfter)
	assert.NotEmpty(t, apiErr.RequestID)
	assert.Contains(t, first.Error(), "gave up after 3 attempts")
	assert.Equal(t, 3*3, srv.RequestCount())
	waits := clk.waits()
	require.Len(t, waits, 3*2)
	for _, w := range waits {
		assert.Equal(t, 2*time.Second, w, "Retry-After is capped at MaxRetryAfter")
	}
	assert.True(t, IsThrottled(rep.Err()))
	// Each job names the request that decided it: the last attempt of its call.
	ids429 := map[string]bool{}
	for _, r := range srv.Requests() {
		ids429[r.ID] = true
	}
	for _, o := range rep.Outcomes {
		assert.True(t, ids429[o.RequestID], "job %s: request ID %q is one the simulator sent", o.JobID, o.RequestID)
	}
}

func TestFaultSimThrottleRetryAfterPastDeadline(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "storm", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultThrottle, RetryAfter: 30 * time.Second}))
	c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	rep, err := c.Precheck(ctx, ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	first := allErrored(t, rep, func(err error) bool {
		return IsThrottled(err) && errors.Is(err, context.DeadlineExceeded)
	}, "throttled, and errors.Is context.DeadlineExceeded")
	assert.Contains(t, first.Error(), "would start after the context's deadline")
	assert.Equal(t, 3, srv.RequestCount(), "no attempt after the first: the wait would pass the deadline")
	assert.Empty(t, clk.waits(), "never sleeps towards a retry it cannot make")
	require.NoError(t, ctx.Err(), "gave up at once, long before the deadline")
}

// --- 5xx ---------------------------------------------------------------------

func TestFaultSim5xxBursts(t *testing.T) {
	noLeaks(t)
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(fmt.Sprintf("%d recovered", status), func(t *testing.T) {
			// Three failures spread over the three calls; four attempts each.
			srv, ids := faultServer(t, "burst", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultError, Status: status, Count: 3}))
			c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
			rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
			require.NoError(t, err)
			requireAccounted(t, ids, rep)
			assert.True(t, rep.AllStarted(), "%v", rep.Err())
			assert.Equal(t, 3+3, srv.RequestCount())
			waits := clk.waits()
			require.Len(t, waits, 3)
			for _, w := range waits {
				if status == http.StatusServiceUnavailable {
					assert.Equal(t, time.Second, w, "the 503's Retry-After: 1 is honoured")
				} else {
					assert.LessOrEqual(t, w, time.Millisecond, "no Retry-After: the (1 ms) backoff")
				}
			}
			assert.Empty(t, srv.Faults(), "the burst was used up")
		})
		t.Run(fmt.Sprintf("%d given up", status), func(t *testing.T) {
			srv, ids := faultServer(t, "burst", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultError, Status: status}))
			c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
			rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
			require.NoError(t, err)
			requireAccounted(t, ids, rep)
			first := allErrored(t, rep, func(err error) bool {
				var apiErr *APIError
				return errors.As(err, &apiErr) && apiErr.StatusCode == status && IsRetryable(err) && !IsThrottled(err)
			}, fmt.Sprintf("a retryable *APIError %d", status))
			var apiErr *APIError
			require.ErrorAs(t, first, &apiErr)
			assert.NotEmpty(t, apiErr.Code, "the JSON error body was read")
			assert.Empty(t, apiErr.Body)
			assert.Contains(t, first.Error(), fmt.Sprintf("gave up after %d attempts", DefaultMaxAttempts))
			assert.Equal(t, 3*DefaultMaxAttempts, srv.RequestCount())
			assert.True(t, IsRetryable(rep.Err()))
		})
	}
	t.Run("400 DRS.M01503 is throttling", func(t *testing.T) {
		// DRS's own "too frequent" comes as a 400 with DRS.M01503.
		srv, ids := faultServer(t, "burst", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultError, Status: http.StatusBadRequest, Code: "DRS.M01503", Count: 3}))
		c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
		rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
		require.NoError(t, err)
		requireAccounted(t, ids, rep)
		assert.True(t, rep.AllStarted(), "%v", rep.Err())
		assert.Equal(t, 3+3, srv.RequestCount())
	})
	t.Run("500 is not retried", func(t *testing.T) {
		srv, ids := faultServer(t, "burst", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultError, Status: http.StatusInternalServerError}))
		c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
		rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
		require.NoError(t, err)
		requireAccounted(t, ids, rep)
		allErrored(t, rep, func(err error) bool {
			var apiErr *APIError
			return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusInternalServerError && !IsRetryable(err)
		}, "a non-retryable *APIError 500")
		assert.Equal(t, 3, srv.RequestCount())
		assert.Empty(t, clk.waits())
	})
}

// --- gateway pages -----------------------------------------------------------

func TestFaultSimGatewayPage(t *testing.T) {
	noLeaks(t)
	cases := []struct {
		kind   drstest.FaultKind
		status int
	}{
		{drstest.FaultGatewayPage, http.StatusBadGateway},
		{drstest.FaultGatewayPage, http.StatusServiceUnavailable},
		{drstest.FaultGatewayPage, http.StatusGatewayTimeout},
		{drstest.FaultGatewayText, http.StatusBadGateway},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %d", tc.kind, tc.status), func(t *testing.T) {
			srv, ids := faultServer(t, "gw", 10, drstest.WithFaults(drstest.Fault{Kind: tc.kind, Status: tc.status}))
			c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil,
				WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
			rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
			require.NoError(t, err)
			requireAccounted(t, ids, rep)
			first := allErrored(t, rep, func(err error) bool {
				var apiErr *APIError
				return errors.As(err, &apiErr) && IsRetryable(err)
			}, "a retryable *APIError")
			notViolation(t, first)
			var apiErr *APIError
			require.ErrorAs(t, first, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Empty(t, apiErr.Code, "a page has no error code")
			assert.Contains(t, apiErr.Body, fmt.Sprintf("%d %s", tc.status, http.StatusText(tc.status)))
			assert.NotContains(t, apiErr.Body, "<", "tags are stripped")
			assert.LessOrEqual(t, len(apiErr.Body), maxSnippet)
			assert.NotEmpty(t, apiErr.RequestID)
			if tc.status == http.StatusServiceUnavailable {
				assert.Equal(t, time.Second, apiErr.RetryAfter)
			}
			assert.Equal(t, 2, srv.RequestCount())
		})
	}
	t.Run("recovered", func(t *testing.T) {
		srv, ids := faultServer(t, "gw", 25, drstest.WithFaults(drstest.Fault{Kind: drstest.FaultGatewayPage, Status: http.StatusServiceUnavailable, Count: 2}))
		c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
		rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
		require.NoError(t, err)
		requireAccounted(t, ids, rep)
		assert.True(t, rep.AllStarted(), "%v", rep.Err())
		assert.Equal(t, 3+2, srv.RequestCount())
	})
}

// TestFaultSimLargeGatewayPage puts a load balancer in front of the
// simulator that answers the first calls with a 40 KB HTML page (valid per
// the contract: 502 text/html is a documented answer): the error keeps a
// bounded, readable excerpt.
func TestFaultSimLargeGatewayPage(t *testing.T) {
	noLeaks(t)
	jobs, ids := simJobs("big", 10)
	const token = "MIIsim-large-page-token"
	sim, err := drstest.New(drstest.WithToken(token), drstest.WithJobs(jobs...))
	require.NoError(t, err)
	page := "<html><head><title>502 Bad Gateway</title><style>body { color: red }</style><script>var secret = 1;</script></head><body>" +
		strings.Repeat("<p>upstream connect error or disconnect/reset before headers.</p>\n", 700) + "</body></html>"
	var lbHits atomic.Int32
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lbHits.Add(1) <= 2 {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("X-Request-Id", fmt.Sprintf("lb-%d", lbHits.Load()))
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, page)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)
	c, _ := simClient(t, lb.URL, sim.ProjectID(), token, nil,
		WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	first := allErrored(t, rep, func(err error) bool {
		var apiErr *APIError
		return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadGateway && IsRetryable(err)
	}, "a retryable *APIError 502")
	var apiErr *APIError
	require.ErrorAs(t, first, &apiErr)
	require.Greater(t, len(page), 40_000)
	assert.LessOrEqual(t, len(apiErr.Body), maxSnippet, "the excerpt is bounded")
	assert.True(t, strings.HasSuffix(apiErr.Body, "…"), "and says it was cut: %q", apiErr.Body)
	assert.True(t, strings.HasPrefix(apiErr.Body, "502 Bad Gateway upstream connect error"), "%q", apiErr.Body)
	assert.NotContains(t, apiErr.Body, "<")
	assert.NotContains(t, apiErr.Body, "color: red", "style content is dropped")
	assert.NotContains(t, apiErr.Body, "var secret", "script content is dropped")
	assert.Equal(t, "lb-2", apiErr.RequestID)
	assert.Less(t, len(first.Error()), 1024, "the error text stays bounded too")
	assert.EqualValues(t, 2, lbHits.Load())

	// Behind the same load balancer, once it recovers, the jobs start.
	rep, err = c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	assert.True(t, rep.AllStarted(), "%v", rep.Err())
}

// --- size cap ----------------------------------------------------------------

func TestFaultSimBodyOverSizeCap(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "cap", 25)
	c, clk := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry, WithMaxResponseBytes(64))

	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	first := allErrored(t, rep, func(err error) bool {
		var rErr *ResponseError
		return errors.As(err, &rErr) && errors.Is(err, ErrResponseTooLarge) && !errors.Is(err, ErrInvalidResponse) && !IsRetryable(err)
	}, "a non-retryable *ResponseError, errors.Is ErrResponseTooLarge")
	notViolation(t, first)
	assert.Contains(t, first.Error(), "over 64 bytes")
	assert.Equal(t, 3, srv.RequestCount(), "a too-large answer is not retried")
	assert.Empty(t, clk.waits())
	assert.ErrorIs(t, rep.Err(), ErrResponseTooLarge)

	// Results too: a verdict per job, each errored with the cap.
	res, err := c.Results(context.Background(), ids...)
	require.NoError(t, err)
	requireVerdicts(t, ids, res)
	for _, v := range res.Verdicts {
		assert.Equal(t, VerdictErrored, v.State)
		assert.ErrorIs(t, v.Err, ErrResponseTooLarge)
	}
}

// --- Results and Wait under faults -------------------------------------------

// waitServer starts a simulator on a manual clock with jobs whose pre-checks
// take a minute, and a client that has started them all.
func waitServer(t *testing.T, n int, opts ...Option) (*drstest.Server, *drstest.ManualClock, *Client, []string) {
	t.Helper()
	clock := drstest.NewManualClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	jobs, ids := simJobs("wait", n)
	for i := range jobs {
		jobs[i].Duration = time.Minute
		if i%3 == 2 {
			jobs[i].Items = append(jobs[i].Items, drstest.CheckItem{Item: "srcBinlogFormatCheck", Group: "db_params", Result: drstest.ResultFailed, FailedReason: "binlog_format is STATEMENT"})
		}
	}
	srv := drstest.NewServer(t, drstest.WithClock(clock.Now), drstest.WithJobs(jobs...))
	c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, append([]Option{fastSimRetry}, opts...)...)
	rep, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	requireAccounted(t, ids, rep)
	require.True(t, rep.AllStarted(), "%v", rep.Err())
	return srv, clock, c, ids
}

// advance is Wait's sleep: it moves the simulator's clock instead.
func advance(clock *drstest.ManualClock) WaitOption {
	return withWaitSleep(func(ctx context.Context, d time.Duration) error {
		clock.Advance(d)
		return ctx.Err()
	})
}

// requireFinalVerdicts checks the verdicts of waitServer's jobs: every third
// failed, the others passed.
func requireFinalVerdicts(t *testing.T, ids []string, rep *ResultsReport) {
	t.Helper()
	requireVerdicts(t, ids, rep)
	for i, v := range rep.Verdicts {
		want := VerdictPassed
		if i%3 == 2 {
			want = VerdictFailed
		}
		assert.Equal(t, want, v.State, "job %s: %s", v.JobID, v.Summary())
		assert.NoError(t, v.Err, "job %s", v.JobID)
	}
}

func TestFaultSimWaitRecoversFromTransient503s(t *testing.T) {
	noLeaks(t)
	// Two attempts per call, and five 503s over the two calls (10 + 2 jobs)
	// of each query: some queries fail after the client's own retries, and
	// Wait asks again at the next poll.
	srv, clock, c, ids := waitServer(t, 12, WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	require.NoError(t, srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: http.StatusServiceUnavailable, Operation: drstest.OpBatchCheckResults, Count: 5}))

	rep, err := c.Wait(context.Background(), ids, advance(clock))
	require.NoError(t, err)
	require.True(t, rep.Complete())
	requireFinalVerdicts(t, ids, rep)
	assert.Empty(t, srv.Faults(), "every injected 503 was met")
	var got503 int
	for _, r := range srv.Requests() {
		if r.Operation == drstest.OpBatchCheckResults && r.Status == http.StatusServiceUnavailable {
			got503++
		}
	}
	assert.Equal(t, 5, got503)
	t.Logf("%d queries, %d BatchCheckResults requests", rep.Polls, jobCalls(srv, drstest.OpBatchCheckResults))
}

func TestFaultSimWaitRecoversFromGatewayPagesAndResets(t *testing.T) {
	noLeaks(t)
	clock := drstest.NewManualClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	jobs, ids := simJobs("wait", 12)
	for i := range jobs {
		jobs[i].Duration = time.Minute
	}
	srv := drstest.NewServer(t, drstest.WithClock(clock.Now), drstest.WithJobs(jobs...))
	tr, viol := simTransport(t, true) // a reset breaks the contract on purpose
	c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, tr,
		WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	injected := false
	rep, err := c.PrecheckAndWait(context.Background(), ModeStartJob, ids, advance(clock),
		WithProgress(func(ResultsReport) {
			// After the first query: a mix of gateway pages and broken
			// connections for the next ones.
			if !injected {
				injected = true
				_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultGatewayPage, Status: http.StatusBadGateway, Operation: drstest.OpBatchCheckResults, Count: 3})
				_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultReset, Operation: drstest.OpBatchCheckResults, Count: 3})
			}
		}))
	require.NoError(t, err)
	requireVerdicts(t, ids, rep)
	for _, v := range rep.Verdicts {
		assert.Equal(t, VerdictPassed, v.State, "job %s: %s", v.JobID, v.Summary())
		require.NotNil(t, v.Start)
		assert.Equal(t, Started, v.Start.State)
	}
	assert.Empty(t, srv.Faults(), "every injected fault was met")
	assert.Empty(t, viol.all())
}

// TestFaultSimWaitUnderOneBadAnswer: a single truncated answer (a proxy
// glitch) or a single 500 during polling. Every job keeps a verdict, final or
// carrying why it is not.
//
// Not asserted, as it fails today (reported): that the wait recovers. Wait's
// documentation says only "a failure asking again cannot cure
// (authentication, permissions, a rejected request)" ends it with
// ErrWaitStopped, and the 500's own hint says "retry later", yet either
// failure ends the wait at once, since Wait repeats a failed query only when
// IsRetryable, the retry rule of the (POST) calls.
func TestFaultSimWaitUnderOneBadAnswer(t *testing.T) {
	noLeaks(t)
	cases := []struct {
		name    string
		fault   drstest.Fault
		lenient bool
	}{
		{"truncated JSON", drstest.Fault{Kind: drstest.FaultTruncate, Operation: drstest.OpBatchCheckResults, Count: 1}, true},
		{"500", drstest.Fault{Kind: drstest.FaultError, Status: http.StatusInternalServerError, Operation: drstest.OpBatchCheckResults, Count: 1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := drstest.NewManualClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
			jobs, ids := simJobs("glitch", 12)
			for i := range jobs {
				jobs[i].Duration = time.Minute
			}
			srv := drstest.NewServer(t, drstest.WithClock(clock.Now), drstest.WithJobs(jobs...))
			tr, _ := simTransport(t, tc.lenient)
			c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, tr, fastSimRetry)
			pre, err := c.Precheck(context.Background(), ModeStartJob, ids...)
			require.NoError(t, err)
			require.True(t, pre.AllStarted(), "%v", pre.Err())
			require.NoError(t, srv.InjectFault(tc.fault))

			// One bad answer while polling is asked again at the next poll:
			// reading results is read-only, so the wait goes on to the end.
			rep, err := c.Wait(context.Background(), ids, advance(clock))
			require.NoError(t, err)
			requireVerdicts(t, ids, rep)
			for _, v := range rep.Verdicts {
				assert.Equal(t, VerdictPassed, v.State, "job %s: %s", v.JobID, v.Summary())
			}
			assert.Greater(t, rep.Polls, 1, "the bad answer was followed by another query")
		})
	}
}

func TestFaultSimWaitStopsOnPersistent401(t *testing.T) {
	noLeaks(t)
	clock := drstest.NewManualClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	// "quick" completes before the first query; the others take ten minutes.
	jobs, ids := simJobs("auth", 12)
	jobs[0].Duration = 0
	for i := 1; i < len(jobs); i++ {
		jobs[i].Duration = 10 * time.Minute
	}
	srv := drstest.NewServer(t, drstest.WithClock(clock.Now), drstest.WithJobs(jobs...))
	c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
	pre, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	require.True(t, pre.AllStarted(), "%v", pre.Err())

	queries := 0
	rep, err := c.Wait(context.Background(), ids, advance(clock), WithProgress(func(ResultsReport) {
		queries++
		if queries == 1 { // the token is revoked after the first query
			_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: http.StatusUnauthorized, Operation: drstest.OpBatchCheckResults})
		}
	}))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrWaitStopped)
	assert.True(t, IsAuthentication(err), "%v", err)
	assert.False(t, IsRetryable(err))
	assert.Equal(t, 2, rep.Polls)
	requireVerdicts(t, ids, rep)
	assert.Equal(t, VerdictPassed, rep.Verdicts[0].State, "a verdict already final is kept")
	assert.NoError(t, rep.Verdicts[0].Err)
	for _, v := range rep.Verdicts[1:] {
		assert.Equal(t, VerdictInProgress, v.State, "job %s", v.JobID)
		assert.False(t, v.MayStart)
		assert.ErrorIs(t, v.Err, ErrWaitStopped, "job %s", v.JobID)
		assert.True(t, IsAuthentication(v.Err), "job %s", v.JobID)
	}
	// The first query: one call for 12 jobs is two (10 + 2); the second,
	// for the 11 pending jobs, also two, each a single attempt: a 401 is
	// never retried (AK/SK lock-out).
	var got401 int
	for _, r := range srv.Requests() {
		if r.Operation == drstest.OpBatchCheckResults && r.Status == http.StatusUnauthorized {
			got401++
		}
	}
	assert.Equal(t, 2, got401)
	assert.Equal(t, 4, jobCalls(srv, drstest.OpBatchCheckResults))
	assert.ErrorIs(t, rep.Err(), ErrWaitStopped)
}

func TestFaultSimResultsGivesUpOnGatewayPages(t *testing.T) {
	noLeaks(t)
	srv, ids := faultServer(t, "res", 15)
	c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, nil, fastSimRetry)
	pre, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	require.True(t, pre.AllStarted(), "%v", pre.Err())

	require.NoError(t, srv.InjectFault(drstest.Fault{Kind: drstest.FaultGatewayPage, Status: http.StatusServiceUnavailable, Operation: drstest.OpBatchCheckResults}))
	res, err := c.Results(context.Background(), ids...)
	require.NoError(t, err)
	requireVerdicts(t, ids, res)
	for _, v := range res.Verdicts {
		assert.Equal(t, VerdictErrored, v.State)
		var apiErr *APIError
		require.ErrorAs(t, v.Err, &apiErr)
		assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
		assert.True(t, IsRetryable(v.Err))
		assert.NotEmpty(t, v.RequestID)
	}
	assert.Equal(t, 2*DefaultMaxAttempts, jobCalls(srv, drstest.OpBatchCheckResults))
	// Err names each failed call once, with its jobs.
	assert.Equal(t, 2, strings.Count(res.Err().Error(), "HTTP 503"))

	srv.ClearFaults()
	res, err = c.Results(context.Background(), ids...)
	require.NoError(t, err)
	requireVerdicts(t, ids, res)
	assert.True(t, res.AllMayStart(), "%v", res.Err())
}
