package bench

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/drsclient/drs-precheck/drs"
)

// newOursClient builds our client for endpoint: no retries (WithoutRetries),
// no rate limit (the default), otherwise its defaults (30 s per-attempt
// timeout, 12 MB response cap, batches of 10, 4 calls at once), sending
// through rt. auth is drs.WithToken(...) or drs.WithAKSK(...).
func newOursClient(tb testing.TB, endpoint string, auth drs.Option, rt http.RoundTripper, extra ...drs.Option) *drs.Client {
	tb.Helper()
	opts := append([]drs.Option{
		drs.WithoutEnvironment(),
		drs.WithEndpoint(endpoint),
		drs.WithProjectID(projectID),
		auth,
		drs.WithHTTPClient(&http.Client{Transport: rt}),
		drs.WithoutRetries(),
	}, extra...)
	c, err := drs.New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// oursCall starts the pre-check of the one job with Precheck and checks the
// outcome.
func oursCall(ctx context.Context, c *drs.Client) error {
	rep, err := c.Precheck(ctx, drs.ModeStartJob, jobID)
	if err != nil {
		return err
	}
	if !rep.AllStarted() {
		return rep.Err()
	}
	if o := rep.Outcomes[0]; o.PrecheckID != jobID || o.RequestID != requestID {
		return fmt.Errorf("ours: unexpected outcome %+v", o)
	}
	return nil
}
