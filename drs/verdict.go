package drs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/drsclient/drs-precheck/generated"
)

// VerdictState is where one job's pre-check stands, as far as the client knows.
type VerdictState int

const (
	// VerdictInProgress: the pre-check has not completed (progress below 100%),
	// or its outcome is not known yet. The zero value, so that a Verdict
	// nobody filled in never reads as passed.
	VerdictInProgress VerdictState = iota
	// VerdictPassed: the pre-check completed and passed (result true at 100%).
	// The job may start, even if some check items raised ALARMs.
	VerdictPassed
	// VerdictFailed: the pre-check completed and did not pass (result false at
	// 100%). Verdict.Failed lists the items that stopped it.
	VerdictFailed
	// VerdictErrored: no verdict could be obtained for the job: DRS answered
	// with a per-job error_code, the answer was malformed (e.g. a progress
	// that is not a percentage) or missing, or the call failed. Verdict.Err
	// says which.
	VerdictErrored
)

var stateNames = [...]string{"in_progress", "passed", "failed", "errored"}

// String returns "in_progress", "passed", "failed" or "errored".
func (s VerdictState) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("VerdictState(%d)", int(s))
}

// MarshalText encodes the state as its String form, for JSON output.
func (s VerdictState) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(stateNames) {
		return nil, fmt.Errorf("drs: unknown VerdictState %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes the String form of a state.
func (s *VerdictState) UnmarshalText(text []byte) error {
	for i, name := range stateNames {
		if string(text) == name {
			*s = VerdictState(i)
			return nil
		}
	}
	return fmt.Errorf("drs: unknown pre-check state %q", text)
}

// ItemResult is the outcome of one check item, as DRS sends it.
type ItemResult string

// The outcomes of a check item DRS documents. A server may add others; such
// items are kept in Verdict.Items but listed in neither Failed nor Alarms.
const (
	ItemPassed ItemResult = "PASSED"
	// ItemAlarm is a warning: the item found something worth a look (say, a
	// parameter that differs between source and target) that does not stop
	// the job. Huawei's own examples show ALARM items in pre-checks with
	// result true and a pass rate of 100%, so an ALARM never blocks a start.
	ItemAlarm  ItemResult = "ALARM"
	ItemFailed ItemResult = "FAILED"
)

// SubJob is a sub-job whose check failed (DRS's PrecheckFailSubJobVO).
type SubJob struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	CheckResult string `json:"check_result,omitempty"`
}

// CheckItem is one check item of a pre-check.
type CheckItem struct {
	// Item names the check, e.g. "srcBinlogFormatCheck".
	Item string `json:"item"`
	// Group is the item's group, e.g. "db_params", "network"; may be empty.
	Group string `json:"group,omitempty"`
	// Result is PASSED, ALARM or FAILED.
	Result ItemResult `json:"result"`
	// Reason says why the item failed or alarmed: DRS's failed_reason, or its
	// raw_error_msg when failed_reason is empty.
	Reason string `json:"reason,omitempty"`
	// RawErrorMsg is DRS's raw_error_msg, unchanged.
	RawErrorMsg string `json:"raw_error_msg,omitempty"`
	// Data is the item's data as DRS sent it. It is often JSON text but not
	// always valid JSON, so it is kept opaque: decode it yourself if needed.
	Data string `json:"data,omitempty"`
	// FailedSubJobs lists the sub-jobs whose check failed.
	FailedSubJobs []SubJob `json:"failed_sub_jobs,omitempty"`
}

// ItemGroup is the check items of one group, see Verdict.ByGroup.
type ItemGroup struct {
	Group string      `json:"group"`
	Items []CheckItem `json:"items"`
}

// Verdict is the client's reading of one job's pre-check: whether it is
// complete, whether the job may start, and why.
//
// A pre-check is complete when its progress reaches 100%. Only then does
// DRS's result flag decide: true means passed (MayStart), false means failed.
// Before that the flag means nothing and the items may be partial.
type Verdict struct {
	// JobID is the job asked about (empty for an answer about a job nobody
	// asked about, see ResultsReport.Unmatched).
	JobID string `json:"job_id"`
	// PrecheckID is the pre-check's ID as DRS reported it.
	PrecheckID string `json:"precheck_id,omitempty"`
	// State is in_progress, passed, failed or errored.
	State VerdictState `json:"state"`
	// MayStart is true only for a completed pre-check whose result is true:
	// the one case in which DRS lets the job start.
	MayStart bool `json:"may_start"`
	// Progress is the pre-check's progress in percent, 0 to 100 (0 while DRS
	// reports none).
	Progress float64 `json:"progress"`
	// PassedRate is the share of check items passed, in percent, 0 to 100
	// (0 while DRS reports none).
	PassedRate float64 `json:"passed_rate"`
	// Items are all check items, in the server's order.
	Items []CheckItem `json:"items,omitempty"`
	// Failed are the items with result FAILED, in the server's order.
	Failed []CheckItem `json:"failed,omitempty"`
	// Alarms are the items with result ALARM: warnings that do not stop the
	// job, worth showing to whoever starts it.
	Alarms []CheckItem `json:"alarms,omitempty"`
	// RDSInstanceID and Direction (up, down, non-dbs) are passed through.
	RDSInstanceID string `json:"rds_instance_id,omitempty"`
	Direction     string `json:"job_direction,omitempty"`
	// ErrorCode and ErrorMsg are DRS's per-job error_code and error_msg,
	// e.g. "DRS.10000010" for a job that does not exist. They make the
	// verdict Errored; Err then carries them as a *ResultError (or, for a
	// start refused in PrecheckAndWait, as the *JobError of the refusal).
	ErrorCode string `json:"error_code,omitempty"`
	ErrorMsg  string `json:"error_msg,omitempty"`
	// RequestID is the X-Request-Id of the response the verdict was read
	// from (or of the failed call): quote it to Huawei support.
	RequestID string `json:"request_id,omitempty"`
	// Start is the job's start outcome when the verdict comes from
	// PrecheckAndWait (nil from Results and Wait): Refused, with DRS's
	// *JobError, for a job whose pre-check DRS would not start.
	Start *Outcome `json:"-"`
	// Err says why the verdict is Errored, or why a Wait ended before the
	// pre-check completed (State in_progress with Err errors.Is
	// ErrWaitTimedOut or ErrWaitCanceled). Nil for passed and failed.
	Err error `json:"-"`
}

// MarshalJSON encodes the verdict with Err as its text ("error"), so that a
// JSON report says why a job errored or was not waited for to the end.
func (v Verdict) MarshalJSON() ([]byte, error) {
	type plain Verdict // without the method, to avoid recursion
	out := struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain: plain(v)}
	if v.Err != nil {
		out.Error = v.Err.Error()
	}
	return json.Marshal(out)
}

// Complete reports whether the verdict is final: passed, failed or errored.
func (v *Verdict) Complete() bool { return v.State != VerdictInProgress }

// ByGroup returns the check items grouped by their group, the groups in the
// order they first appear (items without a group form the group "").
func (v *Verdict) ByGroup() []ItemGroup {
	var groups []ItemGroup
	index := map[string]int{}
	for _, it := range v.Items {
		i, ok := index[it.Group]
		if !ok {
			i = len(groups)
			index[it.Group] = i
			groups = append(groups, ItemGroup{Group: it.Group})
		}
		groups[i].Items = append(groups[i].Items, it)
	}
	return groups
}

// Summary says in one line whether the job may start and why, e.g.
// "may start (1 alarm)", "pre-check failed: 2 items failed: db_params/binlog: ...",
// "errored: DRS.10000010: Job does not exist", or "in progress (40%)".
func (v *Verdict) Summary() string {
	switch v.State {
	case VerdictPassed:
		if n := len(v.Alarms); n > 0 {
			return fmt.Sprintf("may start (%d %s)", n, plural(n, "alarm", "alarms"))
		}
		return "may start"
	case VerdictFailed:
		if len(v.Failed) == 0 {
			return "pre-check failed (no failed item reported)"
		}
		parts := make([]string, 0, len(v.Failed))
		for _, it := range v.Failed {
			s := it.Item
			if it.Group != "" {
				s = it.Group + "/" + s
			}
			if it.Reason != "" {
				s += ": " + it.Reason
			}
			parts = append(parts, s)
		}
		n := len(v.Failed)
		return fmt.Sprintf("pre-check failed: %d %s failed: %s", n, plural(n, "item", "items"), strings.Join(parts, "; "))
	case VerdictErrored:
		switch {
		case v.Start != nil && v.Start.State == Refused:
			return "refused at start: " + errText(v.Err)
		case v.Start != nil && v.Start.State != Started:
			return "not started: " + errText(v.Err)
		}
		return "errored: " + errText(v.Err)
	default:
		if v.Err != nil {
			return fmt.Sprintf("not complete (%s): %v", formatPercent(v.Progress), v.Err)
		}
		return fmt.Sprintf("in progress (%s)", formatPercent(v.Progress))
	}
}

func errText(err error) string {
	if err == nil {
		return "no reason given"
	}
	return err.Error()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Errors of verdicts that could not be read from the server's answer.
var (
	// ErrNoResult: the server's answer had no result for the job.
	ErrNoResult = errors.New("drs: the server returned no pre-check result for this job")
	// ErrDuplicateResult: the server's answer had more than one result for
	// the job, so which one holds is unknown.
	ErrDuplicateResult = errors.New("drs: the server returned more than one pre-check result for this job")
)

// verdictFrom reads one result of BatchCheckResults. jobID and precheckID are
// what the caller knows of the job (precheckID may be empty); requestID is the
// answer's X-Request-Id.
func verdictFrom(jobID, precheckID, requestID string, r *generated.QueryPreCheckResp) Verdict {
	v := Verdict{
		JobID:         jobID,
		RequestID:     requestID,
		PrecheckID:    r.PrecheckId,
		RDSInstanceID: r.RdsInstanceId,
		Direction:     string(r.JobDirection),
		ErrorCode:     r.ErrorCode,
		ErrorMsg:      r.ErrorMsg,
	}
	if v.PrecheckID == "" {
		v.PrecheckID = precheckID
	}
	if len(r.PrecheckResult) > 0 {
		v.Items = make([]CheckItem, 0, len(r.PrecheckResult))
	}
	for _, pr := range r.PrecheckResult {
		it := checkItemFrom(&pr)
		v.Items = append(v.Items, it)
		switch it.Result {
		case ItemFailed:
			v.Failed = append(v.Failed, it)
		case ItemAlarm:
			v.Alarms = append(v.Alarms, it)
		}
	}

	var errs []error
	if r.ErrorCode != "" || r.ErrorMsg != "" {
		errs = append(errs, &ResultError{JobID: jobID, Code: r.ErrorCode, Message: r.ErrorMsg, RequestID: requestID})
	}
	progress, _, err := ParsePercent("process", r.Process)
	if err != nil {
		errs = append(errs, err)
	}
	v.Progress = progress
	rate, _, err := ParsePercent("total_passed_rate", r.TotalPassedRate)
	if err != nil {
		errs = append(errs, err)
	}
	v.PassedRate = rate

	switch {
	case len(errs) > 0:
		// A per-job error is final; so is a malformed answer: reading a
		// progress of "abc%" as 0 would make a waiter poll forever, and as
		// 100 would pass on a verdict nobody gave.
		v.State = VerdictErrored
		v.Err = errs[0]
		if len(errs) > 1 {
			v.Err = errors.Join(errs...)
		}
	case progress < 100:
		// Until 100% the result flag is meaningless (it is false while the
		// checks run) and the items may be partial.
		v.State = VerdictInProgress
	case r.Result:
		// Passed, whatever ALARM items say: ALARMs are warnings, and DRS
		// itself lets a job with result true start.
		v.State = VerdictPassed
		v.MayStart = true
	default:
		v.State = VerdictFailed
	}
	return v
}

func checkItemFrom(pr *generated.PrecheckResult) CheckItem {
	it := CheckItem{
		Item:        pr.Item,
		Group:       pr.Group,
		Result:      ItemResult(pr.Result),
		Reason:      pr.FailedReason,
		RawErrorMsg: pr.RawErrorMsg,
		Data:        pr.Data,
	}
	if it.Reason == "" {
		it.Reason = pr.RawErrorMsg
	}
	if len(pr.FailedSubJobs) > 0 {
		it.FailedSubJobs = make([]SubJob, len(pr.FailedSubJobs))
		for i, s := range pr.FailedSubJobs {
			it.FailedSubJobs[i] = SubJob{ID: s.Id, Name: s.Name, CheckResult: s.CheckResult}
		}
	}
	return it
}
