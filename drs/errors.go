package drs

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Classes of API errors, for errors.Is. They match an *APIError by HTTP status
// or by DRS's or the gateway's error code, for a whole call or for one job's
// refusal, through any wrapping (including the joined error of a report).
var (
	// ErrThrottled: too many calls (HTTP 429, APIGW.0308, DRS.M01503). Retry later.
	ErrThrottled = errors.New("drs: throttled")
	// ErrAuthentication: the credentials were rejected (HTTP 401, APIGW.0301,
	// APIGW.0307, DRS.M00100). Never retried, and no other request of the
	// same call is sent: repeated failures lock an AK/SK.
	ErrAuthentication = errors.New("drs: authentication failed")
	// ErrPermission: the credentials are valid but not allowed (HTTP 403,
	// APIGW.0302, DRS.M00102, DRS.M00103).
	ErrPermission = errors.New("drs: permission denied")
	// ErrJobNotFound: DRS does not know the job (DRS.10000010, DRS.M05003,
	// DRS.M05004).
	ErrJobNotFound = errors.New("drs: job not found")
)

var (
	throttleCodes   = []string{"APIGW.0308", "APIG.0308", "DRS.M01503"}
	authCodes       = []string{"APIGW.0301", "APIG.0301", "APIGW.0307", "APIG.0307", "DRS.M00100"}
	permissionCodes = []string{"APIGW.0302", "APIG.0302", "DRS.M00102", "DRS.M00103"}
	notFoundCodes   = []string{"DRS.10000010", "DRS.M05003", "DRS.M05004"}
	notDRSCodes     = []string{"APIG.0101", "APIGW.0101"} // the gateway knows no such API: wrong region or endpoint
)

func hasCode(codes []string, code string) bool {
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}

// APIError is an answer in which DRS or its API gateway said no: a non-2xx
// status (a redirect included: it is never followed), a 2xx answer carrying an
// error code for the whole call, or one job's refusal (JobID set). All text in
// it comes from the server, with secrets removed.
type APIError struct {
	// Operation is "BatchCheckJobs" or "BatchCheckResults".
	Operation string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code and Message are the error code (e.g. "DRS.M00304", "APIGW.0308")
	// and message, as the server sent them; empty when it sent none.
	Code    string
	Message string
	// RequestID identifies the answer to Huawei support (X-Request-Id).
	RequestID string
	// JobID is set when the error is one job's, inside a successful answer.
	JobID string
	// RetryAfter is the wait the server asked for (Retry-After), or 0.
	RetryAfter time.Duration
	// Body is an excerpt of a body that was not a JSON error (a gateway's HTML
	// page, say), or the Location of a redirect.
	Body string
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("drs: " + e.Operation)
	if e.JobID != "" {
		fmt.Fprintf(&b, ": job %q refused", e.JobID)
	} else {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" " + t)
		}
	}
	for _, s := range []string{e.Code, e.Message} {
		if s != "" {
			b.WriteString(": " + s)
		}
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + e.RequestID + ")")
	}
	if h := e.Remedy(); h != "" {
		b.WriteString("; " + h)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrThrottled) and the other classes work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests || hasCode(throttleCodes, e.Code)
	case ErrAuthentication:
		return e.StatusCode == http.StatusUnauthorized || hasCode(authCodes, e.Code)
	case ErrPermission:
		return (e.StatusCode == http.StatusForbidden && !hasCode(authCodes, e.Code)) || hasCode(permissionCodes, e.Code)
	case ErrJobNotFound:
		return hasCode(notFoundCodes, e.Code)
	}
	return false
}

// retryable reports whether the same call may succeed later.
func (e *APIError) retryable() bool {
	if e.JobID != "" || e.Is(ErrAuthentication) {
		return false
	}
	switch e.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusRequestTimeout:
		return true
	}
	return e.Is(ErrThrottled)
}

// Remedy says what to do about the error, in one line, e.g. "check the
// credentials (…)" for a 401; "" when the code and message say it all (a
// job's refusal). Error includes it.
func (e *APIError) Remedy() string {
	switch {
	case e.StatusCode >= 300 && e.StatusCode < 400:
		return "redirects are not followed (credentials stay with the configured endpoint): check the region or endpoint"
	case e.Is(ErrAuthentication):
		return "check the credentials (an expired token, a wrong AK/SK, or a clock more than 15 minutes off); not retried, since repeated AK/SK failures lock the key for 5 minutes"
	case e.Is(ErrThrottled):
		return "throttled: retry later, or lower the call rate"
	case e.Is(ErrPermission):
		return "check the IAM permissions for DRS and that the project ID belongs to the region"
	case e.Is(ErrJobNotFound):
		return "check the job ID, the region and the project ID"
	case e.JobID != "":
		return ""
	case hasCode(notDRSCodes, e.Code), e.Code == "" && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusNotImplemented):
		return "the endpoint does not serve the DRS API: check the region or endpoint"
	case e.StatusCode == http.StatusRequestEntityTooLarge:
		return "the request is over the API gateway's 12 MB limit"
	case e.retryable():
		return "a server or gateway problem: retry later"
	case e.StatusCode >= 500:
		if e.RequestID != "" {
			return "a DRS service problem: retry later, or contact support with the request ID"
		}
		return "a server problem: retry later"
	}
	return ""
}

// ResponseError is an answer that cannot be used: a 2xx body that is not the
// documented JSON (wrong content type, malformed, a duplicate or case-variant
// key, over the size cap), or an answer about a job that is ambiguous (left
// out, given twice differently, an unknown status, a verdict contradicted by
// its own details). Such an answer never starts or passes a job.
type ResponseError struct {
	Operation  string
	StatusCode int
	RequestID  string
	// JobID is set when the problem is one job's entry.
	JobID string
	// Reason says what is wrong.
	Reason string
	// Body is an excerpt of the body, secrets removed.
	Body string
}

func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString("drs: " + e.Operation + ": ")
	if e.JobID != "" {
		fmt.Fprintf(&b, "job %q: ", e.JobID)
	}
	b.WriteString("unusable answer: " + e.Reason)
	if e.Body != "" {
		fmt.Fprintf(&b, ": body %q", e.Body)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + e.RequestID + ")")
	}
	return b.String()
}

// TransportError is a call that got no answer: the connection failed or
// broke, an attempt timed out, the context ended, or the call was not sent
// because an earlier request of the same call failed authentication. The
// message says which limit ended it and after how many attempts.
type TransportError struct {
	Operation string
	// Attempts is how many requests were sent (0: none).
	Attempts int
	// Err is the underlying error (a *net.OpError, context.DeadlineExceeded,
	// the authentication failure that stopped the call, ...).
	Err   error
	msg   string // what happened, secrets removed
	retry bool   // another call may get an answer (a timeout, a broken connection)
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("drs: %s: no answer after %d %s: %s", e.Operation, e.Attempts, plural(e.Attempts, "attempt", "attempts"), e.msg)
}

func (e *TransportError) Unwrap() error { return e.Err }

// ConfigError is a missing, invalid or contradictory setting, found by New
// before anything is sent. New reports every problem, joined (errors.Join).
type ConfigError struct {
	// Option is the option that sets it, e.g. "WithProjectID".
	Option string
	// Env is the environment variable that sets it, if any, e.g.
	// "HUAWEICLOUD_SDK_PROJECT_ID".
	Env string
	// Reason says what is wrong, in words that fit any interface (no Go
	// identifiers), so a CLI can name its own flag instead of Option.
	Reason string
}

func (e *ConfigError) Error() string {
	msg := "drs: " + e.Option + ": " + e.Reason
	if e.Env != "" {
		msg += " (environment variable " + e.Env + ")"
	}
	return msg
}

// InputError is one invalid argument of a call; nothing was sent. A call
// reports every problem, joined (errors.Join). Its message shows the job ID
// quoted, invisible characters escaped, cut to MaxJobIDBytes.
type InputError struct {
	// JobID is the offending job ID as given ("" for the mode or an empty list).
	JobID string
	// Index is its position in the job list, -1 when the problem is not one
	// job's; for a duplicate, the position of the repetition.
	Index int
	// Reason says what is wrong.
	Reason string
}

func (e *InputError) Error() string {
	if e.Index < 0 {
		return "drs: invalid input, nothing was sent: " + e.Reason
	}
	return fmt.Sprintf("drs: invalid input, nothing was sent: job ID %q at index %d: %s", cut(e.JobID, MaxJobIDBytes), e.Index, e.Reason)
}

// jobsError names the jobs a failed call carried, in a report's joined error.
type jobsError struct {
	jobIDs []string
	err    error
}

func (e *jobsError) Error() string {
	const show = 5
	ids := e.jobIDs
	more := ""
	if len(ids) > show {
		ids, more = ids[:show], fmt.Sprintf(" and %d more", len(ids)-show)
	}
	return fmt.Sprintf("%s %q%s: %v", plural(len(e.jobIDs), "job", "jobs"), ids, more, e.err)
}

func (e *jobsError) Unwrap() error { return e.err }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
