package drs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/drsclient/drs-precheck/generated"
)

// jobRef is a job asked about and, when known, its pre-check ID.
type jobRef struct{ jobID, precheckID string }

// attribute fills out (one verdict per job asked, in order) from one call of
// either operation and returns the answers that decide no job. After a
// failed call every job gets its error. Otherwise an entry belongs to the job
// whose pre-check ID (when known) or job ID is the entry's key; an entry
// without a key belongs to the job asked only when one job was asked and one
// entry came back. The same entry twice is one answer; a job's different
// entries, and entries of no job asked, are returned too, judged alone, so a
// server that mixes up answers is seen. The work is linear in the answer's
// size and stops when ctx ends: every job then gets an error saying so.
func attribute[T any](ctx context.Context, op string, out []Verdict, asked []jobRef, err error, entries []T, key func(T) string, judge func(jobRef, []T) Verdict) []Verdict {
	perJob := make([][]T, len(asked))
	seen := map[string]bool{} // job index and entry, as JSON
	var unmatched []Verdict
	for _, e := range entries {
		if err != nil {
			break
		}
		if ctx.Err() != nil {
			reason := "the context ended before the answer was read: " + ctx.Err().Error()
			if op == opJobs {
				reason += "; it is unknown whether the pre-checks started"
			}
			err = &ResponseError{Operation: op, Reason: reason}
			break
		}
		i := find(asked, key(e))
		if len(asked) == 1 && len(entries) == 1 && key(e) == "" {
			i = 0
		}
		if i < 0 {
			unmatched = append(unmatched, judge(jobRef{jobID: key(e)}, []T{e}))
			continue
		}
		// Cannot fail: the entries hold strings (invalid UTF-8 allowed), bools and slices of them.
		b, _ := jsonv2.Marshal(e, jsonv2.Deterministic(true), jsontext.AllowInvalidUTF8(true))
		fp := strconv.Itoa(i) + " " + string(b)
		if !seen[fp] {
			seen[fp] = true
			perJob[i] = append(perJob[i], e)
		}
	}
	if err != nil {
		for i, j := range asked {
			out[i] = Verdict{JobID: j.jobID, PrecheckID: j.precheckID, RequestID: requestIDOf(err), Err: err}
		}
		return nil
	}
	for i, j := range asked {
		out[i] = judge(j, perJob[i])
		if len(perJob[i]) > 1 {
			for _, e := range perJob[i] {
				unmatched = append(unmatched, judge(j, []T{e}))
			}
		}
	}
	return unmatched
}

// find returns the index of the job whose pre-check ID, else job ID, is key.
func find(asked []jobRef, key string) int {
	if key == "" {
		return -1
	}
	if i := slices.IndexFunc(asked, func(a jobRef) bool { return a.precheckID == key }); i >= 0 {
		return i
	}
	return slices.IndexFunc(asked, func(a jobRef) bool { return a.jobID == key })
}

// requestIDOf is the request ID of a failed call, if it got an answer.
func requestIDOf(err error) string {
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		return apiErr.RequestID
	}
	if respErr, ok := errors.AsType[*ResponseError](err); ok {
		return respErr.RequestID
	}
	return ""
}

// judgeStart reads the different entries about one job in a BatchCheckJobs
// answer. Only exactly "success" with no error is a start; any error code is
// a refusal; anything else leaves it unknown whether the pre-check started.
func (c *Client) judgeStart(job jobRef, entries []generated.PostPreCheckResp, status int, requestID string) Verdict {
	v := Verdict{JobID: job.jobID, RequestID: requestID}
	unusable := func(reason string) Verdict {
		v.Err = &ResponseError{Operation: opJobs, StatusCode: status, RequestID: requestID, JobID: job.jobID,
			Reason: reason + "; it is unknown whether its pre-check started"}
		return v
	}
	switch n := len(entries); {
	case n == 0:
		return unusable("the answer does not mention the job")
	case n > 1:
		return unusable(fmt.Sprintf("the answer has %d different entries for the job", n))
	}
	e := entries[0]
	v.PrecheckID = e.PrecheckId
	switch {
	case e.ErrorCode != "":
		v.State = Refused
		v.Err = &APIError{Operation: opJobs, StatusCode: status, Code: c.kept(e.ErrorCode), Message: c.kept(e.ErrorMsg), RequestID: requestID, JobID: job.jobID}
	case e.Status == generated.PrecheckStartStatusSuccess && e.ErrorMsg == "":
		v.State = InProgress
	default:
		return unusable(fmt.Sprintf("status %q with error message %q and no error code", c.kept(string(e.Status)), c.kept(e.ErrorMsg)))
	}
	return v
}

// judgeResult reads the different results about one job in a
// BatchCheckResults answer. A pre-check is complete only at exactly 100%
// progress; then result false is a failure, and result true a pass unless a
// FAILED item or a pass rate other than exactly 100% contradicts it. Without
// a pass rate, check items that all PASSED must confirm the pass.
func (c *Client) judgeResult(job jobRef, entries []generated.QueryPreCheckResp, status int, requestID string) Verdict {
	v := Verdict{JobID: job.jobID, PrecheckID: job.precheckID, RequestID: requestID}
	unusable := func(reason string) Verdict {
		v.Err = &ResponseError{Operation: opResults, StatusCode: status, RequestID: requestID, JobID: job.jobID, Reason: reason}
		return v
	}
	switch n := len(entries); {
	case n == 0:
		return unusable("the answer has no result for the job")
	case n > 1:
		return unusable(fmt.Sprintf("the answer has %d different results for the job", n))
	}
	r := entries[0]
	if r.PrecheckId != "" {
		v.PrecheckID = r.PrecheckId
	}
	v.Items = r.PrecheckResult
	if r.ErrorCode != "" {
		v.State = Refused
		v.Err = &APIError{Operation: opResults, StatusCode: status, Code: c.kept(r.ErrorCode), Message: c.kept(r.ErrorMsg), RequestID: requestID, JobID: job.jobID}
		return v
	}
	progress, err := parsePercent(r.Process)
	if err != nil {
		return unusable(fmt.Sprintf("process %q: %v", c.kept(r.Process), err))
	}
	v.Progress = progress
	v.PassedRate, _ = parsePercent(r.TotalPassedRate)
	noRate := strings.TrimSpace(r.TotalPassedRate) == ""
	switch {
	case !isHundred(r.Process):
		v.State = InProgress
	case !r.Result:
		v.State = Failed
	case len(itemsWith(r.PrecheckResult, generated.PrecheckItemResultFAILED)) > 0:
		return unusable("result true is contradicted by a FAILED check item")
	case noRate && (len(r.PrecheckResult) == 0 || len(itemsWith(r.PrecheckResult, generated.PrecheckItemResultPASSED)) < len(r.PrecheckResult)):
		return unusable("result true is confirmed neither by total_passed_rate nor by check items that all PASSED")
	case !noRate && !isHundred(r.TotalPassedRate):
		return unusable(fmt.Sprintf("result true is contradicted by total_passed_rate %q", c.kept(r.TotalPassedRate)))
	default:
		v.State = Passed
	}
	return v
}

// percentNumber strips the spaces and the percent sign (ASCII or full-width)
// around a percentage as DRS writes it ("40%", "12.5%", "100").
func percentNumber(s string) string {
	s = strings.TrimSpace(s)
	n, ok := strings.CutSuffix(s, "%")
	if !ok {
		n = strings.TrimSuffix(s, "％")
	}
	return strings.TrimSpace(n)
}

// parsePercent reads a percentage in [0, 100]; blank means not reported yet (0).
func parsePercent(s string) (float64, error) {
	n := percentNumber(s)
	if n == "" && strings.TrimSpace(s) == "" {
		return 0, nil
	}
	// Digits and a point only: ParseFloat would also read "1e3", "Inf" or "0x1p6".
	v, err := strconv.ParseFloat(n, 64)
	if len(n) > 32 || strings.Trim(n, "0123456789.") != "" || err != nil || v > 100 {
		return 0, errors.New("not a percentage from 0 to 100")
	}
	return v, nil
}

// isHundred reports whether a percentage is exactly 100, by its digits: a
// value that merely rounds to 100 as a float is not complete.
func isHundred(s string) bool {
	whole, frac, _ := strings.Cut(percentNumber(s), ".")
	return whole == "100" && strings.Trim(frac, "0") == ""
}
