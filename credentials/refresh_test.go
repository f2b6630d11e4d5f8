package credentials_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/credentials"
)

// gated is a provider whose calls wait for a release, then hand out keys
// valid for ttl, or fail.
type gated struct {
	now     func() time.Time
	ttl     time.Duration
	calls   atomic.Int32
	release chan struct{}
	fail    atomic.Bool
}

func (g *gated) Retrieve(ctx context.Context) (credentials.Credentials, error) {
	n := g.calls.Add(1)
	select {
	case <-g.release:
	case <-ctx.Done():
		return credentials.Credentials{}, ctx.Err()
	}
	if g.fail.Load() {
		return credentials.Credentials{}, &credentials.Error{Source: "instance metadata", Reason: "HTTP 500"}
	}
	return credentials.Credentials{AccessKey: "AK" + string(rune('0'+n)), SecretKey: "sk", SecurityToken: "st", Expires: g.now().Add(g.ttl), Source: "test"}, nil
}

// TestRefreshOnceForAll proves that keys are reused until RefreshBefore
// their expiry, then renewed by one call for all concurrent callers, and
// that a failed refresh is every waiting caller's error.
func TestRefreshOnceForAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gated{now: time.Now, ttl: time.Hour, release: make(chan struct{})}
		r := credentials.NewRefreshing(g, time.Now)
		ctx := context.Background()

		retrieveAll := func(n int) ([]credentials.Credentials, []error) {
			out, errs := make([]credentials.Credentials, n), make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { out[i], errs[i] = r.Retrieve(ctx) })
			}
			synctest.Wait() // every caller waits: one in the provider, the others for it
			close(g.release)
			wg.Wait()
			g.release = make(chan struct{})
			return out, errs
		}

		got, errs := retrieveAll(20)
		assert.Equal(t, int32(1), g.calls.Load(), "one fetch for 20 concurrent callers")
		for i := range got {
			require.NoError(t, errs[i])
			assert.Equal(t, "AK1", got[i].AccessKey)
		}

		time.Sleep(time.Hour - credentials.RefreshBefore - time.Second)
		c, err := r.Retrieve(ctx)
		require.NoError(t, err)
		assert.Equal(t, "AK1", c.AccessKey, "still fresh enough")
		assert.Equal(t, int32(1), g.calls.Load())

		time.Sleep(time.Second)
		got, errs = retrieveAll(10)
		assert.Equal(t, int32(2), g.calls.Load(), "one refresh for 10 concurrent callers")
		for i := range got {
			require.NoError(t, errs[i])
			assert.Equal(t, "AK2", got[i].AccessKey)
		}

		time.Sleep(time.Hour)
		g.fail.Store(true)
		_, errs = retrieveAll(10)
		assert.Equal(t, int32(3), g.calls.Load(), "a failed refresh is not repeated by each waiting caller")
		for _, err := range errs {
			var ce *credentials.Error
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, "credentials from instance metadata: HTTP 500", err.Error())
		}

		g.fail.Store(false)
		got, errs = retrieveAll(1)
		require.NoError(t, errs[0])
		assert.Equal(t, "AK4", got[0].AccessKey, "the next call tries again")
	})
}

// TestRefreshRefusesShortLivedKeys proves that keys expiring within
// RefreshBefore are an error, not a request that would fail on the way.
func TestRefreshRefusesShortLivedKeys(t *testing.T) {
	g := &gated{now: time.Now, ttl: credentials.RefreshBefore - time.Second, release: make(chan struct{})}
	close(g.release)
	_, err := credentials.NewRefreshing(g, time.Now).Retrieve(context.Background())
	require.ErrorContains(t, err, "too soon to use them")
}

// TestRefreshWaitEndsWithContext proves that a caller waiting for another's
// refresh leaves when its context ends.
func TestRefreshWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gated{now: time.Now, ttl: time.Hour, release: make(chan struct{})}
		r := credentials.NewRefreshing(g, time.Now)
		done := make(chan error)
		go func() { _, err := r.Retrieve(context.Background()); done <- err }()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := r.Retrieve(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		close(g.release)
		require.NoError(t, <-done)
	})
}

// TestPrintingHidesCachedKeys proves that no way of printing what Resolve
// returns shows a cached secret.
func TestPrintingHidesCachedKeys(t *testing.T) {
	g := &gated{now: time.Now, ttl: time.Hour, release: make(chan struct{})}
	close(g.release)
	r := credentials.NewRefreshing(g, time.Now)
	c, err := r.Retrieve(context.Background())
	require.NoError(t, err)
	found := credentials.Found{Provider: r, Description: "test"}
	static := credentials.Found{Provider: credentials.Static{AccessKey: "AK1", SecretKey: "static-secret-key", SecurityToken: "static-security-token"}}
	for _, v := range []any{r, found, &found, static, c} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, "static-secret")
			assert.NotContains(t, s, "static-security")
			assert.NotRegexp(t, `\bsk\b|\bst\b`, s, "%s of %T", verb, v)
		}
	}
}
