package drs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. The typed errors of this package match them with errors.Is
// where they apply, so both styles work:
//
//	if errors.Is(err, drs.ErrThrottled) { ... }
//	if drs.IsThrottled(err) { ... }
var (
	// ErrThrottled: the API gateway or DRS refused the call as too frequent
	// (HTTP 429, APIGW.0308, DRS.M01503). Retry later.
	ErrThrottled = errors.New("drs: throttled")
	// ErrAuthentication: the credentials were rejected (HTTP 401, APIGW.0301,
	// APIGW.0307, DRS.M00100). Never retried automatically.
	ErrAuthentication = errors.New("drs: authentication failed")
	// ErrPermission: the credentials are valid but not allowed (HTTP 403).
	ErrPermission = errors.New("drs: permission denied")
	// ErrJobNotFound: DRS does not know the job (DRS.10000010, DRS.M05003,
	// DRS.M05004), as a whole-call error or as one job's refusal.
	ErrJobNotFound = errors.New("drs: job not found")

	// ErrInvalidResponse: a 2xx answer whose body is not the documented JSON
	// (wrong content type, invalid JSON, empty).
	ErrInvalidResponse = errors.New("drs: invalid response")
	// ErrResponseTooLarge: a response body over WithMaxResponseBytes.
	ErrResponseTooLarge = errors.New("drs: response body too large")

	// ErrNotInResponse: the server's answer to a BatchCheckJobs call does not
	// mention a job that was in the call.
	ErrNotInResponse = errors.New("drs: job missing from the server's answer")
	// ErrAnsweredTwice: the server's answer mentions a job twice, differently.
	ErrAnsweredTwice = errors.New("drs: job answered twice, differently")
	// ErrUnexpectedStatus: the server's answer for a job has a status other
	// than "success" or "failed", so it is not known whether the pre-check
	// started.
	ErrUnexpectedStatus = errors.New("drs: unexpected pre-check status")
)

// IsThrottled reports whether err (or an error it wraps) is a throttling
// answer: HTTP 429, APIGW.0308 or DRS.M01503.
func IsThrottled(err error) bool { return errors.Is(err, ErrThrottled) }

// IsAuthentication reports whether err is an authentication failure: HTTP 401,
// APIGW.0301 (bad token or signature, or a clock more than 15 minutes off),
// APIGW.0307 (token must be renewed) or DRS.M00100 (invalid token).
func IsAuthentication(err error) bool { return errors.Is(err, ErrAuthentication) }

// IsPermission reports whether err is a permission failure (HTTP 403).
func IsPermission(err error) bool { return errors.Is(err, ErrPermission) }

// IsJobNotFound reports whether err says that a job does not exist
// (DRS.10000010, DRS.M05003, DRS.M05004), for a whole call or for one job.
func IsJobNotFound(err error) bool { return errors.Is(err, ErrJobNotFound) }

// IsRetryable reports whether err is a transient failure that the same call
// may overcome later: throttling, HTTP 502/503/504, or a connection that broke
// or timed out before an answer. Authentication and validation failures are
// never retryable.
func IsRetryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.retryable()
	}
	var tErr *TransportError
	if errors.As(err, &tErr) {
		return tErr.retryable
	}
	var jobErr *JobError
	if errors.As(err, &jobErr) {
		return throttleCodes[jobErr.Code]
	}
	return false
}

var (
	throttleCodes   = codeSet("APIGW.0308", "APIG.0308", "DRS.M01503")
	authCodes       = codeSet("APIGW.0301", "APIG.0301", "APIGW.0307", "APIG.0307", "DRS.M00100")
	permissionCodes = codeSet("APIGW.0302", "APIG.0302", "DRS.M00102", "DRS.M00103")
	notFoundCodes   = codeSet("DRS.10000010", "DRS.M05003", "DRS.M05004")
)

func codeSet(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// ConfigError is a missing, invalid or contradictory setting found by New.
// New reports every problem it finds, joined; errors.As finds the first.
type ConfigError struct {
	// Setting is the option that sets it, for example "WithProjectID".
	Setting string
	// Env is the environment variable that sets it, if any, for example
	// "HUAWEICLOUD_SDK_PROJECT_ID".
	Env string
	// Reason says what is wrong and what to set.
	Reason string
}

func (e *ConfigError) Error() string {
	msg := "drs: configuration: " + e.Setting + ": " + e.Reason
	if e.Env != "" && !strings.Contains(e.Reason, e.Env) {
		msg += " (environment variable " + e.Env + ")"
	}
	return msg
}

// InputError rejects the arguments of a call before anything is sent.
type InputError struct {
	// Operation is the method called, for example "Precheck".
	Operation string
	// Problems lists every offending argument.
	Problems []InputProblem
}

// InputProblem is one rejected argument.
type InputProblem struct {
	// JobID is the offending job ID (or mode), as given.
	JobID string
	// Indexes are its 0-based positions in the argument list; several for a
	// duplicate.
	Indexes []int
	// Reason says what is wrong with it.
	Reason string
}

func (p InputProblem) String() string {
	var b strings.Builder
	b.WriteString(p.Reason)
	if p.JobID != "" || len(p.Indexes) > 0 {
		fmt.Fprintf(&b, ": job ID %q", p.JobID)
	}
	switch len(p.Indexes) {
	case 0:
	case 1:
		fmt.Fprintf(&b, " at index %d", p.Indexes[0])
	default:
		b.WriteString(" at indexes ")
		for i, ix := range p.Indexes {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(ix))
		}
	}
	return b.String()
}

func (e *InputError) Error() string {
	const show = 10
	var b strings.Builder
	fmt.Fprintf(&b, "drs: %s: invalid input, nothing was sent: ", e.Operation)
	for i, p := range e.Problems {
		if i == show {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-show)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// APIError is a non-2xx answer from DRS or the API gateway in front of it.
type APIError struct {
	// Operation is the API operation: "BatchCheckJobs" or "BatchCheckResults".
	Operation string
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the error code (error_code, else code), for example "DRS.M00201"
	// or "APIGW.0308"; empty when the body had none.
	Code string
	// Message is the error message (error_msg, else message).
	Message string
	// RequestID identifies the request to Huawei support: the X-Request-Id
	// header, else the body's request_id.
	RequestID string
	// RetryAfter is the wait the server asked for (Retry-After), or 0.
	RetryAfter time.Duration
	// Body is a sanitized excerpt (at most 512 bytes) of a body that was not a
	// JSON error, such as a gateway's HTML page; empty otherwise.
	Body string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "drs: %s: HTTP %d", e.Operation, e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": body %q", e.Body)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + e.RequestID + ")")
	}
	if h := e.hint(); h != "" {
		b.WriteString("; " + h)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrThrottled) and the other class sentinels work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrThrottled:
		return e.throttled()
	case ErrAuthentication:
		return e.authentication()
	case ErrPermission:
		return e.StatusCode == http.StatusForbidden || permissionCodes[e.Code]
	case ErrJobNotFound:
		return notFoundCodes[e.Code]
	}
	return false
}

func (e *APIError) throttled() bool {
	return e.StatusCode == http.StatusTooManyRequests || throttleCodes[e.Code]
}

func (e *APIError) authentication() bool {
	return e.StatusCode == http.StatusUnauthorized || authCodes[e.Code]
}

func (e *APIError) retryable() bool {
	switch {
	case e.authentication():
		return false
	case e.throttled():
		return true
	}
	switch e.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (e *APIError) hint() string {
	switch {
	case e.authentication():
		return "check the credentials (an expired token, a wrong AK/SK, or a clock more than 15 minutes off); not retried, since repeated AK/SK failures lock the key for 5 minutes"
	case e.throttled():
		return "throttled: retry later, or lower the call rate with drs.WithRateLimit"
	case e.Is(ErrPermission):
		return "check the IAM permissions for DRS and that the project ID belongs to the region"
	case notFoundCodes[e.Code]:
		return "check the job ID, the region and the project ID"
	}
	switch {
	case e.StatusCode == http.StatusRequestEntityTooLarge:
		return "the request is over the API gateway's 12 MB limit"
	case e.retryable():
		return "a server or gateway problem: retry later"
	case e.StatusCode >= 500 || e.StatusCode == http.StatusUnprocessableEntity:
		return "a DRS service problem: retry later, or contact support with the request ID"
	case e.StatusCode >= 400:
		return "check the request (job IDs, pre-check mode, task status)"
	}
	return ""
}

// ResponseError is an answer that could not be used: a 2xx body that is not
// the documented JSON (errors.Is ErrInvalidResponse), or a body over
// WithMaxResponseBytes (errors.Is ErrResponseTooLarge).
type ResponseError struct {
	Operation   string
	StatusCode  int
	RequestID   string
	ContentType string
	// Reason says what is wrong with the body.
	Reason string
	// Body is a sanitized excerpt (at most 512 bytes) of the body.
	Body string
	// Err is the underlying error (a JSON syntax error, for example), or nil.
	Err      error
	tooLarge bool
}

func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "drs: %s: unusable answer (HTTP %d", e.Operation, e.StatusCode)
	if e.ContentType != "" {
		b.WriteString(", " + e.ContentType)
	}
	b.WriteString("): " + e.Reason)
	if e.Body != "" {
		fmt.Fprintf(&b, ": body %q", e.Body)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + e.RequestID + ")")
	}
	return b.String()
}

// Is matches ErrResponseTooLarge or ErrInvalidResponse.
func (e *ResponseError) Is(target error) bool {
	if e.tooLarge {
		return target == ErrResponseTooLarge
	}
	return target == ErrInvalidResponse
}

func (e *ResponseError) Unwrap() error { return e.Err }

// TransportError is a call that got no HTTP answer: the connection was refused
// or broke, the attempt timed out (WithAttemptTimeout), the context ended, or
// the request could not be built or signed.
type TransportError struct {
	Operation string
	// Timeout is true when the attempt timed out.
	Timeout bool
	// Err is the underlying error.
	Err       error
	msg       string // Err's text with secrets removed
	retryable bool
}

func (e *TransportError) Error() string {
	msg := "drs: " + e.Operation + ": " + e.msg
	if e.retryable {
		msg += "; no answer was received, a transient network problem: retry later"
	}
	return msg
}

func (e *TransportError) Unwrap() error { return e.Err }

// retryableNetError reports whether err, returned by an HTTP round trip, is
// a connection failure or timeout worth another attempt.
func retryableNetError(err error) bool {
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// JobError is DRS's refusal to start one job's pre-check: a "failed" entry of
// a BatchCheckJobs answer, with its error_code and error_msg.
type JobError struct {
	JobID     string
	Code      string
	Message   string
	RequestID string
}

func (e *JobError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "drs: job %q: pre-check refused", e.JobID)
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Code == "" && e.Message == "" {
		b.WriteString(" (the server gave no error code)")
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + e.RequestID + ")")
	}
	if notFoundCodes[e.Code] {
		b.WriteString("; check the job ID, the region and the project ID")
	}
	return b.String()
}

// Is matches ErrJobNotFound, ErrThrottled and ErrPermission by error code.
func (e *JobError) Is(target error) bool {
	switch target {
	case ErrJobNotFound:
		return notFoundCodes[e.Code]
	case ErrThrottled:
		return throttleCodes[e.Code]
	case ErrPermission:
		return permissionCodes[e.Code]
	case ErrAuthentication:
		return authCodes[e.Code]
	}
	return false
}

// AnswerError is a job the server's answer did not account for properly: it
// was left out (ErrNotInResponse), answered twice differently
// (ErrAnsweredTwice), or given an unknown status (ErrUnexpectedStatus).
type AnswerError struct {
	JobID     string
	RequestID string
	// Err is ErrNotInResponse, ErrAnsweredTwice or ErrUnexpectedStatus.
	Err error
	// Detail adds what the server said, if anything.
	Detail string
}

func (e *AnswerError) Error() string {
	msg := fmt.Sprintf("drs: job %q: %s", e.JobID, strings.TrimPrefix(e.Err.Error(), "drs: "))
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.RequestID != "" {
		msg += " (request ID " + e.RequestID + ")"
	}
	return msg + "; it is unknown whether its pre-check started: query its result or call Precheck again"
}

func (e *AnswerError) Unwrap() error { return e.Err }

// scrubber removes secrets from text that came from elsewhere (a server's
// message that echoes a token, a transport's error): every known secret and
// anything that looks like an SDK-HMAC-SHA256 signature.
//
// It holds pointers to the secrets, so that printing a struct that holds one
// (even by value, with %+v) shows addresses, never the secrets.
type scrubber []*string

func newScrubber(secrets []string) scrubber {
	var s scrubber
	for _, v := range secrets {
		if len(v) >= 4 {
			s = append(s, &v)
		}
	}
	return s
}

func (s scrubber) clean(text string) string {
	for _, p := range s {
		if v := *p; strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, redacted)
		}
	}
	return redactSignatures(text)
}

// redactSignatures replaces the hex after every "Signature=".
func redactSignatures(text string) string {
	const key = "Signature="
	if !strings.Contains(text, key) {
		return text
	}
	var b strings.Builder
	for {
		i := strings.Index(text, key)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:i+len(key)])
		text = text[i+len(key):]
		j := 0
		for j < len(text) && isHex(text[j]) {
			j++
		}
		if j > 0 {
			b.WriteString(redacted)
		}
		text = text[j:]
	}
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// maxSnippet bounds the body excerpt kept in errors.
const maxSnippet = 512

// snippet returns a printable excerpt of a body: HTML tags stripped, control
// characters and runs of white space folded to one space, secrets removed,
// at most maxSnippet bytes of valid UTF-8.
func snippet(body []byte, contentType string, s scrubber) string {
	const window = 8 << 10
	if len(body) > window {
		body = body[:window]
	}
	text := string(body)
	if strings.Contains(strings.ToLower(contentType), "html") || strings.HasPrefix(strings.TrimSpace(text), "<") {
		text = stripTags(text)
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(text, "\uFFFD") {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	text = s.clean(b.String())
	if len(text) > maxSnippet {
		cut := maxSnippet - len("…")
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}

// stripTags drops everything between < and >, and the content of script and
// style elements.
func stripTags(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = s[i:]
		lower := strings.ToLower(s[:min(len(s), 8)])
		for _, el := range []string{"script", "style"} {
			if strings.HasPrefix(lower, "<"+el) {
				if end := strings.Index(strings.ToLower(s), "</"+el); end >= 0 {
					s = s[end:]
				}
			}
		}
		j := strings.IndexByte(s, '>')
		if j < 0 {
			break
		}
		s = s[j+1:]
	}
	return b.String()
}

// errorFields are the error body fields of DRS, the API gateway and IAM.
type errorFields struct {
	ErrorCode json.RawMessage `json:"error_code"`
	ErrorMsg  json.RawMessage `json:"error_msg"`
	Code      json.RawMessage `json:"code"`
	Message   json.RawMessage `json:"message"`
	RequestID json.RawMessage `json:"request_id"`
	Error     *struct {
		Code    json.RawMessage `json:"code"`
		Message json.RawMessage `json:"message"`
	} `json:"error"`
}

// rawText returns a JSON string's value or a number's text; "" otherwise.
func rawText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// newAPIError maps a non-2xx answer: error_code/error_msg, then code/message,
// then a body excerpt.
func newAPIError(op string, status int, header http.Header, body []byte, now time.Time, s scrubber) *APIError {
	e := &APIError{Operation: op, StatusCode: status, RequestID: s.clean(header.Get(headerRequestID))}
	if d, ok := parseRetryAfter(header.Get(headerRetryAfter), now); ok {
		e.RetryAfter = d
	}
	contentType := header.Get("Content-Type")
	var f errorFields
	parsed := false
	if trimmed := strings.TrimSpace(string(body)); strings.HasPrefix(trimmed, "{") && json.Unmarshal(body, &f) == nil {
		var nestedCode, nestedMsg string
		if f.Error != nil {
			nestedCode, nestedMsg = rawText(f.Error.Code), rawText(f.Error.Message)
		}
		e.Code = s.clean(firstNonEmpty(rawText(f.ErrorCode), rawText(f.Code), nestedCode))
		e.Message = s.clean(firstNonEmpty(rawText(f.ErrorMsg), rawText(f.Message), nestedMsg))
		if e.RequestID == "" {
			e.RequestID = s.clean(rawText(f.RequestID))
		}
		parsed = e.Code != "" || e.Message != ""
	}
	if !parsed && len(body) > 0 {
		e.Body = snippet(body, contentType, s)
	}
	return e
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
