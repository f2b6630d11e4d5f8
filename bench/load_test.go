package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

// Load test knobs (environment variables):
//
//	DRS_LOAD_DURATION  how long the callers run (Go duration; default 1s, a quick
//	                   smoke run that CI's go test ./... includes)
//	DRS_LOAD_CALLERS   how many goroutines call Precheck at once (default 8)
//
// e.g. DRS_LOAD_DURATION=30s DRS_LOAD_CALLERS=32 go test -run TestLoad -v .
const (
	envLoadDuration = "DRS_LOAD_DURATION"
	envLoadCallers  = "DRS_LOAD_CALLERS"
)

// loadStats is what one load run counted.
type loadStats struct {
	prechecks, jobs                  int
	started, refused, errored, wrong int
	latencies                        []time.Duration
	errs                             map[string]int
}

// TestLoad runs N concurrent Precheck callers, sharing one client, against the
// simulator for a fixed time. Each Precheck carries 25 jobs (3 BatchCheckJobs
// calls), one in ten of them unknown to the simulator; every call is delayed
// by 1 ms and 2% of them answer 503 (retried, with short backoffs). It reports
// Precheck and HTTP calls per second, p50/p99 Precheck latency and the errors,
// and asserts that nothing was lost: every job submitted has exactly one
// verdict, in input order; known jobs were started, unknown ones refused with
// DRS.10000010, only a call that failed after all its attempts may leave jobs
// without an answer, and Precheck's error is non-nil exactly then.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	duration := time.Second
	if v := os.Getenv(envLoadDuration); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive Go duration such as 30s", envLoadDuration, v)
		}
		duration = d
	}
	callers := 8
	if v := os.Getenv(envLoadCallers); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 1024 {
			t.Fatalf("%s=%q: want a number of callers from 1 to 1024", envLoadCallers, v)
		}
		callers = n
	}

	const (
		perPrecheck = 25
		knownJobs   = 2_000
	)
	known := simJobIDs("load-job", knownJobs)
	isKnown := make(map[string]bool, len(known))
	for _, id := range known {
		isKnown[id] = true
	}
	srv := newSimulator(t, known,
		drstest.Fault{Kind: drstest.FaultLatency, Operation: drstest.OpBatchCheckJobs, Latency: time.Millisecond},
		drstest.Fault{Kind: drstest.FaultError, Operation: drstest.OpBatchCheckJobs, Status: 503, Rate: 0.02, RetryAfter: time.Millisecond},
	)
	c, err := drs.New(
		drs.WithoutEnvironment(),
		drs.WithEndpoint(srv.URL),
		drs.WithProjectID(projectID),
		drs.WithToken(iamToken),
		drs.WithHTTPClient(&http.Client{Transport: newTransport(t)}),
		drs.WithRetry(drs.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Millisecond}),
	)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), duration+30*time.Second)
	defer cancel()
	deadline := time.Now().Add(duration)
	before := srv.RequestCount()
	start := time.Now()

	results := make([]loadStats, callers)
	var wg sync.WaitGroup
	for w := range callers {
		wg.Go(func() {
			st := &results[w]
			st.errs = map[string]int{}
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for time.Now().Before(deadline) {
				ids := make([]string, 0, perPrecheck)
				for i := 0; len(ids) < perPrecheck; i++ {
					var id string
					if len(ids)%10 == 9 {
						id = fmt.Sprintf("unknown-%d-%d-%d", w, st.prechecks, i)
					} else {
						id = known[rng.IntN(len(known))]
					}
					if !slices.Contains(ids, id) {
						ids = append(ids, id)
					}
				}
				t0 := time.Now()
				rep, err := c.Precheck(ctx, drs.ModeStartJob, ids)
				st.latencies = append(st.latencies, time.Since(t0))
				st.prechecks++
				st.jobs += len(ids)
				if rep == nil || len(rep.Verdicts) != len(ids) || len(rep.Unmatched) != 0 {
					st.wrong += len(ids)
					st.errs[fmt.Sprintf("Precheck of %d jobs: report %+v, error %v", len(ids), rep, err)]++
					continue
				}
				noAnswer := false
				for i, v := range rep.Verdicts {
					switch {
					case v.JobID != ids[i]:
						st.wrong++
						st.errs["verdict out of order"]++
					case v.State == drs.InProgress && isKnown[v.JobID] && v.PrecheckID == v.JobID && v.Err == nil:
						st.started++
					case v.State == drs.Refused && !isKnown[v.JobID] && errors.Is(v.Err, drs.ErrJobNotFound):
						st.refused++
					case v.State == drs.NoAnswer && isCallFailure(v.Err):
						noAnswer = true
						st.errored++ // the call failed after all attempts
						st.errs[v.Err.Error()]++
					default:
						st.wrong++
						st.errs[fmt.Sprintf("job %s (known %v): %s: %v", v.JobID, isKnown[v.JobID], v.State, v.Err)]++
					}
				}
				// err is non-nil exactly when some job got no answer.
				if (err != nil) != noAnswer {
					st.wrong += len(ids)
					st.errs[fmt.Sprintf("Precheck error %v, with a job without an answer: %v", err, noAnswer)]++
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	httpCalls := srv.RequestCount() - before

	var total loadStats
	total.errs = map[string]int{}
	for _, st := range results {
		total.prechecks += st.prechecks
		total.jobs += st.jobs
		total.started += st.started
		total.refused += st.refused
		total.errored += st.errored
		total.wrong += st.wrong
		total.latencies = append(total.latencies, st.latencies...)
		for k, v := range st.errs {
			total.errs[k] += v
		}
	}
	slices.Sort(total.latencies)
	pct := func(p float64) time.Duration {
		if len(total.latencies) == 0 {
			return 0
		}
		return total.latencies[min(len(total.latencies)-1, int(p*float64(len(total.latencies))))]
	}
	t.Logf("load: %d callers for %s (ran %s): %d Precheck calls (%.0f/s), %d HTTP calls (%.0f/s, retries included), %d jobs",
		callers, duration, elapsed.Round(time.Millisecond), total.prechecks, float64(total.prechecks)/elapsed.Seconds(),
		httpCalls, float64(httpCalls)/elapsed.Seconds(), total.jobs)
	t.Logf("load: Precheck latency p50 %s, p99 %s, max %s", pct(0.50).Round(10*time.Microsecond),
		pct(0.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond))
	t.Logf("load: jobs started %d, refused (unknown, DRS.10000010) %d, errored (call failed after retries) %d, wrong %d",
		total.started, total.refused, total.errored, total.wrong)
	for msg, n := range total.errs {
		t.Logf("load: error ×%d: %s", n, msg)
	}

	if total.prechecks == 0 {
		t.Fatal("no Precheck call completed")
	}
	if got := total.started + total.refused + total.errored; got != total.jobs || total.wrong != 0 {
		t.Fatalf("jobs lost or misreported: submitted %d, accounted for %d, wrong %d", total.jobs, got, total.wrong)
	}
	// Nothing is lost on the wire either: without retries each Precheck of 25
	// jobs makes exactly 3 calls; retries only add to that.
	if minCalls := 3 * total.prechecks; httpCalls < minCalls {
		t.Fatalf("the simulator saw %d calls, fewer than the %d the Precheck calls needed", httpCalls, minCalls)
	}
}

// isCallFailure reports whether err is the failure of a whole call (an
// error answer or no answer, after all attempts), not an unusable answer
// about one job, which the simulator never gives.
func isCallFailure(err error) bool {
	var apiErr *drs.APIError
	var tErr *drs.TransportError
	return errors.As(err, &apiErr) && apiErr.JobID == "" || errors.As(err, &tErr)
}
