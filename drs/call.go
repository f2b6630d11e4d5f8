package drs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// Operation names, as in Huawei's API reference.
const (
	opJobs    = "BatchCheckJobs"
	opResults = "BatchCheckResults"
)

// guard is shared by the requests of one library call: once one of them
// fails authentication, no other is sent (see ErrAuthentication).
type guard struct{ authFailure atomic.Pointer[APIError] }

// answer is a 2xx response, read in full under the size cap.
type answer struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
	red       *redact.Redactor // the client's secrets and this request's signature
}

// call runs one operation through send (a generated client method) under the
// rate limit, with a timeout per attempt and retries, and decodes the 2xx
// answer into out (a generated model).
func (c *Client) call(ctx context.Context, g *guard, op string, send func(context.Context) (*http.Response, error), out any) (answer, error) {
	var last error
	for attempt := 1; ; attempt++ {
		if a := g.authFailure.Load(); a != nil {
			return answer{}, notSent(op, attempt-1, a)
		}
		if c.limiter != nil && c.limiter.Wait(ctx) != nil {
			return answer{}, c.ended(op, attempt-1, ctx, last)
		}
		ans, err := c.attempt(ctx, op, send)
		if err == nil {
			return ans, c.decode(op, ans, out)
		}
		if apiErr, ok := errors.AsType[*APIError](err); ok && apiErr.Is(ErrAuthentication) {
			g.authFailure.CompareAndSwap(nil, apiErr)
		}
		if ctx.Err() != nil {
			// An attempt cut short by the context says less than the failure before it.
			if last == nil || !errors.Is(err, ctx.Err()) {
				last = err
			}
			return answer{}, c.ended(op, attempt, ctx, last)
		}
		delay, retry := c.backoff(attempt, err)
		gaveUp := fmt.Sprintf("gave up after %d %s", attempt, plural(attempt, "attempt", "attempts"))
		switch deadline, ok := ctx.Deadline(); {
		case !retry:
			return answer{}, giveUp(attempt, err, "")
		case attempt >= c.s.retry.MaxAttempts:
			return answer{}, giveUp(attempt, err, gaveUp+", the retry policy's limit")
		case ok && c.s.now().Add(delay).After(deadline):
			return answer{}, giveUp(attempt, err, gaveUp+": the next one would start after the context's deadline")
		}
		if c.s.sleep(ctx, delay) != nil {
			return answer{}, c.ended(op, attempt, ctx, err)
		}
		last = err
	}
}

func notSent(op string, attempts int, authFailure *APIError) *TransportError {
	return &TransportError{Operation: op, Attempts: attempts, Err: authFailure,
		msg: "not sent: another request of the same call failed authentication, and repeated failures lock an AK/SK"}
}

// attempt sends one request and reads its answer: a 2xx answer, or an
// *APIError, a *ResponseError (body over the cap) or a *TransportError.
func (c *Client) attempt(ctx context.Context, op string, send func(context.Context) (*http.Response, error)) (answer, error) {
	actx := ctx
	if c.s.attemptTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.s.attemptTimeout)
		defer cancel()
	}
	resp, err := send(actx)
	if err != nil {
		return answer{}, c.noAnswer(op, err, false, actx, ctx)
	}
	defer resp.Body.Close()
	red := c.requestRedactor(resp.Request)
	ans := answer{status: resp.StatusCode, header: resp.Header, requestID: kept(red, resp.Header.Get("X-Request-Id")), red: red}
	limit := c.s.maxResponseBytes
	if resp.ContentLength <= limit {
		ans.body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	}
	switch {
	case resp.ContentLength > limit || int64(len(ans.body)) > limit:
		return answer{}, &ResponseError{Operation: op, StatusCode: ans.status, RequestID: ans.requestID,
			Reason: fmt.Sprintf("the body is over the %d-byte cap", limit)}
	case err != nil:
		return answer{}, c.noAnswer(op, err, true, actx, ctx)
	case ans.status < 200 || ans.status > 299:
		return answer{}, c.apiError(op, ans)
	}
	return ans, nil
}

// noAnswer classifies an attempt that failed while sending or while reading
// the body; call fills in Attempts.
func (c *Client) noAnswer(op string, err error, reading bool, attemptCtx, ctx context.Context) *TransportError {
	e := &TransportError{Operation: op, Err: err, msg: c.kept(err.Error())}
	var dnsErr *net.DNSError
	switch {
	case ctx.Err() != nil:
	case errors.Is(attemptCtx.Err(), context.DeadlineExceeded):
		e.retry, e.msg = true, fmt.Sprintf("the attempt timed out after %s (the per-attempt limit)", c.s.attemptTimeout)
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		e.msg = fmt.Sprintf("the host %s does not resolve: check the region or endpoint", c.kept(dnsErr.Name))
	default:
		e.retry = transient(err, reading)
	}
	return e
}

// transient reports whether a failed exchange may succeed when sent again.
// As in hashicorp/go-retryablehttp, every transport failure may (whatever
// the platform's errno) except the known permanent ones: a certificate that
// does not verify, a server that does not speak TLS, a URL or header the
// transport refuses. A request that could not be built or authenticated
// (an error before the transport, not a *url.Error) may not.
func transient(err error, reading bool) bool {
	if !reading && !has[*url.Error](err) || has[*tls.CertificateVerificationError](err) || has[tls.RecordHeaderError](err) ||
		has[x509.UnknownAuthorityError](err) || has[x509.HostnameError](err) || has[x509.CertificateInvalidError](err) {
		return false
	}
	msg := err.Error()
	return !slices.ContainsFunc([]string{"unsupported protocol scheme", "invalid header", "server gave HTTP response to HTTPS client", "certificate is not trusted"},
		func(permanent string) bool { return strings.Contains(msg, permanent) })
}

// giveUp is the error of a call that ends on err after attempts; limit says
// which limit ended the retries ("" when err is not worth another attempt).
func giveUp(attempts int, err error, limit string) error {
	if t, ok := err.(*TransportError); ok {
		t.Attempts = attempts
		if limit != "" {
			t.msg += "; " + limit
		}
		return t
	}
	if limit != "" {
		return fmt.Errorf("%w (%s)", err, limit)
	}
	return err
}

// ended is the error of a call whose context ended (or whose rate-limit wait
// could not end in time); last is the latest attempt's error, if any.
func (c *Client) ended(op string, attempts int, ctx context.Context, last error) error {
	cause, why := ctx.Err(), ctxReason(ctx)
	if cause == nil { // the context has not ended: the rate limit's wait would pass its deadline
		cause, why = context.DeadlineExceeded, "the client-side rate limit would wait past the context's deadline"
	}
	if last != nil {
		detail := c.kept(last.Error())
		if t, ok := last.(*TransportError); ok {
			detail, last = t.msg, t.Err
		}
		why += "; the last attempt: " + detail
		cause = errors.Join(cause, last)
	}
	return &TransportError{Operation: op, Attempts: attempts, Err: cause, msg: why}
}

// ctxReason says which limit ended ctx.
func ctxReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "the context's deadline passed"
	}
	return "the context was canceled"
}

// backoff says whether err is worth another attempt and how long to wait
// first: full jitter over an exponential backoff, raised to the server's
// Retry-After (capped).
func (c *Client) backoff(attempt int, err error) (time.Duration, bool) {
	var apiErr *APIError
	var tErr *TransportError
	if !(errors.As(err, &apiErr) && apiErr.retryable() || errors.As(err, &tErr) && tErr.retry) {
		return 0, false
	}
	p := c.s.retry
	ceiling := p.MaxDelay
	if shift := attempt - 1; shift < 32 {
		if d := p.BaseDelay << shift; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	delay := time.Duration(rand.Int64N(int64(ceiling) + 1))
	if apiErr != nil && apiErr.RetryAfter > 0 {
		delay = max(delay, min(apiErr.RetryAfter, p.MaxRetryAfter))
	}
	return delay, true
}

// parseRetryAfter reads Retry-After: delay seconds (a value too large to
// parse counts as very large, for the caller to cap) or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	const huge = 24 * time.Hour
	v = strings.TrimSpace(v)
	if v != "" && strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(huge/time.Second) {
			return huge
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), huge)
	}
	return 0
}
