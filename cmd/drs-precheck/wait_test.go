package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// A wait whose every poll fails is an API error (exit 3), with the last
// failure on stderr: no job got a verdict.
func TestWaitWhoseEveryPollFailsExits3(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	require.NoError(t, srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: 503, Operation: drstest.OpBatchCheckResults, Count: 1 << 20}))
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--first-poll-delay", "100ms", "--poll-interval", "1s", "--timeout", "2500ms"},
		jobArgs(drstest.ExampleJobID))...)
	expectExit(t, res, exitAPIError)
	assert.Contains(t, res.stdout, "no_answer")
	assert.Contains(t, res.stderr, "1 job got no answer")
	assert.Contains(t, res.stderr, "APIGW.0613: IAM is unavailable.", "the last poll's error")
	assert.NotContains(t, res.stderr, "average", "no progress is claimed for jobs without an answer")
	assert.GreaterOrEqual(t, countRequests(srv, drstest.OpBatchCheckResults, nil), 1)
}

// A --timeout shorter than the first poll delay still polls before it ends,
// and says so at once.
func TestTimeoutShorterThanFirstPollStillPolls(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--timeout", "2s"}, jobArgs(drstest.ExampleJobID))...)
	assert.Contains(t, res.stderr, "started 1 of 1 pre-checks; first poll in 1s")
	assert.GreaterOrEqual(t, countRequests(srv, drstest.OpBatchCheckResults, nil), 1, "one poll before the timeout")
	assert.Contains(t, []int{exitOK, exitJobs}, res.code, "a verdict or in progress, never no answer: %s", res.stderr)
}

// A poll interval below the library's floor is refused by its flag, exit 2,
// before anything is sent: no flag can make the CLI flood the API.
func TestPollIntervalBelowTheFloorIsRefused(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--poll-interval", "1ns"}, jobArgs(drstest.ExampleJobID))...)
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, "--poll-interval: the poll interval must be at least 1s; got 1ns")
	assert.Zero(t, countRequests(srv, "", nil), "nothing sent")
}
