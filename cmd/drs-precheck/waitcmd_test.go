//go:build unix

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

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

// serve's try line names a job its scenario serves, with the mode that job
// needs, and works as printed.
func TestServeTryLineNamesAScenarioJob(t *testing.T) {
	t.Parallel()
	scenario := filepath.Join(t.TempDir(), "scenario.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte("jobs:\n  - id: only-job-of-this-scenario\n    state: INCRE_TRANSFER_STARTED\n    duration: 100ms\n"), 0o600))
	p := startServe(t, "--scenario", scenario)
	try := p.nextLine(t)
	assert.Contains(t, try, "drs-precheck run --job only-job-of-this-scenario --mode forRetryJob --wait")
	assert.NotContains(t, try, drstest.ExampleJobID)
	res := runCLI(t, p.env("HUAWEICLOUD_IAM_TOKEN=any-token"), "", argv([]string{"run", "--job", "only-job-of-this-scenario", "--mode", "forRetryJob", "--wait"}, fastWait)...)
	expectExit(t, res, exitOK)
	assert.Equal(t, exitOK, p.stop(t))
}
