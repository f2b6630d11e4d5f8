package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

// simJobIDs returns n job IDs, prefix-0 … prefix-(n-1).
func simJobIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	return ids
}

// newSimulator starts a drstest simulator that knows ids (all in
// CONFIGURATION), accepts iamToken, and applies faults. Request validation
// against openapi.yaml and the request log are off: they are the simulator's
// own costs, not the client's (see drstest.WithoutRequestValidation).
func newSimulator(tb testing.TB, ids []string, faults ...drstest.Fault) *drstest.Server {
	jobs := make([]drstest.Job, len(ids))
	for i, id := range ids {
		jobs[i] = drstest.Job{ID: id}
	}
	return drstest.NewServer(tb,
		drstest.WithProjectID(projectID),
		drstest.WithToken(iamToken),
		drstest.WithJobs(jobs...),
		drstest.WithFaults(faults...),
		drstest.WithoutRequestValidation(),
		drstest.WithRequestLogLimit(0),
	)
}

// defaultConcurrency is drs's default number of calls at once
// (WithConcurrency).
const defaultConcurrency = 4

// countState counts the verdicts of rep in state s.
func countState(rep *drs.Report, s drs.State) int {
	n := 0
	for _, v := range rep.Verdicts {
		if v.State == s {
			n++
		}
	}
	return n
}

// BenchmarkPrecheck10k starts the pre-checks of 10,000 jobs with one Precheck
// call against the simulator, which delays every BatchCheckJobs call by 2 ms.
// With batches of 10 that is 1,000 calls, so the latency-bound prediction is
// 1,000 × 2 ms ÷ concurrency; the extra metrics report the calls made and that
// prediction (predicted-ms) next to the measured time per op.
func BenchmarkPrecheck10k(b *testing.B) {
	const (
		jobs    = 10_000
		latency = 2 * time.Millisecond
	)
	ids := simJobIDs("bench-job", jobs)
	srv := newSimulator(b, ids, drstest.Fault{Kind: drstest.FaultLatency, Operation: drstest.OpBatchCheckJobs, Latency: latency})
	for _, conc := range []int{defaultConcurrency, 16} {
		b.Run(fmt.Sprintf("latency=2ms/concurrency=%d", conc), func(b *testing.B) {
			c := newOursClient(b, srv.URL, drs.WithToken(iamToken), newTransport(b), drs.WithConcurrency(conc))
			ctx := context.Background()
			calls := (jobs + drs.MaxBatchSize - 1) / drs.MaxBatchSize
			before := srv.RequestCount()
			b.ReportAllocs()
			cpu := startCPUMeter()
			for b.Loop() {
				rep, err := c.Precheck(ctx, drs.ModeStartJob, ids)
				if err != nil {
					b.Fatal(err)
				}
				if started := countState(rep, drs.InProgress); len(rep.Verdicts) != jobs || started != jobs {
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
