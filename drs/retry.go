package drs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// answer is a 2xx response, read in full.
type answer struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
	attempts  int
}

// do runs one API operation with everything every operation needs: the rate
// limit, a timeout per attempt, authentication (each attempt's request is
// built afresh from op's template and authenticated, so retries are signed
// afresh; all attempts send the same body bytes), the
// response size cap, mapping of non-2xx answers to *APIError, logging, and
// retries with exponential backoff and full jitter. It returns a 2xx answer
// or an error; decoding the 2xx body is the caller's business (see call).
//
// Retrying POST is safe for this API: starting the pre-check of a job that is
// already being checked starts the same check again, and querying results has
// no effect at all, so an attempt whose answer was lost can be repeated.
func (c *Client) do(ctx context.Context, tmpl *opTemplate, body *callBody) (answer, error) {
	op := tmpl.name
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return answer{}, contextError(op, err, lastErr, attempt-1)
		}
		if err := c.waitRateLimit(ctx); err != nil {
			return answer{}, contextError(op, fmt.Errorf("waiting for the client-side rate limit (drs.WithRateLimit): %w", err), lastErr, attempt-1)
		}
		ans, err := c.attempt(ctx, tmpl, attempt, body)
		if err == nil {
			ans.attempts = attempt
			return ans, nil
		}
		lastErr = err
		if ctxErr := ctx.Err(); ctxErr != nil {
			return answer{}, contextError(op, ctxErr, lastErr, attempt)
		}
		if !IsRetryable(err) {
			return answer{}, err
		}
		if attempt >= c.retry.MaxAttempts {
			if attempt == 1 {
				return answer{}, err
			}
			return answer{}, &retryError{err: err, attempts: attempt}
		}
		delay := c.backoff(attempt, err)
		if deadline, ok := ctx.Deadline(); ok && c.clock.now().Add(delay).After(deadline) {
			return answer{}, &retryError{err: err, attempts: attempt, deadline: delay}
		}
		if c.logger != nil {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "drs: retrying",
				slog.String("operation", op), slog.Int("attempt", attempt),
				slog.Duration("delay", delay), slog.String("error", err.Error()))
		}
		if err := c.clock.sleep(ctx, delay); err != nil {
			return answer{}, contextError(op, err, lastErr, attempt)
		}
	}
}

// backoff returns the wait before attempt+1: full jitter over an exponential
// backoff, raised to the server's Retry-After (capped) when it sent one.
func (c *Client) backoff(attempt int, err error) time.Duration {
	p := c.retry
	ceiling := p.MaxDelay
	if shift := attempt - 1; shift < 32 {
		if d := p.BaseDelay << shift; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	delay := time.Duration(0)
	if ceiling > 0 {
		delay = time.Duration(rand.Int64N(int64(ceiling) + 1))
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		if ra := min(apiErr.RetryAfter, p.MaxRetryAfter); ra > delay {
			delay = ra
		}
	}
	return delay
}

// retryError is the last error of a call that was given up.
type retryError struct {
	err      error
	attempts int
	deadline time.Duration // the wait that would have passed the deadline; 0 if attempts ran out
}

func (e *retryError) Error() string {
	if e.deadline > 0 {
		return fmt.Sprintf("%v (gave up after %d attempt(s): the next one, in %s, would start after the context's deadline)", e.err, e.attempts, e.deadline.Round(time.Millisecond))
	}
	return fmt.Sprintf("%v (gave up after %d attempts)", e.err, e.attempts)
}

// Unwrap returns the last error, and context.DeadlineExceeded when the
// deadline stopped the retries.
func (e *retryError) Unwrap() []error {
	if e.deadline > 0 {
		return []error{e.err, context.DeadlineExceeded}
	}
	return []error{e.err}
}

// contextError reports a call ended by its context (or by the rate limiter's
// wait), keeping the last attempt's error, if any.
func contextError(op string, err, last error, attempts int) error {
	switch {
	case last == nil:
		return fmt.Errorf("drs: %s: %w", op, err)
	case errors.Is(last, err):
		return last
	}
	return fmt.Errorf("drs: %s: %w (after %d attempt(s); last error: %w)", op, err, attempts, last)
}

// attempt sends the request once and reads the answer.
func (c *Client) attempt(ctx context.Context, tmpl *opTemplate, n int, body *callBody) (answer, error) {
	op := tmpl.name
	actx := ctx
	if c.attemptTimeout > 0 && !deadlineWithin(ctx, c.attemptTimeout) {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.attemptTimeout)
		defer cancel()
	}
	logging := c.logger != nil && c.logger.Enabled(ctx, slog.LevelDebug)
	start := time.Now()
	req, err := c.newRequest(actx, tmpl, body)
	var resp *http.Response
	if err == nil {
		resp, err = c.httpClient.Do(req)
	} else {
		req = nil // not logged: it was not sent (and maybe not fully authenticated)
	}
	if err != nil {
		tErr := c.transportError(op, err, actx, ctx)
		if logging {
			c.logAttempt(ctx, op, n, req, nil, time.Since(start), tErr)
		}
		return answer{}, tErr
	}
	seen := req
	respBody, readErr := readBody(resp.Body, resp.ContentLength, c.maxResponseBytes)
	_ = resp.Body.Close()
	if logging {
		defer func() { c.logAttempt(ctx, op, n, seen, resp, time.Since(start), err) }()
	}
	requestID := c.scrub.clean(resp.Header.Get(headerRequestID))
	contentType := resp.Header.Get("Content-Type")
	switch {
	case errors.Is(readErr, ErrResponseTooLarge):
		err = &ResponseError{
			Operation: op, StatusCode: resp.StatusCode, RequestID: requestID, ContentType: contentType,
			Reason:   fmt.Sprintf("the body is over %d bytes (drs.WithMaxResponseBytes)", c.maxResponseBytes),
			tooLarge: true,
		}
		return answer{}, err
	case readErr != nil:
		err = c.transportError(op, readErr, actx, ctx)
		return answer{}, err
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		err = newAPIError(op, resp.StatusCode, resp.Header, respBody, c.clock.now(), c.scrub)
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: respBody, requestID: requestID}, nil
}

// deadlineWithin reports whether ctx ends within d from now anyway, so that
// a per-attempt timeout of d would change nothing: when the caller's
// deadline comes first, the attempt ends with the caller's context either
// way (and transportError reports it as the caller's, not the attempt's,
// timeout), so the timer and the context it needs can be skipped.
func deadlineWithin(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && !deadline.After(time.Now().Add(d))
}

// transportError wraps an error of the HTTP round trip (or of building and
// signing the request), deciding whether it is worth another attempt: an
// attempt's own timeout is, the caller's context ending is not.
func (c *Client) transportError(op string, err error, attemptCtx, ctx context.Context) *TransportError {
	e := &TransportError{Operation: op, Err: err, msg: c.scrub.clean(err.Error())}
	switch {
	case ctx.Err() != nil:
	case errors.Is(attemptCtx.Err(), context.DeadlineExceeded):
		e.Timeout, e.retryable = true, true
		e.msg = fmt.Sprintf("the attempt timed out after %s (drs.WithAttemptTimeout): %s", c.attemptTimeout, e.msg)
	default:
		e.retryable = retryableNetError(err)
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			e.Timeout = true
		}
	}
	return e
}
