package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// -o is --output, for every command that prints a report (run's is in
// TestJobsFilesAndStdin), before the command too.
func TestShortOutputFlag(t *testing.T) {
	t.Parallel()
	res := runCLI(t, nil, "", "-o", "json", "demo", "--quiet")
	expectExit(t, res, exitOK)
	doc := parseJSONDoc(t, res.stdout)
	require.Len(t, doc.Jobs, len(demoJobs))
	var outcomes []string
	for i, id := range demoJobs {
		assert.Equal(t, id, doc.Jobs[i].JobID)
		outcomes = append(outcomes, doc.Jobs[i].Outcome)
	}
	assert.Equal(t, []string{"passed", "passed", "failed", "refused"}, outcomes)
	assert.NotContains(t, res.stderr, "Simulated DRS", "--quiet silences demo's introduction")
	assert.NotContains(t, res.stderr, "poll ", "and its progress")
}

// completion bash prints a script bash can load, completing commands and
// each command's flags.
func TestCompletionBash(t *testing.T) {
	t.Parallel()
	res := runApp(t, nil, "", "completion", "bash")
	expectExit(t, res, exitOK)
	script := tempFile(t, "c.bash", res.stdout)
	complete := func(words ...string) string {
		line := "source " + script + "; COMP_WORDS=(" + strings.Join(words, " ") + "); COMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "; _drs_precheck; echo \"${COMPREPLY[*]}\""
		out, err := exec.Command("bash", "-c", line).CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	assert.Equal(t, "run", complete("drs-precheck", "ru"))
	assert.Equal(t, "wait", complete("drs-precheck", "wa"))
	assert.Equal(t, "--jobs-file", complete("drs-precheck", "run", "--jobs-"))
	assert.Equal(t, "", complete("drs-precheck", "results", "--wa"), "results has no --wait")
	assert.Equal(t, "fish", complete("drs-precheck", "completion", "f"))

	for _, shell := range []string{"zsh", "fish"} {
		res := runApp(t, nil, "", "completion", shell)
		expectExit(t, res, exitOK)
		assert.Contains(t, res.stdout, "jobs-file", shell)
	}
	expectExit(t, runApp(t, nil, "", "completion", "tcsh"), exitUsage)
}

// A token file every user may read gets a warning, as ssh gives. (The
// cap on its size is in TestExitUsageSendsNothing.)
func TestTokenFileMode(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	open := tempFile(t, "token", srv.Token+"\n")
	require.NoError(t, os.Chmod(open, 0o644))
	res := runCLI(t, endpointEnv(srv), "", "results", "--job", drstest.ExampleJobID, "--token-file", open)
	expectExit(t, res, exitJobs) // authenticated; the job's pre-check was never started
	assert.Contains(t, res.stderr, "warning: --token-file "+open+" is readable by every user (mode 0644): chmod 600")
	assert.NotContains(t, res.output(), srv.Token)
	assert.Equal(t, 1, srv.RequestCount())
}

// A jobs file too large, a line too long to be a job ID, and more jobs
// than --max-jobs are refused before anything is sent, naming the file and
// line or the flag to raise.
func TestJobsCaps(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	huge := tempFile(t, "huge.txt", drstest.ExampleJobID+"\n"+strings.Repeat("# padding\n", 900<<10))
	longLine := tempFile(t, "long.txt", drstest.ExampleJobID+"\n"+strings.Repeat("x", 2<<20)+"\n")
	var ids strings.Builder
	for i := range 1001 {
		fmt.Fprintf(&ids, "job-%04d\n", i)
	}
	many := tempFile(t, "many.txt", ids.String())

	res := runApp(t, tokenEnv(srv), "", "run", "--jobs-file", huge)
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, "jobs file "+huge+" is larger than 8 MiB")
	res = runApp(t, tokenEnv(srv), "", "run", "--jobs-file", longLine)
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, longLine+`:2: job ID "`+strings.Repeat("x", 64)+`"... (2097152 bytes): 2097152 bytes long, over the 128-byte limit`)
	res = runApp(t, tokenEnv(srv), `["`+strings.Repeat("y", 5000)+`"]`, "run", "--jobs-file", "-", "--job", strings.Repeat("w", 100<<10))
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, `stdin[0]: job ID "`+strings.Repeat("y", 64)+`"... (5000 bytes): 5000 bytes long, over the 128-byte limit`)
	assert.Contains(t, res.stderr, `--job #1: job ID "`+strings.Repeat("w", 64)+`"... (102400 bytes): 102400 bytes long, over the 128-byte limit`)
	assert.Less(t, len(res.stderr), 1000, "the IDs are not printed whole")
	res = runApp(t, tokenEnv(srv), "", "run", "--jobs-file", many)
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, "1001 jobs given, more than --max-jobs 1000: raise --max-jobs")
	assert.Zero(t, srv.RequestCount())

	res = runCLI(t, tokenEnv(srv), "", "results", "--jobs-file", many, "--max-jobs", "1001", "-o", "json")
	expectExit(t, res, exitJobs)
	assert.Len(t, parseJSONDoc(t, res.stdout).Jobs, 1001, "a raised limit checks them all")
}

// Job IDs with characters a terminal does not show are refused, printed
// escaped, naming the file and line.
func TestInvisibleCharactersInJobIDs(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	file := tempFile(t, "wave.txt", "\ufeff"+drstest.ExampleJobID+"\n"+drstest.AlarmJobID+"\u200b\n\ufeff"+drstest.FailingJobID+"\n")
	res := runApp(t, tokenEnv(srv), "", "run", "--jobs-file", file, "--job", "a\u2060b")
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, file+`:2: job ID "`+drstest.AlarmJobID+`\u200b": an invisible character (U+200B)`)
	assert.Contains(t, res.stderr, file+`:3: job ID "\ufeff`+drstest.FailingJobID+`": an invisible character (U+FEFF)`)
	assert.Contains(t, res.stderr, `--job #1: job ID "a\u2060b"`)
	assert.NotContains(t, res.stderr, "\u200b", "never printed invisibly")
	assert.Zero(t, srv.RequestCount())
}
