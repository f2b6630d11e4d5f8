package drs

import (
	"context"
	"errors"
)

// PrecheckAndWait starts the pre-checks of jobs (Precheck), waits for the
// ones that started (Wait), and returns one final answer per job, in input
// order: may it start (Verdict.MayStart) or not, and why (Verdict.Summary):
//
//   - refused at start: State VerdictErrored, Start.State Refused, Err the
//     *JobError with DRS's code and message (also in ErrorCode, ErrorMsg);
//   - not known to have started (a failed call, an answer that left the job
//     out): State VerdictErrored, Err says why; it is not waited for;
//   - started: the verdict of its pre-check, as Wait gives it: passed (with
//     its ALARMs), failed (with the failed items), errored, or, when ctx
//     ended first, still in progress with Err errors.Is ErrWaitTimedOut.
//
// Verdict.Start holds the start outcome of each job, and
// ResultsReport.Precheck the whole start report. Input and options are
// checked before anything is sent (*InputError, *ConfigError, nil report).
// Otherwise the error is non-nil only when the wait ended before every
// started pre-check completed, as for Wait; refusals and failed pre-checks
// are answers, in the report (see ResultsReport.Err).
func (c *Client) PrecheckAndWait(ctx context.Context, mode Mode, jobIDs []string, opts ...WaitOption) (*ResultsReport, error) {
	if err := checkPrecheckInput(mode, jobIDs); err != nil {
		var inErr *InputError
		if errors.As(err, &inErr) {
			inErr.Operation = "PrecheckAndWait"
		}
		return nil, err
	}
	cfg, err := c.newWaitConfig(opts)
	if err != nil {
		return nil, err
	}
	pre, err := c.Precheck(ctx, mode, jobIDs...)
	if err != nil {
		return nil, err
	}

	// Wait only for the started pre-checks, matching their results by the
	// pre-check IDs DRS just gave (in case they ever differ from job IDs).
	var started []jobRef
	var at []int // index in jobIDs of each started job
	for i, o := range pre.Outcomes {
		if o.State == Started {
			started = append(started, jobRef{jobID: o.JobID, precheckID: o.PrecheckID})
			at = append(at, i)
		}
	}
	merge := func(w *ResultsReport) *ResultsReport {
		rep := &ResultsReport{Verdicts: make([]Verdict, len(pre.Outcomes)), Precheck: pre}
		for i := range pre.Outcomes {
			o := &pre.Outcomes[i]
			rep.Verdicts[i] = startVerdict(o)
		}
		if w != nil {
			for k, i := range at {
				v := w.Verdicts[k]
				v.Start = &pre.Outcomes[i]
				rep.Verdicts[i] = v
			}
			rep.Unmatched, rep.Polls = w.Unmatched, w.Polls
		}
		return rep
	}
	if len(started) == 0 {
		return merge(nil), nil
	}
	if progress := cfg.progress; progress != nil {
		cfg.progress = func(w ResultsReport) { progress(*merge(&w)) }
	}
	w, werr := waitLoop(ctx, started, cfg, c.results)
	return merge(w), werr
}

// startVerdict is the verdict of a job as far as its start tells: errored
// unless it started (then in progress, not asked about yet).
func startVerdict(o *Outcome) Verdict {
	v := Verdict{JobID: o.JobID, PrecheckID: o.PrecheckID, RequestID: o.RequestID, Start: o}
	if o.State == Started {
		return v
	}
	v.State, v.Err = VerdictErrored, o.Err
	if v.Err == nil {
		v.Err = errors.New("drs: the pre-check did not start")
	}
	var jobErr *JobError
	if errors.As(o.Err, &jobErr) {
		v.ErrorCode, v.ErrorMsg = jobErr.Code, jobErr.Message
	}
	return v
}
