package drs

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// lockoutServer is a simulator with one real job; its AK/SK lockout (more
// than 5 consecutive failed signatures lock the key) is always on.
func lockoutServer(t *testing.T) *drstest.Server {
	return drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "real-job"}))
}

// akskClient signs with srv's access key and sk, on the wall clock (the
// simulator checks X-Sdk-Date against it) with sleeps that return at once.
func akskClient(t *testing.T, srv *drstest.Server, sk string, opts ...Option) *Client {
	clk := newFakeClock()
	base := []Option{WithProjectID(srv.ProjectID), withAKSK(srv.AccessKey, sk, ""), withClock(time.Now, clk.sleep)}
	return newClient(t, srv.URL, srv.Client(), nil, append(base, opts...)...)
}

func manyJobs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("job-%02d", i)
	}
	return ids
}

// TestBadCredentialsNeverLockTheKey proves that with a wrong secret key, each
// call of 60 jobs (6 batches, 4 at a time) sends exactly one request, which
// fails authentication (a wait stops at once and says why); that every job
// is NoAnswer with ErrAuthentication; and that the key is not locked
// afterwards.
func TestBadCredentialsNeverLockTheKey(t *testing.T) {
	jobs := manyJobs(60)
	calls := map[string]func(c *Client) (*Report, error){
		"Precheck":        func(c *Client) (*Report, error) { return c.Precheck(bg, ModeStartJob, jobs) },
		"Results":         func(c *Client) (*Report, error) { return c.Results(bg, jobs) },
		"Wait":            func(c *Client) (*Report, error) { return c.Wait(bg, jobs, WithFirstPollDelay(0)) },
		"PrecheckAndWait": func(c *Client) (*Report, error) { return c.PrecheckAndWait(bg, ModeStartJob, jobs) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			srv := lockoutServer(t)
			bad := akskClient(t, srv, "wrong-"+srv.SecretKey)
			rep, err := call(bad)
			require.NotNil(t, rep)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrAuthentication)
			assert.Equal(t, 1, srv.RequestCount(), "one request, which fails authentication")
			require.Len(t, rep.Verdicts, len(jobs))
			notSent := 0
			for _, v := range rep.Verdicts {
				assert.Equal(t, NoAnswer, v.State, v.JobID)
				assert.ErrorIs(t, v.Err, ErrAuthentication, v.JobID)
				var tErr *TransportError
				if errors.As(v.Err, &tErr) {
					assert.Zero(t, tErr.Attempts)
					assert.Contains(t, tErr.Error(), "not sent")
					notSent++
				}
			}
			assert.Equal(t, len(jobs)-MaxBatchSize, notSent, "every batch but the first was not sent")
			if name == "Wait" {
				assert.Equal(t, 1, rep.Polls)
				assert.Contains(t, err.Error(), "the wait stopped after 1 poll: ", "the wait stops at once and says why")
			}

			good := akskClient(t, srv, srv.SecretKey)
			rep, err = good.Precheck(bg, ModeStartJob, []string{"real-job"})
			require.NoError(t, err, "the key is not locked")
			assert.Equal(t, InProgress, rep.Verdicts[0].State)
		})
	}
}

// TestLockoutIsReal checks the measure the test above relies on: six calls
// of one failed request each do lock the key, so one failed request per call
// is what keeps it usable.
func TestLockoutIsReal(t *testing.T) {
	srv := lockoutServer(t)
	bad := akskClient(t, srv, "wrong-"+srv.SecretKey)
	for range 6 {
		_, err := bad.Results(bg, []string{"real-job"})
		require.ErrorIs(t, err, ErrAuthentication)
	}
	assert.Equal(t, 6, srv.RequestCount())
	good := akskClient(t, srv, srv.SecretKey)
	_, err := good.Results(bg, []string{"real-job"})
	assert.ErrorIs(t, err, ErrAuthentication, "the key is locked after more than 5 failures")
}
