package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

// simJobIDs returns n job IDs, prefix-00000 … .
func simJobIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	return ids
}

// newSimulator starts a drstest simulator that knows ids, accepts iamToken
// and applies faults; its request validation and log are off (the
// simulator's costs, not the client's).
func newSimulator(tb testing.TB, ids []string, faults ...drstest.Fault) *drstest.Server {
	jobs := make([]drstest.Job, len(ids))
	for i, id := range ids {
		jobs[i] = drstest.Job{ID: id}
	}
	return drstest.NewServer(tb, drstest.WithProjectID(projectID), drstest.WithToken(iamToken), drstest.WithJobs(jobs...),
		drstest.WithFaults(faults...), drstest.WithoutRequestValidation(), drstest.WithRequestLogLimit(0))
}

// BenchmarkPrecheck10k starts 10,000 pre-checks with one Precheck against the
// simulator, which delays every call by 2 ms: 1,000 calls, so the
// latency-bound prediction is 1,000 × 2 ms ÷ concurrency (predicted-ms).
func BenchmarkPrecheck10k(b *testing.B) {
	const jobs, latency = 10_000, 2 * time.Millisecond
	ids := simJobIDs("bench-job", jobs)
	srv := newSimulator(b, ids, drstest.Fault{Kind: drstest.FaultLatency, Operation: drstest.OpBatchCheckJobs, Latency: latency})
	for _, conc := range []int{4, 16} { // drs's default concurrency, and more
		b.Run(fmt.Sprintf("latency=2ms/concurrency=%d", conc), func(b *testing.B) {
			c := newOursClient(b, srv.URL, drs.WithToken(iamToken), drs.WithConcurrency(conc))
			calls := (jobs + drs.MaxBatchSize - 1) / drs.MaxBatchSize
			before := srv.RequestCount()
			b.ReportAllocs()
			cpu := startCPUMeter()
			for b.Loop() {
				rep, err := c.Precheck(context.Background(), drs.ModeStartJob, ids)
				if err != nil {
					b.Fatal(err)
				}
				started := 0
				for _, v := range rep.Verdicts {
					if v.State == drs.InProgress {
						started++
					}
				}
				if len(rep.Verdicts) != jobs || started != jobs {
					b.Fatalf("%d verdicts, %d started", len(rep.Verdicts), started)
				}
			}
			made := float64(srv.RequestCount()-before) / float64(b.N)
			if int(made) != calls {
				b.Fatalf("%.1f calls per Precheck, want %d", made, calls)
			}
			cpu.report(b) // client and simulator together
			b.ReportMetric(made, "calls/op")
			b.ReportMetric(float64(calls)*float64(latency)/float64(conc)/float64(time.Millisecond), "predicted-ms")
		})
	}
}

// TestLoad runs concurrent Precheck callers, sharing one client, against the
// simulator for a fixed time: 25 jobs per Precheck (3 calls), one in ten
// unknown; every call delayed 1 ms and 2% answered 503 (retried). It logs
// calls per second, latency and errors, and asserts that nothing was lost:
// every job has exactly one verdict, in input order; known jobs started,
// unknown ones refused with DRS.10000010; only a call failed after all its
// attempts leaves jobs without an answer, and Precheck's error is non-nil
// exactly then. A longer run:
//
//	DRS_LOAD_DURATION=30s DRS_LOAD_CALLERS=32 go test -run TestLoad -v .
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	t.Parallel()
	duration, callers := 300*time.Millisecond, 8 // a smoke run in CI
	if v := os.Getenv("DRS_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("DRS_LOAD_DURATION=%q: want a positive Go duration such as 30s", v)
		}
		duration = d
	}
	if v := os.Getenv("DRS_LOAD_CALLERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 1024 {
			t.Fatalf("DRS_LOAD_CALLERS=%q: want a number of callers from 1 to 1024", v)
		}
		callers = n
	}

	const perPrecheck = 25
	known := simJobIDs("load-job", 2_000)
	isKnown := make(map[string]bool, len(known))
	for _, id := range known {
		isKnown[id] = true
	}
	srv := newSimulator(t, known,
		drstest.Fault{Kind: drstest.FaultLatency, Operation: drstest.OpBatchCheckJobs, Latency: time.Millisecond},
		drstest.Fault{Kind: drstest.FaultError, Operation: drstest.OpBatchCheckJobs, Status: 503, Rate: 0.02, RetryAfter: time.Millisecond},
	)
	c := newOursClient(t, srv.URL, drs.WithToken(iamToken),
		drs.WithRetry(drs.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Millisecond}))

	ctx, cancel := context.WithTimeout(context.Background(), duration+30*time.Second)
	defer cancel()
	deadline := time.Now().Add(duration)
	before, start := srv.RequestCount(), time.Now()

	var (
		mu                                         sync.Mutex
		prechecks, jobs, started, refused, errored int
		wrong                                      int
		latencies                                  []time.Duration
		errs                                       = map[string]int{}
	)
	fail := func(n int, msg string) { // with mu held
		wrong += n
		errs[msg]++
	}
	var wg sync.WaitGroup
	for w := range callers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for n := 0; time.Now().Before(deadline); n++ {
				ids := make([]string, 0, perPrecheck)
				for i := 0; len(ids) < perPrecheck; i++ {
					id := known[rng.IntN(len(known))]
					if len(ids)%10 == 9 {
						id = fmt.Sprintf("unknown-%d-%d-%d", w, n, i)
					}
					if !slices.Contains(ids, id) {
						ids = append(ids, id)
					}
				}
				t0 := time.Now()
				rep, err := c.Precheck(ctx, drs.ModeStartJob, ids)
				mu.Lock()
				latencies = append(latencies, time.Since(t0))
				prechecks++
				jobs += len(ids)
				if rep == nil || len(rep.Verdicts) != len(ids) || len(rep.Unmatched) != 0 {
					fail(len(ids), fmt.Sprintf("Precheck of %d jobs: report %+v, error %v", len(ids), rep, err))
					mu.Unlock()
					continue
				}
				noAnswer := false
				for i, v := range rep.Verdicts {
					switch {
					case v.JobID != ids[i]:
						fail(1, "verdict out of order")
					case v.State == drs.InProgress && isKnown[v.JobID] && v.PrecheckID == v.JobID && v.Err == nil:
						started++
					case v.State == drs.Refused && !isKnown[v.JobID] && errors.Is(v.Err, drs.ErrJobNotFound):
						refused++
					case v.State == drs.NoAnswer && isCallFailure(v.Err):
						noAnswer = true
						errored++
						errs[v.Err.Error()]++
					default:
						fail(1, fmt.Sprintf("job %s (known %v): %s: %v", v.JobID, isKnown[v.JobID], v.State, v.Err))
					}
				}
				if (err != nil) != noAnswer {
					fail(len(ids), fmt.Sprintf("Precheck error %v, with a job without an answer: %v", err, noAnswer))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	httpCalls := srv.RequestCount() - before

	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Round(10 * time.Microsecond)
	}
	t.Logf("load: %d callers for %s (ran %s): %d Precheck calls (%.0f/s), %d HTTP calls (%.0f/s, retries included), %d jobs",
		callers, duration, elapsed.Round(time.Millisecond), prechecks, float64(prechecks)/elapsed.Seconds(),
		httpCalls, float64(httpCalls)/elapsed.Seconds(), jobs)
	t.Logf("load: Precheck latency p50 %s, p99 %s, max %s", pct(0.50), pct(0.99), pct(1))
	t.Logf("load: jobs started %d, refused (unknown, DRS.10000010) %d, errored (call failed after retries) %d, wrong %d",
		started, refused, errored, wrong)
	for msg, n := range errs {
		t.Logf("load: error ×%d: %s", n, msg)
	}

	if prechecks == 0 {
		t.Fatal("no Precheck call completed")
	}
	if got := started + refused + errored; got != jobs || wrong != 0 {
		t.Fatalf("jobs lost or misreported: submitted %d, accounted for %d, wrong %d", jobs, got, wrong)
	}
	// Nothing is lost on the wire either: each Precheck of 25 jobs makes at
	// least 3 calls; retries only add to that.
	if httpCalls < 3*prechecks {
		t.Fatalf("the simulator saw %d calls, fewer than the %d the Precheck calls needed", httpCalls, 3*prechecks)
	}
}

// isCallFailure reports whether err is the failure of a whole call (an error
// answer or none, after all attempts), not an unusable answer about one job,
// which the simulator never gives.
func isCallFailure(err error) bool {
	var apiErr *drs.APIError
	var tErr *drs.TransportError
	return errors.As(err, &apiErr) && apiErr.JobID == "" || errors.As(err, &tErr)
}
