package drs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/drsclient/drs-precheck/generated"
)

// Mode is the pre-check mode, which must fit the jobs' state.
type Mode string

const (
	// ModeStartJob: the jobs are in CONFIGURATION, about to start ("forStartJob").
	ModeStartJob = Mode(generated.PrecheckModeForStartJob)
	// ModeRetryJob: the jobs are in their incremental phase after an edit, or
	// are retried after a failure ("forRetryJob").
	ModeRetryJob = Mode(generated.PrecheckModeForRetryJob)
)

// MaxJobIDBytes caps a job ID. DRS states no limit; its job IDs have 36 characters.
const MaxJobIDBytes = 128

// Precheck starts the pre-checks of any number of jobs, in calls of up to
// MaxBatchSize jobs, up to WithConcurrency at once, the first call alone.
// Each job ends InProgress (started, with its PrecheckID), Refused or
// NoAnswer (for a call that was sent, it is unknown whether it started).
//
// The report is nil only for invalid input (an unknown mode; an empty,
// padded, overlong, invisible-character or repeated job ID): *InputError
// values, joined, and nothing is sent. Otherwise err is non-nil exactly when
// some job has NoAnswer, and joins their reasons.
func (c *Client) Precheck(ctx context.Context, mode Mode, jobIDs []string) (*Report, error) {
	if err := checkInput(mode, jobIDs); err != nil {
		return nil, err
	}
	rep := c.start(ctx, new(guard), mode, jobIDs)
	return rep, rep.err(false)
}

// Results reads the current verdicts of pre-checks started earlier (by
// Precheck, or by anyone) once, without waiting (see Wait). Results are
// matched to jobs by precheck_id, which is the job ID in Huawei's examples;
// by position only when one job was asked and one result came back. Input,
// batching and errors work as for Precheck.
func (c *Client) Results(ctx context.Context, jobIDs []string) (*Report, error) {
	if err := checkInput(ModeStartJob, jobIDs); err != nil {
		return nil, err
	}
	jobs := make([]jobRef, len(jobIDs))
	for i, id := range jobIDs {
		jobs[i] = jobRef{jobID: id}
	}
	rep := c.query(ctx, new(guard), jobs)
	return rep, rep.err(false)
}

// checkInput is the one check of a call's arguments.
func checkInput(mode Mode, jobIDs []string) error {
	var errs []error
	if mode != ModeStartJob && mode != ModeRetryJob {
		errs = append(errs, &InputError{Index: -1, Reason: "unknown pre-check mode " + strconv.Quote(string(mode)) + "; use forStartJob or forRetryJob"})
	}
	if len(jobIDs) == 0 {
		errs = append(errs, &InputError{Index: -1, Reason: "no job IDs"})
	}
	// A format character (a zero-width space, a byte order mark) makes a
	// job ID print like another.
	invisible := func(r rune) bool { return unicode.Is(unicode.Cf, r) }
	seen := make(map[string]int, len(jobIDs))
	for i, id := range jobIDs {
		reason := ""
		switch {
		case id == "":
			reason = "empty"
		case len(id) > MaxJobIDBytes:
			reason = fmt.Sprintf("%d bytes long, over the %d-byte limit (DRS's job IDs have 36 characters)", len(id), MaxJobIDBytes)
		case strings.TrimSpace(id) != id:
			reason = "leading or trailing white space"
		case !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl):
			reason = "a control character or invalid UTF-8"
		case strings.ContainsFunc(id, invisible):
			r, _ := utf8.DecodeRuneInString(id[strings.IndexFunc(id, invisible):])
			reason = fmt.Sprintf("an invisible character (%U)", r)
		default:
			if first, dup := seen[id]; dup {
				reason = "repeats the job ID at index " + strconv.Itoa(first)
			} else {
				seen[id] = i
			}
		}
		if reason != "" {
			errs = append(errs, &InputError{JobID: id, Index: i, Reason: reason})
		}
	}
	return errors.Join(errs...)
}

// start makes the BatchCheckJobs calls of a Precheck.
func (c *Client) start(ctx context.Context, g *guard, mode Mode, jobIDs []string) *Report {
	var params *generated.BatchCheckJobsParams
	if c.s.language != "" {
		params = &generated.BatchCheckJobsParams{XLanguage: generated.BatchCheckJobsParamsXLanguage(c.s.language)}
	}
	return c.fanOut(len(jobIDs), func(lo, hi int, out []Verdict) []Verdict {
		req := generated.BatchPrecheckReq{}
		asked := make([]jobRef, 0, hi-lo)
		for _, id := range jobIDs[lo:hi] {
			req.Jobs = append(req.Jobs, generated.PreCheckInfo{JobId: id, PrecheckMode: generated.PrecheckMode(mode)})
			asked = append(asked, jobRef{jobID: id})
		}
		var resp generated.BatchPrecheckResp
		ans, err := c.call(ctx, g, opJobs, func(ctx context.Context) (*http.Response, error) {
			return c.gen.BatchCheckJobs(ctx, c.s.projectID, params, req)
		}, &resp)
		if tErr, ok := errors.AsType[*TransportError](err); has[*ResponseError](err) || ok && tErr.Attempts > 0 {
			err = fmt.Errorf("%w; it is unknown whether the pre-checks started", err)
		}
		return attribute(ctx, opJobs, out, asked, err, resp.Results,
			func(e generated.PostPreCheckResp) string { return e.Id },
			func(j jobRef, e []generated.PostPreCheckResp) Verdict {
				return c.judgeStart(j, e, ans.status, ans.requestID)
			})
	})
}

// query makes the BatchCheckResults calls for jobs.
func (c *Client) query(ctx context.Context, g *guard, jobs []jobRef) *Report {
	var params *generated.BatchCheckResultsParams
	if c.s.language != "" {
		params = &generated.BatchCheckResultsParams{XLanguage: generated.BatchCheckResultsParamsXLanguage(c.s.language)}
	}
	return c.fanOut(len(jobs), func(lo, hi int, out []Verdict) []Verdict {
		req := generated.BatchQueryPrecheckResultReq{}
		for _, j := range jobs[lo:hi] {
			req.Jobs = append(req.Jobs, j.jobID)
		}
		var resp generated.BatchQueryPrecheckResultResp
		ans, err := c.call(ctx, g, opResults, func(ctx context.Context) (*http.Response, error) {
			return c.gen.BatchCheckResults(ctx, c.s.projectID, params, req)
		}, &resp)
		return attribute(ctx, opResults, out, jobs[lo:hi], err, resp.Results,
			func(r generated.QueryPreCheckResp) string { return r.PrecheckId },
			func(j jobRef, r []generated.QueryPreCheckResp) Verdict {
				return c.judgeResult(j, r, ans.status, ans.requestID)
			})
	})
}

// fanOut runs call on each batch of n jobs, with the batch's verdicts to fill,
// as WithConcurrency says; Unmatched are the batches', in batch order.
func (c *Client) fanOut(n int, call func(lo, hi int, out []Verdict) []Verdict) *Report {
	rep := &Report{Verdicts: make([]Verdict, n)}
	batches := (n + MaxBatchSize - 1) / MaxBatchSize
	unmatched := make([][]Verdict, batches)
	run := func(b int) {
		lo, hi := b*MaxBatchSize, min((b+1)*MaxBatchSize, n)
		unmatched[b] = call(lo, hi, rep.Verdicts[lo:hi])
	}
	run(0)
	slots := make(chan struct{}, c.s.concurrency)
	var wg sync.WaitGroup
	for b := 1; b < batches; b++ {
		slots <- struct{}{}
		wg.Go(func() { run(b); <-slots })
	}
	wg.Wait()
	rep.Unmatched = slices.Concat(unmatched...)
	return rep
}
