package drs

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/drsclient/drs-precheck/generated"
)

// Results reads the verdicts of pre-checks started earlier (by Precheck, or
// by anyone): one Verdict per job, in input order. It does not wait; see
// Wait for that.
//
// The input is checked as for Precheck (an empty, white-space-padded or
// duplicate job ID is an *InputError and nothing is sent). The jobs are then
// split into BatchCheckResults calls of at most WithBatchSize jobs, up to
// WithConcurrency of them at once, each with the client's authentication,
// retries and rate limit.
//
// Every job is accounted for exactly once. Results are matched to jobs by
// their precheck_id, which is the job ID in Huawei's examples; only when a
// call's answer has exactly one result per job asked and none carries a
// precheck_id are they matched by position. A job the answer leaves out is
// errored with ErrNoResult, a job answered more than once with
// ErrDuplicateResult (its results are kept in Unmatched), and results about
// jobs nobody asked about are kept in Unmatched, never dropped.
//
// Like Precheck, Results returns a non-nil error only for invalid input.
// Everything else, including failed calls (the verdicts of the jobs a failed
// call carried are errored with the call's error) and a cancelled context,
// is in the report: see ResultsReport.Err.
func (c *Client) Results(ctx context.Context, jobIDs ...string) (*ResultsReport, error) {
	if err := checkJobIDs("Results", jobIDs); err != nil {
		return nil, err
	}
	out := c.results(ctx, refsOf(jobIDs))
	return &ResultsReport{Verdicts: out.verdicts, Unmatched: out.unmatched}, nil
}

// checkJobIDs checks job IDs as Precheck does, naming op in the error.
func checkJobIDs(op string, jobIDs []string) error {
	err := checkPrecheckInput(ModeStartJob, jobIDs)
	var inErr *InputError
	if errors.As(err, &inErr) {
		inErr.Operation = op
	}
	return err
}

// results queries the verdicts of jobs (valid, duplicate-free), batched like
// Precheck. It is the pollFunc of Wait.
func (c *Client) results(ctx context.Context, jobs []jobRef) pollOutcome {
	out := pollOutcome{
		verdicts: make([]Verdict, len(jobs)),
		callErrs: make([]error, len(jobs)),
	}
	nChunks := c.batchCount(len(jobs))
	unmatched := make([][]Verdict, nChunks)
	chunkErrs := make([]error, nChunks)
	c.forEachBatch(len(jobs), func(i, lo, hi int) {
		unmatched[i], chunkErrs[i] = c.resultsChunk(ctx, jobs[lo:hi], out.verdicts[lo:hi])
		if chunkErrs[i] != nil {
			for k := lo; k < hi; k++ {
				out.callErrs[k] = chunkErrs[i]
			}
		}
	})
	for i := range nChunks {
		out.unmatched = append(out.unmatched, unmatched[i]...)
		if chunkErrs[i] != nil {
			out.errs = append(out.errs, chunkErrs[i])
		}
	}
	return out
}

// resultsChunk makes one BatchCheckResults call for jobs and fills verdicts
// (same length). It returns the results no job could claim, and the call's
// error, if it failed; the verdicts are then errored with it.
func (c *Client) resultsChunk(ctx context.Context, jobs []jobRef, verdicts []Verdict) ([]Verdict, error) {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.jobID
	}
	resp, ans, err := c.batchCheckResults(ctx, generated.BatchQueryPrecheckResultReq{Jobs: ids})
	if err != nil {
		rid := requestIDOf(err)
		for i, j := range jobs {
			verdicts[i] = Verdict{JobID: j.jobID, PrecheckID: j.precheckID, State: VerdictErrored, Err: err, RequestID: rid}
		}
		return nil, err
	}
	results := make([]generated.QueryPreCheckResp, len(resp.Results))
	for i := range resp.Results {
		results[i] = c.scrubResult(resp.Results[i])
	}
	matched, unmatched := matchResults(jobs, results, ans.requestID)
	copy(verdicts, matched)
	return unmatched, nil
}

// scrubResult removes secrets from the free text of a result (a server that
// echoes a token into an error message must not make the client print it).
func (c *Client) scrubResult(r generated.QueryPreCheckResp) generated.QueryPreCheckResp {
	r.ErrorCode, r.ErrorMsg = c.scrub.clean(r.ErrorCode), c.scrub.clean(r.ErrorMsg)
	if len(r.PrecheckResult) > 0 {
		items := make([]generated.PrecheckResult, len(r.PrecheckResult))
		for i, it := range r.PrecheckResult {
			it.FailedReason = c.scrub.clean(it.FailedReason)
			it.RawErrorMsg = c.scrub.clean(it.RawErrorMsg)
			it.Data = c.scrub.clean(it.Data)
			items[i] = it
		}
		r.PrecheckResult = items
	}
	return r
}

// Err returns nil when every verdict is final and none is errored, and
// otherwise the problems joined (errors.Join), in input order: each job's
// own error (a *ResultError, a *PercentError, ErrNoResult, why a wait ended,
// a refused start) once per job, and each failed call once, with the IDs of
// the jobs it carried. A failed pre-check is not an error: it is an answer
// (see Verdict.MayStart). The class predicates (IsJobNotFound,
// IsThrottled, ...) work on the result.
func (r *ResultsReport) Err() error {
	var errs []error
	groups := map[error]*callError{}
	for _, v := range r.Verdicts {
		if v.Err == nil {
			if v.State == VerdictErrored {
				errs = append(errs, fmt.Errorf("job %q: errored", v.JobID))
			}
			continue
		}
		if !isCallError(v.Err) || !reflect.TypeOf(v.Err).Comparable() {
			errs = append(errs, jobScoped(v.JobID, v.Err))
			continue
		}
		if g := groups[v.Err]; g != nil {
			g.jobIDs = append(g.jobIDs, v.JobID)
			continue
		}
		g := &callError{jobIDs: []string{v.JobID}, err: v.Err}
		groups[v.Err] = g
		errs = append(errs, g)
	}
	return errors.Join(errs...)
}

// isCallError reports whether err is about a whole call (shared by the jobs
// it carried) rather than about one job.
func isCallError(err error) bool {
	var resErr *ResultError
	var jobErr *JobError
	var ansErr *AnswerError
	var pctErr *PercentError
	switch {
	case errors.As(err, &resErr), errors.As(err, &jobErr), errors.As(err, &ansErr), errors.As(err, &pctErr),
		errors.Is(err, ErrNoResult), errors.Is(err, ErrDuplicateResult):
		return false
	}
	return true
}

// jobScoped prefixes err with the job ID unless its text already names it.
func jobScoped(jobID string, err error) error {
	var resErr *ResultError
	var jobErr *JobError
	var ansErr *AnswerError
	if errors.As(err, &resErr) || errors.As(err, &jobErr) || errors.As(err, &ansErr) {
		return err
	}
	return fmt.Errorf("job %q: %w", jobID, err)
}
