package drs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Wait polls the verdicts of pre-checks started earlier until each is final
// (Passed, Failed, Refused, or NoAnswer for an answer about the job that
// cannot be used) or ctx ends; bound it with ctx (pre-checks take minutes).
//
// Each job is asked about when the progress it reports says it will be done
// (see schedule.go), within the WaitOptions' intervals and never sooner than
// MinPollInterval after its previous query. A request asks about the jobs
// due and fills up with the others; requests run as for Precheck, the first
// alone unless PrecheckAndWait's start proved the credentials. Each answer
// updates the report as it lands (WithProgress sees it then). A failed
// query that asking again may cure (throttling, 5xx, a broken connection,
// an unusable answer) does not end the wait; an authentication failure or
// another refusal of the call does.
//
// The report is nil only for invalid input or options. err is non-nil when
// some job has no final verdict: NoAnswer (the latest query about it
// failed), or still InProgress when the wait ended; each such verdict's Err
// says why.
func (c *Client) Wait(ctx context.Context, jobIDs []string, opts ...WaitOption) (*Report, error) {
	ws, err := newWaitSettings(opts)
	if err = errors.Join(checkInput(ModeStartJob, jobIDs), err); err != nil {
		return nil, err
	}
	rep := &Report{Verdicts: make([]Verdict, len(jobIDs))}
	for i, id := range jobIDs {
		rep.Verdicts[i] = Verdict{JobID: id, State: InProgress}
	}
	return c.wait(ctx, new(guard), rep, &ws, time.Time{})
}

// PrecheckAndWait starts the pre-checks of jobs (as Precheck) and waits for
// the verdicts of those that started (as Wait), in one report: one final
// answer per job, in input order. However many jobs, at most one request
// fails authentication, on start and on every poll.
func (c *Client) PrecheckAndWait(ctx context.Context, mode Mode, jobIDs []string, opts ...WaitOption) (*Report, error) {
	ws, err := newWaitSettings(opts)
	if err = errors.Join(checkInput(mode, jobIDs), err); err != nil {
		return nil, err
	}
	g := new(guard)
	started := c.s.now()
	rep := c.start(ctx, g, mode, jobIDs)
	return c.wait(ctx, g, rep, &ws, started)
}

// landed is the answer of one query of a wait.
type landed struct {
	jobs []*pollJob
	rep  *Report
}

// waiter is the state of one wait; only the waiting goroutine touches it.
type waiter struct {
	c         *Client
	g         *guard
	rep       *Report
	ws        *waitSettings
	start     time.Time // of the wait
	pending   []*pollJob
	moves     int // answers that showed a job move
	startUnm  []Verdict
	stop      error // a failure that ends the wait
	answers   chan landed
	inFlight  int
	maxFlight int
}

// wait polls the jobs of rep that are InProgress until each is final or the
// wait ends, updating rep in place, and returns it. started is when the call
// that started their pre-checks began, if known.
func (c *Client) wait(ctx context.Context, g *guard, rep *Report, ws *waitSettings, started time.Time) (*Report, error) {
	now := c.s.now()
	first := ws.firstPollDelay
	if deadline, ok := ctx.Deadline(); ok {
		first = min(first, deadline.Sub(now)/2)
	}
	// The first query goes alone unless the start already proved the
	// credentials: bad ones then fail one request, not many.
	w := &waiter{c: c, g: g, rep: rep, ws: ws, start: now, startUnm: slices.Clip(rep.Unmatched), maxFlight: 1}
	var est estimate
	if !started.IsZero() {
		w.maxFlight = c.s.concurrency
		est = estimate{start: now, sooner: now.Sub(started)}
	}
	for i, v := range rep.Verdicts {
		if v.State == InProgress {
			w.pending = append(w.pending, &pollJob{i: i, due: now.Add(first), est: est})
		}
	}
	w.answers = make(chan landed, c.s.concurrency)
	w.publish()
	for (len(w.pending) > 0 || w.inFlight > 0) && w.stop == nil && ctx.Err() == nil {
		now = c.s.now()
		w.send(ctx, now)
		next, ok := w.next()
		if w.inFlight == w.maxFlight || !ok {
			w.land(<-w.answers)
		} else {
			w.sleepOrLand(ctx, next.Sub(now)) // a sleep cut short by ctx ends the loop
		}
	}
	// Let the queries under way finish (a stop or ctx ends them).
	for w.inFlight > 0 {
		w.land(<-w.answers)
	}
	if w.stop != nil {
		w.end(fmt.Errorf("the wait stopped after %d %s: %w", rep.Polls, plural(rep.Polls, "poll", "polls"), w.stop))
	} else if len(w.pending) > 0 {
		w.end(fmt.Errorf("the wait ended after %d %s: %s: %w", rep.Polls, plural(rep.Polls, "poll", "polls"), ctxReason(ctx), ctx.Err()))
	}
	return rep, rep.err(true)
}

// sleepOrLand waits until d passes, ctx ends or an answer lands (and lands it).
func (w *waiter) sleepOrLand(ctx context.Context, d time.Duration) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	woke := make(chan error, 1)
	go func() { woke <- w.c.s.sleep(sctx, d) }()
	select {
	case a := <-w.answers:
		cancel()
		<-woke
		w.land(a)
	case <-woke:
	}
}

// send starts the queries that are due at now, as many as may run: the jobs
// that may be asked again, soonest due first (the jobs due, then, to fill a
// request at the same cost, the others).
func (w *waiter) send(ctx context.Context, now time.Time) {
	var ready []*pollJob
	for _, j := range w.pending {
		if !j.inFlight && !j.sent.Add(MinPollInterval).After(now) {
			ready = append(ready, j)
		}
	}
	slices.SortStableFunc(ready, func(a, b *pollJob) int { return a.due.Compare(b.due) })
	for len(ready) > 0 && !ready[0].due.After(now) && w.inFlight < w.maxFlight {
		batch := ready[:min(len(ready), MaxBatchSize)]
		ready = ready[len(batch):]
		asked := make([]jobRef, len(batch))
		for k, j := range batch {
			j.inFlight, j.sent = true, now
			v := w.rep.Verdicts[j.i]
			asked[k] = jobRef{jobID: v.JobID, precheckID: v.PrecheckID}
		}
		w.inFlight++
		go func() { w.answers <- landed{jobs: batch, rep: w.c.query(ctx, w.g, asked)} }()
	}
}

// next returns when the next query is due (ok false: every pending job is
// asked about already).
func (w *waiter) next() (next time.Time, ok bool) {
	for _, j := range w.pending {
		if !j.inFlight && (!ok || j.due.Before(next)) {
			next, ok = j.due, true
		}
	}
	return next, ok
}

// land takes in the answer of one query: each job it was about gets its
// verdict, and a new time to be asked about if still pending.
func (w *waiter) land(a landed) {
	w.inFlight--
	w.maxFlight = w.c.s.concurrency // the first answer came: the credentials work
	now := w.c.s.now()
	rep := w.rep
	rep.Polls++
	rep.Unmatched = append(slices.Clip(w.startUnm), a.rep.Unmatched...)
	moved := false
	done := map[*pollJob]bool{}
	for k, j := range a.jobs {
		j.inFlight = false
		v, prev := a.rep.Verdicts[k], rep.Verdicts[j.i]
		var respErr *ResponseError
		callFailed := v.State == NoAnswer && !(errors.As(v.Err, &respErr) && respErr.JobID != "")
		if callFailed {
			// Nothing was learnt about the job: keep what was known.
			v.PrecheckID, v.Progress, v.PassedRate, v.Items = prev.PrecheckID, prev.Progress, prev.PassedRate, prev.Items
			if !pollAgain(v.Err) && w.stop == nil {
				w.stop = v.Err
			}
		}
		moved = moved || v.State != prev.State || v.Progress != prev.Progress
		rep.Verdicts[j.i] = v
		if v.State == InProgress {
			j.est.observe(j.sent, now, v.Progress)
		}
		done[j] = !callFailed && v.State != InProgress && !(v.State == Refused && errors.Is(v.Err, ErrThrottled))
	}
	if moved {
		w.moves++
	}
	w.pending = slices.DeleteFunc(w.pending, func(j *pollJob) bool { return done[j] })
	// How long asking about every pending job would take (the first
	// request alone): a round of the schedule drs had before.
	requests := (len(w.pending) + MaxBatchSize - 1) / MaxBatchSize
	trips := 1 + (requests+w.c.s.concurrency-2)/w.c.s.concurrency
	round := now.Sub(a.jobs[0].sent) * time.Duration(trips)
	for _, j := range a.jobs {
		if !done[j] {
			j.plan(w, now, round)
		}
	}
	w.publish()
}

// end gives each job the wait did not finish the reason it ended: a job
// whose latest query failed stays NoAnswer with that failure too, and one
// not asked about since an authentication failure stopped the wait is
// NoAnswer, not sent.
func (w *waiter) end(why error) {
	auth := w.g.authFailure.Load()
	for _, j := range w.pending {
		v := &w.rep.Verdicts[j.i]
		if auth != nil && w.stop != nil && v.State == InProgress {
			v.State, v.Err = NoAnswer, notSent(opResults, 0, auth)
		}
		if v.State == NoAnswer && v.Err != nil && !errors.Is(why, v.Err) {
			v.Err = fmt.Errorf("%w; the latest query failed: %w", why, v.Err)
		} else {
			v.Err = why
		}
	}
}

// publish hands a copy of the report to the WithProgress callback.
func (w *waiter) publish() {
	if w.ws.progress == nil {
		return
	}
	r := *w.rep
	r.Verdicts, r.Unmatched = slices.Clone(w.rep.Verdicts), slices.Clone(w.rep.Unmatched)
	w.ws.progress(r)
}

// pollAgain reports whether a failed query may be repeated at the next poll:
// reading results changes nothing, so a server problem, an unusable answer or
// a lost connection is worth another try; an authentication failure, a
// refusal of the call (4xx) or a failure that will not change (a host that
// does not resolve, a request the transport refuses) is not.
func pollAgain(err error) bool {
	apiErr, isAPI := errors.AsType[*APIError](err)
	tErr, isTransport := errors.AsType[*TransportError](err)
	switch {
	case errors.Is(err, ErrAuthentication):
		return false
	case isAPI:
		return apiErr.retryable() || apiErr.StatusCode >= 500
	}
	return has[*ResponseError](err) || isTransport && tErr.retry
}
