package drs

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/generated"
)

// fastWait makes Wait query at once and then on every (fake) tick; with the
// test client's fake clock nothing really waits.
var fastWait = []WaitOption{WithFirstPollDelay(0), WithPollInterval(time.Second)}

// progressLog records what WithProgress reports.
type progressLog struct {
	mu      sync.Mutex
	reports []ResultsReport
}

func (p *progressLog) add(r ResultsReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reports = append(p.reports, r)
}

func (p *progressLog) progressOf(job string) []float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []float64
	for _, r := range p.reports {
		if v, ok := r.Verdict(job); ok {
			out = append(out, v.Progress)
		}
	}
	return out
}

func TestWaitUntilEveryVerdictIsIn(t *testing.T) {
	f := newFakeDRS(t).
		add("alarm", runningResult("0%"), runningResult("40%"), runningResult("40%"), alarmResult()).
		add("failed", runningResult("20%"), failedResult()).
		add("gone", jobErrorResult("DRS.10000010", "Job does not exist, please check job ID.")).
		add("garbled", runningResult("12.5%"), generated.QueryPreCheckResp{Process: "½%"})
	c, _, clk := resultsSetup(t, f)
	log := &progressLog{}

	rep, err := c.Wait(context.Background(), []string{"alarm", "failed", "gone", "garbled"},
		WithFirstPollDelay(20*time.Second), WithPollInterval(5*time.Second), WithMaxPollInterval(6*time.Second),
		WithProgress(log.add))
	require.NoError(t, err)
	assert.True(t, rep.Complete())
	assert.Equal(t, 4, rep.Polls)

	assert.Equal(t, [][]string{
		{"alarm", "failed", "gone", "garbled"},
		{"alarm", "failed", "garbled"}, // gone errored: final, never asked again
		{"alarm"},
		{"alarm"},
	}, f.resultCalls(), "only jobs still in progress are polled")
	assert.Equal(t, []float64{0, 40, 40, 100}, log.progressOf("alarm"))
	assert.Equal(t, []time.Duration{20 * time.Second, 5 * time.Second, 5 * time.Second, 6 * time.Second}, clk.waits(),
		"the waits come from the client's clock, so tests never really wait")

	alarm := rep.Verdicts[0]
	assert.Equal(t, VerdictPassed, alarm.State)
	assert.True(t, alarm.MayStart)
	assert.Len(t, alarm.Alarms, 1)

	failed := rep.Verdicts[1]
	assert.Equal(t, VerdictFailed, failed.State)
	assert.False(t, failed.MayStart)
	require.Len(t, failed.Failed, 2)
	assert.Equal(t, []SubJob{{ID: "sub-1", Name: "orders", CheckResult: "FAILED"}, {ID: "sub-2", Name: "billing", CheckResult: "FAILED"}},
		failed.Failed[0].FailedSubJobs)

	gone := rep.Verdicts[2]
	assert.Equal(t, VerdictErrored, gone.State)
	assert.True(t, IsJobNotFound(gone.Err))

	garbled := rep.Verdicts[3]
	assert.Equal(t, VerdictErrored, garbled.State, "a malformed percent is an errored verdict, not 0 and not a panic")
	var pe *PercentError
	require.ErrorAs(t, garbled.Err, &pe)
	assert.Equal(t, "½%", pe.Value)
	assert.Equal(t, 0.0, garbled.Progress)
}

func TestWaitRecoversFromTransient503(t *testing.T) {
	f := newFakeDRS(t).add("a", runningResult("10%"), runningResult("60%"), passedResult(""))
	c, _, _ := resultsSetup(t, f, WithoutRetries()) // so the 503 fails a whole query
	log := &progressLog{}

	var once sync.Once
	rep, err := c.Wait(context.Background(), []string{"a"}, append(fastWait, WithProgress(func(r ResultsReport) {
		log.add(r)
		once.Do(func() { f.fail(http.StatusServiceUnavailable, "APIGW.0613", "IAM is unavailable") })
	}))...)
	require.NoError(t, err)
	assert.True(t, rep.AllMayStart())
	assert.Equal(t, 4, rep.Polls, "one failed query, then the wait went on")
	assert.Len(t, f.resultCalls(), 4)
	assert.Equal(t, []float64{10, 10, 60, 100}, log.progressOf("a"), "the failed query kept the last known progress")
}

func TestWaitStopsOnAuthenticationFailure(t *testing.T) {
	f := newFakeDRS(t).add("a", runningResult("10%"))
	f.fail(http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information")
	c, _, _ := resultsSetup(t, f)
	rep, err := c.Wait(context.Background(), []string{"a"}, fastWait...)
	require.ErrorIs(t, err, ErrWaitStopped)
	assert.True(t, IsAuthentication(err))
	assert.Len(t, f.resultCalls(), 1, "authentication failures are never repeated (AK/SK lockout)")
	v := rep.Verdicts[0]
	assert.Equal(t, VerdictInProgress, v.State)
	assert.False(t, v.MayStart)
	assert.True(t, IsAuthentication(v.Err))
	assert.NotContains(t, err.Error(), testToken)
}

func TestWaitJobThatNeverFinishes(t *testing.T) {
	f := newFakeDRS(t).add("stuck", runningResult("99%")).add("quick", passedResult(""))
	c, _, _ := resultsSetup(t, f)
	// Real (tiny) timers and a real deadline: nothing about timing is
	// asserted, only that the verdict says the wait ran out.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rep, err := c.Wait(ctx, []string{"stuck", "quick"}, WithFirstPollDelay(0), WithPollInterval(time.Millisecond),
		WithMaxPollInterval(2*time.Millisecond), withWaitSleep(sleepContext))
	require.ErrorIs(t, err, ErrWaitTimedOut)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	stuck := rep.Verdicts[0]
	assert.Equal(t, VerdictInProgress, stuck.State)
	assert.False(t, stuck.MayStart)
	assert.Equal(t, 99.0, stuck.Progress)
	assert.ErrorIs(t, stuck.Err, ErrWaitTimedOut)
	assert.ErrorIs(t, stuck.Err, context.DeadlineExceeded)
	assert.Contains(t, stuck.Summary(), "not complete (99%)")
	assert.Equal(t, VerdictPassed, rep.Verdicts[1].State, "the finished job keeps its verdict")
	assert.NoError(t, rep.Verdicts[1].Err)
	assert.ErrorIs(t, rep.Err(), ErrWaitTimedOut)
}

func TestWaitCanceledWhileSleepingLeavesNothingBehind(t *testing.T) {
	// Checked after the test's cleanups closed the server and the idle
	// connections: what is left then is a leak.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	f := newFakeDRS(t).add("a", runningResult("30%"))
	c, _, _ := resultsSetup(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// An hour between queries, on a real timer: the cancellation must end
	// the sleep at once and stop the timer.
	rep, err := c.Wait(ctx, []string{"a"}, WithFirstPollDelay(0), WithPollInterval(time.Hour), withWaitSleep(sleepContext),
		WithProgress(func(ResultsReport) { cancel() }))
	require.ErrorIs(t, err, ErrWaitCanceled)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 30.0, rep.Verdicts[0].Progress)
	assert.ErrorIs(t, rep.Verdicts[0].Err, ErrWaitCanceled)
}

func TestWaitRejectsBadInputBeforeSending(t *testing.T) {
	f := newFakeDRS(t)
	c, srv, _ := resultsSetup(t, f)
	rep, err := c.Wait(context.Background(), []string{"a", "a"}, fastWait...)
	assert.Nil(t, rep)
	var in *InputError
	require.ErrorAs(t, err, &in)
	assert.Equal(t, "Wait", in.Operation)

	rep, err = c.Wait(context.Background(), []string{"a"}, WithPollInterval(-time.Second))
	assert.Nil(t, rep)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "WithPollInterval", ce.Setting)

	rep, err = c.PrecheckAndWait(context.Background(), ModeStartJob, []string{" a"}, fastWait...)
	assert.Nil(t, rep)
	require.ErrorAs(t, err, &in)
	assert.Equal(t, "PrecheckAndWait", in.Operation)
	_, err = c.PrecheckAndWait(context.Background(), "forLaterJob", []string{"a"}, fastWait...)
	require.ErrorAs(t, err, &in)
	assert.Zero(t, srv.count())
}

func TestPrecheckAndWait(t *testing.T) {
	f := newFakeDRS(t).
		add("ok", runningResult("50%"), alarmResult()).
		add("bad", failedResult()).
		refuse("busy", "DRS.M00304", "This API cannot be called in the current task status.")
	f.precheckIDs = true // results are matched by the pre-check IDs the start gave
	c, _, _ := resultsSetup(t, f)
	log := &progressLog{}

	rep, err := c.PrecheckAndWait(context.Background(), ModeStartJob, []string{"ok", "missing", "bad", "busy"},
		append(fastWait, WithProgress(log.add))...)
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"ok", "missing", "bad", "busy"}}, f.startCalls())
	assert.Equal(t, [][]string{{"ok", "bad"}, {"ok"}}, f.resultCalls(), "only started pre-checks are waited for")
	require.NotNil(t, rep.Precheck)
	assert.Equal(t, 2, rep.Precheck.Count(Started))

	ok := rep.Verdicts[0]
	assert.Equal(t, "ok", ok.JobID)
	assert.Equal(t, "pc-ok", ok.PrecheckID)
	assert.Equal(t, VerdictPassed, ok.State)
	assert.True(t, ok.MayStart)
	assert.Equal(t, "may start (1 alarm)", ok.Summary())
	require.NotNil(t, ok.Start)
	assert.Equal(t, Started, ok.Start.State)

	missing := rep.Verdicts[1]
	assert.Equal(t, VerdictErrored, missing.State)
	assert.Equal(t, Refused, missing.Start.State)
	assert.True(t, IsJobNotFound(missing.Err))
	assert.Equal(t, "DRS.10000010", missing.ErrorCode)
	assert.Contains(t, missing.Summary(), "refused at start: ")

	bad := rep.Verdicts[2]
	assert.Equal(t, VerdictFailed, bad.State)
	assert.Contains(t, bad.Summary(), "db_params/srcBinlogFormatCheck: binlog_format is STATEMENT; set it to ROW")

	busy := rep.Verdicts[3]
	assert.Equal(t, VerdictErrored, busy.State)
	assert.Equal(t, "DRS.M00304", busy.ErrorCode)
	var jobErr *JobError
	require.ErrorAs(t, busy.Err, &jobErr)

	assert.False(t, rep.AllMayStart())
	assert.True(t, rep.Complete())

	require.NotEmpty(t, log.reports)
	first := log.reports[0]
	require.Len(t, first.Verdicts, 4, "progress reports cover every job, refused ones too")
	assert.Equal(t, 50.0, first.Verdicts[0].Progress)
	assert.Equal(t, VerdictErrored, first.Verdicts[3].State)
}

func TestPrecheckAndWaitTimesOut(t *testing.T) {
	f := newFakeDRS(t).add("slow", runningResult("70%"))
	c, _, _ := resultsSetup(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := c.PrecheckAndWait(ctx, ModeRetryJob, []string{"slow"}, append(fastWait, WithProgress(func(r ResultsReport) {
		if r.Polls == 3 {
			cancel()
		}
	}))...)
	require.ErrorIs(t, err, ErrWaitCanceled)
	v := rep.Verdicts[0]
	assert.Equal(t, VerdictInProgress, v.State)
	assert.Equal(t, 70.0, v.Progress)
	assert.ErrorIs(t, v.Err, context.Canceled)
	assert.Contains(t, v.Summary(), "not complete (70%)")
	assert.Equal(t, Started, v.Start.State)
}

func TestPrecheckAndWaitNothingStarted(t *testing.T) {
	f := newFakeDRS(t).refuse("a", "DRS.M00304", "This API cannot be called in the current task status.")
	c, _, _ := resultsSetup(t, f)
	rep, err := c.PrecheckAndWait(context.Background(), ModeStartJob, []string{"a", "b"}, fastWait...)
	require.NoError(t, err, "refusals are answers, in the report")
	assert.Empty(t, f.resultCalls())
	assert.Equal(t, 0, rep.Polls)
	assert.Equal(t, VerdictErrored, rep.Verdicts[0].State)
	assert.True(t, IsJobNotFound(rep.Verdicts[1].Err))
	err = rep.Err()
	require.Error(t, err)
	assert.True(t, IsJobNotFound(err))
	assert.Contains(t, err.Error(), "DRS.M00304")
}

func TestPrecheckAndWaitStartCallFails(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeError(w, http.StatusForbidden, "DRS.M00261", "Invalid project ID.")
	})
	c, _ := testClient(t, srv)
	rep, err := c.PrecheckAndWait(context.Background(), ModeStartJob, []string{"a"}, fastWait...)
	require.NoError(t, err)
	v := rep.Verdicts[0]
	assert.Equal(t, VerdictErrored, v.State)
	assert.Equal(t, Errored, v.Start.State)
	assert.True(t, IsPermission(v.Err))
	assert.Contains(t, v.Summary(), "not started: ")
	assert.Equal(t, 1, srv.count())
}
