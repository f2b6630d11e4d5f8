package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	junit "github.com/joshdk/go-junit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

var githubEnv = map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/runner/step-summary.md"}

func TestGitHubActions(t *testing.T) {
	t.Parallel()
	ta := newOutApp(githubEnv)
	err := ta.writeReport(sampleDoc(), formatJSON)
	assert.Equal(t, exitAPIError, ta.exitCode(err), "the exit code does not depend on GitHub")

	parseJSONDoc(t, ta.stdout.String()) // stdout is still the JSON document alone
	assert.Equal(t, strings.Join([]string{
		"::error title=drs-precheck%3A job job-failed failed::pre-check failed: 2 items failed%0Arequest req-fail" +
			"%0AFAILED db_user_privilege/srcDbUserPrivilege: lacks REPLICATION SLAVE%0AFAILED db_params/srcTableEngineCheck: MyISAM tables",
		"::error title=drs-precheck%3A job job-refused refused::refused: DRS.M00304: the job is not in CONFIGURATION" +
			"%0ADRS.M00304: the job is not in CONFIGURATION (request req-start)",
		"::error title=drs-precheck%3A job job-in-progress in_progress::in progress (40%25)%0Athe wait timed out (request req-poll)",
		"::error title=drs-precheck%3A job job-no-answer no_answer::no answer: HTTP 401" +
			"%0AHTTP 401 APIGW.0301: Incorrect IAM authentication information (request req-401); " + credentialsRemedy,
		"::warning title=drs-precheck%3A job job-passed alarm::db_params/dstDbCharacterSetCheck: character sets differ",
		"drs-precheck: 1 job got no answer (API or network error): APIGW.0301: Incorrect IAM authentication information; " + credentialsRemedy,
		"",
	}, "\n"), ta.stderr.String(), "annotations on stderr: an error per job that may not start, a warning per alarm")

	var md bytes.Buffer
	require.NoError(t, writeMarkdown(&md, sampleDoc(), 0))
	require.Contains(t, ta.files, "/runner/step-summary.md")
	assert.Equal(t, md.String(), ta.files["/runner/step-summary.md"].String(), "the markdown report is the step summary")

	// A second step appends to the same file.
	ta.stdout.Reset()
	assert.Equal(t, exitAPIError, ta.exitCode(ta.writeReport(sampleDoc(), formatTable)))
	assert.Equal(t, md.String()+md.String(), ta.files["/runner/step-summary.md"].String(), "appended, never truncated")
	assert.NotContains(t, ta.stdout.String(), "::", "the table on stdout has no workflow command")
}

func TestGitHubActionsOnlyWhenSet(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "false", "1", "TRUE"} {
		ta := newOutApp(map[string]string{"GITHUB_ACTIONS": v, "GITHUB_STEP_SUMMARY": "/s.md"})
		_ = ta.writeReport(sampleDoc(), formatTable)
		assert.NotContains(t, ta.stderr.String(), "::", "GITHUB_ACTIONS=%q", v)
		assert.Empty(t, ta.files, "GITHUB_ACTIONS=%q", v)
	}
	// Without GITHUB_STEP_SUMMARY there are annotations but no summary.
	ta := newOutApp(map[string]string{"GITHUB_ACTIONS": "true"})
	_ = ta.writeReport(sampleDoc(), formatTable)
	assert.Contains(t, ta.stderr.String(), "::error ")
	assert.Empty(t, ta.files)
}

// Started pre-checks are what run without --wait asks for: no error for them.
func TestGitHubAnnotationsStartOnly(t *testing.T) {
	t.Parallel()
	d := &document{Schema: schemaVersion, Command: "run", Mode: "forStartJob"}
	d.add(jobReport{JobID: "a", Outcome: outcomeInProgress, Summary: "pre-check started"})
	d.add(jobReport{JobID: "b", Outcome: outcomeRefused, Summary: "refused"})
	ta := newOutApp(githubEnv)
	_ = ta.writeReport(d, formatTable)
	assert.Equal(t, "::error title=drs-precheck%3A job b refused::refused\n", ta.stderr.String())
}

func TestGitHubSummaryFailureIsAWarning(t *testing.T) {
	t.Parallel()
	ta := newOutApp(githubEnv)
	ta.openErr = errors.New("open /runner/step-summary.md: permission denied")
	d := &document{Schema: schemaVersion, Command: "results"}
	d.add(jobReport{JobID: "a", Outcome: outcomePassed, Summary: "may start"})
	assert.NoError(t, ta.writeReport(d, formatTable), "the report was printed: the exit code stays 0")
	assert.Equal(t, "::warning title=drs-precheck::cannot append the report to GITHUB_STEP_SUMMARY: open /runner/step-summary.md: permission denied\n",
		ta.stderr.String())
}

// GitHub shows 10 annotations of each kind per step: the tenth counts the rest.
func TestGitHubAnnotationsCapped(t *testing.T) {
	t.Parallel()
	d := &document{Schema: schemaVersion, Command: "results"}
	for i := range 25 {
		d.add(jobReport{JobID: fmt.Sprintf("job-%02d", i), Outcome: outcomeFailed, Summary: "failed",
			Alarms: []checkItem{{Item: "a", Result: "ALARM"}, {Item: "b", Result: "ALARM"}}})
	}
	var w bytes.Buffer
	writeAnnotations(&w, d)
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	require.Len(t, lines, 2*maxAnnotations)
	assert.Equal(t, "::error title=drs-precheck%3A job job-08 failed::failed", lines[8])
	assert.Equal(t, "::error title=drs-precheck::… and 16 more jobs may not start: see the step summary or the report", lines[9])
	assert.Equal(t, "::warning title=drs-precheck%3A job job-04 alarm::a: -", lines[18])
	assert.Equal(t, "::warning title=drs-precheck::… and 41 more alarms: see the step summary or the report", lines[19])
}

// However many items fail, an ::error names at most maxAnnotationItems of
// them and says how many more there are, and no annotation is longer than
// its cap.
func TestGitHubAnnotationsBoundedPerJob(t *testing.T) {
	t.Parallel()
	d := &document{Schema: schemaVersion, Command: "results"}
	var items []checkItem
	for i := range 1000 {
		items = append(items, checkItem{Item: fmt.Sprintf("item-%d", i), Reason: strings.Repeat("r", 100)})
	}
	d.add(jobReport{JobID: "many", Outcome: outcomeFailed, Summary: "pre-check failed", Failed: items})
	d.add(jobReport{JobID: "huge", Outcome: outcomeFailed, Summary: strings.Repeat("é", 100_000),
		Alarms: []checkItem{{Item: "a", Reason: strings.Repeat("w", 100_000)}}})
	d.add(jobReport{JobID: strings.Repeat("j", 10_000), Outcome: outcomeRefused, Summary: "refused"})
	var w bytes.Buffer
	writeAnnotations(&w, d)
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	require.Len(t, lines, 4)
	msg := strings.Split(lines[0][strings.LastIndex(lines[0], "::")+2:], "%0A")
	require.Len(t, msg, 1+maxAnnotationItems+1, "summary, %d items, the rest counted", maxAnnotationItems)
	assert.Equal(t, "FAILED item-4: "+strings.Repeat("r", 100), msg[maxAnnotationItems])
	assert.Equal(t, "… and 995 more failed items: see the step summary or the report", msg[maxAnnotationItems+1])
	for _, l := range lines {
		assert.LessOrEqual(t, len(l), 3*(maxAnnotationText+maxAnnotationTitle)+40, "an annotation within its cap")
		assert.True(t, utf8.ValidString(l), "cut on a rune boundary")
	}
	assert.True(t, strings.HasSuffix(lines[1], " …(cut)"), "a cut text says so")
	assert.True(t, strings.HasSuffix(lines[3], " …(cut)"), "a cut alarm says so")
	assert.Contains(t, lines[2], "::error title=drs-precheck%3A job jjj")
}

// No text can end a workflow command early or start another: %, CR and LF
// are escaped everywhere, : and , in the title too, and a line of the
// annotations is exactly one command.
func TestWorkflowCommandEscaping(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "::error title=a%3A b%2C c%25 d e::x%25y%0Dz%0A::stop-commands::t, u: v",
		workflowCommand("error", "a: b, c% d\ne", "x%y\rz\n::stop-commands::t, u: v"))

	ta := newOutApp(githubEnv)
	_ = ta.writeReport(hostileDoc(), formatJUnit)
	for line := range strings.Lines(ta.stderr.String()) {
		if strings.HasPrefix(line, "drs-precheck: ") {
			continue // the exit error
		}
		assert.Regexp(t, `^::(error|warning) title=[^:,\r\n]*::[^\r\n]*\n$`, line)
		assert.NotContains(t, line, "\x1b")
	}
	assert.Contains(t, ta.stderr.String(), "::error title=drs-precheck%3A job job <&\"'> ]]> failed::"+
		`failed\x1b[31m red\x00 \x07%0AFAILED i]]>: line one ::error::injected ::add-mask::x \x1b]0;title\x07`+"\n")
	assert.Contains(t, ta.stderr.String(), "::warning title=drs-precheck%3A job job <&\"'> ]]> alarm::a: alarm ::warning::fake\n")
	assertNoCommands(t, ta.stdout.String())
	assertNoCommands(t, ta.files["/runner/step-summary.md"].String())
}

// The CLI as CI runs it, under GitHub Actions: run --wait --output junit
// against the simulator prints the JUnit document alone on stdout,
// annotations on stderr, and creates the summary, then appends to it.
func TestGitHubActionsProcess(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	summary := filepath.Join(t.TempDir(), "step_summary.md")
	env := append(tokenEnv(srv), "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY="+summary)
	ids := []string{drstest.ExampleJobID, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID}
	args := argv([]string{"run", "--wait", "--output", "junit"}, fastWait, jobArgs(ids...))

	res := runCLI(t, env, "", args...)
	expectExit(t, res, exitJobs)
	s, _ := parseJUnit(t, res.stdout)
	require.Len(t, s.Tests, 5)
	assert.Equal(t, junit.Totals{Tests: 5, Passed: 2, Skipped: 1, Failed: 2}, s.Totals)
	assert.Equal(t, junit.StatusPassed, s.Tests[0].Status)
	assert.Contains(t, s.Tests[1].SystemOut, "ALARM db_params/dstDbCharacterSetCheck: ")
	assert.Equal(t, drstest.AlarmJobID+" alarm db_params/dstDbCharacterSetCheck", s.Tests[2].Name)
	assert.Equal(t, junit.StatusSkipped, s.Tests[2].Status)
	failed := problemOf(t, s.Tests[3])
	assert.Contains(t, failed.Body, "FAILED db_user_privilege/srcDbUserPrivilege: ")
	assert.Contains(t, requestIDs(srv, drstest.OpBatchCheckResults), textField(failed.Body, "request id"),
		"the request ID of the answer the verdict came from")
	refused := problemOf(t, s.Tests[4])
	assert.Equal(t, "refused", refused.Type)
	assert.Contains(t, refused.Body, "DRS.M00304")
	assert.Contains(t, refused.Body, "(request "+requestIDs(srv, drstest.OpBatchCheckJobs)[0]+")")

	assert.Contains(t, res.stderr, "::error title=drs-precheck%3A job "+drstest.RunningJobID+" refused::")
	assert.Contains(t, res.stderr, "::warning title=drs-precheck%3A job "+drstest.AlarmJobID+" alarm::db_params/dstDbCharacterSetCheck: ")
	first, err := os.ReadFile(summary)
	require.NoError(t, err, "the summary file is created")
	assert.True(t, strings.HasPrefix(string(first), "## drs-precheck run: 2 of 4 jobs passed (may start); 1 failed; 1 refused.\n"), string(first))

	res = runCLI(t, env, "", args...)
	expectExit(t, res, exitJobs)
	both, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(both), "## drs-precheck run: "), "the second run appends")
	assert.True(t, strings.HasPrefix(string(both), string(first)))
}
