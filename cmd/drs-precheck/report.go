package main

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/drsclient/drs-precheck/drs"
)

// schemaVersion names the JSON document's shape (docs/CLI.md): fields are only
// added under it; a change that breaks scripts gets a new one.
const schemaVersion = "drs-precheck/v2"

// The outcomes of a job, each also its label in every output: drs's states.
const (
	outcomePassed     = "passed"
	outcomeFailed     = "failed"
	outcomeRefused    = "refused"
	outcomeInProgress = "in_progress"
	outcomeNoAnswer   = "no_answer" // API or network error
)

// outcomes lists every outcome in the order reports count them.
var outcomes = [...]string{outcomePassed, outcomeFailed, outcomeRefused, outcomeInProgress, outcomeNoAnswer}

// document is the one model of the report that every --output format
// renders; as JSON it is documented in docs/CLI.md.
type document struct {
	Schema      string        `json:"schema"`
	Command     string        `json:"command"`
	Mode        string        `json:"mode,omitempty"`
	Waited      bool          `json:"waited"`
	AllPassed   bool          `json:"all_passed"`
	Summary     summary       `json:"summary"`
	Jobs        []jobReport   `json:"jobs"`
	Unsolicited []unsolicited `json:"unsolicited,omitempty"`
}

type summary struct {
	Total      int `json:"total"`
	Passed     int `json:"passed"`
	Failed     int `json:"failed"`
	Refused    int `json:"refused"`
	InProgress int `json:"in_progress"`
	NoAnswer   int `json:"no_answer"`
}

// count is the count of outcome o; an outcome nobody set counts as no
// answer, never as passed.
func (s *summary) count(o string) *int {
	switch o {
	case outcomePassed:
		return &s.Passed
	case outcomeFailed:
		return &s.Failed
	case outcomeRefused:
		return &s.Refused
	case outcomeInProgress:
		return &s.InProgress
	}
	return &s.NoAnswer
}

type jobReport struct {
	JobID      string      `json:"job_id"`
	Outcome    string      `json:"outcome"`
	PrecheckID string      `json:"precheck_id,omitempty"`
	Progress   *float64    `json:"progress,omitempty"`
	PassedRate *float64    `json:"passed_rate,omitempty"`
	Summary    string      `json:"summary"`
	Failed     []checkItem `json:"failed_items,omitempty"`
	Alarms     []checkItem `json:"alarms,omitempty"`
	Error      *errorInfo  `json:"error,omitempty"`
	RequestID  string      `json:"request_id,omitempty"`
}

type checkItem struct {
	Item          string   `json:"item"`
	Group         string   `json:"group,omitempty"`
	Result        string   `json:"result"` // as DRS sent it: FAILED, ALARM...
	Reason        string   `json:"reason,omitempty"`
	FailedSubJobs []subJob `json:"failed_sub_jobs,omitempty"`
}

// name is the item with its group, e.g. "db_params/srcBinlogFormatCheck".
func (it checkItem) name() string {
	if it.Group == "" {
		return it.Item
	}
	return it.Group + "/" + it.Item
}

type subJob struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	CheckResult string `json:"check_result,omitempty"`
}

func (sj subJob) String() string {
	s := "sub-job " + sj.ID
	if sj.Name != "" {
		s += " (" + sj.Name + ")"
	}
	if sj.CheckResult != "" {
		s += ": " + sj.CheckResult
	}
	return s
}

type errorInfo struct {
	Status    int    `json:"status,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
	Remedy    string `json:"remedy,omitempty"` // drs's advice, printed wherever the error is
}

type unsolicited struct {
	JobID     string `json:"job_id"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id,omitempty"`
}

func (d *document) add(j jobReport) {
	d.Jobs = append(d.Jobs, j)
	d.Summary.Total++
	*d.Summary.count(j.Outcome)++
}

// startOnly: run without --wait, where a started pre-check (in_progress) is
// what was asked for and nobody knows yet whether the jobs may start.
func (d *document) startOnly() bool { return d.Command == "run" && !d.Waited }

// ok reports whether j counts as success: exit code 0, a passing JUnit
// testcase, no GitHub error annotation.
func (d *document) ok(j jobReport) bool {
	return j.Outcome == outcomePassed && !d.startOnly() || j.Outcome == outcomeInProgress && d.startOnly()
}

func (d *document) finish() {
	d.AllPassed = !d.startOnly() && d.Summary.Total > 0 && d.Summary.Passed == d.Summary.Total
}

// exitErr is 3 when any job got no answer (the first reason repeated on
// stderr, as stdout may be JSON), else 1 when any job is not ok, else nil.
func (d *document) exitErr() error {
	if n := d.Summary.NoAnswer; n > 0 {
		msg := fmt.Sprintf("%d %s got no answer (API or network error)", n, plural(n, "job", "jobs"))
		if i := slices.IndexFunc(d.Jobs, func(j jobReport) bool { return j.Outcome == outcomeNoAnswer }); i >= 0 {
			first := d.Jobs[i].Summary
			if e := d.Jobs[i].Error; e != nil && e.Message != "" {
				first = errorLine(&errorInfo{Code: e.Code, Message: e.Message, Remedy: e.Remedy}) // status and request ID are in the report
			}
			if first != "" {
				msg += ": " + safeLine(first)
			}
		}
		return &exitError{code: exitAPIError, msg: msg}
	}
	if slices.ContainsFunc(d.Jobs, func(j jobReport) bool { return !d.ok(j) }) {
		return &exitError{code: exitJobs} // the report says which jobs and why
	}
	return nil
}

// fromVerdict reports one job's verdict: the outcome is drs's state, word
// for word. Run without --wait (startOnly) has no progress to show yet.
func fromVerdict(v drs.Verdict, startOnly bool) jobReport {
	j := jobReport{JobID: v.JobID, Outcome: v.State.String(), PrecheckID: v.PrecheckID, Summary: v.Summary(), RequestID: v.RequestID}
	for _, it := range v.Items {
		item := checkItem{Item: it.Item, Group: it.Group, Result: string(it.Result), Reason: cmp.Or(it.FailedReason, it.RawErrorMsg)}
		for _, sj := range it.FailedSubJobs {
			item.FailedSubJobs = append(item.FailedSubJobs, subJob{ID: sj.Id, Name: sj.Name, CheckResult: sj.CheckResult})
		}
		switch strings.ToUpper(item.Result) {
		case "FAILED":
			j.Failed = append(j.Failed, item)
		case "ALARM":
			j.Alarms = append(j.Alarms, item)
		}
	}
	switch {
	case startOnly && v.State == drs.InProgress && v.Err == nil:
		j.Summary = "pre-check started"
	case v.State == drs.InProgress || v.State == drs.Passed || v.State == drs.Failed:
		progress, rate := v.Progress, v.PassedRate
		j.Progress, j.PassedRate = &progress, &rate
	}
	if v.Err == nil {
		return j
	}
	j.Error = &errorInfo{Message: v.Err.Error(), RequestID: v.RequestID}
	if apiErr, ok := errors.AsType[*drs.APIError](v.Err); ok {
		j.Error.Code, j.Error.Remedy = apiErr.Code, apiErr.Remedy()
		if apiErr.JobID == "" {
			j.Error.Status = apiErr.StatusCode
		}
		j.Error.Message = cmp.Or(apiErr.Message, j.Error.Message)
		j.Error.RequestID = cmp.Or(apiErr.RequestID, j.Error.RequestID)
	}
	return j
}
