package main

// In-process tests of the output formats: documents built by hand, rendered
// by the app as the commands do, with the environment, the clock and the
// step summary file injected.

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/drsclient/drs-precheck/drs"
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
