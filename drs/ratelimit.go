package drs

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/time/rate"
)

// newLimiter returns the client's shared limiter, or nil for no limit.
func newLimiter(callsPerSecond float64, burst int) *rate.Limiter {
	if callsPerSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(callsPerSecond), burst)
}

// waitRateLimit blocks until the client may send another attempt, or until
// ctx ends. A wait that could not end before ctx's deadline fails at once,
// wrapping context.DeadlineExceeded.
func (c *Client) waitRateLimit(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	err := c.limiter.Wait(ctx)
	if err == nil || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if _, ok := ctx.Deadline(); ok {
		return fmt.Errorf("%v: %w", err, context.DeadlineExceeded)
	}
	return err
}
