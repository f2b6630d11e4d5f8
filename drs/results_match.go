package drs

import (
	"fmt"

	"github.com/drsclient/drs-precheck/generated"
)

// jobRef is a job asked about: its ID and, when the caller knows it (from
// the answer of BatchCheckJobs), its pre-check ID.
type jobRef struct {
	jobID      string
	precheckID string
}

func refsOf(jobIDs []string) []jobRef {
	refs := make([]jobRef, len(jobIDs))
	for i, id := range jobIDs {
		refs[i] = jobRef{jobID: id}
	}
	return refs
}

// ResultsReport is the answer of Results, Wait and PrecheckAndWait: one
// Verdict per job asked about, in the order the jobs were given.
type ResultsReport struct {
	// Verdicts has one entry per job, in input order. A job the server did
	// not answer about is there too, errored with ErrNoResult.
	Verdicts []Verdict `json:"verdicts"`
	// Unmatched are results the server sent that could not be attributed to
	// exactly one job: results that match no job asked about (an unknown
	// precheck_id, or none where one was needed; JobID empty), and the
	// results of a job answered more than once (JobID set; the job's own
	// verdict is errored with ErrDuplicateResult). They are kept so that a
	// server that mixes up answers is noticed, not silently trusted; they
	// never decide a job's verdict.
	Unmatched []Verdict `json:"unmatched,omitempty"`
	// Polls is how many times Wait queried the results (0 for Results).
	Polls int `json:"polls,omitempty"`
	// Precheck is the start report of PrecheckAndWait (nil otherwise),
	// including answers about jobs nobody asked to start.
	Precheck *PrecheckReport `json:"-"`
}

// Verdict returns the verdict of a job.
func (r *ResultsReport) Verdict(jobID string) (Verdict, bool) {
	for _, v := range r.Verdicts {
		if v.JobID == jobID {
			return v, true
		}
	}
	return Verdict{}, false
}

// AllMayStart reports whether every job may start (false for no jobs).
func (r *ResultsReport) AllMayStart() bool {
	for _, v := range r.Verdicts {
		if !v.MayStart {
			return false
		}
	}
	return len(r.Verdicts) > 0
}

// Complete reports whether every verdict is final (passed, failed or
// errored).
func (r *ResultsReport) Complete() bool {
	for i := range r.Verdicts {
		if !r.Verdicts[i].Complete() {
			return false
		}
	}
	return true
}

// clone returns a copy whose slices the receiver's owner may keep changing.
func (r *ResultsReport) clone() ResultsReport {
	c := *r
	c.Verdicts = append([]Verdict(nil), r.Verdicts...)
	c.Unmatched = append([]Verdict(nil), r.Unmatched...)
	return c
}

// matchResults pairs the results of one BatchCheckResults answer with the
// jobs asked about in that call, and returns one verdict per asked job (in
// the asked order) plus the results that match no asked job. requestID is
// the answer's X-Request-Id, kept in every verdict.
//
// The rule: a result belongs to the job whose pre-check ID (when known) or
// job ID equals the result's precheck_id; in Huawei's examples precheck_id
// is the job ID. Only when the answer has exactly one result per asked job
// and none of them carries a precheck_id are results taken in the order the
// jobs were asked (the only reading left, and an unambiguous one). Otherwise
// a result without a precheck_id, or with one nobody asked about, is
// unmatched; a job with no result is errored with ErrNoResult, and a job
// with several results with ErrDuplicateResult, since which of them holds
// cannot be told.
func matchResults(asked []jobRef, results []generated.QueryPreCheckResp, requestID string) (verdicts, unmatched []Verdict) {
	verdicts = make([]Verdict, len(asked))

	positional := len(results) == len(asked)
	for i := range results {
		if results[i].PrecheckId != "" {
			positional = false
			break
		}
	}
	if positional {
		for i, job := range asked {
			verdicts[i] = verdictFrom(job.jobID, job.precheckID, requestID, &results[i])
		}
		return verdicts, nil
	}

	byPrecheckID := make(map[string]int, len(asked))
	byJobID := make(map[string]int, len(asked))
	for i, job := range asked {
		if job.precheckID != "" {
			byPrecheckID[job.precheckID] = i
		}
		byJobID[job.jobID] = i
	}
	answers := make([][]int, len(asked))
	for k := range results {
		r := &results[k]
		i, ok := -1, false
		if r.PrecheckId != "" {
			if i, ok = byPrecheckID[r.PrecheckId]; !ok {
				i, ok = byJobID[r.PrecheckId]
			}
		}
		if !ok {
			unmatched = append(unmatched, verdictFrom("", "", requestID, r))
			continue
		}
		answers[i] = append(answers[i], k)
	}
	for i, job := range asked {
		switch len(answers[i]) {
		case 0:
			verdicts[i] = Verdict{JobID: job.jobID, PrecheckID: job.precheckID, RequestID: requestID, State: VerdictErrored, Err: ErrNoResult}
		case 1:
			verdicts[i] = verdictFrom(job.jobID, job.precheckID, requestID, &results[answers[i][0]])
		default:
			verdicts[i] = Verdict{JobID: job.jobID, PrecheckID: job.precheckID, RequestID: requestID, State: VerdictErrored,
				Err: fmt.Errorf("%w (%d results)", ErrDuplicateResult, len(answers[i]))}
			for _, k := range answers[i] {
				unmatched = append(unmatched, verdictFrom(job.jobID, job.precheckID, requestID, &results[k]))
			}
		}
	}
	return verdicts, unmatched
}
