package drs

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// Huawei locks an AK/SK pair for 5 minutes after more than 5 consecutive
// failed signatures, which is why the client never retries an
// authentication failure. Against the simulator, which locks like the
// gateway: each call with a wrong secret key costs exactly one request, so
// five such calls leave the key usable; a sixth locks it, and the client
// reports the lock as an authentication error, again without retrying.
func TestAuthFailuresAreNotRetriedAndTheLockIsReported(t *testing.T) {
	noLeaks(t)
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "job-1"}))
	newAKSKClient := func(secretKey string) *Client {
		rt, _ := simTransport(t, false)
		clk := newFakeClock()
		c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(srv.ProjectID),
			WithAKSK(srv.AccessKey, secretKey), WithHTTPClient(&http.Client{Transport: rt}),
			withClock(clk.now, clk.sleep)) // default retries: several attempts for what may be retried
		require.NoError(t, err)
		return c
	}
	wrong, right := newAKSKClient("not-the-secret-key"), newAKSKClient(srv.SecretKey)
	ctx := context.Background()
	precheck := func(c *Client) Outcome {
		t.Helper()
		before := srv.RequestCount()
		rep, err := c.Precheck(ctx, ModeStartJob, "job-1")
		require.NoError(t, err)
		require.Len(t, rep.Outcomes, 1)
		assert.Equal(t, 1, srv.RequestCount()-before, "one request per call: an authentication failure is not retried")
		return rep.Outcomes[0]
	}

	for range 5 {
		o := precheck(wrong)
		assert.Equal(t, Errored, o.State)
		assert.True(t, IsAuthentication(o.Err), "%v", o.Err)
		assert.False(t, IsRetryable(o.Err))
	}
	assert.Equal(t, Started, precheck(right).State, "five failures in a row do not lock the key")

	for range 6 {
		precheck(wrong)
	}
	o := precheck(right)
	assert.Equal(t, Errored, o.State, "the sixth failure in a row locked the key")
	assert.True(t, IsAuthentication(o.Err), "%v", o.Err)
	assert.Contains(t, o.Err.Error(), "locked")
	assert.NotContains(t, o.Err.Error(), srv.SecretKey)
}
