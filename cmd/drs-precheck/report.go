package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/drsclient/drs-precheck/drs"
)

// schemaVersion names the JSON document's shape (docs/CLI.md). Fields are only
// ever added under the same version; a change that breaks scripts gets a new one.
const schemaVersion = "drs-precheck/v1"

// Outcomes of a job in the CLI's report, from the user's point of view.
const (
	outcomeMayStart   = "may_start"   // pre-check complete and passed
	outcomeStarted    = "started"     // pre-check started (run without --wait)
	outcomeFailed     = "failed"      // pre-check complete and failed
	outcomeRefused    = "refused"     // DRS refused to start the pre-check, or knows no such job
	outcomeInProgress = "in_progress" // not complete (results), or the wait ended first
	outcomeErrored    = "errored"     // no answer: API or network error
)

// document is the --output json document: stable, documented in docs/CLI.md.
type document struct {
	Schema      string        `json:"schema"`
	Command     string        `json:"command"`
	Mode        string        `json:"mode,omitempty"`
	Waited      bool          `json:"waited"`
	AllMayStart bool          `json:"all_may_start"`
	Summary     summary       `json:"summary"`
	Jobs        []jobReport   `json:"jobs"`
	Unsolicited []unsolicited `json:"unsolicited,omitempty"`
}

type summary struct {
	Total      int `json:"total"`
	MayStart   int `json:"may_start"`
	Started    int `json:"started"`
	Failed     int `json:"failed"`
	Refused    int `json:"refused"`
	InProgress int `json:"in_progress"`
	Errored    int `json:"errored"`
}

type jobReport struct {
	JobID      string          `json:"job_id"`
	Outcome    string          `json:"outcome"`
	PrecheckID string          `json:"precheck_id,omitempty"`
	Progress   *float64        `json:"progress,omitempty"`
	PassedRate *float64        `json:"passed_rate,omitempty"`
	Summary    string          `json:"summary"`
	Failed     []drs.CheckItem `json:"failed_items,omitempty"`
	Alarms     []drs.CheckItem `json:"alarms,omitempty"`
	Error      *errorInfo      `json:"error,omitempty"`
	RequestID  string          `json:"request_id,omitempty"`
}

type errorInfo struct {
	Status    int    `json:"status,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

type unsolicited struct {
	JobID     string `json:"job_id"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id,omitempty"`
}

func (d *document) add(j jobReport) {
	d.Jobs = append(d.Jobs, j)
	d.Summary.Total++
	switch j.Outcome {
	case outcomeMayStart:
		d.Summary.MayStart++
	case outcomeStarted:
		d.Summary.Started++
	case outcomeFailed:
		d.Summary.Failed++
	case outcomeRefused:
		d.Summary.Refused++
	case outcomeInProgress:
		d.Summary.InProgress++
	default:
		d.Summary.Errored++
	}
}

// finish computes the verdict of the whole run. Without --wait nobody knows
// yet whether the jobs may start, so all_may_start stays false.
func (d *document) finish() {
	known := d.Command != "run" || d.Waited
	d.AllMayStart = known && d.Summary.Total > 0 && d.Summary.MayStart == d.Summary.Total
}

// exitErr maps the document to the documented exit codes: 3 when any job got
// no answer (API or network error), else 1 when any job may not start, else 0.
func (d *document) exitErr() error {
	if d.Summary.Errored > 0 {
		return &apiFailure{n: d.Summary.Errored, first: d.firstError()}
	}
	good := d.Summary.MayStart
	if d.Command == "run" && !d.Waited {
		good = d.Summary.Started
	}
	if good < d.Summary.Total {
		return &jobsNotReadyError{n: d.Summary.Total - good}
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
		msg += ": " + oneLine(e.first)
	}
	return msg
}

// firstError is the reason the first errored job got no answer.
func (d *document) firstError() string {
	for _, j := range d.Jobs {
		if j.Outcome != outcomeErrored {
			continue
		}
		if j.Error != nil && j.Error.Message != "" {
			if j.Error.Code != "" {
				return j.Error.Code + ": " + j.Error.Message
			}
			return j.Error.Message
		}
		return j.Summary
	}
	return ""
}

// fromOutcome reports a start outcome (run without --wait).
func fromOutcome(o drs.Outcome) jobReport {
	j := jobReport{JobID: o.JobID, PrecheckID: o.PrecheckID, RequestID: o.RequestID}
	switch o.State {
	case drs.Started:
		j.Outcome, j.Summary = outcomeStarted, "pre-check started"
	case drs.Refused:
		j.Outcome, j.Summary = outcomeRefused, "refused: "+errMessage(o.Err)
	default:
		j.Outcome, j.Summary = classifyError(o.Err), errMessage(o.Err)
	}
	if o.Err != nil {
		j.Error = errorInfoOf(o.Err, o.RequestID)
	}
	return j
}

// fromVerdict reports a verdict (results, run --wait).
func fromVerdict(v drs.Verdict) jobReport {
	j := jobReport{JobID: v.JobID, PrecheckID: v.PrecheckID, Summary: v.Summary(), RequestID: v.RequestID,
		Failed: v.Failed, Alarms: v.Alarms}
	progress, rate := v.Progress, v.PassedRate
	switch v.State {
	case drs.VerdictPassed:
		j.Outcome = outcomeMayStart
	case drs.VerdictFailed:
		j.Outcome = outcomeFailed
	case drs.VerdictInProgress:
		j.Outcome = outcomeInProgress
		if errors.Is(v.Err, drs.ErrWaitStopped) {
			// The wait ended on an error asking again cannot cure (401,
			// a contract violation...): an API error, not a slow job.
			j.Outcome = outcomeErrored
		}
	default:
		j.Outcome = outcomeRefused
		if v.Start == nil || v.Start.State != drs.Refused {
			j.Outcome = classifyError(v.Err)
		}
	}
	if v.State != drs.VerdictErrored && j.Outcome != outcomeErrored {
		j.Progress, j.PassedRate = &progress, &rate
	}
	if v.Err != nil && v.State != drs.VerdictPassed && v.State != drs.VerdictFailed {
		j.Error = errorInfoOf(v.Err, v.RequestID)
	}
	if j.Error == nil && v.ErrorCode != "" {
		j.Error = &errorInfo{Code: v.ErrorCode, Message: v.ErrorMsg, RequestID: v.RequestID}
	}
	return j
}

// classifyError tells a per-job answer from DRS (refused: the job does not
// exist, is in the wrong state...) from a call that got no usable answer.
func classifyError(err error) string {
	var apiErr *drs.APIError
	var transportErr *drs.TransportError
	var respErr *drs.ResponseError
	switch {
	case err == nil:
		return outcomeErrored
	case errors.As(err, &apiErr), errors.As(err, &transportErr), errors.As(err, &respErr),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, drs.ErrWaitTimedOut):
		return outcomeErrored
	default:
		var jobErr *drs.JobError
		var resErr *drs.ResultError
		if errors.As(err, &jobErr) || errors.As(err, &resErr) {
			return outcomeRefused
		}
		return outcomeErrored
	}
}

func errMessage(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func errorInfoOf(err error, requestID string) *errorInfo {
	info := &errorInfo{Message: err.Error(), RequestID: requestID}
	var apiErr *drs.APIError
	var jobErr *drs.JobError
	var resErr *drs.ResultError
	switch {
	case errors.As(err, &apiErr):
		info.Status, info.Code, info.Message = apiErr.StatusCode, apiErr.Code, apiErr.Message
		if apiErr.RequestID != "" {
			info.RequestID = apiErr.RequestID
		}
		if info.Message == "" {
			info.Message = apiErr.Error()
		}
	case errors.As(err, &jobErr):
		info.Code, info.Message = jobErr.Code, jobErr.Message
	case errors.As(err, &resErr):
		info.Code, info.Message = resErr.Code, resErr.Message
	}
	return info
}
