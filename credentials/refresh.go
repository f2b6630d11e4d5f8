package credentials

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// RefreshBefore is how long before their expiry temporary keys are
// replaced: longer than a request takes, so no request carries keys that
// expire on the way (the metadata service hands out new keys 10 minutes
// before the old ones expire).
const RefreshBefore = 5 * time.Minute

// maxCacheTime bounds how long keys are kept, whatever their expiry says
// (Huawei's temporary keys last at most 24 hours).
const maxCacheTime = 24 * time.Hour

// Refreshing caches the credentials of a Provider and asks it again when
// fewer than RefreshBefore remain: once for all concurrent callers, who
// wait for that one refresh (or their context). A failed refresh is every
// waiting caller's error; the next call tries again.
type Refreshing struct {
	p     Provider
	clock func() time.Time // nil: time.Now

	slot chan struct{} // held by the caller that refreshes

	mu       sync.Mutex
	cur      Credentials
	deadline time.Time // when cur must be replaced; zero: none yet
	gen      uint64    // counts finished refreshes
	err      error     // the last refresh's error
}

// String describes r without secrets.
func (r *Refreshing) String() string { return fmt.Sprintf("credentials.Refreshing{%v}", r.p) }

// Format prints String for every verb: the cached keys are never printed.
func (r *Refreshing) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// NewRefreshing wraps p; now is the clock (nil: time.Now).
func NewRefreshing(p Provider, now func() time.Time) *Refreshing {
	return &Refreshing{p: p, clock: now, slot: make(chan struct{}, 1)}
}

// usable returns the cached credentials and whether they need no refresh.
// Called with r.mu held.
func (r *Refreshing) usable() (Credentials, bool) {
	return r.cur, !r.deadline.IsZero() && now(r.clock).Before(r.deadline)
}

// Retrieve returns credentials that stay valid for at least RefreshBefore.
func (r *Refreshing) Retrieve(ctx context.Context) (Credentials, error) {
	r.mu.Lock()
	c, ok := r.usable()
	gen := r.gen
	r.mu.Unlock()
	if ok {
		return c, nil
	}
	select {
	case r.slot <- struct{}{}:
	case <-ctx.Done():
		return Credentials{}, ctx.Err()
	}
	defer func() { <-r.slot }()

	r.mu.Lock()
	c, ok = r.usable()
	refreshed, err := r.gen != gen, r.err // by another caller while this one waited
	r.mu.Unlock()
	switch {
	case ok:
		return c, nil
	case refreshed && err != nil:
		return Credentials{}, err
	}

	c, err = r.p.Retrieve(ctx)
	if err != nil && ctx.Err() != nil {
		return Credentials{}, err // this caller gave up; the others try themselves
	}
	at := now(r.clock)
	deadline := at.Add(maxCacheTime)
	if err == nil && !c.Expires.IsZero() {
		if d := c.Expires.Add(-RefreshBefore); d.Before(deadline) {
			deadline = d
		}
		if !at.Before(deadline) {
			err = &Error{Source: c.Source, Reason: fmt.Sprintf("the new keys expire at %s, in less than %s: too soon to use them",
				c.Expires.UTC().Format(time.RFC3339), RefreshBefore)}
		}
	}
	if err != nil {
		c, deadline = Credentials{}, time.Time{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen, r.err = r.gen+1, err
	r.cur, r.deadline = c, deadline
	return c, err
}
