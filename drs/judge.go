package drs

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/drsclient/drs-precheck/generated"
)

// jobRef is a job asked about and, when known, its pre-check ID.
type jobRef struct{ jobID, precheckID string }

// match attributes the entries of one answer to the jobs asked in that call,
// for both operations: an entry belongs to the job whose pre-check ID (when
// known) or job ID equals the entry's key (its id or precheck_id). An entry
// without a key belongs to the job asked only when one job was asked and one
// entry came back. It returns the entries of each job and the indexes of the
// entries that belong to none.
func match[T any](asked []jobRef, entries []T, key func(T) string) (perJob [][]T, unmatched []int) {
	perJob = make([][]T, len(asked))
	if len(asked) == 1 && len(entries) == 1 && key(entries[0]) == "" {
		perJob[0] = entries
		return perJob, nil
	}
	for k, e := range entries {
		i := find(asked, key(e))
		if i < 0 {
			unmatched = append(unmatched, k)
			continue
		}
		perJob[i] = append(perJob[i], e)
	}
	return perJob, unmatched
}

func find(asked []jobRef, key string) int {
	if key == "" {
		return -1
	}
	for i, a := range asked {
		if a.precheckID == key {
			return i
		}
	}
	for i, a := range asked {
		if a.jobID == key {
			return i
		}
	}
	return -1
}

// distinct drops entries equal to an earlier one: the same answer twice is
// still one answer; two different ones are not.
func distinct[T any](entries []T) []T {
	var out []T
	for _, e := range entries {
		dup := false
		for _, o := range out {
			dup = dup || reflect.DeepEqual(e, o)
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

// judgeStart reads the entries about one job in a BatchCheckJobs answer. Only
// exactly "success" with no error is a start; any error code is a refusal
// with that code; anything else leaves it unknown whether the pre-check
// started.
func (c *Client) judgeStart(jobID string, entries []generated.PostPreCheckResp, status int, requestID string) Verdict {
	v := Verdict{JobID: jobID, RequestID: requestID}
	unusable := func(reason string) Verdict {
		v.Err = &ResponseError{Operation: opJobs, StatusCode: status, RequestID: requestID, JobID: jobID,
			Reason: reason + "; it is unknown whether its pre-check started"}
		return v
	}
	switch entries = distinct(entries); len(entries) {
	case 0:
		return unusable("the answer does not mention the job")
	case 1:
	default:
		return unusable(fmt.Sprintf("the answer has %d different entries for the job", len(entries)))
	}
	e := entries[0]
	v.PrecheckID = e.PrecheckId
	switch {
	case e.ErrorCode != "":
		v.State = Refused
		v.Err = &APIError{Operation: opJobs, StatusCode: status, Code: c.text(e.ErrorCode), Message: c.text(e.ErrorMsg), RequestID: requestID, JobID: jobID}
	case e.Status == generated.Success && e.ErrorMsg == "":
		v.State = InProgress
	default:
		return unusable(fmt.Sprintf("status %q with error message %q and no error code", c.text(string(e.Status)), c.text(e.ErrorMsg)))
	}
	return v
}

// judgeResult reads the results about one job in a BatchCheckResults answer.
// A pre-check is complete only at exactly 100% progress; then result false
// is a failure, and result true a pass unless a FAILED item or a pass rate
// other than exactly 100% contradicts it.
func (c *Client) judgeResult(job jobRef, entries []generated.QueryPreCheckResp, status int, requestID string) Verdict {
	v := Verdict{JobID: job.jobID, PrecheckID: job.precheckID, RequestID: requestID}
	unusable := func(reason string) Verdict {
		v.State = NoAnswer
		v.Err = &ResponseError{Operation: opResults, StatusCode: status, RequestID: requestID, JobID: job.jobID, Reason: reason}
		return v
	}
	switch entries = distinct(entries); len(entries) {
	case 0:
		return unusable("the answer has no result for the job")
	case 1:
	default:
		return unusable(fmt.Sprintf("the answer has %d different results for the job", len(entries)))
	}
	r := entries[0]
	if r.PrecheckId != "" {
		v.PrecheckID = r.PrecheckId
	}
	v.Items = r.PrecheckResult
	if r.ErrorCode != "" {
		v.State = Refused
		v.Err = &APIError{Operation: opResults, StatusCode: status, Code: c.text(r.ErrorCode), Message: c.text(r.ErrorMsg), RequestID: requestID, JobID: job.jobID}
		return v
	}
	progress, err := parsePercent(r.Process)
	if err != nil {
		return unusable(fmt.Sprintf("process %q: %v", c.text(r.Process), err))
	}
	v.Progress = progress
	if rate, err := parsePercent(r.TotalPassedRate); err == nil {
		v.PassedRate = rate
	}
	switch {
	case !isHundred(r.Process):
		v.State = InProgress
	case !r.Result:
		v.State = Failed
	case len(itemsWith(r.PrecheckResult, generated.FAILED)) > 0:
		return unusable("result true is contradicted by a FAILED check item")
	case !isHundred(r.TotalPassedRate):
		return unusable(fmt.Sprintf("result true is contradicted by total_passed_rate %q", c.text(r.TotalPassedRate)))
	default:
		v.State = Passed
	}
	return v
}

// percentNumber strips the spaces and the percent sign (ASCII or full-width)
// around a percentage as DRS writes it ("40%", "12.5%", "100").
func percentNumber(s string) string {
	s = strings.TrimSpace(s)
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s = t
	} else if t, ok := strings.CutSuffix(s, "％"); ok {
		s = t
	}
	return strings.TrimSpace(s)
}

// parsePercent reads a percentage in [0, 100]; blank means not reported yet (0).
func parsePercent(s string) (float64, error) {
	n := percentNumber(s)
	if n == "" && strings.TrimSpace(s) == "" {
		return 0, nil
	}
	if len(n) > 32 || n == "" || strings.Trim(n, "0123456789.") != "" || strings.Count(n, ".") > 1 || strings.Trim(n, ".") == "" {
		return 0, fmt.Errorf("not a percentage")
	}
	v, err := strconv.ParseFloat(n, 64)
	if err != nil || math.IsInf(v, 0) || v > 100 {
		return 0, fmt.Errorf("not a percentage from 0 to 100")
	}
	return v, nil
}

// isHundred reports whether a percentage is exactly 100, by its digits: a
// value that merely rounds to 100 as a float is not complete.
func isHundred(s string) bool {
	n := percentNumber(s)
	whole, frac, _ := strings.Cut(n, ".")
	return whole == "100" && strings.Trim(frac, "0") == ""
}
