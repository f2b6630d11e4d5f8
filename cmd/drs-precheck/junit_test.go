package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	junit "github.com/joshdk/go-junit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseJUnit reads stdout as CI reporters do (checkJUnit), and returns its
// one suite and the suite's timestamp attribute, which go-junit does not keep.
func parseJUnit(t *testing.T, out string) (junit.Suite, string) {
	t.Helper()
	require.True(t, strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`), "stdout is the XML document:\n%s", out)
	suites, err := checkJUnit([]byte(out))
	require.NoError(t, err, out)
	require.Len(t, suites, 1)
	var root struct {
		Suite struct {
			Timestamp string `xml:"timestamp,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(out), &root))
	return suites[0], root.Suite.Timestamp
}

// problemOf is a testcase's <failure> or <error> as go-junit reads it.
func problemOf(t *testing.T, tc junit.Test) junit.Error {
	t.Helper()
	var e junit.Error
	require.True(t, errors.As(tc.Error, &e), "testcase %q has a failure or an error", tc.Name)
	return e
}

// Reporters read every report (sampleDoc's and hostileDoc's are read in
// TestJUnitContent and TestJUnitEscapes); a started pre-check is what run
// without --wait asks for, as exit 0 says.
func TestJUnitReadByReporters(t *testing.T) {
	t.Parallel()
	startOnly := &document{Schema: schemaVersion, Command: "run", Mode: "forRetryJob"}
	startOnly.add(jobReport{JobID: "a", Outcome: outcomeInProgress, Summary: "pre-check started"})
	startOnly.add(jobReport{JobID: "b", Outcome: outcomeRefused, Summary: "refused", Error: &errorInfo{Code: "DRS.M00304", Message: "no"}})
	s, _ := parseJUnit(t, render(t, startOnly, formatJUnit))
	assert.Equal(t, junit.Totals{Tests: 2, Passed: 1, Failed: 1}, s.Totals)
	assert.Equal(t, junit.StatusPassed, s.Tests[0].Status)
	s, _ = parseJUnit(t, render(t, &document{Schema: schemaVersion, Command: "results"}, formatJUnit))
	assert.Empty(t, s.Tests, "no jobs")
}

// The rules are not a rubber stamp: documents that break what CI reporters
// rely on, in the ways a hand-written JUnit writer could, are rejected.
func TestJUnitRulesReject(t *testing.T) {
	t.Parallel()
	valid := `<testsuites tests="2" failures="1" errors="0"><testsuite name="s" tests="2" failures="1" errors="0" skipped="0" timestamp="2026-03-14T07:09:26">` +
		`<properties><property name="p" value="v"/></properties>` +
		`<testcase name="j" classname="c"><failure message="m" type="failed">text</failure><system-out>o</system-out></testcase>` +
		`<testcase name="k" classname="c" time="0"/>` +
		`<system-out>x</system-out><system-err>y</system-err></testsuite></testsuites>`
	_, err := checkJUnit([]byte(valid))
	require.NoError(t, err, "the reference document is valid")
	for name, doc := range map[string]string{
		"not XML":                `<testsuites>`,
		"other root":             `<report/>`,
		"a lone testsuite":       strings.TrimSuffix(strings.TrimPrefix(valid, `<testsuites tests="2" failures="1" errors="0">`), `</testsuites>`),
		"two roots":              valid + valid,
		"testsuite without name": strings.Replace(valid, `name="s" `, ``, 1),
		"timestamp with a zone":  strings.Replace(valid, `07:09:26"`, `07:09:26Z"`, 1),
		"timestamp not a date":   strings.Replace(valid, `2026-03-14T07:09:26`, `yesterday`, 1),
		"count not a number":     strings.Replace(valid, `tests="2" failures="1" errors="0" skipped`, `tests="two" failures="1" errors="0" skipped`, 1),
		"negative count":         strings.Replace(valid, `errors="0" skipped="0"`, `errors="-0" skipped="0"`, 1),
		"suite without tests":    strings.Replace(valid, `tests="2" failures="1" errors="0" skipped`, `failures="1" errors="0" skipped`, 1),
		"tests disagree":         strings.Replace(valid, `<testcase name="k" classname="c" time="0"/>`, ``, 1),
		"failures disagree":      strings.Replace(valid, `<failure message="m" type="failed">text</failure>`, ``, 1),
		"errors disagree": strings.NewReplacer(`failures="1"`, `failures="0"`,
			`<failure message="m" type="failed">text</failure>`, `<error message="m" type="no_answer">text</error>`).Replace(valid),
		"skipped disagree":             strings.Replace(valid, `time="0"/>`, `time="0"><skipped/></testcase>`, 1),
		"testsuites totals disagree":   strings.Replace(valid, `<testsuites tests="2"`, `<testsuites tests="3"`, 1),
		"testcase without name":        strings.Replace(valid, `<testcase name="j" `, `<testcase `, 1),
		"empty testcase name":          strings.Replace(valid, `<testcase name="j"`, `<testcase name=""`, 1),
		"testcase without a classname": strings.Replace(valid, `name="j" classname="c"`, `name="j"`, 1),
		"failure without message":      strings.Replace(valid, `<failure message="m" `, `<failure `, 1),
		"failure without type":         strings.Replace(valid, ` type="failed"`, ``, 1),
		"failure and error":            strings.Replace(valid, `<system-out>o</system-out>`, `<error message="m" type="t"/>`, 1),
		"unknown element":              strings.Replace(valid, `<system-err>y</system-err>`, `<system-err>y</system-err><verdict/>`, 1),
		"text in testcase":             strings.Replace(valid, `<system-out>o</system-out></testcase>`, `<system-out>o</system-out>stray</testcase>`, 1),
		"element in system-out":        strings.Replace(valid, `<system-out>x</system-out>`, `<system-out><b>x</b></system-out>`, 1),
		"property without value":       strings.Replace(valid, ` value="v"`, ``, 1),
		"time not seconds":             strings.Replace(valid, `time="0"`, `time="1s"`, 1),
		"time negative":                strings.Replace(valid, `time="0"`, `time="-1"`, 1),
		"time NaN":                     strings.Replace(valid, `time="0"`, `time="NaN"`, 1),
	} {
		_, err := checkJUnit([]byte(doc))
		assert.Error(t, err, name)
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
	s, timestamp := parseJUnit(t, out)
	assert.Equal(t, junit.Totals{Tests: 6, Passed: 1, Skipped: 1, Failed: 3, Error: 1}, s.Totals,
		"a testcase per job and one per alarm of a job that may start")
	assert.Equal(t, "drs-precheck.run", s.Name)
	assert.Equal(t, "2026-03-14T07:09:26", timestamp, "the injected clock, in UTC")
	assert.Equal(t, map[string]string{"schema": "drs-precheck/v2", "command": "run", "mode": "forStartJob", "waited": "true"}, s.Properties)
	names := make([]string, len(s.Tests))
	for i, tc := range s.Tests {
		names[i] = tc.Name
		assert.Equal(t, "drs-precheck.run", tc.Classname)
	}
	assert.Equal(t, []string{"job-passed", "job-passed alarm db_params/dstDbCharacterSetCheck", "job-failed", "job-refused",
		"job-in-progress", "job-no-answer"}, names, "one testcase per job, named by the job ID, in input order; alarms after their job")
	passed, alarm, failed, refused, inProgress, noAnswer := s.Tests[0], s.Tests[1], s.Tests[2], s.Tests[3], s.Tests[4], s.Tests[5]

	assert.Equal(t, junit.StatusPassed, passed.Status)
	assert.Equal(t, "ALARM db_params/dstDbCharacterSetCheck: character sets differ\n", passed.SystemOut, "alarms in system-out, for Jenkins")
	// GitLab shows nothing of a passing testcase but its name, and
	// dorny/test-reporter only its name: a skipped testcase with the
	// alarm as its name and text is visible in both.
	assert.Equal(t, junit.StatusSkipped, alarm.Status)
	assert.Equal(t, "ALARM db_params/dstDbCharacterSetCheck: character sets differ", alarm.Message)

	for _, tc := range []junit.Test{failed, refused, inProgress, noAnswer} {
		p := problemOf(t, tc)
		first, _, _ := strings.Cut(p.Body, "\n")
		assert.Equal(t, p.Message, first, "%s: the summary leads the text, where reporters that skip message look", tc.Name)
		assert.Equal(t, tc.Message, p.Message)
	}
	assert.Equal(t, junit.StatusFailed, failed.Status)
	assert.Equal(t, junit.Error{Type: "failed", Message: "pre-check failed: 2 items failed",
		Body: "pre-check failed: 2 items failed\noutcome: failed\nrequest id: req-fail\nprogress: 100%\n" +
			"FAILED db_user_privilege/srcDbUserPrivilege: lacks REPLICATION SLAVE\n" +
			"FAILED db_params/srcTableEngineCheck: MyISAM tables\n" +
			"  sub-job sj-1 (orders_db.audit_log): FAILED\n"}, problemOf(t, failed))

	assert.Equal(t, junit.StatusFailed, refused.Status)
	assert.Equal(t, "refused", problemOf(t, refused).Type)
	assert.Contains(t, problemOf(t, refused).Body, "error: DRS.M00304: the job is not in CONFIGURATION (request req-start)\n")

	assert.Equal(t, junit.StatusFailed, inProgress.Status, "a wait that ended first is a failure: the job may not start yet")
	assert.Equal(t, "in_progress", problemOf(t, inProgress).Type)
	assert.Contains(t, problemOf(t, inProgress).Body, "progress: 40%\n")

	assert.Equal(t, junit.StatusError, noAnswer.Status, "no answer is an error, not a failure")
	assert.Equal(t, "no_answer", problemOf(t, noAnswer).Type)
	assert.Contains(t, problemOf(t, noAnswer).Body, "error: HTTP 401 APIGW.0301: Incorrect IAM authentication information (request req-401); "+credentialsRemedy+"\n")

	assert.Equal(t, closingLine(sampleDoc())+"\n", s.SystemOut)
	assert.Equal(t, `warning: the server answered about "job-nobody-asked": answer about a job that was not asked about (request req-start)`+"\n", s.SystemErr)
}

// The alarms of a job that may not start are in its failure's text.
func TestJUnitAlarmsOfAFailedJob(t *testing.T) {
	t.Parallel()
	d := &document{Schema: schemaVersion, Command: "results"}
	d.add(jobReport{JobID: "a", Outcome: outcomeFailed, Summary: "pre-check failed",
		Failed: []checkItem{{Item: "f", Reason: "why"}}, Alarms: []checkItem{{Item: "w", Reason: "careful"}}})
	s, _ := parseJUnit(t, render(t, d, formatJUnit))
	require.Len(t, s.Tests, 1, "no skipped testcase: the failure shows the alarm")
	assert.Equal(t, "pre-check failed\noutcome: failed\nFAILED f: why\nALARM w: careful\n", problemOf(t, s.Tests[0]).Body)
}

// Hostile text stays inside its element and attribute, escaped for terminals,
// and no line of the document starts a workflow command.
func TestJUnitEscapes(t *testing.T) {
	t.Parallel()
	out := render(t, hostileDoc(), formatJUnit)
	s, _ := parseJUnit(t, out)
	require.Len(t, s.Tests, 2)
	assert.Equal(t, `job <&"'> ]]>`, s.Tests[0].Name, "the job ID round-trips")
	assert.Equal(t, `failed\x1b[31m red\x00 \x07`, s.Tests[0].Message)
	assert.Contains(t, problemOf(t, s.Tests[0]).Body, `FAILED i]]>: line one ::error::injected ::add-mask::x \x1b]0;title\x07`+"\n")
	assert.Equal(t, "ALARM a: alarm ::warning::fake\n", s.Tests[0].SystemOut)
	assert.Equal(t, `job-\u202eevil`, s.Tests[1].Name)
	assert.Equal(t, `\xff\xfe not UTF-8`, s.Tests[1].Message)
	assert.Contains(t, problemOf(t, s.Tests[1]).Body, "error: <html>501 Not Implemented</html> (request r ::x)\n")
	assertNoCommands(t, out)
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

// assertNoCommands fails when a line of out would start a command of
// GitHub's runner: "::" at its start (after blanks), or "##[" anywhere.
func assertNoCommands(t *testing.T, out string) {
	t.Helper()
	for line := range strings.Lines(out) {
		assert.False(t, strings.HasPrefix(strings.TrimSpace(line), "::"), "a line reads as a workflow command: %q", line)
		assert.NotContains(t, line, "##[", "a line holds a legacy workflow command")
	}
}

// The JUnit output is read back by a maintained JUnit parser
// (github.com/joshdk/go-junit, which reads reports as CI reporters do: by
// element and attribute names, whatever the schema), plus the few rules CI
// systems rely on that such a lenient parser does not enforce: one
// well-formed <testsuites> document, the attributes they read present and
// well typed, the counts agreeing with the testcases, at most one outcome
// element per testcase, and text only where text is read.

// xmlElem is any element, with what the rules look at.
type xmlElem struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xmlElem  `xml:",any"`
}

func (e *xmlElem) attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// junitSeconds is a time attribute as reporters parse it: decimal seconds.
var junitSeconds = regexp.MustCompile(`^\d+(\.\d+)?$`)

// checkJUnit parses a JUnit document with go-junit after checking the rules
// above; it returns the suites as reporters see them.
func checkJUnit(data []byte) ([]junit.Suite, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root xmlElem
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
			continue
		}
		if _, ok := tok.(xml.Comment); !ok {
			return nil, fmt.Errorf("content after the root element: %T", tok)
		}
	}
	if root.XMLName.Local != "testsuites" {
		return nil, fmt.Errorf("root element <%s>, want <testsuites>", root.XMLName.Local)
	}
	suites, err := junit.Ingest(data)
	if err != nil {
		return nil, err
	}
	if err := checkElem(&root, "testsuites"); err != nil {
		return nil, err
	}
	if len(suites) != len(root.Children) {
		return nil, fmt.Errorf("go-junit read %d suites of %d", len(suites), len(root.Children))
	}
	var all junit.Totals
	for i, s := range suites {
		x := &root.Children[i]
		if err := checkCounts(x, s.Totals, true); err != nil {
			return nil, fmt.Errorf("testsuite %q: %w", s.Name, err)
		}
		all.Tests += s.Totals.Tests
		all.Failed += s.Totals.Failed
		all.Error += s.Totals.Error
	}
	if err := checkCounts(&root, all, false); err != nil {
		return nil, fmt.Errorf("testsuites: %w", err)
	}
	return suites, nil
}

// checkCounts compares the counts e declares with those of its testcases.
func checkCounts(e *xmlElem, got junit.Totals, withSkipped bool) error {
	want := map[string]int{"tests": got.Tests, "failures": got.Failed, "errors": got.Error}
	if withSkipped {
		want["skipped"] = got.Skipped
	}
	for name, n := range want {
		v, ok := e.attr(name)
		if !ok && name != "skipped" {
			return fmt.Errorf("no %s attribute", name)
		}
		if ok && v != strconv.Itoa(n) {
			return fmt.Errorf("%s=%q, but the testcases count %d", name, v, n)
		}
	}
	return nil
}

// junitRules are, per element, its required attributes, the child elements
// it may have (with at most one of those marked once) and whether it holds
// text.
var junitRules = map[string]struct {
	required []string
	children map[string]bool // element name → at most one of the "once" group
	text     bool
}{
	"testsuites": {children: map[string]bool{"testsuite": false}},
	"testsuite": {required: []string{"name", "tests", "failures", "errors"},
		children: map[string]bool{"properties": false, "testcase": false, "system-out": false, "system-err": false}},
	"properties": {children: map[string]bool{"property": false}},
	"property":   {required: []string{"name", "value"}},
	"testcase": {required: []string{"name", "classname"},
		children: map[string]bool{"failure": true, "error": true, "skipped": true, "system-out": false, "system-err": false}},
	"failure":    {required: []string{"message", "type"}, text: true},
	"error":      {required: []string{"message", "type"}, text: true},
	"skipped":    {text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

// checkElem checks e, an element called name, and everything in it.
func checkElem(e *xmlElem, name string) error {
	rule, known := junitRules[name]
	if !known {
		return fmt.Errorf("unknown element <%s>", name)
	}
	for _, a := range rule.required {
		if v, ok := e.attr(a); !ok || (v == "" && a == "name") {
			return fmt.Errorf("<%s> without %s", name, a)
		}
	}
	for _, a := range e.Attrs {
		if err := checkAttr(name, a.Name.Local, a.Value); err != nil {
			return err
		}
	}
	if !rule.text && strings.TrimSpace(e.Text) != "" {
		return fmt.Errorf("text in <%s>: %q", name, e.Text)
	}
	outcomes := 0
	for i := range e.Children {
		c := &e.Children[i]
		once, ok := rule.children[c.XMLName.Local]
		if !ok {
			return fmt.Errorf("<%s> in <%s>", c.XMLName.Local, name)
		}
		if once {
			if outcomes++; outcomes > 1 {
				return fmt.Errorf("<%s> with more than one of failure, error and skipped", name)
			}
		}
		if err := checkElem(c, c.XMLName.Local); err != nil {
			return err
		}
	}
	return nil
}

// checkAttr checks the attributes whose values reporters parse.
func checkAttr(elem, name, v string) error {
	switch {
	case name == "tests", name == "failures", name == "errors", name == "skipped":
		if n, err := strconv.Atoi(v); err != nil || n < 0 || strconv.Itoa(n) != v {
			return fmt.Errorf("<%s %s=%q>: not a count", elem, name, v)
		}
	case name == "time":
		if !junitSeconds.MatchString(v) {
			return fmt.Errorf("<%s time=%q>: not seconds", elem, v)
		}
	case name == "timestamp":
		if _, err := time.Parse(junitTimestamp, v); err != nil {
			return fmt.Errorf("<%s timestamp=%q>: not a date and time without a zone", elem, v)
		}
	}
	return nil
}
