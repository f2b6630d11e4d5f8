package drs

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Defaults of Wait. They follow how DRS behaves and how Huawei's own
// Terraform provider waits: a pre-check takes from tens of seconds to a few
// minutes, and asking before ~20 s almost always reads "in progress".
const (
	// DefaultFirstPollDelay is the wait before the first query.
	DefaultFirstPollDelay = 20 * time.Second
	// DefaultPollInterval is the wait between queries while progress moves.
	DefaultPollInterval = 5 * time.Second
	// DefaultMaxPollInterval caps the interval, which grows by half after
	// every query that saw no progress (5 s, 7.5 s, 11 s, ... 30 s) and
	// falls back to DefaultPollInterval when progress moves again.
	DefaultMaxPollInterval = 30 * time.Second
)

// pollGrowth is the factor the poll interval grows by after a query that saw
// no progress: gentle, so a slow pre-check is not hammered and a quick one is
// not waited for long.
const pollGrowth = 1.5

// Why a Wait ended before every pre-check completed. A verdict left
// unfinished carries one of them in Err (State stays VerdictInProgress), and
// Wait returns it too. Both wrap the context's error, so errors.Is(err,
// context.DeadlineExceeded) and errors.Is(err, context.Canceled) work as
// expected.
var (
	// ErrWaitTimedOut: the context's deadline passed first.
	ErrWaitTimedOut = errors.New("drs: the wait timed out before the pre-check completed")
	// ErrWaitCanceled: the context was canceled first.
	ErrWaitCanceled = errors.New("drs: the wait was canceled before the pre-check completed")
	// ErrWaitStopped: a query failed with an error that asking again cannot
	// cure (authentication, permissions, a rejected request), so the wait
	// ended. Err wraps that error as well.
	ErrWaitStopped = errors.New("drs: the wait stopped before the pre-check completed")
)

// WaitOption configures Wait and PrecheckAndWait.
type WaitOption func(*waitConfig)

// WithFirstPollDelay sets the wait before the first query (default
// DefaultFirstPollDelay); zero queries at once.
func WithFirstPollDelay(d time.Duration) WaitOption {
	return func(c *waitConfig) { c.firstDelay, c.firstDelaySet = d, true }
}

// WithPollInterval sets the wait between queries (default
// DefaultPollInterval). It must be positive.
func WithPollInterval(d time.Duration) WaitOption {
	return func(c *waitConfig) { c.interval, c.intervalSet = d, true }
}

// WithMaxPollInterval caps the poll interval, which grows while no progress
// is seen (default DefaultMaxPollInterval). A cap below the poll interval
// means a fixed interval.
func WithMaxPollInterval(d time.Duration) WaitOption {
	return func(c *waitConfig) { c.maxInterval, c.maxIntervalSet = d, true }
}

// WithProgress calls fn after every query with the verdicts so far, finished
// jobs included. fn runs on the waiting goroutine: the next query waits for
// it to return. The report is a copy fn may keep.
func WithProgress(fn func(ResultsReport)) WaitOption {
	return func(c *waitConfig) { c.progress = fn }
}

// withWaitSleep replaces the sleep between queries (tests).
func withWaitSleep(sleep func(ctx context.Context, d time.Duration) error) WaitOption {
	return func(c *waitConfig) { c.sleep = sleep }
}

type waitConfig struct {
	firstDelay     time.Duration
	firstDelaySet  bool
	interval       time.Duration
	intervalSet    bool
	maxInterval    time.Duration
	maxIntervalSet bool
	progress       func(ResultsReport)
	sleep          func(ctx context.Context, d time.Duration) error
	// retryable says whether a failed query may be repeated.
	retryable func(error) bool
}

// newWaitConfig applies opts over the defaults and checks the result. sleep
// is the sleep to use unless an option replaced it.
func newWaitConfig(opts []WaitOption, sleep func(context.Context, time.Duration) error) (*waitConfig, error) {
	c := &waitConfig{sleep: sleep}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	var errs []error
	bad := func(setting string, d time.Duration, reason string) {
		errs = append(errs, &ConfigError{Setting: setting, Reason: fmt.Sprintf("%s (got %s)", reason, d)})
	}
	if !c.firstDelaySet {
		c.firstDelay = DefaultFirstPollDelay
	} else if c.firstDelay < 0 {
		bad("WithFirstPollDelay", c.firstDelay, "the delay must not be negative")
	}
	if !c.intervalSet {
		c.interval = DefaultPollInterval
	} else if c.interval <= 0 {
		bad("WithPollInterval", c.interval, "the interval must be positive")
	}
	if !c.maxIntervalSet {
		c.maxInterval = DefaultMaxPollInterval
	} else if c.maxInterval <= 0 {
		bad("WithMaxPollInterval", c.maxInterval, "the interval must be positive")
	}
	c.maxInterval = max(c.maxInterval, c.interval)
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// Wait polls the verdicts of pre-checks started earlier until every one is
// complete (passed, failed or errored) or ctx ends, and returns them: one
// Verdict per job, in input order. Bound the wait with ctx (a pre-check
// usually takes a minute or two; ten minutes is generous).
//
// The first query comes after WithFirstPollDelay (20 s by default: asking
// sooner almost always reads "in progress"), then every WithPollInterval
// (5 s), growing by half after each query that saw no progress, up to
// WithMaxPollInterval (30 s). WithProgress reports each query's verdicts.
//
// Each query asks only about the jobs still in progress, batched like
// Results; a job that completed or errored (say, DRS.10000010 for a job that
// does not exist) is final and never holds up the others. A query that
// fails with a retryable error (IsRetryable: throttling, 502/503/504, a
// broken connection), any other 5xx, or an unusable answer (a truncated
// body, say), after the client's own retries, does not end the wait: reading
// results changes nothing on the server, so the next query simply tries
// again. A failure asking again cannot cure (authentication, permissions, a
// rejected request) ends it with
// ErrWaitStopped, since repeating it could only make things worse (AK/SK
// failures lock the key).
//
// Wait returns a nil error when every verdict is final, whatever the
// verdicts say. When ctx ends first, or a failure ends the wait, it returns
// the last known verdicts and an error (errors.Is ErrWaitTimedOut,
// ErrWaitCanceled or ErrWaitStopped, and the context's error); the verdicts
// not final keep State VerdictInProgress and carry the same error in Err,
// so each says it was not waited for to the end. Invalid input or options
// are reported before anything is sent, with a nil report.
func (c *Client) Wait(ctx context.Context, jobIDs []string, opts ...WaitOption) (*ResultsReport, error) {
	if err := checkJobIDs("Wait", jobIDs); err != nil {
		return nil, err
	}
	cfg, err := c.newWaitConfig(opts)
	if err != nil {
		return nil, err
	}
	return waitLoop(ctx, refsOf(jobIDs), cfg, c.results)
}

// newWaitConfig returns the wait settings for this client: its clock's sleep
// (so tests that replace the clock do not really wait) and pollAgain.
func (c *Client) newWaitConfig(opts []WaitOption) (*waitConfig, error) {
	cfg, err := newWaitConfig(opts, c.clock.sleep)
	if err != nil {
		return nil, err
	}
	cfg.retryable = pollAgain
	return cfg, nil
}

// pollAgain reports whether a failed results query may be repeated at the
// next poll. It is wider than IsRetryable, which guards a single call: a
// query is read-only, so a 500 or an unusable answer is worth asking again a
// poll interval later. Only what asking again cannot cure (authentication,
// permissions, a rejected request: 4xx other than throttling) stops a wait.
func pollAgain(err error) bool {
	var apiErr *APIError
	var respErr *ResponseError
	switch {
	case IsRetryable(err), errors.As(err, &respErr):
		return true
	case errors.As(err, &apiErr):
		return apiErr.StatusCode >= 500
	}
	return false
}

// pollOutcome is what one query of the pending jobs returned.
type pollOutcome struct {
	// verdicts has one entry per job asked, in order.
	verdicts []Verdict
	// callErrs has one entry per job asked: non-nil when the call that
	// should have answered about the job failed (its verdict then says
	// nothing about the pre-check).
	callErrs []error
	// unmatched are results no asked job could claim.
	unmatched []Verdict
	// errs are the errors of the calls that failed, one each.
	errs []error
}

// pollFunc queries the results of jobs (a non-empty, duplicate-free list).
type pollFunc func(ctx context.Context, jobs []jobRef) pollOutcome

// waitLoop polls until every job's verdict is complete or ctx ends.
//
// Each query asks only about the jobs still in progress: a job that passed,
// failed or errored (including a per-job error_code other than throttling)
// is final and is not asked about again, so one broken job never holds up
// the others. A query that fails with a retryable error (throttling, 5xx, a
// broken connection; already retried by the call itself) does not end the
// wait: the last known verdicts stand and the next query tries again. An
// error asking again cannot cure ends the wait with ErrWaitStopped.
func waitLoop(ctx context.Context, jobs []jobRef, cfg *waitConfig, poll pollFunc) (*ResultsReport, error) {
	rep := &ResultsReport{Verdicts: make([]Verdict, len(jobs))}
	pending := make([]int, len(jobs))
	for i, j := range jobs {
		rep.Verdicts[i] = Verdict{JobID: j.jobID, PrecheckID: j.precheckID}
		pending[i] = i
	}
	var lastErr error
	delay, interval := cfg.firstDelay, cfg.interval
	for len(pending) > 0 {
		if err := cfg.sleep(ctx, delay); err != nil {
			return endWait(rep, pending, ctxEndedError(ctx, err), lastErr)
		}
		asked := make([]jobRef, len(pending))
		for k, i := range pending {
			asked[k] = jobRef{jobID: jobs[i].jobID, precheckID: jobs[i].precheckID}
		}
		out := poll(ctx, asked)
		rep.Polls++

		moved := false
		next := make([]int, 0, len(pending))
		for k, i := range pending {
			if (k < len(out.callErrs) && out.callErrs[k] != nil) || k >= len(out.verdicts) {
				next = append(next, i) // nothing learnt: keep the last known verdict
				continue
			}
			v := out.verdicts[k]
			if prev := &rep.Verdicts[i]; v.State != prev.State || v.Progress != prev.Progress {
				moved = true
			}
			if v.PrecheckID == "" {
				v.PrecheckID = jobs[i].precheckID
			}
			rep.Verdicts[i] = v
			// A per-job throttling code only says "not now": ask again.
			if !v.Complete() || v.State == VerdictErrored && IsThrottled(v.Err) {
				next = append(next, i)
			}
		}
		pending = next
		rep.Unmatched = mergeUnmatched(rep.Unmatched, out.unmatched)

		var stop error
		if len(out.errs) > 0 && len(pending) > 0 {
			if ctx.Err() != nil {
				return endWait(rep, pending, ctxEndedError(ctx, ctx.Err()), nil)
			}
			for _, err := range out.errs {
				if cfg.retryable != nil && !cfg.retryable(err) {
					stop = err
					break
				}
			}
		}
		lastErr = errors.Join(out.errs...)
		if cfg.progress != nil {
			cfg.progress(rep.clone())
		}
		if stop != nil {
			return endWait(rep, pending, fmt.Errorf("%w: %w", ErrWaitStopped, stop), nil)
		}

		switch {
		case moved:
			interval = cfg.interval
		case rep.Polls > 1:
			interval = min(time.Duration(float64(interval)*pollGrowth), cfg.maxInterval)
		}
		delay = interval
	}
	return rep, nil
}

// ctxEndedError says why ctx ended (err is what the sleep or call returned).
func ctxEndedError(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if cerr == nil {
		cerr = err
	}
	sentinel := ErrWaitCanceled
	if errors.Is(cerr, context.DeadlineExceeded) {
		sentinel = ErrWaitTimedOut
	}
	if cause := context.Cause(ctx); cause != nil && cause != cerr {
		return fmt.Errorf("%w: %w (%w)", sentinel, cerr, cause)
	}
	return fmt.Errorf("%w: %w", sentinel, cerr)
}

// endWait marks the unfinished verdicts with why the wait ended and returns
// the report with that error. lastErr, the previous query's failure, is
// added to the message: a wait that timed out while every query failed
// should say so.
func endWait(rep *ResultsReport, pending []int, why, lastErr error) (*ResultsReport, error) {
	if lastErr != nil && !errors.Is(lastErr, context.Canceled) && !errors.Is(lastErr, context.DeadlineExceeded) {
		why = fmt.Errorf("%w; the last query failed: %w", why, lastErr)
	}
	for _, i := range pending {
		v := &rep.Verdicts[i]
		v.State = VerdictInProgress
		v.MayStart = false
		v.Err = why
	}
	return rep, why
}

// mergeUnmatched adds the unmatched results of one query to those kept so
// far. Those of the latest query replace earlier ones with the same job and
// pre-check ID, so the list shows each stray result once, at its latest
// (and a job answered twice, twice).
func mergeUnmatched(kept, latest []Verdict) []Verdict {
	if len(latest) == 0 {
		return kept
	}
	type key struct{ job, precheck string }
	fresh := make(map[key]bool, len(latest))
	for _, v := range latest {
		fresh[key{v.JobID, v.PrecheckID}] = true
	}
	out := kept[:0:0]
	for _, v := range kept {
		if !fresh[key{v.JobID, v.PrecheckID}] {
			out = append(out, v)
		}
	}
	return append(out, latest...)
}
