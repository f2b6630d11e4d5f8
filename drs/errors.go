package drs

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Classes of API errors, for errors.Is. They match an *APIError by HTTP status
// or error code, for a whole call or one job's refusal, through any wrapping.
var (
	// ErrThrottled: too many calls (HTTP 429, APIGW.0308, DRS.M01503).
	ErrThrottled = errors.New("drs: throttled")
	// ErrAuthentication: the credentials were rejected (HTTP 401, APIGW.0301,
	// APIGW.0307, DRS.M00100). Huawei locks an AK/SK for 5 minutes after more
	// than 5 consecutive failures, so such a failure is never retried and no
	// other request of the same call is sent (see guard).
	ErrAuthentication = errors.New("drs: authentication failed")
	// ErrPermission: valid credentials, not allowed (HTTP 403, APIGW.0302,
	// DRS.M00102, DRS.M00103).
	ErrPermission = errors.New("drs: permission denied")
	// ErrJobNotFound: DRS does not know the job (DRS.10000010, DRS.M05003, DRS.M05004).
	ErrJobNotFound = errors.New("drs: job not found")
)

var (
	throttleCodes   = []string{"APIGW.0308", "APIG.0308", "DRS.M01503"}
	authCodes       = []string{"APIGW.0301", "APIG.0301", "APIGW.0307", "APIG.0307", "DRS.M00100"}
	permissionCodes = []string{"APIGW.0302", "APIG.0302", "DRS.M00102", "DRS.M00103"}
	notFoundCodes   = []string{"DRS.10000010", "DRS.M05003", "DRS.M05004"}
	notDRSCodes     = []string{"APIG.0101", "APIGW.0101"} // the gateway knows no such API
)

// APIError is an answer in which DRS or its gateway said no: a non-2xx status
// (a redirect included: it is never followed), a 2xx answer with an error code
// for the whole call, or one job's refusal (JobID set). Its text comes from
// the server, secrets removed.
type APIError struct {
	Operation  string // "BatchCheckJobs" or "BatchCheckResults"
	StatusCode int
	Code       string // e.g. "DRS.M00304", "APIGW.0308"; "" when none was sent
	Message    string
	RequestID  string // X-Request-Id, for Huawei support
	JobID      string // set for one job's refusal inside a successful answer
	// RetryAfter is the wait the server asked for (Retry-After), or 0.
	RetryAfter time.Duration
	// Body is an excerpt of a body that was not a JSON error, or a redirect's Location.
	Body string
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("drs: " + e.Operation)
	if e.JobID != "" {
		fmt.Fprintf(&b, ": job %q refused", e.JobID)
	} else {
		b.WriteString(strings.TrimSpace(fmt.Sprintf(": HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))))
	}
	for _, s := range []string{e.Code, e.Message} {
		if s != "" {
			b.WriteString(": " + s)
		}
	}
	writeTail(&b, ": %q", e.Body, e.RequestID)
	if h := e.Remedy(); h != "" {
		b.WriteString("; " + h)
	}
	return b.String()
}

// writeTail writes a body excerpt (in format) and a request ID, if any.
func writeTail(b *strings.Builder, format, body, requestID string) {
	if body != "" {
		fmt.Fprintf(b, format, body)
	}
	if requestID != "" {
		b.WriteString(" (request ID " + requestID + ")")
	}
}

// Is makes errors.Is(err, ErrThrottled) and the other classes work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests || slices.Contains(throttleCodes, e.Code)
	case ErrAuthentication:
		return e.StatusCode == http.StatusUnauthorized || slices.Contains(authCodes, e.Code)
	case ErrPermission:
		return (e.StatusCode == http.StatusForbidden && !slices.Contains(authCodes, e.Code)) || slices.Contains(permissionCodes, e.Code)
	case ErrJobNotFound:
		return slices.Contains(notFoundCodes, e.Code)
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

// Remedy says in one line what to do about the error; "" when the code and
// message say it all (a job's refusal). Error includes it.
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
	case slices.Contains(notDRSCodes, e.Code), e.Code == "" && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusNotImplemented):
		return "the endpoint does not serve the DRS API: check the region or endpoint"
	case e.StatusCode == http.StatusRequestEntityTooLarge:
		return "the request is over the API gateway's 12 MB limit"
	case e.retryable():
		return "a server or gateway problem: retry later"
	case e.StatusCode >= 500 && e.RequestID != "":
		return "a DRS service problem: retry later, or contact support with the request ID"
	case e.StatusCode >= 500:
		return "a server problem: retry later"
	}
	return ""
}

// ResponseError is an answer that cannot be used: a 2xx body that is not the
// documented JSON (wrong content type, malformed, a duplicate or case-variant
// key, over the size cap), or an ambiguous answer about a job (left out,
// given twice differently, an unknown status, a verdict its own details
// contradict). Such an answer never starts or passes a job.
type ResponseError struct {
	Operation  string
	StatusCode int
	RequestID  string
	JobID      string // set when the problem is one job's entry
	Reason     string
	Body       string // an excerpt, secrets removed
}

func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString("drs: " + e.Operation + ": ")
	if e.JobID != "" {
		fmt.Fprintf(&b, "job %q: ", e.JobID)
	}
	b.WriteString("unusable answer: " + e.Reason)
	writeTail(&b, ": body %q", e.Body, e.RequestID)
	return b.String()
}

// TransportError is a call that got no answer: the connection failed or
// broke, an attempt timed out, the context ended, or the call was not sent
// because another request of the same call failed authentication. The
// message says which limit ended it and after how many attempts.
type TransportError struct {
	Operation string
	Attempts  int   // requests sent (0: none)
	Err       error // the cause: a *net.OpError, context.DeadlineExceeded, the authentication failure, ...
	msg       string
	retry     bool // another call may get an answer
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("drs: %s: no answer after %d %s: %s", e.Operation, e.Attempts, plural(e.Attempts, "attempt", "attempts"), e.msg)
}

func (e *TransportError) Unwrap() error { return e.Err }

// ConfigError is a missing, invalid or contradictory setting, found by New
// before anything is sent; New joins every problem (errors.Join).
type ConfigError struct {
	Option string // e.g. "WithProjectID"
	Env    string // the environment variable that sets it, if any
	// Reason is in words that fit any interface (no Go identifiers), so a
	// CLI can name its own flag instead of Option.
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
// joins every problem. The message quotes the job ID cut to MaxJobIDBytes.
type InputError struct {
	JobID string // as given ("" for the mode or an empty list)
	// Index is its position in the list (for a duplicate, the repetition's);
	// -1 when the problem is not one job's.
	Index  int
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
	ids, more := e.jobIDs, ""
	if len(ids) > 5 {
		ids, more = ids[:5], fmt.Sprintf(" and %d more", len(ids)-5)
	}
	return fmt.Sprintf("%s %q%s: %v", plural(len(e.jobIDs), "job", "jobs"), ids, more, e.err)
}

func (e *jobsError) Unwrap() error { return e.err }

// has reports whether err's tree holds an E.
func has[E error](err error) bool {
	_, ok := errors.AsType[E](err)
	return ok
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
