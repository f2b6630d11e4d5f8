package drs

// A bounded load test against the drstest simulator: several callers share
// one client and run Precheck back to back for a fixed time, with a few
// transient faults (503, 429 with Retry-After) in the mix. It proves that
// nothing is lost or duplicated under concurrency, and logs the throughput
// and latencies it saw; it asserts no timing.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drstest"
)

// countingTransport counts the HTTP requests the client sends.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(req)
}

// accountingProblem says what is wrong with a report of Precheck(ids), or
// returns nil: one outcome per job, in input order, each consistent with its
// state, and no errors but transient ones (the only faults injected).
func accountingProblem(ids []string, rep *PrecheckReport) error {
	if rep == nil {
		return errors.New("nil report")
	}
	if len(rep.Outcomes) != len(ids) {
		return fmt.Errorf("%d outcomes for %d jobs", len(rep.Outcomes), len(ids))
	}
	for i, o := range rep.Outcomes {
		switch {
		case o.JobID != ids[i]:
			return fmt.Errorf("outcome %d is for job %q, want %q", i, o.JobID, ids[i])
		case o.State == Started && (o.Err != nil || o.PrecheckID == ""):
			return fmt.Errorf("job %s started with err %v, pre-check ID %q", o.JobID, o.Err, o.PrecheckID)
		case o.State == Errored && !IsRetryable(o.Err):
			return fmt.Errorf("job %s errored with a non-transient error: %v", o.JobID, o.Err)
		case o.State != Started && o.State != Errored:
			return fmt.Errorf("job %s: state %v: %v", o.JobID, o.State, o.Err)
		}
	}
	if len(rep.Unsolicited) > 0 {
		return fmt.Errorf("%d unsolicited answers", len(rep.Unsolicited))
	}
	return nil
}

// failedCalls counts the distinct call errors of a report (the jobs of one
// failed call share its error).
func failedCalls(rep *PrecheckReport) int {
	seen := map[error]bool{}
	for _, o := range rep.Outcomes {
		if o.State == Errored {
			seen[o.Err] = true
		}
	}
	return len(seen)
}

func TestLoadSimPrecheck(t *testing.T) {
	noLeaks(t)
	const (
		callers           = 8
		jobsPerCall       = 25
		callsPerPrecheck  = 3 // 10 + 10 + 5 jobs
		runFor            = 2 * time.Second
		maxCallsPerCaller = 250 // bounds the run by count as well as by time
	)
	var jobs []drstest.Job
	ids := make([][]string, callers)
	for i := range callers {
		js, is := simJobs(fmt.Sprintf("load%d", i), jobsPerCall)
		jobs, ids[i] = append(jobs, js...), is
	}
	srv := drstest.NewServer(t, drstest.WithJobs(jobs...), drstest.WithSeed(7),
		drstest.WithRequestLogLimit(4*callers*maxCallsPerCaller*callsPerPrecheck),
		drstest.WithFaults(
			drstest.Fault{Kind: drstest.FaultError, Status: http.StatusServiceUnavailable, Operation: drstest.OpBatchCheckJobs, Rate: 0.03},
			drstest.Fault{Kind: drstest.FaultThrottle, Operation: drstest.OpBatchCheckJobs, Rate: 0.02},
		))
	tr, err := contract.NewTransport(http.DefaultTransport) // strict: every fault here is a documented answer
	require.NoError(t, err)
	counter := &countingTransport{base: tr}
	var retrySleeps atomic.Int64
	c, _ := simClient(t, srv.URL, srv.ProjectID, srv.Token, counter,
		WithRetry(RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}),
		// Real time, but retries do not wait (Retry-After: 1 s each).
		withClock(time.Now, func(ctx context.Context, _ time.Duration) error {
			retrySleeps.Add(1)
			return ctx.Err()
		}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a safety net, never reached
	defer cancel()

	type callerStats struct {
		latencies       []time.Duration
		outcomes        int
		errored         int
		failedAPICalls  int
		problems        []error
		precheckErrors  int
		precheckedCalls int
	}
	stats := make([]callerStats, callers)
	start := time.Now()
	deadline := start.Add(runFor)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			st := &stats[i]
			for n := 0; n < maxCallsPerCaller && time.Now().Before(deadline); n++ {
				t0 := time.Now()
				rep, err := c.Precheck(ctx, ModeStartJob, ids[i]...)
				st.latencies = append(st.latencies, time.Since(t0))
				st.precheckedCalls++
				if err != nil {
					st.precheckErrors++
					st.problems = append(st.problems, err)
					continue
				}
				if p := accountingProblem(ids[i], rep); p != nil {
					st.problems = append(st.problems, p)
				}
				st.outcomes += len(rep.Outcomes)
				st.errored += rep.Count(Errored)
				st.failedAPICalls += failedCalls(rep)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	var lat []time.Duration
	var calls, outcomes, errored, failed int
	for i, st := range stats {
		for _, p := range st.problems {
			t.Errorf("caller %d: %v", i, p)
		}
		require.Zero(t, st.precheckErrors)
		require.Positive(t, st.precheckedCalls, "caller %d ran", i)
		assert.Equal(t, st.precheckedCalls*jobsPerCall, st.outcomes, "caller %d: every job of every call accounted for", i)
		lat = append(lat, st.latencies...)
		calls += st.precheckedCalls
		outcomes += st.outcomes
		errored += st.errored
		failed += st.failedAPICalls
	}
	require.Equal(t, calls*jobsPerCall, outcomes)

	// The simulator saw exactly the requests the client sent: each API call
	// once, plus one request per retry.
	attempts := int(counter.n.Load())
	require.Equal(t, attempts, srv.RequestCount(), "requests sent = requests received")
	apiCalls := calls * callsPerPrecheck
	require.GreaterOrEqual(t, attempts, apiCalls)
	reqs := srv.Requests()
	require.Len(t, reqs, attempts, "the request log kept every request")
	var ok200, faulted int
	for _, r := range reqs {
		switch {
		case r.Status == http.StatusOK && r.Fault == "":
			ok200++
		case r.Fault == drstest.FaultError || r.Fault == drstest.FaultThrottle:
			faulted++
		default:
			t.Errorf("request %d: status %d, fault %q", r.Seq, r.Status, r.Fault)
		}
	}
	assert.Equal(t, apiCalls-failed, ok200, "one 200 per API call that succeeded, none lost")
	assert.Equal(t, attempts-ok200, faulted)
	assert.EqualValues(t, attempts-apiCalls, retrySleeps.Load(), "one (instant) backoff per retry")

	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("%d callers x %d jobs for %s: %d Precheck calls (%.0f/s), %d API calls, %d requests (%.0f/s, %d retries), %d faulted answers",
		callers, jobsPerCall, elapsed.Round(time.Millisecond), calls, float64(calls)/elapsed.Seconds(),
		apiCalls, attempts, float64(attempts)/elapsed.Seconds(), attempts-apiCalls, faulted)
	t.Logf("Precheck latency: p50 %s, p99 %s, max %s; %d jobs accounted for, %d errored (in %d API calls given up)",
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond),
		outcomes, errored, failed)
}
