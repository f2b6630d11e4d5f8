package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/drsclient/drs-precheck/drs"
)

// schemaVersion names the JSON document's shape (docs/CLI.md). Fields are only
// ever added under the same version; a change that breaks scripts gets a new one.
const schemaVersion = "drs-precheck/v2"

// Outcomes of a job. Each is also its label: the table, JSON, JUnit, markdown,
// GitHub annotations and progress all print exactly these words.
const (
	outcomePassed     = "passed"      // pre-check complete and passed: the job may start
	outcomeFailed     = "failed"      // pre-check complete and failed
	outcomeRefused    = "refused"     // DRS answered for this job with an error code (wrong state, no such job...)
	outcomeInProgress = "in_progress" // pre-check started without a verdict yet, or the wait ended first
	outcomeNoAnswer   = "no_answer"   // no usable answer: API or network error
)

// outcomes lists every outcome in the order reports count them.
var outcomes = [...]string{outcomePassed, outcomeFailed, outcomeRefused, outcomeInProgress, outcomeNoAnswer}

// document is the CLI's report, whatever the --output format; as JSON it is
// stable and documented in docs/CLI.md.
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

// summary counts the jobs per outcome; the JSON names are the outcomes.
type summary struct {
	Total      int `json:"total"`
	Passed     int `json:"passed"`
	Failed     int `json:"failed"`
	Refused    int `json:"refused"`
	InProgress int `json:"in_progress"`
	NoAnswer   int `json:"no_answer"`
}

// counter is the count of outcome o. An outcome nobody set counts as no
// answer, never as passed.
func (s *summary) counter(o string) *int {
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

// count returns the number of jobs with outcome o.
func (s summary) count(o string) int { return *s.counter(o) }

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

// checkItem is one check item of a pre-check, as the report shows it: the
// output formats depend on this, not on package drs.
type checkItem struct {
	Item          string   `json:"item"`
	Group         string   `json:"group,omitempty"`
	Result        string   `json:"result"` // FAILED, ALARM, ... as DRS sent it
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

// subJob is a sub-job whose check failed.
type subJob struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	CheckResult string `json:"check_result,omitempty"`
}

type errorInfo struct {
	Status    int    `json:"status,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
	// Remedy is what to do about it, in package drs's words: printed
	// wherever the error is.
	Remedy string `json:"remedy,omitempty"`
}

type unsolicited struct {
	JobID     string `json:"job_id"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id,omitempty"`
}

func (d *document) add(j jobReport) {
	d.Jobs = append(d.Jobs, j)
	d.Summary.Total++
	*d.Summary.counter(j.Outcome)++
}

// startOnly reports whether the document is about starting pre-checks (run
// without --wait): nobody knows yet whether the jobs may start, and a job
// whose pre-check started (in_progress) is what was asked for.
func (d *document) startOnly() bool { return d.Command == "run" && !d.Waited }

// wanted is the outcome that counts as success: passed, or in_progress for a
// document that only started the pre-checks.
func (d *document) wanted() string {
	if d.startOnly() {
		return outcomeInProgress
	}
	return outcomePassed
}

// ok reports whether j counts as success: exit code 0, a passing JUnit
// testcase, no GitHub error annotation.
func (d *document) ok(j jobReport) bool { return j.Outcome == d.wanted() }

// finish computes the verdict of the whole run. Without --wait nobody knows
// yet whether the jobs may start, so all_passed stays false.
func (d *document) finish() {
	d.AllPassed = !d.startOnly() && d.Summary.Total > 0 && d.Summary.Passed == d.Summary.Total
}

// exitErr maps the document to the documented exit codes: 3 when any job got
// no answer, else 1 when any job is not ok (failed, refused, in_progress), else 0.
func (d *document) exitErr() error {
	if d.Summary.NoAnswer > 0 {
		return &apiFailure{n: d.Summary.NoAnswer, first: d.firstError()}
	}
	if good := d.Summary.count(d.wanted()); good < d.Summary.Total {
		return &exitError{code: exitJobs} // the report says which jobs and why
	}
	return nil
}

// apiFailure: some jobs got no answer; the report says which and why, and the
// error repeats the first reason on stderr (the report may be JSON on stdout).
type apiFailure struct {
	n     int
	first string
}

func (e *apiFailure) Error() string {
	msg := fmt.Sprintf("%d %s got no answer (API or network error)", e.n, plural(e.n, "job", "jobs"))
	if e.first != "" {
		msg += ": " + safeLine(e.first)
	}
	return msg
}

// firstError is the reason the first job with no answer got none.
func (d *document) firstError() string {
	for _, j := range d.Jobs {
		if j.Outcome != outcomeNoAnswer {
			continue
		}
		if e := j.Error; e != nil && e.Message != "" {
			msg := e.Message
			if e.Code != "" {
				msg = e.Code + ": " + msg
			}
			if e.Remedy != "" {
				msg += "; " + e.Remedy
			}
			return msg
		}
		return j.Summary
	}
	return ""
}

// fromVerdict reports one job's verdict, for every command: the outcome is
// the library's state, word for word. startOnly is run without --wait, where
// a started pre-check has no progress to show yet.
func fromVerdict(v drs.Verdict, startOnly bool) jobReport {
	j := jobReport{JobID: v.JobID, Outcome: v.State.String(), PrecheckID: v.PrecheckID, Summary: v.Summary(), RequestID: v.RequestID}
	for _, it := range v.Items {
		item := checkItem{Item: it.Item, Group: it.Group, Result: string(it.Result), Reason: it.FailedReason}
		if item.Reason == "" {
			item.Reason = it.RawErrorMsg
		}
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
	if v.Err != nil {
		j.Error = errorInfoOf(v.Err, v.RequestID)
	}
	return j
}

func errorInfoOf(err error, requestID string) *errorInfo {
	info := &errorInfo{Message: err.Error(), RequestID: requestID}
	var apiErr *drs.APIError
	if errors.As(err, &apiErr) {
		info.Code = apiErr.Code
		if apiErr.JobID == "" {
			info.Status = apiErr.StatusCode
		}
		if apiErr.Message != "" {
			info.Message = apiErr.Message
		}
		if apiErr.RequestID != "" {
			info.RequestID = apiErr.RequestID
		}
		info.Remedy = apiErr.Remedy()
	}
	return info
}
