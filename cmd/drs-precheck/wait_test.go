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

// wait waits on pre-checks started elsewhere (here by run without --wait),
// with run --wait's progress, outputs and exit codes.
func TestWaitCommand(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run"}, jobArgs(drstest.ExampleJobID, drstest.FailingJobID))...)
	expectExit(t, res, exitOK)

	// The first poll comes after the pre-checks (at most 400 ms) are done: a
	// second poll would wait for drs's blind interval.
	wait := []string{"wait", "--first-poll-delay", "500ms", "--poll-interval", "1s"}
	res = runCLI(t, tokenEnv(srv), "", argv(wait, []string{"-o", "json"}, jobArgs(drstest.ExampleJobID))...)
	expectExit(t, res, exitOK)
	doc := parseJSONDoc(t, res.stdout)
	assert.Equal(t, "wait", doc.Command)
	assert.True(t, doc.Waited)
	assert.Equal(t, 1, doc.Summary.Passed)
	assert.Contains(t, res.stderr, "waiting for 1 pre-checks; first poll in 500ms")

	res = runCLI(t, tokenEnv(srv), "", argv(wait, []string{"--quiet"}, jobArgs(drstest.ExampleJobID, drstest.FailingJobID))...)
	expectExit(t, res, exitJobs)
	assert.Contains(t, res.stdout, "1 of 2 jobs passed (may start); 1 failed.")
	assert.Empty(t, res.stderr, "--quiet")

	// A job whose pre-check was never started is refused, as by results.
	res = runCLI(t, tokenEnv(srv), "", "wait", "--job", drstest.AlarmJobID)
	expectExit(t, res, exitJobs)
	assert.Contains(t, res.stdout, "refused")
	assert.Contains(t, res.stderr, "waiting for 1 pre-checks; first poll in 0s", "by default at once")
}
