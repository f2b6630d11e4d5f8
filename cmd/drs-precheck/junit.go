package main

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// The --output junit document, as Jenkins, GitLab and GitHub's test
// reporters read it: one testsuite per run, one testcase per job, and one
// skipped testcase per alarm of a job that may start (see alarmCases).

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitText      `xml:"system-out"`
	SystemErr  *junitText      `xml:"system-err"`
}

// junitText is text as CDATA, so that its lines stay lines for its readers.
type junitText struct {
	Text string `xml:",cdata"`
}

func cdata(s string) *junitText {
	if s == "" {
		return nil
	}
	return &junitText{Text: xmlChars(s)}
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut *junitText    `xml:"system-out"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// junitTimestamp is Ant's format, which the stricter JUnit schemas require:
// no time zone, so always UTC.
const junitTimestamp = "2006-01-02T15:04:05"

// writeJUnit writes doc as JUnit XML. A job that is not ok is a <failure>
// (failed, refused, in_progress) or an <error> (no_answer) whose message is
// the job's summary and whose text starts with it, as some reporters show
// only the text's first line. Times are 0: how long a pre-check takes is
// DRS's business.
func writeJUnit(w io.Writer, doc *document, now time.Time) error {
	name := "drs-precheck." + doc.Command
	suite := junitSuite{Name: name, Time: "0", Timestamp: now.UTC().Format(junitTimestamp),
		Properties: []junitProperty{{"schema", doc.Schema}, {"command", doc.Command}, {"waited", fmt.Sprint(doc.Waited)}},
		SystemOut:  cdata(closingLine(doc) + "\n")}
	if doc.Mode != "" {
		suite.Properties = append(suite.Properties, junitProperty{"mode", doc.Mode})
	}
	for _, j := range doc.Jobs {
		tc := junitCase{Name: safeLine(j.JobID), Classname: name, Time: "0", SystemOut: cdata(alarmLines(j.Alarms))}
		var alarms []junitCase
		switch {
		case doc.ok(j):
			alarms = alarmCases(j, name)
			suite.Skipped += len(alarms)
		case j.Outcome == outcomeNoAnswer:
			tc.Error = problem(j)
			suite.Errors++
		default:
			tc.Failure = problem(j)
			suite.Failures++
		}
		suite.Cases = append(append(suite.Cases, tc), alarms...)
	}
	var warnings strings.Builder
	for _, u := range doc.Unsolicited {
		warnings.WriteString(unsolicitedLine(u) + "\n")
	}
	suite.SystemErr = cdata(warnings.String())
	suite.Tests = len(suite.Cases)
	out := junitSuites{Name: "drs-precheck", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: "0", Suites: []junitSuite{suite}}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, xml.Header+string(b)+"\n")
	return err
}

// problem is the <failure> or <error> of a job that is not ok: the summary,
// then one fact per line, each starting with a word of ours.
func problem(j jobReport) *junitProblem {
	var b strings.Builder
	b.WriteString(safeLine(cmp.Or(j.Summary, "-")) + "\n")
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, safeLine(value))
		}
	}
	line("outcome", j.Outcome)
	if j.Error != nil {
		line("error", errorLine(j.Error))
	}
	line("request id", j.RequestID)
	line("precheck id", j.PrecheckID)
	line("progress", percent(j.Progress))
	for _, it := range j.Failed {
		b.WriteString(itemLine("FAILED", it, true) + "\n")
		for _, sj := range it.FailedSubJobs {
			fmt.Fprintf(&b, "  %s\n", safeLine(sj.String()))
		}
	}
	b.WriteString(alarmLines(j.Alarms))
	return &junitProblem{Message: safeLine(j.Summary), Type: j.Outcome, Text: xmlChars(b.String())}
}

func alarmLines(alarms []checkItem) string {
	var b strings.Builder
	for _, it := range alarms {
		b.WriteString(itemLine("ALARM", it, true) + "\n")
	}
	return b.String()
}

// alarmCases are the alarms of a job that may start, a <skipped> testcase
// each, named "JOB alarm GROUP/ITEM": GitLab and dorny/test-reporter show
// nothing of a passing testcase but its name, and list skipped ones. A
// skipped testcase fails no build, as an alarm stops no job.
func alarmCases(j jobReport, classname string) []junitCase {
	cases := make([]junitCase, len(j.Alarms))
	for i, it := range j.Alarms {
		text := itemLine("ALARM", it, true)
		cases[i] = junitCase{Name: safeLine(j.JobID + " alarm " + it.name()), Classname: classname, Time: "0",
			Skipped: &junitProblem{Message: xmlChars(text), Text: xmlChars(text + "\n")}}
	}
	return cases
}

// xmlChars replaces what XML 1.0 cannot hold (in CDATA either) by U+FFFD.
func xmlChars(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t', r == '\n', r == '\r', 0x20 <= r && r <= 0xd7ff, 0xe000 <= r && r <= 0xfffd, 0x10000 <= r && r <= 0x10ffff:
			return r
		}
		return '\ufffd'
	}, s)
}
