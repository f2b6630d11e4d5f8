package drs

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// The wave benchmark: how long after a pre-check completes its verdict
// reaches the caller, and how many requests that costs, for waves of jobs
// against the simulator served in memory, every request validated against
// openapi.yaml, in virtual time (testing/synctest) with waveRoundTrip (and
// a jitter under 1 ms) per request. Without -wave it runs the 10-job waves and checks behaviour
// only; with -wave it runs every wave and prints the table of
// docs/BENCHMARKS.md (-wave-seed draws other durations):
//
//	go test -count=1 -run '^TestWave$' -v ./drs/ -args -wave
var (
	waveFlag = flag.Bool("wave", false, "run every wave of TestWave and print the table")
	waveSeed = flag.Uint64("wave-seed", 18, "seed of TestWave's durations")
)

const waveRoundTrip = 50 * time.Millisecond

// waveStrategies are the ways of waiting compared: the library's, today's
// schedule before it (kept here, reproducible, as the baseline), and a
// fixed 10 s loop over batches of 10.
var waveStrategies = []string{"drs", "previous", "fixed-10s"}

var waveShapes = map[string]drstest.Progress{
	"linear": {},
	"steps":  {Shape: drstest.ProgressSteps, Steps: 20},
	"silent": {Shape: drstest.ProgressStall},
}

// waveDurations draws n pre-check durations of a distribution, seeded.
func waveDurations(dist string, n int) []time.Duration {
	r := rand.New(rand.NewPCG(*waveSeed, uint64(n)))
	out := make([]time.Duration, n)
	for i := range out {
		switch dist {
		case "uniform": // 30 s to 3 min
			out[i] = 30*time.Second + time.Duration(r.Int64N(int64(150*time.Second)))
		case "lognormal": // median 90 s, p99 15 min
			sigma := math.Log(10) / 2.326
			out[i] = min(time.Duration(90*float64(time.Second)*math.Exp(sigma*r.NormFloat64())), drstest.MaxJobDuration)
		default: // all 60 s
			out[i] = time.Minute
		}
	}
	return out
}

// waveRecorder is a transport that adds the round trip and records, on
// the simulator's (virtual) clock, which jobs each request asked about.
type waveRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []waveRequest
}

type waveRequest struct {
	sent  time.Time // by the client
	at    time.Time // on the simulator
	start bool
	jobs  []string
}

func (w *waveRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	r := waveRequest{sent: time.Now(), start: (recorded{Path: req.URL.Path}).isStart(), jobs: parseJobs(req.URL.Path, body)}
	// A jitter under 1 ms, from the request and when it is sent, keeps
	// answers from landing at the same virtual instant: the goroutine
	// scheduler would take them in an order of its own, and one run would
	// not be the result.
	h := fnv.New64a()
	_, _ = fmt.Fprint(h, req.URL.Path, time.Now().UnixNano())
	_, _ = h.Write(body)
	trip := waveRoundTrip + time.Duration(h.Sum64()%uint64(time.Millisecond))
	time.Sleep(trip / 2)
	r.at = time.Now()
	w.mu.Lock()
	w.reqs = append(w.reqs, r)
	w.mu.Unlock()
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	resp, err := w.next.RoundTrip(req)
	time.Sleep(trip - trip/2)
	return resp, err
}

// waveOutcome is what one wave measured.
type waveOutcome struct {
	lags   []time.Duration // verdict minus completion, per job
	tail   time.Duration   // last verdict minus last completion
	reqs   []waveRequest
	final  int         // jobs with a final verdict
	done   []time.Time // completions (on the simulator), per job
	starts []time.Time // starts (on the simulator), per job
}

// runWave starts n pre-checks and waits for them with strategy, in a
// synctest bubble.
func runWave(t *testing.T, strategy, dist, shape string, n int) waveOutcome {
	var out waveOutcome
	synctest.Test(t, func(t *testing.T) {
		durations := waveDurations(dist, n)
		ids := make([]string, n)
		jobs := make([]drstest.Job, n)
		for i := range jobs {
			ids[i] = fmt.Sprintf("job-%04d", i)
			jobs[i] = drstest.Job{ID: ids[i], Duration: durations[i], Progress: waveShapes[shape]}
		}
		sim, err := drstest.New(drstest.AcceptAnyToken(), drstest.WithJobs(jobs...))
		require.NoError(t, err)
		rec := &waveRecorder{next: &handlerTransport{h: sim}}
		c, err := New(WithoutEnvironment(), WithEndpoint("https://drs.test"), WithProjectID(sim.ProjectID()),
			WithToken("token"), WithHTTPClient(&http.Client{Transport: rec}))
		require.NoError(t, err)

		verdictAt := map[string]time.Time{}
		note := func(r *Report) {
			now := time.Now()
			for _, v := range r.Verdicts {
				if _, ok := verdictAt[v.JobID]; !ok && (v.State == Passed || v.State == Failed) {
					verdictAt[v.JobID] = now
				}
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
		defer cancel()
		switch strategy {
		case "drs":
			_, err = c.PrecheckAndWait(ctx, ModeStartJob, ids, WithProgress(func(r Report) { note(&r) }))
		case "previous":
			err = previousWait(ctx, c, ids, note)
		case "fixed-10s":
			err = fixedWait(ctx, c, ids, note)
		}
		require.NoError(t, err)

		startAt := map[string]time.Time{}
		for _, r := range rec.reqs {
			if r.start {
				for _, id := range r.jobs {
					startAt[id] = r.at
				}
			}
		}
		var lastDone, lastVerdict time.Time
		for i, id := range ids {
			done := startAt[id].Add(durations[i])
			out.done, out.starts = append(out.done, done), append(out.starts, startAt[id])
			at, ok := verdictAt[id]
			if !ok {
				continue
			}
			out.final++
			out.lags = append(out.lags, at.Sub(done))
			lastDone, lastVerdict = later(lastDone, done), later(lastVerdict, at)
		}
		out.tail = lastVerdict.Sub(lastDone)
		out.reqs = rec.reqs
	})
	return out
}

// previousWait is the schedule drs had before this one, for comparison:
// all pending jobs asked about in rounds, the first after 20 s, then every
// 5 s, growing by half (from the second round on) up to 30 s while no job
// moves; a verdict is known when its round ends.
func previousWait(ctx context.Context, c *Client, ids []string, note func(*Report)) error {
	if _, err := c.Precheck(ctx, ModeStartJob, ids); err != nil {
		return err
	}
	pending := ids
	progress := map[string]float64{}
	delay, interval := 20*time.Second, 5*time.Second
	for polls := 1; len(pending) > 0; polls++ {
		time.Sleep(delay)
		rep, _ := c.Results(ctx, pending)
		note(rep)
		moved := false
		var next []string
		for _, v := range rep.Verdicts {
			if v.State == InProgress || v.State == NoAnswer {
				next = append(next, v.JobID)
			}
			moved = moved || v.State != InProgress || v.Progress != progress[v.JobID]
			progress[v.JobID] = v.Progress
		}
		pending = next
		if moved {
			interval = 5 * time.Second
		} else if polls > 1 {
			interval = min(interval*3/2, 30*time.Second)
		}
		delay = interval
	}
	return nil
}

// fixedWait asks about the pending jobs every 10 s, in batches of 10, up to
// 4 at once; a verdict is known when its batch's answer lands.
func fixedWait(ctx context.Context, c *Client, ids []string, note func(*Report)) error {
	if _, err := c.Precheck(ctx, ModeStartJob, ids); err != nil {
		return err
	}
	var mu sync.Mutex
	pending := ids
	for len(pending) > 0 {
		time.Sleep(10 * time.Second)
		var next []string
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for batch := range slices.Chunk(pending, MaxBatchSize) {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				rep, _ := c.Results(ctx, batch)
				mu.Lock()
				defer mu.Unlock()
				note(rep)
				for _, v := range rep.Verdicts {
					if v.State == InProgress || v.State == NoAnswer {
						next = append(next, v.JobID)
					}
				}
			})
		}
		wg.Wait()
		pending = next
	}
	return nil
}

// limitWave is the limit of any schedule, even one that knows when each
// pre-check completes: each job asked about once, as soon as it has
// completed and a request may be sent (at most MaxBatchSize jobs per
// request, 4 at once, the jobs waiting longest first), the answer a round
// trip later. It returns the lags, the tail and the requests (starts
// included).
func limitWave(done []time.Time) (lags []time.Duration, tail time.Duration, requests int) {
	order := slices.Clone(done)
	slices.SortFunc(order, time.Time.Compare)
	var free [4]time.Time // when each request slot is free again
	var last time.Time
	for k := 0; k < len(order); {
		slot := 0
		for i := range free {
			if free[i].Before(free[slot]) {
				slot = i
			}
		}
		sent := later(free[slot], order[k])
		n := 0
		for k+n < len(order) && n < MaxBatchSize && !order[k+n].After(sent) {
			n++
		}
		free[slot] = sent.Add(waveRoundTrip)
		for _, d := range order[k : k+n] {
			lags = append(lags, free[slot].Sub(d))
		}
		last = later(last, free[slot])
		k += n
		requests++
	}
	starts := (len(done) + MaxBatchSize - 1) / MaxBatchSize
	return lags, last.Sub(order[len(order)-1]), requests + starts
}

// stepCover is the requests of a schedule that knows, of each job with
// stepwise progress, only the window of its last step, [start +
// d·(steps-1)/steps, start + d] (every reading in it says the same), and
// asks about it at most lag after the window opens, then at most lag after
// each query, until a query at or after its end: the fewest requests that
// do this for every job, jobs sharing a request only when both are due,
// one job allowed maxLag (nearest-rank p90 of 10), plus the starts. It is
// not a lower bound: a schedule can narrow the window by reading the steps
// before the last at chosen times, as drs does.
func stepCover(starts, done []time.Time, steps int, p90, maxLag time.Duration) int {
	n := len(done)
	lo, hi := make([]time.Time, n), make([]time.Time, n)
	for i := range n {
		d := done[i].Sub(starts[i])
		lo[i], hi[i] = starts[i].Add(d*time.Duration(steps-1)/time.Duration(steps)), done[i]
	}
	// A query reaches the simulator half a round trip after it is sent,
	// its answer half a round trip later.
	cover := func(relaxed int) int {
		lag, due, finished := make([]time.Duration, n), make([]time.Time, n), make([]bool, n)
		for i := range n {
			lag[i] = p90 - waveRoundTrip/2
			if i == relaxed {
				lag[i] = maxLag - waveRoundTrip/2
			}
			due[i] = lo[i].Add(lag[i])
		}
		points := 0
		for {
			var at time.Time // the latest time the next query may come
			for i := range n {
				if !finished[i] && (at.IsZero() || due[i].Before(at)) {
					at = due[i]
				}
			}
			if at.IsZero() {
				return points
			}
			points++
			for i := range n {
				if !finished[i] && !lo[i].After(at) {
					finished[i], due[i] = !at.Before(hi[i]), at.Add(lag[i])
				}
			}
		}
	}
	best := cover(-1)
	for i := range n {
		best = min(best, cover(i))
	}
	return best + (n+MaxBatchSize-1)/MaxBatchSize
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)*p+99)/100-1]
}

// TestWave runs the waves (all of them with -wave): every job gets its
// verdict, and drs's requests pass checkPolls.
func TestWave(t *testing.T) {
	sizes := []int{10}
	if *waveFlag {
		sizes = []int{10, 100, 1000}
	}
	var table []string
	for _, n := range sizes {
		for _, dist := range []string{"uniform", "lognormal", "fixed-60s"} {
			for _, shape := range []string{"linear", "steps", "silent"} {
				for _, strategy := range waveStrategies {
					name := fmt.Sprintf("%d/%s/%s/%s", n, dist, shape, strategy)
					t.Run(name, func(t *testing.T) {
						o := runWave(t, strategy, dist, shape, n)
						assert.Equal(t, n, o.final, "every job has its verdict")
						row := func(strategy string, lags []time.Duration, tail time.Duration, requests int) {
							slices.Sort(lags)
							table = append(table, fmt.Sprintf("| %d | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f |",
								n, dist, shape, strategy, percentile(lags, 50).Seconds(), percentile(lags, 90).Seconds(),
								percentile(lags, 100).Seconds(), tail.Seconds(), float64(requests)/float64(n)))
						}
						row(strategy, o.lags, o.tail, len(o.reqs))
						if strategy != "drs" {
							return
						}
						checkPolls(t, o.reqs)
						if shape == "linear" { // the same completions for every shape
							lags, tail, requests := limitWave(o.done)
							row("limit (knows the completions; any progress)", lags, tail, requests)
						}
						if shape == "steps" && n == 10 {
							b := stepCover(o.starts, o.done, waveShapes[shape].Steps, 1500*time.Millisecond, 5*time.Second)
							table = append(table, fmt.Sprintf("| %d | %s | %s | last-step windows asked every 1.5 s | | ≤ 1.50 | ≤ 5.00 | | %.2f |",
								n, dist, shape, float64(b)/float64(n)))
						}
					})
				}
			}
		}
	}
	if *waveFlag {
		fmt.Println("| jobs | durations | progress | strategy | lag p50 s | p90 s | max s | tail s | requests/job |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|")
		for _, row := range table {
			fmt.Println(row)
		}
	}
}

// checkPolls checks the requests of a drs wait: at most 10 jobs each, and
// each job asked about again only after MinPollInterval.
func checkPolls(t *testing.T, reqs []waveRequest) {
	last := map[string]time.Time{}
	for _, r := range reqs {
		assert.LessOrEqual(t, len(r.jobs), MaxBatchSize, "jobs per request")
		if r.start {
			continue
		}
		for _, id := range r.jobs {
			if prev, ok := last[id]; ok {
				assert.GreaterOrEqual(t, r.sent.Sub(prev), MinPollInterval, "job %s asked again too soon", id)
			}
			last[id] = r.sent
		}
	}
}
