package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
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

// docSections names, per command, the sections of docs/CLI.md whose tables
// list its flags: together they must list exactly what `COMMAND --help` lists.
var docSections = map[string][]string{
	"run":        {"Flags of run, wait and results", "Flags of run and wait", "Flags of run only"},
	"wait":       {"Flags of run, wait and results", "Flags of run and wait"},
	"results":    {"Flags of run, wait and results"},
	"serve":      {"Flags of serve"},
	"demo":       {"Flags of demo"},
	"completion": {"Flags of completion"},
	"version":    nil,
}

var flagNameRE = regexp.MustCompile(`--[a-z][a-z0-9-]*`)

// helpFlags returns the flags a command's help lists: its lines "  --name ...".
func helpFlags(help string) []string {
	var flags []string
	for line := range strings.Lines(help) {
		if strings.HasPrefix(line, "  --") {
			flags = append(flags, flagNameRE.FindString(line))
		}
	}
	slices.Sort(flags)
	return flags
}

// docFlags returns the flags in the first column of the tables of the
// sections of doc headed "## <name>".
func docFlags(t *testing.T, doc string, sections []string) []string {
	t.Helper()
	var flags []string
	for _, name := range sections {
		_, body, found := strings.Cut(doc, "\n## "+name+"\n")
		require.True(t, found, "docs/CLI.md has no section %q", name)
		body, _, _ = strings.Cut(body, "\n## ")
		for line := range strings.Lines(body) {
			cells := strings.Split(line, "|")
			if len(cells) < 3 || !strings.HasPrefix(line, "|") {
				continue
			}
			flags = append(flags, flagNameRE.FindAllString(cells[1], -1)...)
		}
	}
	slices.Sort(flags)
	return flags
}

// Each command's help lists exactly its flags, and docs/CLI.md documents
// exactly those: a flag added to one and not the other fails here.
func TestHelpMatchesCLIDoc(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docs/CLI.md")
	require.NoError(t, err)
	doc := string(raw)
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sections, ok := docSections[c.name]
			require.True(t, ok, "docSections does not say where docs/CLI.md lists the flags of %s", c.name)
			res := runApp(t, nil, "", c.name, "--help")
			expectExit(t, res, exitOK)
			assert.Empty(t, res.stderr)
			assert.True(t, strings.HasPrefix(res.stdout, "Usage: drs-precheck "+c.name), "help of %s:\n%s", c.name, res.stdout)
			inHelp, inDoc := helpFlags(res.stdout), docFlags(t, doc, sections)
			assert.Equal(t, inDoc, inHelp, "flags in docs/CLI.md (%s) vs in `drs-precheck %s --help`:\n%s",
				strings.Join(sections, ", "), c.name, res.stdout)
		})
	}
}

// Every way of asking for help prints the same text on stdout, exit 0.
func TestHelpForms(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"help", "--help", "-h"} {
		res := runApp(t, nil, "", arg)
		expectExit(t, res, exitOK)
		assert.Contains(t, res.stdout, "Exit codes: 0 every job may start")
	}
	want := runApp(t, nil, "", "results", "--help")
	expectExit(t, want, exitOK)
	for _, args := range [][]string{{"results", "-h"}, {"help", "results"}, {"--help", "results"}, {"--region", "cn-north-4", "results", "--help"}} {
		res := runApp(t, nil, "", args...)
		expectExit(t, res, exitOK)
		assert.Equal(t, want.stdout, res.stdout, "drs-precheck %s", strings.Join(args, " "))
	}
	res := runApp(t, nil, "", "help", "nosuch")
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, `no help for "nosuch"`)
}

// A boolean flag of a command may come before the command too.
func TestSplitCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args     []string
		cmd      string
		rest     []string
		describe string
	}{
		{[]string{"run", "--wait"}, "run", []string{"--wait"}, "command first"},
		{[]string{"--region", "cn-north-4", "results", "--job", "j"}, "results", []string{"--job", "j", "--region", "cn-north-4"}, "a global flag's value is skipped"},
		{[]string{"--verbose", "run"}, "run", []string{"--verbose"}, "a global boolean flag takes no value"},
		{[]string{"--wait", "run", "--job", "j"}, "run", []string{"--job", "j", "--wait"}, "a command's boolean flag before the command"},
		{[]string{"--mode", "forRetryJob", "run"}, "run", []string{"--mode", "forRetryJob"}, "a command's flag with a value before the command"},
		{[]string{"--help", "serve"}, "--help", []string{"serve"}, "help for a command"},
		{[]string{"--output=json", "results"}, "results", []string{"--output=json"}, "flag=value"},
		{[]string{"--verbose"}, "", nil, "no command"},
	}
	for _, tc := range cases {
		cmd, rest := splitCommand(tc.args)
		assert.Equal(t, tc.cmd, cmd, tc.describe)
		assert.Equal(t, tc.rest, rest, tc.describe)
	}
}
