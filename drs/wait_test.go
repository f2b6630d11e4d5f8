package drs

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// scripted answers BatchCheckResults from a script per job: the k-th time a
// job is asked about, it gets its k-th entry (the last one once the script
// runs out). Starts are all successful.
func scripted(jobs map[string][]generated.QueryPreCheckResp) handlerFunc {
	var mu sync.Mutex
	asked := map[string]int{}
	return func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) {
		if req.isStart() {
			startAll(w, req)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		var out []generated.QueryPreCheckResp
		for _, id := range req.Jobs {
			out = append(out, jobs[id][min(asked[id], len(jobs[id])-1)])
			asked[id]++
		}
		results(w, out...)
	}
}

// waitOn waits for job a (started first when start is set) against a server
// answering its readings in order, "100%" as a pass, requires that it passes,
// and returns the report and the waits.
func waitOn(t *testing.T, start bool, readings []string, opts ...WaitOption) (*Report, []time.Duration) {
	t.Helper()
	entries := make([]generated.QueryPreCheckResp, len(readings))
	for i, p := range readings {
		entries[i] = result("a", p, p == "100%")
	}
	c, _, clk := hostile(t, scripted(map[string][]generated.QueryPreCheckResp{"a": entries}))
	wait := c.Wait
	if start {
		wait = func(ctx context.Context, jobs []string, opts ...WaitOption) (*Report, error) {
			return c.PrecheckAndWait(ctx, ModeStartJob, jobs, opts...)
		}
	}
	rep, err := wait(bg, []string{"a"}, opts...)
	require.NoError(t, err)
	assert.Equal(t, Passed, rep.Verdicts[0].State)
	return rep, clk.waits()
}

// polled returns the job lists of the BatchCheckResults requests, in order.
func polled(rc *recorder) [][]string {
	var out [][]string
	for _, r := range rc.requests() {
		if !r.isStart() {
			out = append(out, r.Jobs)
		}
	}
	return out
}

// TestWaitWithoutProgressBacksOff proves the schedule of a job whose
// progress says nothing: the first query after WithFirstPollDelay, the
// second no sooner than 20s into the wait, then WithPollInterval, growing by
// half while nothing moves (from the second query after 20s on), capped by
// WithMaxPollInterval, and back to WithPollInterval when progress moves;
// the early look stands in for the query one WithPollInterval after 20s.
func TestWaitWithoutProgressBacksOff(t *testing.T) {
	rep, waits := waitOn(t, false, []string{"0%", "0%", "0%", "0%", "0%", "50%", "50%", "100%"},
		WithFirstPollDelay(5*time.Second), WithPollInterval(4*time.Second), WithMaxPollInterval(10*time.Second))
	assert.Equal(t, 8, rep.Polls)
	assert.Equal(t, []time.Duration{5 * time.Second, 15 * time.Second, 4*time.Second + 6*time.Second, 9 * time.Second, 10 * time.Second, 10 * time.Second, 4 * time.Second, 6 * time.Second}, waits)
}

// TestWaitAsksWhenProgressSaysDone proves that a job whose progress moves
// is asked about when it may be done: a reading of p% t after the start
// says between t·100/(p+1) and t·100/p, asked about every fifth of that
// window (1s to 3s apart) so that the last query comes at its end.
func TestWaitAsksWhenProgressSaysDone(t *testing.T) {
	_, waits := waitOn(t, true, []string{"4%", "80%", "100%"}, WithFirstPollDelay(5*time.Second))
	assert.Equal(t, []time.Duration{5 * time.Second, 96 * time.Second, 24 * time.Second}, waits,
		"the early look; 4% at 5s: done between 100s and 125s, asked at 101s (then every 3s); 80% at 101s: between 124.7s and 125s, asked at 125s")
}

// TestWaitStepsAreNotReadAsPercents proves that readings in steps (all
// multiples of 25) make the schedule assume the next step may come sooner
// than a whole percent would, that a round first reading is doubted, and
// that queries are timed to tell in which half of the window the pre-check
// completes, with the step before the last and then the last.
func TestWaitStepsAreNotReadAsPercents(t *testing.T) {
	_, w := waitOn(t, true, []string{"25%", "50%", "100%"}, WithFirstPollDelay(10*time.Second))
	require.Len(t, w, 3)
	assert.Equal(t, 5*time.Second, w[1], "25% at 10s in steps of 25: done between 20s (not 38.5s) and 40s; at 15s a completion at the middle (30s) would reach 50%")
	assert.InDelta(t, float64(3750*time.Millisecond), float64(w[2]), float64(time.Millisecond),
		"50% at 15s: between 20s and 30s; at 18.75s a completion at the middle (25s) would reach 75%")
}

// TestWaitFillsRequests proves that a request that goes anyway also asks
// about the pending jobs that are not due yet (it costs the same request).
func TestWaitFillsRequests(t *testing.T) {
	c, rc, _ := hostile(t, scripted(map[string][]generated.QueryPreCheckResp{
		"a": {result("a", "50%", false), result("a", "100%", true)},
		"b": {result("b", "1%", false), result("b", "100%", true)},
	}))
	_, err := c.PrecheckAndWait(bg, ModeStartJob, []string{"a", "b"}, WithFirstPollDelay(5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"a", "b"}, {"a", "b"}}, polled(rc), "b (1% at 5s: done after 250s) asked along with a at 10s")
}

// TestWaitStalledProgressFallsBack proves that a job whose progress stops
// where it said the pre-check would be done is asked about as one without
// progress: every WithPollInterval, growing.
func TestWaitStalledProgressFallsBack(t *testing.T) {
	_, w := waitOn(t, true, []string{"41%", "41%", "41%", "41%", "100%"}, WithFirstPollDelay(20*time.Second))
	require.Len(t, w, 5)
	assert.InDelta(t, float64(20*time.Second*100/41-21*time.Second), float64(w[1]), float64(time.Millisecond), "41% at 20s: done between 47.6s and 48.8s, asked 1s before the end")
	assert.Equal(t, MinPollInterval, w[2], "and at the end")
	assert.Equal(t, []time.Duration{5 * time.Second, 7500 * time.Millisecond}, w[3:], "still 41% then: as without progress")
}

// TestWaitProgressGetsCopies proves that WithProgress is called after the
// start and after every query with a copy of the report: changing or keeping
// it affects neither the wait nor later copies.
func TestWaitProgressGetsCopies(t *testing.T) {
	var seen []Report
	c, _, _ := hostile(t, scripted(map[string][]generated.QueryPreCheckResp{
		"a": {result("a", "30%", false), result("a", "100%", true)},
		"b": {result("b", "100%", false)},
	}))
	rep, err := c.PrecheckAndWait(bg, ModeStartJob, []string{"a", "b"}, WithProgress(func(r Report) {
		seen = append(seen, r)
		r.Verdicts[0].JobID = "changed"
	}))
	require.NoError(t, err)
	assert.Equal(t, []State{Passed, Failed}, statesOf(rep))
	assert.Equal(t, "a", rep.Verdicts[0].JobID)
	assert.Equal(t, 2, rep.Polls)
	require.Len(t, seen, 3, "after the start and after each of the 2 queries")
	assert.Equal(t, []float64{0, 30, 100}, []float64{seen[0].Verdicts[0].Progress, seen[1].Verdicts[0].Progress, seen[2].Verdicts[0].Progress})
	assert.Equal(t, []State{InProgress, InProgress}, statesOf(&seen[0]), "a copy kept from the start still reads as it did")
	assert.Equal(t, []State{InProgress, Failed}, statesOf(&seen[1]))
	assert.Equal(t, []int{0, 1, 2}, []int{seen[0].Polls, seen[1].Polls, seen[2].Polls})
	assert.Equal(t, "changed", seen[2].Verdicts[0].JobID, "the callback's own change stays in its copy")
}

// TestWaitAsksAgainOnlyWhatIsPending proves that a job Refused or Failed is
// not asked about again, that a per-job throttling code is, and that a
// pass ends the job's polling too.
func TestWaitAsksAgainOnlyWhatIsPending(t *testing.T) {
	c, rc, _ := hostile(t, scripted(map[string][]generated.QueryPreCheckResp{
		"refused":   {{PrecheckId: "refused", ErrorCode: "DRS.10000010", ErrorMsg: "no such job"}},
		"failed":    {result("failed", "100%", false)},
		"throttled": {{PrecheckId: "throttled", ErrorCode: "DRS.M01503", ErrorMsg: "busy"}, result("throttled", "100%", true)},
		"slow":      {result("slow", "10%", false), result("slow", "60%", false), result("slow", "100%", true)},
	}))
	rep, err := c.Wait(bg, []string{"refused", "failed", "throttled", "slow"})
	require.NoError(t, err, "refusals and failures are answers")
	assert.Equal(t, []State{Refused, Failed, Passed, Passed}, statesOf(rep))
	assert.Equal(t, [][]string{
		{"refused", "failed", "throttled", "slow"},
		{"throttled", "slow"},
		{"slow"},
	}, polled(rc))
	assert.Equal(t, 3, rep.Polls)
}

// TestWaitWhoseEveryPollFails proves that a wait whose every query fails ends
// with every job NoAnswer and an error carrying the last query's failure.
func TestWaitWhoseEveryPollFails(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	c, rc, clk := hostile(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, n int) {
		writeJSON(w, 503, generated.ErrorBody{ErrorCode: "APIGW.0203", ErrorMsg: fmt.Sprintf("poll %d failed", n)})
	}, oneShot)
	clk.onSleep = func(n int, _ time.Duration) {
		if n == 4 {
			cancel() // the wait ends before a fourth query
		}
	}
	rep, err := c.Wait(ctx, []string{"a", "b"})
	require.NotNil(t, rep)
	require.Error(t, err)
	assert.Equal(t, 3, rc.count())
	assert.Equal(t, 3, rep.Polls)
	assert.Contains(t, err.Error(), "the wait ended after 3 polls: the context was canceled")
	assert.Contains(t, err.Error(), "the latest query failed: drs: BatchCheckResults: HTTP 503 Service Unavailable: APIGW.0203: poll 3 failed")
	apiErr := errAs[*APIError](t, err)
	assert.Equal(t, "poll 3 failed", apiErr.Message)
	for _, v := range rep.Verdicts {
		assert.Equal(t, NoAnswer, v.State)
		assert.ErrorIs(t, v.Err, context.Canceled)
		assert.ErrorIs(t, v.Err, apiErr)
	}
}

// TestWaitKeepsWhatItKnewWhenAQueryFails proves that queries failing with
// any 5xx or an unusable answer do not end a wait, that each failed query
// leaves a job's known progress and pre-check ID, and that the next query
// goes on.
func TestWaitKeepsWhatItKnewWhenAQueryFails(t *testing.T) {
	var progress []Report
	c, rc, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, req recorded, n int) {
		switch n {
		case 1:
			startAll(w, req)
		case 2:
			results(w, result("a", "40%", false))
		case 3:
			writeJSON(w, 500, generated.ErrorBody{ErrorCode: "DRS.M00000", ErrorMsg: "internal"})
		case 4:
			writeRaw(w, 200, `{"results":[{"precheck_id":"a","process":"100%","process":"0%"}]}`)
		case 5:
			writeRaw(w, 200, `{not json`)
		case 6:
			writeRaw(w, 502, "<html>bad gateway</html>")
		default:
			results(w, result("a", "100%", true))
		}
	}, oneShot)
	rep, err := c.PrecheckAndWait(bg, ModeStartJob, []string{"a"}, WithProgress(func(r Report) { progress = append(progress, r) }))
	require.NoError(t, err)
	assert.Equal(t, Passed, rep.Verdicts[0].State)
	assert.Equal(t, 7, rc.count())
	require.Len(t, progress, 7)
	for _, p := range progress[2:6] {
		failed := p.Verdicts[0]
		assert.Equal(t, NoAnswer, failed.State)
		assert.Equal(t, 40.0, failed.Progress, "the progress known before the failed query")
		assert.Equal(t, "a", failed.PrecheckID)
	}
	assert.Contains(t, progress[5].Verdicts[0].Err.Error(), `HTTP 502 Bad Gateway: "<html>bad gateway</html>"`)
}

// TestWaitStopsOnARefusedCall proves that a query refused as a whole with a
// 4xx ends the wait at once, with that refusal as every pending job's reason.
func TestWaitStopsOnARefusedCall(t *testing.T) {
	c, rc, _ := hostile(t, raw(403, `{"error_code":"DRS.M00261","error_msg":"project mismatch"}`))
	rep, err := c.Wait(bg, []string{"a"})
	require.Error(t, err)
	assert.Equal(t, 1, rc.count())
	assert.ErrorIs(t, err, ErrPermission)
	assert.Contains(t, err.Error(), "the wait stopped after 1 poll")
	assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
}

// queriedAt is a client, inside a synctest bubble, whose server answers
// every query with r and records when, since the call, each came.
func queriedAt(t *testing.T, r generated.QueryPreCheckResp) (*Client, *[]time.Duration) {
	start := time.Now()
	var at []time.Duration
	c, _, _ := memClient(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
		at = append(at, time.Since(start))
		results(w, r)
	}, nil)
	return c, &at
}

// TestWaitDeadlineShorterThanFirstPollDelay proves that a wait whose context
// ends before WithFirstPollDelay still queries once, halfway to the
// deadline, and ends with its jobs InProgress carrying the reason.
func TestWaitDeadlineShorterThanFirstPollDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, at := queriedAt(t, result("a", "20%", false))
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		rep, err := c.Wait(ctx, []string{"a"}, WithFirstPollDelay(time.Minute), WithPollInterval(time.Minute))
		require.Error(t, err)
		assert.Equal(t, []time.Duration{5 * time.Second}, *at, "one query, halfway to the deadline")
		assert.Equal(t, 1, rep.Polls)
		v := rep.Verdicts[0]
		assert.Equal(t, InProgress, v.State)
		assert.Equal(t, 20.0, v.Progress)
		assert.ErrorIs(t, v.Err, context.DeadlineExceeded)
		assert.EqualError(t, v.Err, "the wait ended after 1 poll: the context's deadline passed: context deadline exceeded")
		assert.Equal(t, "not complete (20%): the wait ended after 1 poll: the context's deadline passed: context deadline exceeded", v.Summary())
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// TestWaitWithoutFirstPollDelay proves that WithFirstPollDelay(0) queries at
// once.
func TestWaitWithoutFirstPollDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, at := queriedAt(t, result("a", "100%", true))
		rep, err := c.Wait(bg, []string{"a"}, WithFirstPollDelay(0))
		require.NoError(t, err)
		assert.Equal(t, Passed, rep.Verdicts[0].State)
		assert.Equal(t, []time.Duration{0}, *at)
	})
}

// TestWaitCanceled proves that a canceled context ends the wait with its jobs
// InProgress, carrying the reason, and err non-nil.
func TestWaitCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	c, rc, clk := hostile(t, scripted(map[string][]generated.QueryPreCheckResp{"a": {result("a", "70%", false)}, "b": {result("b", "100%", true)}}))
	clk.onSleep = func(n int, _ time.Duration) {
		if n == 2 {
			cancel()
		}
	}
	rep, err := c.PrecheckAndWait(ctx, ModeStartJob, []string{"a", "b"})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 2, rc.count(), "the start and one query")
	assert.Equal(t, []State{InProgress, Passed}, statesOf(rep))
	assert.ErrorIs(t, rep.Verdicts[0].Err, context.Canceled)
	assert.Contains(t, rep.Verdicts[0].Err.Error(), "the wait ended after 1 poll: the context was canceled")
	assert.NoError(t, rep.Verdicts[1].Err)
	assert.Len(t, errorsOf(err), 1, "only the job left in progress")
}

// TestPrecheckAndWaitAgainstTheSimulator runs the whole flow against drstest's
// demo scenario, its clock driven by the client's sleeps.
func TestPrecheckAndWaitAgainstTheSimulator(t *testing.T) {
	simClock := drstest.NewManualClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	srv := drstest.NewServer(t, drstest.WithScenario(drstest.DefaultScenario()), drstest.WithClock(simClock.Now))
	clk := newFakeClock()
	clk.onSleep = func(_ int, d time.Duration) { simClock.Advance(d) }
	c := newClient(t, srv.URL, srv.Client(), clk, WithProjectID(srv.ProjectID), WithToken(srv.Token), WithLanguage("en-us"))
	jobs := []string{drstest.ExampleJobID, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID, "no-such-job"}
	rep, err := c.PrecheckAndWait(bg, ModeStartJob, jobs)
	require.NoError(t, err)
	assert.Equal(t, []State{Passed, Passed, Failed, Refused, Refused}, statesOf(rep))
	assert.Equal(t, "may start", rep.Verdicts[0].Summary())
	assert.Equal(t, "may start (1 alarm)", rep.Verdicts[1].Summary())
	assert.Contains(t, rep.Verdicts[2].Summary(), "pre-check failed: 2 items failed: db_user_privilege/srcDbUserPrivilege: The source database user lacks")
	assert.ErrorIs(t, rep.Verdicts[4].Err, ErrJobNotFound)
	assert.Equal(t, 100.0, rep.Verdicts[0].PassedRate)
	assert.Len(t, rep.Verdicts[0].Items, 4)
	assert.Equal(t, 1, rep.Polls, "the first query comes after the demo's pre-checks are done")
	for _, r := range srv.Requests() {
		assert.Equal(t, "en-us", r.Header.Get("X-Language"))
	}
}

// TestWaitOptionsBelowTheFloorAreRefused proves that a wait option below
// MinPollInterval (or a negative first delay) is an error naming the
// option, with no report and nothing sent, for both waits.
func TestWaitOptionsBelowTheFloorAreRefused(t *testing.T) {
	c, rc, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) { startAll(w, req) })
	for _, tc := range []struct {
		opt    WaitOption
		option string
		reason string
	}{
		{WithPollInterval(time.Nanosecond), "WithPollInterval", "the poll interval must be at least 1s; got 1ns"},
		{WithPollInterval(MinPollInterval - 1), "WithPollInterval", "at least 1s"},
		{WithMaxPollInterval(0), "WithMaxPollInterval", "the maximum poll interval must be at least 1s; got 0s"},
		{WithFirstPollDelay(-time.Second), "WithFirstPollDelay", "must not be negative"},
	} {
		for name, call := range map[string]func() (*Report, error){
			"Wait":            func() (*Report, error) { return c.Wait(bg, []string{"a"}, tc.opt) },
			"PrecheckAndWait": func() (*Report, error) { return c.PrecheckAndWait(bg, ModeStartJob, []string{"a"}, tc.opt) },
		} {
			rep, err := call()
			assert.Nil(t, rep, name)
			cfg := errAs[*ConfigError](t, err, name)
			assert.Equal(t, tc.option, cfg.Option, name)
			assert.Contains(t, cfg.Reason, tc.reason, name)
		}
	}
	assert.Zero(t, rc.count(), "nothing sent")
}

// TestWaitPublishesEachAnswerAsItLands proves that the progress callback
// sees a batch's verdicts while another batch's answer is still awaited:
// after the start, both batches are asked at once, and the second answer
// is held until the callback has seen the first.
func TestWaitPublishesEachAnswerAsItLands(t *testing.T) {
	ids := manyJobs(20)
	release := make(chan struct{})
	var once sync.Once
	c, _, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) {
		if req.isStart() {
			startAll(w, req)
			return
		}
		if req.Jobs[0] == ids[10] {
			select { // the second batch answers once the first is published
			case <-release:
			case <-time.After(5 * time.Second): // or, failing the test, later
			}
		}
		var out []generated.QueryPreCheckResp
		for _, id := range req.Jobs {
			out = append(out, result(id, "100%", true))
		}
		results(w, out...)
	})
	var seen []int
	rep, err := c.PrecheckAndWait(bg, ModeStartJob, ids, WithProgress(func(r Report) {
		passed := 0
		for _, v := range r.Verdicts {
			if v.State == Passed {
				passed++
			}
		}
		seen = append(seen, passed)
		if passed == 10 {
			once.Do(func() { close(release) })
		}
	}))
	require.NoError(t, err)
	assert.Equal(t, []int{0, 10, 20}, seen, "at the start, after the first batch, after the second")
	assert.Equal(t, 2, rep.Polls)
}

// TestWaitSurvivesAbsurdProgress proves that a reading of a tiny or
// backward-moving percentage neither breaks the schedule nor makes it ask
// sooner than MinPollInterval or later than the bound of an estimate.
func TestWaitSurvivesAbsurdProgress(t *testing.T) {
	_, waits := waitOn(t, true, []string{"0.0000001%", "60%", "3%", "100%"}, WithFirstPollDelay(time.Second))
	for _, d := range waits[1:] {
		assert.GreaterOrEqual(t, d, MinPollInterval)
		assert.LessOrEqual(t, d, estimatedMax*30*time.Second)
	}
}

// TestEstimateOfAPrecheckStartedElsewhere proves that a wait on a
// pre-check it did not start finds the start from two readings (10% first
// seen at 10s, 32% at 21s: proportional progress started at 5s) and then
// expects completion between 53.5s and 55s; one reading says nothing.
func TestEstimateOfAPrecheckStartedElsewhere(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	var e estimate
	e.observe(at(10), at(10), 10)
	_, _, ok := e.window()
	assert.False(t, ok, "one reading of a pre-check started elsewhere says nothing")
	e.observe(at(21), at(21), 32)
	lo, hi, ok := e.window()
	require.True(t, ok)
	assert.Equal(t, at(5), e.start)
	assert.Equal(t, at(55), hi)
	assert.InDelta(t, float64(at(5+16*100.0/33).Sub(t0)), float64(lo.Sub(t0)), float64(time.Millisecond))
	e.observe(at(23), at(23), 33)
	_, hi, _ = e.window()
	assert.Equal(t, at(55), hi, "a later reading does not widen the window")
	e.observe(at(25), at(25), 20)
	_, _, ok = e.window()
	assert.True(t, ok, "a reading that goes back forgets the readings, not the start")
	assert.Equal(t, at(5), e.start)
}
