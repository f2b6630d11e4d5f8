package main

// In-process tests of the output formats: documents built by hand, rendered
// by the app as the commands do, with the environment, the clock and the
// step summary file injected.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	junit "github.com/joshdk/go-junit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

// testClock is the injected time of the JUnit timestamp.
var testClock = time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("CST", 8*3600))

func ptr(f float64) *float64 { return &f }

// sampleDoc is a waited run with one job per outcome, an alarm, failed items
// with sub-jobs, codes, request IDs and an unsolicited answer.
func sampleDoc() *document {
	d := &document{Schema: schemaVersion, Command: "run", Mode: "forStartJob", Waited: true}
	d.add(jobReport{JobID: "job-passed", Outcome: outcomePassed, PrecheckID: "pc-1", Progress: ptr(100), PassedRate: ptr(100),
		Summary: "may start (1 alarm)", RequestID: "req-pass",
		Alarms: []checkItem{{Item: "dstDbCharacterSetCheck", Group: "db_params", Result: "ALARM", Reason: "character sets differ"}}})
	d.add(jobReport{JobID: "job-failed", Outcome: outcomeFailed, Progress: ptr(100), PassedRate: ptr(60),
		Summary: "pre-check failed: 2 items failed", RequestID: "req-fail",
		Failed: []checkItem{
			{Item: "srcDbUserPrivilege", Group: "db_user_privilege", Result: "FAILED", Reason: "lacks REPLICATION SLAVE"},
			{Item: "srcTableEngineCheck", Group: "db_params", Result: "FAILED", Reason: "MyISAM tables",
				FailedSubJobs: []subJob{{ID: "sj-1", Name: "orders_db.audit_log", CheckResult: "FAILED"}}},
		}})
	d.add(jobReport{JobID: "job-refused", Outcome: outcomeRefused, Summary: "refused: DRS.M00304: the job is not in CONFIGURATION",
		RequestID: "req-start", Error: &errorInfo{Code: "DRS.M00304", Message: "the job is not in CONFIGURATION", RequestID: "req-start"}})
	d.add(jobReport{JobID: "job-in-progress", Outcome: outcomeInProgress, Progress: ptr(40), PassedRate: ptr(0),
		Summary: "in progress (40%)", RequestID: "req-poll", Error: &errorInfo{Message: "the wait timed out", RequestID: "req-poll"}})
	d.add(jobReport{JobID: "job-no-answer", Outcome: outcomeNoAnswer, Summary: "no answer: HTTP 401",
		Error: &errorInfo{Status: 401, Code: "APIGW.0301", Message: "Incorrect IAM authentication information", RequestID: "req-401", Remedy: credentialsRemedy}})
	d.Unsolicited = []unsolicited{{JobID: "job-nobody-asked", Detail: "answer about a job that was not asked about", RequestID: "req-start"}}
	return d
}

// credentialsRemedy is package drs's advice after a 401.
var credentialsRemedy = (&drs.APIError{StatusCode: 401, Code: "APIGW.0301"}).Remedy()

// The remedy of an API error is package drs's, read from its error; the
// credentials' one is what a 401 or an authentication code gets.
func TestRemedy(t *testing.T) {
	t.Parallel()
	assert.Contains(t, credentialsRemedy, "check the credentials (an expired token, a wrong AK/SK, or a clock more than 15 minutes off)")
	for _, e := range []*drs.APIError{
		{StatusCode: 401},
		{StatusCode: 401, Code: "APIGW.0301", Message: "m; n (request ID x)", RequestID: "req-1", Body: "b"},
		{StatusCode: 200, Code: "DRS.M00100", Message: "m", JobID: "j"},
	} {
		assert.Equal(t, credentialsRemedy, e.Remedy(), "%+v", e)
		assert.True(t, strings.HasSuffix(e.Error(), "; "+credentialsRemedy), "drs appends it: %s", e)
	}
	assert.Contains(t, (&drs.APIError{StatusCode: 403, Code: "APIGW.0302"}).Remedy(), "IAM permissions")
	assert.Contains(t, (&drs.APIError{StatusCode: 503, RequestID: "r"}).Remedy(), "retry later")
	assert.Empty(t, (&drs.APIError{StatusCode: 200, Code: "DRS.M00304", Message: "wrong state", JobID: "j"}).Remedy(), "a refusal says it all")
}

// outApp is an app whose environment, clock and files are the test's.
type outApp struct {
	*app
	stdout, stderr bytes.Buffer
	files          map[string]*bytes.Buffer // what was appended, per file name
	openErr        error
}

func newOutApp(env map[string]string) *outApp {
	ta := &outApp{files: map[string]*bytes.Buffer{}}
	ta.app = newApp(strings.NewReader(""), &ta.stdout, &ta.stderr, func(k string) string { return env[k] })
	ta.now = func() time.Time { return testClock }
	ta.appendFile = func(name string) (io.WriteCloser, error) {
		if ta.openErr != nil {
			return nil, ta.openErr
		}
		if ta.files[name] == nil {
			ta.files[name] = &bytes.Buffer{}
		}
		return nopCloser{ta.files[name]}, nil
	}
	return ta
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// render writes doc in format and returns stdout.
func render(t *testing.T, doc *document, format string) string {
	t.Helper()
	ta := newOutApp(nil)
	err := ta.writeReport(doc, format)
	if err != nil && !errors.As(err, new(*exitError)) {
		t.Fatalf("writeReport %s: %v", format, err)
	}
	assert.Empty(t, ta.stderr.String(), "outside GitHub Actions, stderr stays empty")
	return ta.stdout.String()
}

// oldLabels are words that once named outcomes; none may appear as a label.
var oldLabels = regexp.MustCompile(`may_start|\berrored\b|\bERROR\b|MAY START|IN PROGRESS|NO ANSWER|"started"`)

// Every format names each job's outcome with the same word: the outcome
// itself, next to the job (on its table row, in its testcase, in its table).
func TestOneLabelPerOutcome(t *testing.T) {
	t.Parallel()
	doc := sampleDoc()
	for _, format := range outputFormats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			out := render(t, sampleDoc(), format)
			for _, j := range doc.Jobs {
				var near *regexp.Regexp
				switch format {
				case formatTable:
					near = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(j.JobID) + ` +` + j.Outcome + ` `)
				case formatJSON:
					near = regexp.MustCompile(`"job_id": "` + regexp.QuoteMeta(j.JobID) + `",\s+"outcome": "` + j.Outcome + `"`)
				case formatJUnit:
					if j.Outcome == outcomePassed {
						near = regexp.MustCompile(`<testcase name="` + regexp.QuoteMeta(j.JobID) + `"[^>]*>\s*(<system-out><!\[CDATA\[[^\]]*\]\]></system-out>\s*)?</testcase>`)
					} else {
						near = regexp.MustCompile(`<testcase name="` + regexp.QuoteMeta(j.JobID) + `"[^>]*>\s*<(failure|error) message="[^"]*" type="` + j.Outcome + `"><!\[CDATA\[[^\n]*\noutcome: ` + j.Outcome + "\n")
					}
				case formatMarkdown:
					near = regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(mdText(j.JobID)) + ` \| \*\*` + j.Outcome + `\*\* \|` +
						`(.|\n)*\| job \| ` + regexp.QuoteMeta(mdText(j.JobID)) + ` \|\n\|---\|---\|\n\| outcome \| \*\*` + j.Outcome + `\*\* \|`)
				}
				assert.Regexp(t, near, out, "job %s", j.JobID)
			}
			assert.NotRegexp(t, oldLabels, out)
		})
	}
	t.Run("counts", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, "1 passed, 1 failed, 1 refused, 1 in_progress, 1 no_answer", countsLine(doc.Summary))
		assert.Equal(t, "1 of 5 jobs passed (may start); 1 failed; 1 refused; 1 in_progress; 1 no_answer (API or network error).", closingLine(doc))
	})
}

// The exit code follows the outcomes: 3 for any no_answer, else 1 for any
// job not ok, else 0; without --wait, in_progress (started) is ok.
func TestExitErrFollowsOutcomes(t *testing.T) {
	t.Parallel()
	docWith := func(command string, waited bool, outs ...string) *document {
		d := &document{Schema: schemaVersion, Command: command, Waited: waited}
		for i, o := range outs {
			d.add(jobReport{JobID: string(rune('a' + i)), Outcome: o})
		}
		d.finish()
		return d
	}
	cases := []struct {
		doc       *document
		want      int
		allPassed bool
	}{
		{docWith("results", false, outcomePassed, outcomePassed), exitOK, true},
		{docWith("run", true, outcomePassed), exitOK, true},
		{docWith("run", false, outcomeInProgress, outcomeInProgress), exitOK, false},
		{docWith("run", false, outcomeInProgress, outcomeRefused), exitJobs, false},
		{docWith("run", true, outcomePassed, outcomeInProgress), exitJobs, false},
		{docWith("results", false, outcomeFailed), exitJobs, false},
		{docWith("results", false, outcomePassed, outcomeRefused, outcomeNoAnswer), exitAPIError, false},
		{docWith("run", false, outcomeNoAnswer), exitAPIError, false},
		{docWith("results", false, "nonsense"), exitAPIError, false}, // an outcome nobody set never passes
	}
	for i, tc := range cases {
		ta := newOutApp(nil)
		assert.Equal(t, tc.want, ta.exitCode(tc.doc.exitErr()), "case %d", i)
		assert.Equal(t, tc.allPassed, tc.doc.AllPassed, "case %d", i)
	}
}

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
