package bench

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/drsclient/drs-precheck/drs"
)

// newOursClient builds our client for endpoint: no retries (one attempt per
// call), no rate limit (the default), otherwise its defaults (30 s
// per-attempt timeout, 12 MB response cap, batches of 10, 4 calls at once),
// sending through rt. auth is drs.WithToken(...) or drs.WithAKSK(...).
func newOursClient(tb testing.TB, endpoint string, auth drs.Option, rt http.RoundTripper, extra ...drs.Option) *drs.Client {
	tb.Helper()
	opts := append([]drs.Option{
		drs.WithoutEnvironment(),
		drs.WithEndpoint(endpoint),
		drs.WithProjectID(projectID),
		auth,
		drs.WithHTTPClient(&http.Client{Transport: rt}),
		drs.WithRetry(drs.RetryPolicy{MaxAttempts: 1}),
	}, extra...)
	c, err := drs.New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// oneJob is the job list of every one-job call. It is built once, as a
// caller's list would be: the benchmarks time the call, not the slice.
var oneJob = []string{jobID}

// oursCall starts the pre-check of the one job with Precheck and checks the
// verdict: started, with the pre-check ID and request ID of the answer.
func oursCall(ctx context.Context, c *drs.Client) error {
	rep, err := c.Precheck(ctx, drs.ModeStartJob, oneJob)
	if err != nil {
		return err
	}
	if v := rep.Verdicts[0]; v.State != drs.InProgress || v.PrecheckID != jobID || v.RequestID != requestID {
		return fmt.Errorf("ours: unexpected verdict %+v", v)
	}
	return nil
}
