//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// serveProc is a running `drs-precheck serve`, its stdout read line by line.
type serveProc struct {
	*proc
	url, project string
}

var listeningRE = regexp.MustCompile(`^DRS simulator listening on (http://127\.0\.0\.1:[1-9][0-9]*) \(project ([0-9a-f]+)\)$`)

// startServe starts `drs-precheck serve --addr 127.0.0.1:0 args...` (args
// may give another --addr) and reads the URL it listens on from its stdout.
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	if !slices.Contains(args, "--addr") {
		args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	}
	p := &serveProc{proc: startProc(t, nil, nil, nil, cliPath, append([]string{"serve"}, args...)...)}
	// The first line names the URL; :0 must have become the real port.
	line := p.waitLine(t, "")
	m := listeningRE.FindStringSubmatch(line)
	require.NotNil(t, m, "serve's first line does not name the URL it listens on: %q", line)
	p.url, p.project = m[1], m[2]
	return p
}

// stop sends SIGTERM and returns the exit code.
func (p *serveProc) stop(t *testing.T) int {
	t.Helper()
	p.signal(t, syscall.SIGTERM)
	code, _ := p.exit(t)
	return code
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
}

// serve's "try:" line authenticates the way serve was started, names a job
// its scenario serves with the mode that job needs, and works when run by a
// shell as printed (with the secret in the variable it names); the secret
// itself is never printed. Other credentials are refused. On every address
// (0.0.0.0), the line names a URL on loopback.
func TestServeTryLine(t *testing.T) {
	t.Parallel()
	retryScenario := tempFile(t, "scenario.yaml", "jobs:\n  - id: only-job-of-this-scenario\n    state: INCRE_TRANSFER_STARTED\n    duration: 100ms\n")
	cases := map[string]struct {
		serveArgs []string
		shellEnv  []string // what the user sets before pasting the line
		want      string
		refused   [][]string // credentials serve refuses
	}{
		"any token, every address": {[]string{"--addr", "0.0.0.0:0"}, nil, "HUAWEICLOUD_IAM_TOKEN=any-token ", nil},
		"a job that needs forRetryJob": {[]string{"--scenario", retryScenario}, nil,
			" drs-precheck run --job only-job-of-this-scenario --mode forRetryJob --wait", nil},
		"token": {[]string{"--token", secretToken}, []string{"TOKEN=" + secretToken}, `HUAWEICLOUD_IAM_TOKEN="$TOKEN" `,
			[][]string{{"HUAWEICLOUD_IAM_TOKEN=another-token"}}},
		"AK/SK": {[]string{"--ak", "TRYAK000000000000001", "--sk", secretSK}, []string{"SK=" + secretSK},
			`HUAWEICLOUD_SDK_AK=TRYAK000000000000001 HUAWEICLOUD_SDK_SK="$SK" `,
			[][]string{{"HUAWEICLOUD_SDK_AK=TRYAK000000000000001", "HUAWEICLOUD_SDK_SK=a-wrong-key"}, {"HUAWEICLOUD_IAM_TOKEN=any-token"}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !slices.Contains(tc.serveArgs, "--scenario") {
				tc.serveArgs = append(tc.serveArgs, "--scenario", "testdata/fast-scenario.yaml")
			}
			p := startServe(t, tc.serveArgs...)
			try := p.waitLine(t, "")
			require.True(t, strings.HasPrefix(try, "try: DRS_ENDPOINT="+p.url+" HUAWEICLOUD_SDK_PROJECT_ID="+p.project+" "), try)
			assert.Contains(t, try, tc.want)
			if name == "AK/SK" {
				assert.NotContains(t, try, "HUAWEICLOUD_IAM_TOKEN", "serve started with --ak accepts no token")
			}

			// Run the line as a shell would, with the CLI on PATH, fast polling,
			// and every exchange checked against openapi.yaml.
			line := strings.TrimPrefix(try, "try: ") + " " + strings.Join(fastWait, " ") + " --validate"
			ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, "sh", "-c", line)
			cmd.Env = append(cliEnv(t, tc.shellEnv), "PATH="+filepath.Dir(cliPath)+string(os.PathListSeparator)+os.Getenv("PATH"))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			require.NoError(t, cmd.Run(), "%s\n%s", line, out.String())
			job, _, _ := strings.Cut(strings.SplitAfter(try, "--job ")[1], " ")
			assert.Contains(t, out.String(), job)

			for _, env := range tc.refused {
				res := runCLI(t, p.env(env...), "", "run", "--job", drstest.ExampleJobID)
				expectExit(t, res, exitAPIError)
				assert.Contains(t, res.stderr, "APIGW.0301")
				assert.Contains(t, res.stdout, "HTTP 401 APIGW.0301")
				assert.NotContains(t, res.output(), secretSK)
				assert.NotContains(t, res.output(), secretToken)
			}

			assert.Equal(t, exitOK, p.stop(t), "serve exits 0 on SIGTERM\nstderr:\n%s", p.other.String())
			for _, secret := range []string{secretToken, secretSK} {
				assert.NotContains(t, strings.Join(p.seen, "\n")+p.other.String(), secret)
			}
		})
	}
}
