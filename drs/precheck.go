package drs

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/drsclient/drs-precheck/generated"
)

// Mode is the pre-check mode: which state the jobs are in. The wrong mode for
// a job's state makes its pre-check fail.
type Mode string

const (
	// ModeStartJob: the job is in CONFIGURATION and is about to start for the
	// first time ("forStartJob").
	ModeStartJob = Mode(generated.ForStartJob)
	// ModeRetryJob: the job is in its incremental phase after its objects were
	// edited, or is being retried after a failure ("forRetryJob").
	ModeRetryJob = Mode(generated.ForRetryJob)
)

// StartState is what became of one job in Precheck: whether its pre-check
// was started.
type StartState int

const (
	// Started: DRS started the job's pre-check (Outcome.PrecheckID is set).
	// Read the verdict later with BatchCheckResults.
	Started StartState = iota + 1
	// Refused: DRS refused to start it; Outcome.Err is a *JobError with DRS's
	// error code and message.
	Refused
	// Errored: it is not known to have started: the call failed (*APIError,
	// *TransportError, *ResponseError, the context ended) or the server's
	// answer did not account for the job (*AnswerError).
	Errored
)

func (s StartState) String() string {
	switch s {
	case Started:
		return "started"
	case Refused:
		return "refused"
	case Errored:
		return "errored"
	}
	return fmt.Sprintf("StartState(%d)", int(s))
}

// Outcome is what became of one job.
type Outcome struct {
	JobID string
	State StartState
	// PrecheckID is the pre-check's ID when State is Started.
	PrecheckID string
	// Err is nil when Started, a *JobError when Refused, the reason otherwise.
	Err error
	// RequestID identifies the call that decided the outcome, if it got an
	// answer (quote it to Huawei support).
	RequestID string
}

// UnsolicitedAnswer is an entry of a server's answer for a job that was not
// in that call.
type UnsolicitedAnswer struct {
	Answer    generated.PostPreCheckResp
	RequestID string
}

// PrecheckReport is the result of Precheck: one Outcome per submitted job, in
// the order the jobs were given.
type PrecheckReport struct {
	Mode     Mode
	Outcomes []Outcome
	// Unsolicited lists answers about jobs that were not asked about. They
	// never count as outcomes.
	Unsolicited []UnsolicitedAnswer
}

// AllStarted reports whether every job's pre-check was started.
func (r *PrecheckReport) AllStarted() bool { return r.Count(Started) == len(r.Outcomes) }

// Count returns how many jobs ended in state s.
func (r *PrecheckReport) Count(s StartState) int {
	n := 0
	for _, o := range r.Outcomes {
		if o.State == s {
			n++
		}
	}
	return n
}

// JobIDs returns the IDs of the jobs in state s, in input order.
func (r *PrecheckReport) JobIDs(s StartState) []string {
	var ids []string
	for _, o := range r.Outcomes {
		if o.State == s {
			ids = append(ids, o.JobID)
		}
	}
	return ids
}

// Err returns nil when every pre-check was started, and otherwise the
// failures joined (errors.Join): each refusal and answer problem once per
// job, each failed call once with the IDs of the jobs it carried. The class
// predicates (IsThrottled, IsJobNotFound, ...) work on it.
func (r *PrecheckReport) Err() error {
	var errs []error
	type group struct {
		err error
		ids []string
	}
	var groups []*group
	byErr := map[error]*group{}
	for _, o := range r.Outcomes {
		if o.State == Started || o.Err == nil {
			continue
		}
		var jobErr *JobError
		var ansErr *AnswerError
		if errors.As(o.Err, &jobErr) || errors.As(o.Err, &ansErr) || !reflect.TypeOf(o.Err).Comparable() {
			errs = append(errs, o.Err)
			continue
		}
		g := byErr[o.Err]
		if g == nil {
			g = &group{err: o.Err}
			byErr[o.Err] = g
			groups = append(groups, g)
			errs = append(errs, nil) // placeholder, keeps input order
		}
		g.ids = append(g.ids, o.JobID)
	}
	gi := 0
	for i, e := range errs {
		if e == nil {
			g := groups[gi]
			gi++
			errs[i] = &callError{jobIDs: g.ids, err: g.err}
		}
	}
	return errors.Join(errs...)
}

// callError names the jobs a failed call carried.
type callError struct {
	jobIDs []string
	err    error
}

func (e *callError) Error() string {
	const show = 10
	ids := e.jobIDs
	more := ""
	if len(ids) > show {
		more = fmt.Sprintf(" and %d more", len(ids)-show)
		ids = ids[:show]
	}
	return fmt.Sprintf("jobs %s%s: %v", strings.Join(quoteAll(ids), ", "), more, e.err)
}

func (e *callError) Unwrap() error { return e.err }

func quoteAll(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("%q", id)
	}
	return out
}

// Precheck starts the pre-checks of any number of jobs. It checks the input
// first (an unknown mode, or an empty, white-space-padded or duplicate job ID
// is an *InputError and nothing is sent), then splits the jobs into
// BatchCheckJobs calls of at most WithBatchSize jobs (10 by default), runs
// up to WithConcurrency of them at once, and accounts for every job exactly
// once in the report, in input order.
//
// Precheck returns a non-nil error only for invalid input. Everything else,
// including failed calls and a cancelled context, is in the report: check
// report.AllStarted or report.Err. A job stays Errored, never Started, unless
// the server said "success" for it, once or identically each time.
func (c *Client) Precheck(ctx context.Context, mode Mode, jobIDs ...string) (*PrecheckReport, error) {
	if err := checkPrecheckInput(mode, jobIDs); err != nil {
		return nil, err
	}
	if len(jobIDs) == 1 {
		// The most common call, one job, in one allocation: the report, its
		// outcome and the call's request and answer. (The report keeps the
		// rest alive; it is all small.)
		m := &struct {
			report  PrecheckReport
			outcome [1]Outcome
			chunk   chunkMem
		}{}
		m.report = PrecheckReport{Mode: mode, Outcomes: m.outcome[:]}
		m.report.Unsolicited = c.precheckChunk(ctx, mode, jobIDs, m.report.Outcomes, &m.chunk)
		return &m.report, nil
	}
	report := &PrecheckReport{Mode: mode, Outcomes: make([]Outcome, len(jobIDs))}
	if c.batchCount(len(jobIDs)) == 1 {
		// One call: no fan-out, and its unsolicited answers are the report's.
		report.Unsolicited = c.precheckChunk(ctx, mode, jobIDs, report.Outcomes, new(chunkMem))
		return report, nil
	}
	unsolicited := make([][]UnsolicitedAnswer, c.batchCount(len(jobIDs)))
	c.forEachBatch(len(jobIDs), func(i, lo, hi int) {
		unsolicited[i] = c.precheckChunk(ctx, mode, jobIDs[lo:hi], report.Outcomes[lo:hi], new(chunkMem))
	})
	for _, u := range unsolicited {
		report.Unsolicited = append(report.Unsolicited, u...)
	}
	return report, nil
}

// chunkMem holds the request and the decoded answer of one BatchCheckJobs
// call of Precheck, so that they take one allocation (with its caller's, for
// one job), not one each.
type chunkMem struct {
	req  generated.BatchPrecheckReq
	job  [1]generated.PreCheckInfo // the jobs of a call of one job
	resp generated.BatchPrecheckResp
}

// precheckChunk makes one BatchCheckJobs call for ids and fills out (same
// length) with their outcomes. It returns the answers about other jobs. mem
// is the call's memory (see chunkMem).
func (c *Client) precheckChunk(ctx context.Context, mode Mode, ids []string, out []Outcome, mem *chunkMem) []UnsolicitedAnswer {
	jobs := mem.job[:0]
	if len(ids) > len(mem.job) {
		jobs = make([]generated.PreCheckInfo, 0, len(ids))
	}
	for _, id := range ids {
		jobs = append(jobs, generated.PreCheckInfo{JobId: id, PrecheckMode: generated.PrecheckMode(mode)})
	}
	mem.req.Jobs = jobs
	resp := &mem.resp
	ans, err := c.callInto(ctx, c.opJobs, &mem.req, resp)
	if err != nil {
		rid := requestIDOf(err)
		for i, id := range ids {
			out[i] = Outcome{JobID: id, State: Errored, Err: err, RequestID: rid}
		}
		return nil
	}
	// The distinct answers about each job, in the order of the answer: most
	// jobs get exactly one, which is judged in place (first[i] is its index
	// in resp.Results, -1 for none); only a job answered again differently
	// gets a list of its own (more[i]).
	var firstBuf [MaxBatchSize]int
	first := firstBuf[:0]
	if len(ids) > len(firstBuf) {
		first = make([]int, 0, len(ids))
	}
	for range ids {
		first = append(first, -1)
	}
	var more [][]generated.PostPreCheckResp
	index := jobIndex(ids)
	var unsolicited []UnsolicitedAnswer
	for k := range resp.Results {
		r := &resp.Results[k]
		i := indexOf(ids, index, r.Id)
		switch {
		case i < 0:
			unsolicited = append(unsolicited, UnsolicitedAnswer{Answer: *r, RequestID: ans.requestID})
		case first[i] < 0:
			first[i] = k
		case more == nil || more[i] == nil:
			if *r != resp.Results[first[i]] {
				if more == nil {
					more = make([][]generated.PostPreCheckResp, len(ids))
				}
				more[i] = []generated.PostPreCheckResp{resp.Results[first[i]], *r}
			}
		case !slices.Contains(more[i], *r):
			more[i] = append(more[i], *r)
		}
	}
	for i, id := range ids {
		var answers []generated.PostPreCheckResp
		switch {
		case more != nil && more[i] != nil:
			answers = more[i]
		case first[i] >= 0:
			answers = resp.Results[first[i] : first[i]+1]
		}
		out[i] = c.judge(id, answers, ans.requestID)
	}
	return unsolicited
}

// jobIndex returns a map from job ID to index in ids when there are too many
// IDs to scan (indexOf), nil otherwise.
func jobIndex(ids []string) map[string]int {
	if len(ids) <= MaxBatchSize {
		return nil
	}
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	return index
}

// indexOf returns the index of id in ids (-1 if absent), through index if it
// is not nil (see jobIndex).
func indexOf(ids []string, index map[string]int, id string) int {
	if index != nil {
		if i, ok := index[id]; ok {
			return i
		}
		return -1
	}
	for i, v := range ids {
		if v == id {
			return i
		}
	}
	return -1
}

// judge turns the distinct answers about one job into its outcome.
func (c *Client) judge(id string, answers []generated.PostPreCheckResp, requestID string) Outcome {
	o := Outcome{JobID: id, State: Errored, RequestID: requestID}
	switch len(answers) {
	case 0:
		o.Err = &AnswerError{JobID: id, RequestID: requestID, Err: ErrNotInResponse}
		return o
	case 1:
	default:
		var parts []string
		for _, a := range answers {
			parts = append(parts, c.describe(a))
		}
		o.Err = &AnswerError{JobID: id, RequestID: requestID, Err: ErrAnsweredTwice, Detail: strings.Join(parts, " vs. ")}
		return o
	}
	a := answers[0]
	switch a.Status {
	case generated.Success:
		o.State, o.PrecheckID = Started, a.PrecheckId
	case generated.Failed:
		o.State = Refused
		o.Err = &JobError{JobID: id, Code: c.scrub.clean(a.ErrorCode), Message: c.scrub.clean(a.ErrorMsg), RequestID: requestID}
	default:
		o.Err = &AnswerError{JobID: id, RequestID: requestID, Err: ErrUnexpectedStatus, Detail: c.describe(a)}
	}
	return o
}

// describe summarises one answer entry for an error message.
func (c *Client) describe(a generated.PostPreCheckResp) string {
	s := fmt.Sprintf("status %q", string(a.Status))
	if a.PrecheckId != "" {
		s += fmt.Sprintf(", precheck_id %q", a.PrecheckId)
	}
	if a.ErrorCode != "" || a.ErrorMsg != "" {
		s += ", " + c.scrub.clean(strings.TrimSpace(a.ErrorCode+" "+a.ErrorMsg))
	}
	return s
}

func requestIDOf(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RequestID
	}
	var respErr *ResponseError
	if errors.As(err, &respErr) {
		return respErr.RequestID
	}
	return ""
}

// checkPrecheckInput rejects what would make a call fail or an outcome
// ambiguous, before anything is sent.
func checkPrecheckInput(mode Mode, ids []string) error {
	if precheckInputOK(mode, ids) {
		return nil
	}
	return inputProblems(mode, ids)
}

// inputProblems is the full input check: an *InputError describing every
// problem, each ID's with all its positions, or nil if there is none.
func inputProblems(mode Mode, ids []string) error {
	var problems []InputProblem
	if !mode.valid() {
		problems = append(problems, InputProblem{Reason: fmt.Sprintf("unknown mode %q: use drs.ModeStartJob (%q) or drs.ModeRetryJob (%q)", string(mode), string(ModeStartJob), string(ModeRetryJob))})
	}
	if len(ids) == 0 {
		problems = append(problems, InputProblem{Reason: "no job IDs given"})
	}
	positions := make(map[string][]int, len(ids))
	var order []string
	for i, id := range ids {
		if _, seen := positions[id]; !seen {
			order = append(order, id)
		}
		positions[id] = append(positions[id], i)
	}
	for _, id := range order {
		at := positions[id]
		if reason := jobIDProblem(id); reason != "" {
			problems = append(problems, InputProblem{JobID: id, Indexes: at, Reason: reason})
		} else if len(at) > 1 {
			problems = append(problems, InputProblem{JobID: id, Indexes: at, Reason: fmt.Sprintf("duplicate job ID (given %d times)", len(at))})
		}
	}
	if len(problems) > 0 {
		return &InputError{Operation: "Precheck", Problems: problems}
	}
	return nil
}

// valid reports whether m is one of the modes the API knows.
func (m Mode) valid() bool { return m == ModeStartJob || m == ModeRetryJob }

// jobIDProblem says what makes id unusable as a job ID, "" if nothing.
func jobIDProblem(id string) string {
	switch {
	case id == "":
		return "empty job ID"
	case strings.TrimSpace(id) != id:
		return "job ID with leading or trailing white space"
	case strings.ContainsFunc(id, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }):
		return "job ID with a control character or invalid UTF-8"
	}
	return ""
}

// precheckInputOK is checkPrecheckInput's fast path for a few valid IDs: the
// same rules, without the map that groups the positions of each ID to
// describe problems. When it says false (invalid input, or too many IDs to
// compare pairwise), checkPrecheckInput does the full check (inputProblems).
func precheckInputOK(mode Mode, ids []string) bool {
	const maxPairwise = MaxBatchSize
	if !mode.valid() || len(ids) == 0 || len(ids) > maxPairwise {
		return false
	}
	for i, id := range ids {
		if jobIDProblem(id) != "" || slices.Contains(ids[:i], id) {
			return false
		}
	}
	return true
}
