package drs

import (
	"strconv"
	"strings"
)

// ResultError is a per-job error inside a successful BatchCheckResults
// answer: the error_code and error_msg of one job's result (for example
// DRS.10000010, "Job does not exist, please check job ID"). The call
// succeeded; only this job has no verdict. It matches the package's
// predicates by code, like *JobError does for a refused start:
// IsJobNotFound, IsPermission, IsAuthentication, IsThrottled.
//
// Wait treats it as final for the job (asking again gives the same answer)
// unless the code is a throttling code, which only says "not now".
type ResultError struct {
	JobID     string
	Code      string
	Message   string
	RequestID string
}

func (e *ResultError) Error() string {
	var b strings.Builder
	b.WriteString("drs: job ")
	b.WriteString(strconv.Quote(e.JobID))
	b.WriteString(": no pre-check result")
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + e.RequestID + ")")
	}
	if notFoundCodes[e.Code] {
		b.WriteString("; check the job ID, the region and the project ID")
	}
	return b.String()
}

// Is matches ErrJobNotFound, ErrThrottled, ErrPermission and
// ErrAuthentication by error code, with the same codes as *JobError.
func (e *ResultError) Is(target error) bool {
	return (&JobError{Code: e.Code}).Is(target)
}
