package drs

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Wait polls the verdicts of pre-checks started earlier until each is final
// (Passed, Failed, Refused, or NoAnswer for an answer about the job that
// cannot be used) or ctx ends; bound it with ctx (pre-checks take minutes).
//
// The first query comes after WithFirstPollDelay (or halfway to ctx's
// deadline, if that is sooner), then every WithPollInterval, growing while
// nothing moves, up to WithMaxPollInterval; WithProgress reports each one.
// Each query asks only about the jobs still pending. A query that fails in a
// way asking again may cure (throttling, 5xx, a broken connection or an
// unusable answer, after the call's own retries) does not end the wait; an
// authentication failure or another refusal of the call does.
//
// The report is nil only for invalid input. err is non-nil when some job has
// no final verdict: NoAnswer (the latest query about it failed), or still
// InProgress when the wait ended; each such verdict's Err says why.
func (c *Client) Wait(ctx context.Context, jobIDs []string) (*Report, error) {
	if err := checkInput(ModeStartJob, jobIDs); err != nil {
		return nil, err
	}
	rep := &Report{Verdicts: make([]Verdict, len(jobIDs))}
	for i, id := range jobIDs {
		rep.Verdicts[i] = Verdict{JobID: id, State: InProgress}
	}
	c.wait(ctx, new(guard), rep)
	return rep, rep.err(true)
}

// PrecheckAndWait starts the pre-checks of jobs (as Precheck) and waits for
// the verdicts of those that started (as Wait), in one report: one final
// answer per job, in input order. However many jobs, at most one request
// fails authentication, on start and on every poll.
func (c *Client) PrecheckAndWait(ctx context.Context, mode Mode, jobIDs []string) (*Report, error) {
	if err := checkInput(mode, jobIDs); err != nil {
		return nil, err
	}
	g := new(guard)
	rep := c.start(ctx, g, mode, jobIDs)
	c.wait(ctx, g, rep)
	return rep, rep.err(true)
}

// wait polls the jobs of rep that are InProgress until each is final or the
// wait ends, updating rep in place.
func (c *Client) wait(ctx context.Context, g *guard, rep *Report) {
	var pending []int
	for i, v := range rep.Verdicts {
		if v.State == InProgress {
			pending = append(pending, i)
		}
	}
	startUnmatched := rep.Unmatched
	c.progress(rep)
	delay, interval := c.s.firstPollDelay, c.s.pollInterval
	if deadline, ok := ctx.Deadline(); ok {
		delay = min(delay, deadline.Sub(c.s.now())/2)
	}
	for len(pending) > 0 {
		if c.s.sleep(ctx, delay) != nil {
			endWait(rep, pending, fmt.Errorf("the wait ended after %d %s: %w", rep.Polls, plural(rep.Polls, "poll", "polls"), ctxEnded(ctx)))
			return
		}
		asked := make([]jobRef, len(pending))
		for k, i := range pending {
			asked[k] = jobRef{jobID: rep.Verdicts[i].JobID, precheckID: rep.Verdicts[i].PrecheckID}
		}
		got := c.query(ctx, g, asked)
		rep.Polls++
		rep.Unmatched = append(slices.Clip(startUnmatched), got.Unmatched...)

		var next []int
		var stop error
		moved := false
		for k, i := range pending {
			v, prev := got.Verdicts[k], rep.Verdicts[i]
			var respErr *ResponseError
			callFailed := v.State == NoAnswer && !(errors.As(v.Err, &respErr) && respErr.JobID != "")
			if callFailed {
				// Nothing was learnt about the job: keep what was known.
				v.PrecheckID, v.Progress, v.PassedRate, v.Items = prev.PrecheckID, prev.Progress, prev.PassedRate, prev.Items
				if !pollAgain(v.Err) && stop == nil {
					stop = v.Err
				}
			}
			moved = moved || v.State != prev.State || v.Progress != prev.Progress
			rep.Verdicts[i] = v
			if callFailed || v.State == InProgress || v.State == Refused && errors.Is(v.Err, ErrThrottled) {
				next = append(next, i)
			}
		}
		pending = next
		c.progress(rep)
		if stop != nil {
			endWait(rep, pending, fmt.Errorf("the wait stopped after %d %s: %w", rep.Polls, plural(rep.Polls, "poll", "polls"), stop))
			return
		}
		if moved {
			interval = c.s.pollInterval
		} else if rep.Polls > 1 {
			interval = min(interval*3/2, c.s.maxPollInterval)
		}
		delay = interval
	}
}

// pollAgain reports whether a failed query may be repeated at the next poll:
// reading results changes nothing, so a server problem, an unusable answer or
// a lost connection is worth another try; an authentication failure, a
// refusal of the call (4xx) or a failure that will not change (a host that
// does not resolve, a request the transport refuses) is not.
func pollAgain(err error) bool {
	var apiErr *APIError
	var respErr *ResponseError
	var tErr *TransportError
	switch {
	case errors.Is(err, ErrAuthentication):
		return false
	case errors.As(err, &apiErr):
		return apiErr.retryable() || apiErr.StatusCode >= 500
	case errors.As(err, &respErr):
		return true
	case errors.As(err, &tErr):
		return tErr.retry
	}
	return false
}

// endWait gives each job the wait did not finish the reason it ended: a job
// whose latest query failed stays NoAnswer with that failure too.
func endWait(rep *Report, pending []int, why error) {
	for _, i := range pending {
		v := &rep.Verdicts[i]
		if v.State == NoAnswer && v.Err != nil && !errors.Is(why, v.Err) {
			v.Err = fmt.Errorf("%w; the latest query failed: %w", why, v.Err)
		} else {
			v.Err = why
		}
	}
}

// ctxEnded says which limit ended ctx.
func ctxEnded(ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the context's deadline passed: %w", err)
	}
	return fmt.Errorf("the context was canceled: %w", err)
}

// progress hands a copy of rep to the WithProgress callback.
func (c *Client) progress(rep *Report) {
	if c.s.progress == nil {
		return
	}
	r := *rep
	r.Verdicts, r.Unmatched = slices.Clone(rep.Verdicts), slices.Clone(rep.Unmatched)
	c.s.progress(r)
}
