package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

var demoJobs = []string{drstest.ExampleJobID, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID}

// demo needs no account and no environment: it runs the whole workflow
// against a built-in simulator and exits 0 although two demo jobs may not
// start (that is what it demonstrates).
func TestDemo(t *testing.T) {
	t.Parallel()
	res := runCLI(t, nil, "", "demo")
	expectExit(t, res, exitOK)
	for _, id := range demoJobs {
		assert.Contains(t, res.stdout, id)
	}
	assert.Contains(t, res.stdout, "passed")
	assert.Contains(t, res.stdout, "2 of 4 jobs passed (may start); 1 failed; 1 refused.")
	assert.Contains(t, res.stderr, "Simulated DRS at http://127.0.0.1:")
	assert.Contains(t, res.stderr, "The demo worked")
}

// Every --job and --jobs-file is read, in command-line order: a job of the
// first file is not dropped by the second (once a false pass: only the last
// file was kept). --jobs-file - reads stdin, with comments, blank lines, CRLF
// line ends and a byte order mark.
func TestJobsFilesAndStdin(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	wave1, wave2 := tempFile(t, "wave1.txt", drstest.FailingJobID+"\n"), tempFile(t, "wave2.txt", drstest.ExampleJobID+"\n")
	stdin := "\ufeff# wave 3, saved on Windows\r\n" + drstest.AlarmJobID + "\r\n\r\n  # later\r\n"
	res := runCLI(t, tokenEnv(srv), stdin, argv([]string{"run", "--wait", "-o", "json", "--mode", "forRetryJob", "--jobs-file", wave1,
		"--job", drstest.RunningJobID, "--jobs-file", wave2, "--jobs-file", "-"}, fastWait)...)
	expectExit(t, res, exitJobs)
	doc := parseJSONDoc(t, res.stdout)
	var got []string
	for _, j := range doc.Jobs {
		got = append(got, j.JobID)
	}
	assert.Equal(t, []string{drstest.FailingJobID, drstest.RunningJobID, drstest.ExampleJobID, drstest.AlarmJobID}, got,
		"every file, in command-line order; the byte order mark is not part of stdin's first ID")
	assert.Equal(t, "refused", doc.Jobs[0].Outcome, "the first file's job has its verdict")
	assert.Equal(t, "passed", doc.Jobs[1].Outcome, "forRetryJob checks a running job")
	assert.Equal(t, 3, doc.Summary.Refused, "forRetryJob is refused for jobs in CONFIGURATION")
}

// In process, a run leaves no goroutine behind: the client's connections
// are closed, the progress reporter and the retries are done. (Not parallel,
// so no other test's goroutines come and go meanwhile.)
func TestInProcessRunLeavesNoGoroutines(t *testing.T) {
	srv := newSim(t)
	// Credentials as options, as demo gives them.
	getenv := func(k string) string { return map[string]string{"DRS_ENDPOINT": srv.URL}[k] }
	creds := []drs.Option{drs.WithoutEnvironment(), drs.WithProjectID(srv.ProjectID), drs.WithToken(srv.Token)}
	before := goleak.IgnoreCurrent() // the simulator's listener

	for _, tc := range []struct {
		args []string
		want int
	}{
		{argv([]string{"run", "--wait", "--validate", "--verbose"}, fastWait, jobArgs(drstest.ExampleJobID, drstest.FailingJobID)), exitJobs},
		{argv([]string{"results", "--output", "json"}, jobArgs(drstest.ExampleJobID)), exitOK},
	} {
		var stdout, stderr bytes.Buffer
		a := newApp(strings.NewReader(""), &stdout, &stderr, getenv)
		a.clientOptions = creds
		code := a.run(context.Background(), tc.args)
		require.Equal(t, tc.want, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	goleak.VerifyNone(t, before)
}
