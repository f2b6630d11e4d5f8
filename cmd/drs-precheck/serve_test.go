//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// serveProc is a running `drs-precheck serve`.
type serveProc struct {
	cmd     *exec.Cmd
	kill    context.CancelFunc // kills the process
	lines   chan string        // stdout lines; closed at EOF (the process exited)
	stdout  []string           // lines read so far
	stderr  bytes.Buffer
	stopped bool

	url, project string
}

var listeningRE = regexp.MustCompile(`^DRS simulator listening on (http://127\.0\.0\.1:[1-9][0-9]*) \(project ([0-9a-f]+)\)$`)

// startServe starts `drs-precheck serve --addr 127.0.0.1:0 args...` (args
// may give another --addr) and
// reads the URL it listens on from its stdout. The process is killed when
// the test ends if the test did not stop it.
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	ctx, kill := context.WithCancel(context.Background())
	p := &serveProc{kill: kill}
	if !slices.Contains(args, "--addr") {
		args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	}
	p.cmd = exec.CommandContext(ctx, cliPath, append([]string{"serve"}, args...)...)
	p.cmd.Env = cliEnv(t, nil)
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	p.lines = lineStream(out, 64)
	t.Cleanup(func() {
		if !p.stopped {
			kill()
			for range p.lines {
			}
			_ = p.cmd.Wait()
		}
	})

	// The first line names the URL; :0 must have become the real port.
	line := p.nextLine(t)
	m := listeningRE.FindStringSubmatch(line)
	require.NotNil(t, m, "serve's first line does not name the URL it listens on: %q", line)
	p.url, p.project = m[1], m[2]
	return p
}

// stop sends SIGTERM and waits for the process to exit, killing it if it has
// not exited within a generous bound; it returns the exit code.
func (p *serveProc) stop(t *testing.T) int {
	t.Helper()
	p.stopped = true
	stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	unregister := context.AfterFunc(stopCtx, p.kill) // a hung server is killed, and the test fails below
	defer unregister()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	for line := range p.lines {
		p.stdout = append(p.stdout, line)
	}
	err := p.cmd.Wait()
	p.kill()
	require.NoError(t, stopCtx.Err(), "serve did not exit after SIGTERM")
	checkNoRace(t, p.stderr.String())
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// env points the CLI at the serve process, with extra variables.
func (p *serveProc) env(extra ...string) []string {
	return append([]string{"DRS_ENDPOINT=" + p.url, "HUAWEICLOUD_SDK_PROJECT_ID=" + p.project}, extra...)
}

func TestServeProcess(t *testing.T) {
	t.Parallel()
	p := startServe(t, "--scenario", "testdata/fast-scenario.yaml")
	assert.Equal(t, "0a1b2c3d4e5f60718293a4b5c6d7e8f9", p.project, "the scenario's project ID")

	res := runCLI(t, p.env("HUAWEICLOUD_IAM_TOKEN=anything"), "",
		argv([]string{"run", "--wait", "--validate"}, fastWait, jobArgs(drstest.ExampleJobID, drstest.AlarmJobID))...)
	expectExit(t, res, exitOK)
	assert.Contains(t, res.stdout, "All 2 jobs passed: they may start.")

	res = runCLI(t, p.env("HUAWEICLOUD_IAM_TOKEN=anything"), "", argv([]string{"run", "--wait"}, fastWait,
		jobArgs(drstest.FailingJobID, drstest.RunningJobID))...)
	expectExit(t, res, exitJobs)
	assert.Contains(t, res.stdout, "0 of 2 jobs passed (may start); 1 failed; 1 refused.")

	res = runCLI(t, p.env("HUAWEICLOUD_IAM_TOKEN=anything"), "", "results", "--job", drstest.ExampleJobID)
	expectExit(t, res, exitOK)

	code := p.stop(t)
	assert.Equal(t, exitOK, code, "serve exits 0 on SIGTERM\nstderr:\n%s", p.stderr.String())
	stdout := strings.Join(p.stdout, "\n")
	assert.Contains(t, stdout, "try: DRS_ENDPOINT="+p.url+" HUAWEICLOUD_SDK_PROJECT_ID="+p.project)
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		args []string
		want string
	}{
		"ak without sk":    {[]string{"serve", "--ak", "AK"}, "--ak and --sk go together"},
		"bad addr":         {[]string{"serve", "--addr", "127.0.0.1:http-not-a-port"}, "--addr 127.0.0.1:http-not-a-port"},
		"missing scenario": {[]string{"serve", "--scenario", "testdata/no-such-scenario.yaml"}, "--scenario"},
		"bad project ID":   {[]string{"serve", "--project-id", "a/b"}, "project ID"},
		"stray argument":   {[]string{"serve", "now"}, `unexpected argument "now"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := runApp(t, nil, "", tc.args...)
			expectExit(t, res, exitUsage)
			assert.Contains(t, res.stderr, tc.want)
			assert.Empty(t, res.stdout)
		})
	}
}
