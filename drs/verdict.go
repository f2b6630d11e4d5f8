package drs

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/drsclient/drs-precheck/generated"
)

// State is what is known of one job's pre-check. The zero value is NoAnswer,
// so a verdict nobody filled in never reads as passed.
type State int

const (
	// NoAnswer: no usable answer about the job; Verdict.Err says why. For a
	// start that was sent, it is unknown whether the pre-check started.
	NoAnswer State = iota
	// InProgress: started, not complete (or a wait ended first: Err says so).
	InProgress
	// Passed: complete and passed; the job may start. ALARM items are warnings.
	Passed
	// Failed: complete and not passed; the FAILED items say why.
	Failed
	// Refused: DRS answered for the job with an error code (Err is an
	// *APIError with JobID set), e.g. DRS.10000010 for an unknown job.
	Refused
)

var stateNames = [...]string{"no_answer", "in_progress", "passed", "failed", "refused"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Verdict is the client's reading of one job's pre-check.
type Verdict struct {
	JobID      string
	State      State
	PrecheckID string // as DRS gave it
	// Progress and PassedRate are percentages, 0 to 100 (0 while unknown).
	Progress   float64
	PassedRate float64
	Items      []generated.PrecheckResult // the check items, in the server's order (results only)
	RequestID  string                     // of the answer (or failed call) the verdict comes from
	// Err says why for NoAnswer and Refused, and why a wait ended for a job
	// left InProgress; nil otherwise.
	Err error
}

// Report is the answer of every call: one Verdict per job, in input order.
type Report struct {
	Verdicts []Verdict
	// Unmatched are answers not attributable to exactly one job asked about:
	// about another job, without a needed ID, or one of several different
	// answers about the same job. They never decide a verdict. After a wait,
	// those of the start and of the last answer received.
	Unmatched []Verdict
	Polls     int // result queries a wait made
}

// AllPassed reports whether every job may start: the report has verdicts and
// each is Passed. It is false for a nil or empty report, and whenever the
// call that made the report returned an error.
func (r *Report) AllPassed() bool {
	return r != nil && len(r.Verdicts) > 0 && r.Count(Passed) == len(r.Verdicts)
}

// Count returns how many jobs have state s (0 for a nil report).
func (r *Report) Count(s State) int {
	n := 0
	if r != nil {
		for _, v := range r.Verdicts {
			if v.State == s {
				n++
			}
		}
	}
	return n
}

// Summary says in one line, at most MaxTextBytes, what the verdict means,
// e.g. "may start (1 alarm)", "pre-check failed: 2 items failed: ...",
// "refused: DRS.10000010: ...", "in progress (40%)".
func (v *Verdict) Summary() string { return cut(v.summary(), MaxTextBytes) }

func (v *Verdict) summary() string {
	switch v.State {
	case Passed:
		if n := len(itemsWith(v.Items, generated.PrecheckItemResultALARM)); n > 0 {
			return fmt.Sprintf("may start (%d %s)", n, plural(n, "alarm", "alarms"))
		}
		return "may start"
	case Failed:
		failed := itemsWith(v.Items, generated.PrecheckItemResultFAILED)
		if len(failed) == 0 {
			return "pre-check failed (no failed item reported)"
		}
		parts := make([]string, len(failed))
		for i, it := range failed {
			parts[i] = strings.TrimPrefix(it.Group+"/"+it.Item, "/")
			if r := cmp.Or(it.FailedReason, it.RawErrorMsg); r != "" {
				parts[i] += ": " + r
			}
		}
		return fmt.Sprintf("pre-check failed: %d %s failed: %s", len(failed), plural(len(failed), "item", "items"), strings.Join(parts, "; "))
	case Refused:
		if apiErr, ok := errors.AsType[*APIError](v.Err); ok {
			return strings.TrimSpace("refused: " + strings.Trim(apiErr.Code+": "+apiErr.Message, ": "))
		}
		return "refused"
	case InProgress:
		if v.Err != nil {
			return fmt.Sprintf("not complete (%g%%): %v", v.Progress, v.Err)
		}
		return fmt.Sprintf("in progress (%g%%)", v.Progress)
	}
	if v.Err == nil {
		return "no answer"
	}
	return "no answer: " + v.Err.Error()
}

// itemsWith returns the items whose result is r, in any case.
func itemsWith(items []generated.PrecheckResult, r generated.PrecheckItemResult) []generated.PrecheckResult {
	var out []generated.PrecheckResult
	for _, it := range items {
		if strings.EqualFold(string(it.Result), string(r)) {
			out = append(out, it)
		}
	}
	return out
}

// err joins the reasons of the jobs without a usable answer (and, after a
// wait, of those left in progress), each failed call once with the jobs it
// carried. Refusals and failed pre-checks are answers, not errors. Every
// error the client stores is a pointer, so it can key a map.
func (r *Report) err(waited bool) error {
	var errs []error
	byErr := map[error]*jobsError{}
	for _, v := range r.Verdicts {
		if v.Err == nil || !(v.State == NoAnswer || waited && v.State == InProgress) {
			continue
		}
		if g := byErr[v.Err]; g != nil {
			g.jobIDs = append(g.jobIDs, v.JobID)
			continue
		}
		byErr[v.Err] = &jobsError{jobIDs: []string{v.JobID}, err: v.Err}
		errs = append(errs, byErr[v.Err])
	}
	return errors.Join(errs...)
}
