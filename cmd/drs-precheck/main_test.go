package main

// Most tests drive the CLI as scripts and CI do: a separate process, built
// once by TestMain, with an environment the test controls completely, against
// a drstest simulator on loopback.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/drstest"
)

// cliPath is the drs-precheck binary TestMain built.
var cliPath string

// TestMain builds the CLI once (with -race when the tests run with it, so
// that a race in the CLI fails its test), and fails the tests if a goroutine
// of the test process outlives them.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "drs-precheck-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "TestMain:", err)
		os.Exit(2)
	}
	cliPath, err = buildCLI(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "TestMain:", err)
		_ = os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: goroutines outlived the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// coverDir, from DRS_CLI_COVERDIR, has the CLI built with coverage and its
// processes write their counters there, for `make cover`.
var coverDir = os.Getenv("DRS_CLI_COVERDIR")

// buildCLI builds this package into dir with the go command on PATH (go test
// puts its own first).
func buildCLI(dir string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("cannot find the go command to build the CLI: %w", err)
	}
	out := filepath.Join(dir, "drs-precheck")
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	if coverDir != "" {
		args = append(args, "-cover", "-coverpkg=github.com/drsclient/drs-precheck/...")
	}
	args = append(args, ".")
	cmd := exec.Command(goCmd, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// result is what one run of the CLI produced.
type result struct {
	code           int
	stdout, stderr string
}

// output is stdout and stderr together, for "appears nowhere" assertions.
func (r result) output() string { return r.stdout + r.stderr }

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// cliTimeout bounds one CLI run, so that a hang fails its test.
const cliTimeout = 60 * time.Second

// runCLI runs the CLI with exactly env (plus PATH and a private HOME), stdin,
// and args, and returns its exit code and output.
func runCLI(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliPath, args...)
	cmd.Env = cliEnv(t, env)
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("drs-precheck %s did not finish within %s\n%s", strings.Join(args, " "), cliTimeout, res)
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("drs-precheck %s: %v", strings.Join(args, " "), err)
	}
	checkNoRace(t, res.stderr)
	return res
}

// runApp runs the CLI in-process as runCLI runs its process, for runs that
// end before any request (help, usage errors): the same result at a fraction
// of a -race process's cost.
func runApp(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range cliEnv(t, env) {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var stdout, stderr strings.Builder
	a := newApp(strings.NewReader(stdin), &stdout, &stderr, func(k string) string { return vars[k] })
	code := a.run(context.Background(), args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// cliEnv is the whole environment of a CLI process: PATH, a private HOME,
// and env; never the HUAWEICLOUD_* credentials of whoever runs the tests. The
// credential chain is pinned to the environment (env may pin another), so
// that no test asks the link-local metadata service.
func cliEnv(t *testing.T, env []string) []string {
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "DRS_CREDENTIAL_SOURCE=environment"}
	if coverDir != "" {
		base = append(base, "GOCOVERDIR="+coverDir)
	}
	if raceEnabled {
		// A -race binary sleeps 1 s at exit by default; the CLI's goroutines
		// are done by then.
		base = append(base, "GORACE=atexit_sleep_ms=50")
	}
	return append(base, env...)
}

// checkNoRace fails the test when a -race build of the CLI reported a race.
func checkNoRace(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "WARNING: DATA RACE") {
		t.Errorf("the CLI process reported a data race:\n%s", stderr)
	}
}

// expectExit fails the test unless the run exited with want.
func expectExit(t *testing.T, res result, want int) {
	t.Helper()
	if res.code != want {
		t.Fatalf("exit code %d, want %d\n%s", res.code, want, res)
	}
}

// Fast polling: the first poll comes after the fast scenario's pre-checks
// are done, so that a wait ends at its first poll.
var fastWait = []string{"--first-poll-delay", "500ms", "--poll-interval", "1s", "--timeout", "30s"}

// newSim starts a simulator with the demo's scenario (ExampleJobID passes,
// AlarmJobID passes with an ALARM, FailingJobID fails, RunningJobID is refused
// in mode forStartJob) and opts.
func newSim(t *testing.T, opts ...drstest.Option) *drstest.Server {
	t.Helper()
	return drstest.NewServer(t, append([]drstest.Option{drstest.WithScenario(demoScenario())}, opts...)...)
}

// endpointEnv points the CLI at srv's URL and project, without credentials.
func endpointEnv(srv *drstest.Server) []string {
	return []string{"DRS_ENDPOINT=" + srv.URL, "HUAWEICLOUD_SDK_PROJECT_ID=" + srv.ProjectID}
}

// tokenEnv points the CLI at srv with the IAM token srv accepts.
func tokenEnv(srv *drstest.Server) []string {
	return append(endpointEnv(srv), "HUAWEICLOUD_IAM_TOKEN="+srv.Token)
}

// argv joins argument lists, for "run" + jobs + fastWait and the like.
func argv(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// jobArgs is --job ID for each id.
func jobArgs(ids ...string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, "--job", id)
	}
	return out
}

// countRequests counts the requests srv received for op (all when op is "")
// that match keep (all when nil).
func countRequests(srv *drstest.Server, op string, keep func(drstest.Request) bool) int {
	n := 0
	for _, r := range srv.Requests() {
		if (op == "" || r.Operation == op) && (keep == nil || keep(r)) {
			n++
		}
	}
	return n
}

// assertOnlyProgress fails the test unless stderr holds progress lines only:
// a run that got its answers has nothing else to say there.
func assertOnlyProgress(t *testing.T, stderr string) {
	t.Helper()
	for line := range strings.Lines(stderr) {
		if !strings.HasPrefix(line, "poll ") && !strings.HasPrefix(line, "started ") {
			t.Errorf("unexpected line on stderr: %q\nstderr:\n%s", line, stderr)
		}
	}
}

// tempFile writes content to a new file called name, and returns its path.
func tempFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}
