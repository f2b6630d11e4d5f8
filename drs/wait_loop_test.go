package drs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptedPoll answers the n-th query (0-based) with script[n](asked) and
// records what each query asked about.
type scriptedPoll struct {
	mu     sync.Mutex
	script []func(asked []jobRef) pollOutcome
	asked  [][]string
}

func (s *scriptedPoll) poll(_ context.Context, jobs []jobRef) pollOutcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.jobID
	}
	n := len(s.asked)
	s.asked = append(s.asked, ids)
	if n >= len(s.script) {
		n = len(s.script) - 1
	}
	return s.script[n](jobs)
}

// pollAnswer returns a pollOutcome with a verdict per asked job from by (jobs
// missing from by stay in progress at 0%).
func pollAnswer(by map[string]Verdict) func([]jobRef) pollOutcome {
	return func(asked []jobRef) pollOutcome {
		out := pollOutcome{verdicts: make([]Verdict, len(asked)), callErrs: make([]error, len(asked))}
		for i, j := range asked {
			v, ok := by[j.jobID]
			if !ok {
				v = Verdict{State: VerdictInProgress}
			}
			v.JobID = j.jobID
			out.verdicts[i] = v
		}
		return out
	}
}

// pollFailAll returns a pollOutcome in which the one call failed with err.
func pollFailAll(err error) func([]jobRef) pollOutcome {
	return func(asked []jobRef) pollOutcome {
		out := pollOutcome{verdicts: make([]Verdict, len(asked)), callErrs: make([]error, len(asked)), errs: []error{err}}
		for i, j := range asked {
			out.verdicts[i] = Verdict{JobID: j.jobID, State: VerdictErrored, Err: err}
			out.callErrs[i] = err
		}
		return out
	}
}

var errPollTransient = errors.New("transient")

// recordWaitSleeps returns a sleep that does not wait and records what it was
// asked to wait.
func recordWaitSleeps() (func(context.Context, time.Duration) error, func() []time.Duration) {
	var mu sync.Mutex
	var got []time.Duration
	return func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			got = append(got, d)
			mu.Unlock()
			return ctx.Err()
		}, func() []time.Duration {
			mu.Lock()
			defer mu.Unlock()
			return append([]time.Duration(nil), got...)
		}
}

func waitLoopConfig(t *testing.T, opts ...WaitOption) *waitConfig {
	t.Helper()
	cfg, err := newWaitConfig(opts, nil)
	require.NoError(t, err)
	cfg.retryable = func(err error) bool { return errors.Is(err, errPollTransient) }
	return cfg
}

func TestWaitLoopPollsOnlyUnfinishedJobs(t *testing.T) {
	sleep, slept := recordWaitSleeps()
	notFound := &ResultError{JobID: "c", Code: "DRS.10000010"}
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{
		pollAnswer(map[string]Verdict{"b": {Progress: 50}, "c": {State: VerdictErrored, Err: notFound}}),
		pollAnswer(map[string]Verdict{"b": {State: VerdictPassed, MayStart: true, Progress: 100}}),
		pollAnswer(nil),
		pollAnswer(map[string]Verdict{"a": {State: VerdictFailed, Progress: 100}}),
	}}
	var seen []ResultsReport
	cfg := waitLoopConfig(t, withWaitSleep(sleep), WithFirstPollDelay(20*time.Second),
		WithPollInterval(10*time.Second), WithMaxPollInterval(12*time.Second),
		WithProgress(func(r ResultsReport) { seen = append(seen, r) }))

	rep, err := waitLoop(context.Background(), refsOf([]string{"a", "b", "c"}), cfg, p.poll)
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"a", "b", "c"}, {"a", "b"}, {"a"}, {"a"}}, p.asked,
		"a finished or errored job is not asked about again")
	assert.Equal(t, []time.Duration{20 * time.Second, 10 * time.Second, 10 * time.Second, 12 * time.Second}, slept(),
		"first delay, then the interval, growing (capped) only while nothing moves")

	assert.Equal(t, 4, rep.Polls)
	assert.Equal(t, VerdictFailed, rep.Verdicts[0].State)
	assert.Equal(t, VerdictPassed, rep.Verdicts[1].State)
	assert.Equal(t, VerdictErrored, rep.Verdicts[2].State)
	assert.Same(t, notFound, rep.Verdicts[2].Err)
	assert.True(t, rep.Complete())

	require.Len(t, seen, 4, "the progress callback runs after every query")
	assert.Equal(t, 50.0, seen[0].Verdicts[1].Progress)
	assert.Equal(t, VerdictPassed, seen[3].Verdicts[1].State, "finished jobs stay in the reports")
	seen[0].Verdicts[0].JobID = "changed"
	assert.Equal(t, "a", rep.Verdicts[0].JobID, "the callback gets a copy")
}

func TestWaitLoopIntervalResetsWhenProgressMoves(t *testing.T) {
	sleep, slept := recordWaitSleeps()
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{
		pollAnswer(nil), pollAnswer(nil), pollAnswer(nil),
		pollAnswer(map[string]Verdict{"a": {Progress: 10}}),
		pollAnswer(map[string]Verdict{"a": {State: VerdictPassed, Progress: 100}}),
	}}
	cfg := waitLoopConfig(t, withWaitSleep(sleep), WithFirstPollDelay(0), WithPollInterval(4*time.Second), WithMaxPollInterval(time.Minute))
	_, err := waitLoop(context.Background(), refsOf([]string{"a"}), cfg, p.poll)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{0, 4 * time.Second, 6 * time.Second, 9 * time.Second, 4 * time.Second}, slept())
}

func TestWaitLoopTransientFailureDoesNotEndTheWait(t *testing.T) {
	sleep, _ := recordWaitSleeps()
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{
		pollAnswer(map[string]Verdict{"a": {Progress: 30}}),
		pollFailAll(errPollTransient),
		pollAnswer(map[string]Verdict{"a": {State: VerdictPassed, MayStart: true, Progress: 100}}),
	}}
	var seen []ResultsReport
	cfg := waitLoopConfig(t, withWaitSleep(sleep), WithProgress(func(r ResultsReport) { seen = append(seen, r) }))
	rep, err := waitLoop(context.Background(), refsOf([]string{"a"}), cfg, p.poll)
	require.NoError(t, err)
	assert.True(t, rep.AllMayStart())
	require.Len(t, seen, 3)
	assert.Equal(t, VerdictInProgress, seen[1].Verdicts[0].State, "a failed query keeps the last known verdict")
	assert.Equal(t, 30.0, seen[1].Verdicts[0].Progress)
	assert.NoError(t, seen[1].Verdicts[0].Err)
}

func TestWaitLoopPermanentFailureEndsTheWait(t *testing.T) {
	sleep, _ := recordWaitSleeps()
	denied := errors.New("denied")
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{
		pollAnswer(map[string]Verdict{"a": {Progress: 30}, "b": {State: VerdictPassed, MayStart: true, Progress: 100}}),
		pollFailAll(denied),
	}}
	cfg := waitLoopConfig(t, withWaitSleep(sleep))
	rep, err := waitLoop(context.Background(), refsOf([]string{"a", "b"}), cfg, p.poll)
	require.ErrorIs(t, err, ErrWaitStopped)
	require.ErrorIs(t, err, denied)
	assert.Len(t, p.asked, 2, "no query after a failure asking again cannot cure")
	a := rep.Verdicts[0]
	assert.Equal(t, VerdictInProgress, a.State)
	assert.Equal(t, 30.0, a.Progress, "the last known progress is kept")
	assert.ErrorIs(t, a.Err, ErrWaitStopped)
	assert.ErrorIs(t, a.Err, denied)
	assert.Equal(t, VerdictPassed, rep.Verdicts[1].State, "a finished job keeps its verdict")
	assert.NoError(t, rep.Verdicts[1].Err)
}

func TestWaitLoopCanceled(t *testing.T) {
	sleep, _ := recordWaitSleeps()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{pollAnswer(map[string]Verdict{"a": {Progress: 40}})}}
	cfg := waitLoopConfig(t, withWaitSleep(sleep), WithProgress(func(r ResultsReport) {
		if r.Polls == 2 {
			cancel()
		}
	}))
	rep, err := waitLoop(ctx, refsOf([]string{"a"}), cfg, p.poll)
	require.ErrorIs(t, err, ErrWaitCanceled)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrWaitTimedOut)
	assert.Len(t, p.asked, 2)
	v := rep.Verdicts[0]
	assert.Equal(t, VerdictInProgress, v.State)
	assert.False(t, v.MayStart)
	assert.Equal(t, 40.0, v.Progress)
	assert.ErrorIs(t, v.Err, ErrWaitCanceled)
	assert.Contains(t, v.Summary(), "not complete (40%)")
}

func TestWaitLoopCanceledDuringQuery(t *testing.T) {
	sleep, _ := recordWaitSleeps()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{func(asked []jobRef) pollOutcome {
		cancel()
		return pollFailAll(context.Canceled)(asked)
	}}}
	rep, err := waitLoop(ctx, refsOf([]string{"a"}), waitLoopConfig(t, withWaitSleep(sleep)), p.poll)
	require.ErrorIs(t, err, ErrWaitCanceled)
	assert.Equal(t, VerdictInProgress, rep.Verdicts[0].State, "a call cut short by the context says nothing about the job")
	assert.ErrorIs(t, rep.Verdicts[0].Err, ErrWaitCanceled)
}

func TestWaitLoopDeadline(t *testing.T) {
	// The third sleep really waits, for the deadline: no timing is asserted,
	// only that the verdicts say the wait timed out, and why.
	n := 0
	sleep := func(ctx context.Context, d time.Duration) error {
		if n++; n < 3 {
			return ctx.Err()
		}
		<-ctx.Done()
		return ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{
		pollAnswer(map[string]Verdict{"a": {Progress: 70}, "b": {State: VerdictPassed, MayStart: true, Progress: 100}}),
		pollFailAll(errPollTransient),
	}}
	rep, err := waitLoop(ctx, refsOf([]string{"a", "b"}), waitLoopConfig(t, withWaitSleep(sleep)), p.poll)
	require.ErrorIs(t, err, ErrWaitTimedOut)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, errPollTransient, "the last failed query is part of the story")
	assert.Contains(t, err.Error(), "the last query failed")
	a := rep.Verdicts[0]
	assert.Equal(t, VerdictInProgress, a.State)
	assert.Equal(t, 70.0, a.Progress)
	assert.ErrorIs(t, a.Err, ErrWaitTimedOut)
	assert.ErrorIs(t, a.Err, context.DeadlineExceeded)
	assert.Equal(t, VerdictPassed, rep.Verdicts[1].State)
	assert.Equal(t, [][]string{{"a", "b"}, {"a"}}, p.asked)
}

func TestWaitLoopDeadlineCause(t *testing.T) {
	cause := errors.New("the release window closed")
	ctx, cancel := context.WithDeadlineCause(context.Background(), time.Now().Add(-time.Second), cause)
	defer cancel()
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{pollAnswer(nil)}}
	rep, err := waitLoop(ctx, refsOf([]string{"a"}), waitLoopConfig(t), p.poll)
	require.ErrorIs(t, err, ErrWaitTimedOut)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, cause)
	assert.Empty(t, p.asked, "an expired context sends nothing")
	assert.Equal(t, 0, rep.Polls)
}

func TestWaitLoopThrottledJobIsAskedAgain(t *testing.T) {
	sleep, _ := recordWaitSleeps()
	throttled := &ResultError{JobID: "a", Code: "DRS.M01503", Message: "too frequent"}
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{
		pollAnswer(map[string]Verdict{"a": {State: VerdictErrored, Err: throttled}}),
		pollAnswer(map[string]Verdict{"a": {State: VerdictPassed, MayStart: true, Progress: 100}}),
	}}
	rep, err := waitLoop(context.Background(), refsOf([]string{"a"}), waitLoopConfig(t, withWaitSleep(sleep)), p.poll)
	require.NoError(t, err)
	assert.Len(t, p.asked, 2)
	assert.True(t, rep.AllMayStart())
}

func TestWaitLoopKeepsUnmatchedOnce(t *testing.T) {
	sleep, _ := recordWaitSleeps()
	stray := func(progress float64) func([]jobRef) pollOutcome {
		return func(asked []jobRef) pollOutcome {
			out := pollAnswer(nil)(asked)
			out.unmatched = []Verdict{{PrecheckID: "zzz", Progress: progress}}
			return out
		}
	}
	p := &scriptedPoll{script: []func([]jobRef) pollOutcome{
		stray(10), stray(20),
		pollAnswer(map[string]Verdict{"a": {State: VerdictPassed, Progress: 100}}),
	}}
	rep, err := waitLoop(context.Background(), refsOf([]string{"a"}), waitLoopConfig(t, withWaitSleep(sleep)), p.poll)
	require.NoError(t, err)
	require.Len(t, rep.Unmatched, 1)
	assert.Equal(t, 20.0, rep.Unmatched[0].Progress, "the latest version of a stray result")
}

func TestWaitOptionsChecked(t *testing.T) {
	_, err := newWaitConfig([]WaitOption{WithPollInterval(0), WithFirstPollDelay(-time.Second), WithMaxPollInterval(-1)}, nil)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	for _, want := range []string{"WithPollInterval", "WithFirstPollDelay", "WithMaxPollInterval"} {
		assert.Contains(t, err.Error(), want)
	}

	cfg, err := newWaitConfig(nil, nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultFirstPollDelay, cfg.firstDelay)
	assert.Equal(t, DefaultPollInterval, cfg.interval)
	assert.Equal(t, DefaultMaxPollInterval, cfg.maxInterval)

	cfg, err = newWaitConfig([]WaitOption{nil, WithPollInterval(time.Minute)}, nil)
	require.NoError(t, err)
	assert.Equal(t, time.Minute, cfg.maxInterval, "a cap below the interval means a fixed interval")
}

func TestSleepContextStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// An hour-long timer that must not hold anything up once ctx is done.
	assert.ErrorIs(t, sleepContext(ctx, time.Hour), context.Canceled)
}
