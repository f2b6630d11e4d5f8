package drs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Operation names, as in Huawei's API reference.
const (
	opJobs    = "BatchCheckJobs"
	opResults = "BatchCheckResults"
)

// guard is shared by the requests of one library call: once one of them fails
// authentication, no other is sent, since Huawei locks an AK/SK after more
// than 5 consecutive failures.
type guard struct{ authFailure atomic.Pointer[APIError] }

// answer is a 2xx response, read in full under the size cap.
type answer struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
	red       *redactor // the client's secrets and this request's signature
}

// call runs one operation through send (a generated client method) with the
// rate limit, a timeout per attempt and retries, and decodes the 2xx answer
// into out (a generated model). The answer it returns has no body.
func (c *Client) call(ctx context.Context, g *guard, op string, send func(context.Context) (*http.Response, error), out any) (answer, error) {
	var last error
	for attempt := 1; ; attempt++ {
		if a := g.authFailure.Load(); a != nil {
			return answer{}, &TransportError{Operation: op, Attempts: attempt - 1, Err: a,
				msg: "not sent: another request of the same call failed authentication, and repeated failures lock an AK/SK"}
		}
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				why := "the client-side rate limit would wait past the context's deadline"
				if ctx.Err() != nil {
					why = ""
				}
				return answer{}, c.ended(op, attempt-1, ctx, why, last)
			}
		}
		ans, err := c.attempt(ctx, op, send)
		if err == nil {
			err = c.decode(op, ans, out)
			ans.body, ans.header = nil, nil
			return ans, err
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Is(ErrAuthentication) {
			g.authFailure.CompareAndSwap(nil, apiErr)
		}
		if ctx.Err() != nil {
			return answer{}, c.ended(op, attempt, ctx, "", err)
		}
		delay, retry := c.backoff(attempt, err)
		switch {
		case !retry:
			return answer{}, giveUp(op, attempt, err, "")
		case attempt >= c.s.retry.MaxAttempts:
			return answer{}, giveUp(op, attempt, err, "gave up after "+strconv.Itoa(attempt)+" "+plural(attempt, "attempt", "attempts")+", the retry policy's limit")
		}
		if deadline, ok := ctx.Deadline(); ok && c.s.now().Add(delay).After(deadline) {
			return answer{}, giveUp(op, attempt, err, "gave up after "+strconv.Itoa(attempt)+" "+plural(attempt, "attempt", "attempts")+": the next one would start after the context's deadline")
		}
		if c.s.sleep(ctx, delay) != nil {
			return answer{}, c.ended(op, attempt, ctx, "", err)
		}
		last = err
	}
}

// attempt sends one request and reads its answer: a 2xx answer, or an
// *APIError, a *ResponseError (body over the cap) or a *netFailure.
func (c *Client) attempt(ctx context.Context, op string, send func(context.Context) (*http.Response, error)) (answer, error) {
	actx := ctx
	if c.s.attemptTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.s.attemptTimeout)
		defer cancel()
	}
	resp, err := send(actx)
	if err != nil {
		return answer{}, c.netFailure(err, actx, ctx)
	}
	defer resp.Body.Close()
	red := &redactor{base: c.red.load()}
	if c.s.akskSet && resp.Request != nil {
		red.sig = signatureOf(resp.Request.Header.Get("Authorization"))
	}
	ans := answer{status: resp.StatusCode, header: resp.Header, requestID: text(red, resp.Header.Get("X-Request-Id")), red: red}
	max := c.s.maxResponseBytes
	if resp.ContentLength <= max {
		ans.body, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
	}
	switch {
	case resp.ContentLength > max || int64(len(ans.body)) > max:
		return answer{}, &ResponseError{Operation: op, StatusCode: ans.status, RequestID: ans.requestID,
			Reason: fmt.Sprintf("the body is over the %d-byte cap", max)}
	case err != nil:
		return answer{}, c.netFailure(err, actx, ctx)
	case ans.status < 200 || ans.status > 299:
		return answer{}, c.apiError(op, ans)
	}
	return ans, nil
}

// netFailure is an attempt that got no answer.
type netFailure struct {
	err   error
	msg   string // secrets removed
	retry bool
}

func (e *netFailure) Error() string { return e.msg }
func (e *netFailure) Unwrap() error { return e.err }

func (c *Client) netFailure(err error, attemptCtx, ctx context.Context) *netFailure {
	f := &netFailure{err: err, msg: c.text(err.Error())}
	var dnsErr *net.DNSError
	switch {
	case ctx.Err() != nil:
	case errors.Is(attemptCtx.Err(), context.DeadlineExceeded):
		f.retry, f.msg = true, fmt.Sprintf("the attempt timed out after %s (the per-attempt limit)", c.s.attemptTimeout)
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		f.msg = fmt.Sprintf("the host %s does not resolve: check the region or endpoint", c.text(dnsErr.Name))
	default:
		var ne net.Error
		f.retry = errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
			errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
			errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &ne) && ne.Timeout())
	}
	return f
}

// giveUp is the error of a call that ends on err after attempts; limit says
// which limit ended the retries ("" when err is not worth another attempt).
func giveUp(op string, attempts int, err error, limit string) error {
	var f *netFailure
	if errors.As(err, &f) {
		msg := f.msg
		if limit != "" {
			msg += "; " + limit
		}
		return &TransportError{Operation: op, Attempts: attempts, Err: f.err, msg: msg, retry: f.retry}
	}
	if limit != "" {
		return fmt.Errorf("%w (%s)", err, limit)
	}
	return err
}

// ended is the error of a call whose context ended (or whose rate-limit wait
// could not end in time); last is the latest attempt's error, if any.
func (c *Client) ended(op string, attempts int, ctx context.Context, why string, last error) error {
	cause := ctx.Err()
	if why == "" {
		why = "the context was canceled"
		if errors.Is(cause, context.DeadlineExceeded) {
			why = "the context's deadline passed"
		}
	} else if cause == nil {
		cause = context.DeadlineExceeded
	}
	if last != nil {
		why += "; the last attempt: " + c.text(last.Error())
		cause = errors.Join(cause, last)
	}
	return &TransportError{Operation: op, Attempts: attempts, Err: cause, msg: why}
}

// backoff says whether err is worth another attempt and how long to wait
// first: full jitter over an exponential backoff, raised to the server's
// Retry-After (capped).
func (c *Client) backoff(attempt int, err error) (time.Duration, bool) {
	var apiErr *APIError
	var f *netFailure
	switch {
	case errors.As(err, &apiErr):
		if !apiErr.retryable() {
			return 0, false
		}
	case errors.As(err, &f):
		if !f.retry {
			return 0, false
		}
	default:
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
