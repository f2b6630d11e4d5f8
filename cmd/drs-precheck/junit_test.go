package main

import (
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// junitSchema is testdata/junit.xsd, parsed.
func junitSchema(t *testing.T) *xsdSchema {
	t.Helper()
	data, err := os.ReadFile("testdata/junit.xsd")
	require.NoError(t, err)
	s, err := parseXSD(data)
	require.NoError(t, err)
	return s
}

// junitDoc is the JUnit document as reporters read it, declared apart from
// the CLI's types so that a renamed attribute breaks the tests.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string        `xml:"name,attr"`
			Classname string        `xml:"classname,attr"`
			Failure   *junitProblem `xml:"failure"`
			Error     *junitProblem `xml:"error"`
			SystemOut string        `xml:"system-out"`
		} `xml:"testcase"`
		SystemOut string `xml:"system-out"`
		SystemErr string `xml:"system-err"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, out string) junitDoc {
	t.Helper()
	require.True(t, strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`), "stdout is the XML document:\n%s", out)
	var doc junitDoc
	require.NoError(t, xml.Unmarshal([]byte(out), &doc), out)
	require.Len(t, doc.Suites, 1)
	return doc
}

func TestJUnitMatchesTheSchema(t *testing.T) {
	t.Parallel()
	schema := junitSchema(t)
	startOnly := &document{Schema: schemaVersion, Command: "run", Mode: "forRetryJob"}
	startOnly.add(jobReport{JobID: "a", Outcome: outcomeInProgress, Summary: "pre-check started"})
	startOnly.add(jobReport{JobID: "b", Outcome: outcomeRefused, Summary: "refused", Error: &errorInfo{Code: "DRS.M00304", Message: "no"}})
	for name, doc := range map[string]*document{
		"one job per outcome": sampleDoc(),
		"hostile text":        hostileDoc(),
		"started only":        startOnly,
		"no jobs":             {Schema: schemaVersion, Command: "results"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := render(t, doc, formatJUnit)
			require.NoError(t, schema.validate([]byte(out)), out)
		})
	}
}

// The validator is not a rubber stamp: documents that break the schema in
// the ways a hand-written JUnit writer could are rejected.
func TestJUnitSchemaRejects(t *testing.T) {
	t.Parallel()
	schema := junitSchema(t)
	valid := `<testsuites><testsuite name="s" tests="1" failures="1" errors="0" timestamp="2026-03-14T07:09:26">` +
		`<properties><property name="p" value="v"/></properties>` +
		`<testcase name="j" classname="c"><failure message="m" type="failed">text</failure><system-out>o</system-out></testcase>` +
		`<system-out>x</system-out><system-err>y</system-err></testsuite></testsuites>`
	require.NoError(t, schema.validate([]byte(valid)), "the reference document is valid")
	for name, doc := range map[string]string{
		"not XML":                       `<testsuites>`,
		"undeclared root":               `<report/>`,
		"testsuite without name":        strings.Replace(valid, `name="s" `, ``, 1),
		"testsuite without timestamp":   strings.Replace(valid, ` timestamp="2026-03-14T07:09:26"`, ``, 1),
		"timestamp with a zone":         strings.Replace(valid, `07:09:26"`, `07:09:26Z"`, 1),
		"timestamp not a date":          strings.Replace(valid, `2026-03-14T07:09:26`, `yesterday`, 1),
		"count not a number":            strings.Replace(valid, `tests="1"`, `tests="one"`, 1),
		"negative count":                strings.Replace(valid, `failures="1"`, `failures="-1"`, 1),
		"undeclared attribute":          strings.Replace(valid, `<testcase name="j"`, `<testcase outcome="x" name="j"`, 1),
		"testcase without name":         strings.Replace(valid, `<testcase name="j" `, `<testcase `, 1),
		"empty testcase name":           strings.Replace(valid, `<testcase name="j"`, `<testcase name=""`, 1),
		"two failures":                  strings.Replace(valid, `<system-out>o</system-out>`, `<failure/>`, 1),
		"failure after system-out":      strings.Replace(valid, `<failure message="m" type="failed">text</failure><system-out>o</system-out>`, `<system-out>o</system-out><failure/>`, 1),
		"properties after testcase":     strings.Replace(strings.Replace(valid, `<properties><property name="p" value="v"/></properties>`, ``, 1), `<system-out>x</system-out>`, `<properties/><system-out>x</system-out>`, 1),
		"unknown element":               strings.Replace(valid, `<system-err>y</system-err>`, `<system-err>y</system-err><verdict/>`, 1),
		"text in testcase":              strings.Replace(valid, `<system-out>o</system-out></testcase>`, `<system-out>o</system-out>stray</testcase>`, 1),
		"element in system-out":         strings.Replace(valid, `<system-out>x</system-out>`, `<system-out><b>x</b></system-out>`, 1),
		"property without value":        strings.Replace(valid, ` value="v"`, ``, 1),
		"time not a decimal":            strings.Replace(valid, `<testcase name="j" classname="c">`, `<testcase name="j" classname="c" time="1s">`, 1),
		"testcase without a classname":  strings.Replace(valid, ` classname="c"`, ``, 1),
		"suite time negative":           strings.Replace(valid, `errors="0"`, `errors="0" time="-1"`, 1),
		"attribute on simple element":   strings.Replace(valid, `<system-err>`, `<system-err a="b">`, 1),
		"two root suites-like elements": valid + valid,
	} {
		assert.Error(t, schema.validate([]byte(doc)), name)
	}
}

// hostileDoc carries text that must not break the XML or a CI log: XML
// syntax, a CDATA end, control characters, workflow commands on new lines.
func hostileDoc() *document {
	d := &document{Schema: schemaVersion, Command: "results"}
	d.add(jobReport{JobID: `job <&"'> ]]>`, Outcome: outcomeFailed, Summary: "failed\x1b[31m red\x00 \x07",
		Failed: []checkItem{{Item: "i]]>", Reason: "line one\n::error::injected\r\n::add-mask::x \x1b]0;title\x07"}},
		Alarms: []checkItem{{Item: "a", Reason: "alarm\n::warning::fake"}}})
	d.add(jobReport{JobID: "job-\u202eevil", Outcome: outcomeNoAnswer, Summary: "\xff\xfe not UTF-8",
		Error: &errorInfo{Message: "<html>501 Not Implemented</html>", RequestID: "r\n::x"}})
	return d
}

func TestJUnitContent(t *testing.T) {
	t.Parallel()
	out := render(t, sampleDoc(), formatJUnit)
	doc := parseJUnit(t, out)
	s := doc.Suites[0]
	assert.Equal(t, [3]int{5, 3, 1}, [3]int{doc.Tests, doc.Failures, doc.Errors}, "testsuites: tests, failures, errors")
	assert.Equal(t, [3]int{5, 3, 1}, [3]int{s.Tests, s.Failures, s.Errors}, "testsuite: tests, failures, errors")
	assert.Equal(t, "drs-precheck.run", s.Name)
	assert.Equal(t, "2026-03-14T07:09:26", s.Timestamp, "the injected clock, in UTC")
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	assert.Equal(t, map[string]string{"schema": "drs-precheck/v2", "command": "run", "mode": "forStartJob", "waited": "true"}, props)
	require.Len(t, s.Cases, 5)
	for i, j := range sampleDoc().Jobs {
		assert.Equal(t, j.JobID, s.Cases[i].Name, "one testcase per job, named by the job ID, in input order")
		assert.Equal(t, "drs-precheck.run", s.Cases[i].Classname)
	}
	passed, failed, refused, inProgress, noAnswer := s.Cases[0], s.Cases[1], s.Cases[2], s.Cases[3], s.Cases[4]

	assert.Nil(t, passed.Failure)
	assert.Nil(t, passed.Error)
	assert.Equal(t, "ALARM db_params/dstDbCharacterSetCheck: character sets differ\n", passed.SystemOut, "alarms in system-out")

	require.NotNil(t, failed.Failure)
	assert.Nil(t, failed.Error)
	assert.Equal(t, "failed", failed.Failure.Type)
	assert.Equal(t, "pre-check failed: 2 items failed", failed.Failure.Message)
	assert.Equal(t, "outcome: failed\nsummary: pre-check failed: 2 items failed\nrequest id: req-fail\nprogress: 100%\n"+
		"FAILED db_user_privilege/srcDbUserPrivilege: lacks REPLICATION SLAVE\n"+
		"FAILED db_params/srcTableEngineCheck: MyISAM tables\n"+
		"  sub-job sj-1 (orders_db.audit_log): FAILED\n", failed.Failure.Text)

	require.NotNil(t, refused.Failure)
	assert.Equal(t, "refused", refused.Failure.Type)
	assert.Contains(t, refused.Failure.Text, "error: DRS.M00304: the job is not in CONFIGURATION (request req-start)\n")

	require.NotNil(t, inProgress.Failure, "a wait that ended first is a failure: the job may not start yet")
	assert.Equal(t, "in_progress", inProgress.Failure.Type)
	assert.Contains(t, inProgress.Failure.Text, "progress: 40%\n")

	assert.Nil(t, noAnswer.Failure)
	require.NotNil(t, noAnswer.Error, "no answer is an error, not a failure")
	assert.Equal(t, "no_answer", noAnswer.Error.Type)
	assert.Contains(t, noAnswer.Error.Text, "error: HTTP 401 APIGW.0301: Incorrect IAM authentication information (request req-401)\n")

	assert.Equal(t, closingLine(sampleDoc())+"\n", s.SystemOut)
	assert.Equal(t, `warning: the server answered about "job-nobody-asked": answer about a job that was not asked about (request req-start)`+"\n", s.SystemErr)
}

// Without --wait a started pre-check is what was asked for: a passing
// testcase, as it is exit code 0.
func TestJUnitStartOnly(t *testing.T) {
	t.Parallel()
	d := &document{Schema: schemaVersion, Command: "run", Mode: "forStartJob"}
	d.add(jobReport{JobID: "a", Outcome: outcomeInProgress, Summary: "pre-check started"})
	d.add(jobReport{JobID: "b", Outcome: outcomeRefused, Summary: "refused"})
	doc := parseJUnit(t, render(t, d, formatJUnit))
	s := doc.Suites[0]
	assert.Equal(t, [3]int{2, 1, 0}, [3]int{s.Tests, s.Failures, s.Errors})
	assert.Nil(t, s.Cases[0].Failure)
	require.NotNil(t, s.Cases[1].Failure)
}

// Hostile text stays inside its element and attribute, escaped for terminals,
// and no line of the document starts with a workflow command.
func TestJUnitEscapes(t *testing.T) {
	t.Parallel()
	out := render(t, hostileDoc(), formatJUnit)
	doc := parseJUnit(t, out)
	s := doc.Suites[0]
	require.Len(t, s.Cases, 2)
	assert.Equal(t, `job <&"'> ]]>`, s.Cases[0].Name, "the job ID round-trips")
	assert.Equal(t, `failed\x1b[31m red\x00 \x07`, s.Cases[0].Failure.Message)
	assert.Contains(t, s.Cases[0].Failure.Text, `FAILED i]]>: line one ::error::injected ::add-mask::x \x1b]0;title\x07`+"\n")
	assert.Equal(t, "ALARM a: alarm ::warning::fake\n", s.Cases[0].SystemOut)
	assert.Equal(t, `job-\u202eevil`, s.Cases[1].Name)
	assert.Equal(t, `\xff\xfe not UTF-8`, s.Cases[1].Error.Message)
	assert.Contains(t, s.Cases[1].Error.Text, "error: <html>501 Not Implemented</html> (request r ::x)\n")
	assertNoCommandLines(t, out)
}

// textField is the value of the "label: value" line of a failure's text.
func textField(text, label string) string {
	for line := range strings.Lines(text) {
		if v, ok := strings.CutPrefix(line, label+": "); ok {
			return strings.TrimSuffix(v, "\n")
		}
	}
	return ""
}

// assertNoCommandLines fails when a line of out, trimmed, starts with "::":
// the GitHub runner would read it as a workflow command.
func assertNoCommandLines(t *testing.T, out string) {
	t.Helper()
	for line := range strings.Lines(out) {
		assert.False(t, strings.HasPrefix(strings.TrimSpace(line), "::"), "a line reads as a workflow command: %q", line)
	}
}

// The CLI as CI runs it: run --wait --output junit against the simulator.
func TestJUnitOutputProcess(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	ids := []string{drstest.ExampleJobID, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID}
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--output", "junit"}, fastWait, jobArgs(ids...))...)
	expectExit(t, res, exitJobs)
	require.NoError(t, junitSchema(t).validate([]byte(res.stdout)), res.stdout)
	doc := parseJUnit(t, res.stdout)
	s := doc.Suites[0]
	assert.Equal(t, [3]int{4, 2, 0}, [3]int{s.Tests, s.Failures, s.Errors})
	require.Len(t, s.Cases, 4)
	assert.Nil(t, s.Cases[0].Failure)
	assert.Contains(t, s.Cases[1].SystemOut, "ALARM db_params/dstDbCharacterSetCheck: ")
	require.NotNil(t, s.Cases[2].Failure)
	assert.Contains(t, s.Cases[2].Failure.Text, "FAILED db_user_privilege/srcDbUserPrivilege: ")
	assert.Contains(t, requestIDs(srv, drstest.OpBatchCheckResults), textField(s.Cases[2].Failure.Text, "request id"),
		"the request ID of the answer the verdict came from")
	require.NotNil(t, s.Cases[3].Failure)
	assert.Equal(t, "refused", s.Cases[3].Failure.Type)
	assert.Contains(t, s.Cases[3].Failure.Text, "DRS.M00304")
	assert.Contains(t, s.Cases[3].Failure.Text, "(request "+requestIDs(srv, drstest.OpBatchCheckJobs)[0]+")")
}
