package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// The --output formats.
const (
	formatTable    = "table"
	formatJSON     = "json"
	formatJUnit    = "junit"
	formatMarkdown = "markdown"
)

// outputFormats lists the --output values, for help and errors.
var outputFormats = []string{formatTable, formatJSON, formatJUnit, formatMarkdown}

// formatChoices is "table, json, junit or markdown", for errors and help.
func formatChoices() string {
	last := len(outputFormats) - 1
	return strings.Join(outputFormats[:last], ", ") + " or " + outputFormats[last]
}

// validFormat reports whether f is an --output value.
func validFormat(f string) bool { return slices.Contains(outputFormats, f) }

// writeReport prints doc in format on stdout and, under GitHub Actions, adds
// the annotations and the step summary. It returns doc's exit error.
func (a *app) writeReport(doc *document, format string) error {
	doc.finish()
	var err error
	switch format {
	case formatJSON:
		err = writeJSON(a.stdout, doc)
	case formatJUnit:
		err = writeJUnit(a.stdout, doc, a.clock())
	case formatMarkdown:
		err = writeMarkdown(a.stdout, doc)
	default:
		err = writeTable(a.stdout, doc)
	}
	if err != nil {
		return err
	}
	if a.getenv("GITHUB_ACTIONS") == "true" {
		a.reportToGitHub(doc)
	}
	return doc.exitErr()
}

// clock is the app's time, injectable for tests.
func (a *app) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

// openAppend opens name for appending, creating it if missing; injectable
// for tests.
func (a *app) openAppend(name string) (io.WriteCloser, error) {
	if a.appendFile != nil {
		return a.appendFile(name)
	}
	return os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

// writeJSON writes doc as indented JSON. A line of it never starts with
// "::", and "##[", which GitHub's runner reads anywhere in a line, is
// written "#\u0023[": the same string to every JSON reader ('#' is found only
// inside strings).
func writeJSON(w io.Writer, doc *document) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(bytes.ReplaceAll(b.Bytes(), []byte("##["), []byte(`#\u0023[`)))
	return err
}

// writeTable prints one block per job: the verdict line, then the failed items
// and alarms with their reasons, so the person reading it knows what to fix.
// Everything that came from the server or the user is on one line and
// escaped for the terminal.
func writeTable(w io.Writer, doc *document) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tOUTCOME\tPROGRESS\tDETAILS")
	for _, j := range doc.Jobs {
		progress := "-"
		if j.Progress != nil {
			progress = fmt.Sprintf("%.0f%%", *j.Progress)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safeLine(j.JobID), j.Outcome, progress, safeLine(detail(j)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, j := range doc.Jobs {
		if len(j.Failed) == 0 && len(j.Alarms) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", safeLine(j.JobID))
		writeItems(w, "FAILED", j.Failed)
		writeItems(w, "ALARM ", j.Alarms)
	}
	for _, u := range doc.Unsolicited {
		fmt.Fprintf(w, "\n%s\n", unsolicitedLine(u))
	}
	_, err := fmt.Fprintf(w, "\n%s\n", closingLine(doc))
	return err
}

func writeItems(w io.Writer, label string, items []checkItem) {
	for _, it := range items {
		fmt.Fprintf(w, "  %s %s", label, safeLine(it.name()))
		if it.Reason != "" {
			fmt.Fprintf(w, ": %s", safeLine(it.Reason))
		}
		fmt.Fprintln(w)
		for _, sj := range it.FailedSubJobs {
			fmt.Fprintf(w, "         %s\n", safeLine(sj.String()))
		}
	}
}

// itemLine is a check item on one line, e.g. "FAILED db_params/binlog: why".
func itemLine(label string, it checkItem) string {
	return label + " " + safeLine(it.name()) + ": " + safeLine(orDash(it.Reason))
}

// unsolicitedLine warns of an answer about a job nobody asked about.
func unsolicitedLine(u unsolicited) string {
	s := fmt.Sprintf("warning: the server answered about %q: %s", u.JobID, u.Detail)
	if u.RequestID != "" {
		s += " (request " + u.RequestID + ")"
	}
	return safeLine(s)
}

// String describes a failed sub-job in one line.
func (sj subJob) String() string {
	s := "sub-job " + sj.ID
	if sj.Name != "" {
		s += " (" + sj.Name + ")"
	}
	if sj.CheckResult != "" {
		s += ": " + sj.CheckResult
	}
	return s
}

// detail is the table's one-line reason; the items themselves follow the
// table, and the JSON document has the full summary.
func detail(j jobReport) string {
	switch {
	case j.Outcome == outcomeFailed && len(j.Failed) > 0:
		return fmt.Sprintf("%d %s failed (below)", len(j.Failed), plural(len(j.Failed), "check item", "check items"))
	case j.Outcome == outcomePassed && len(j.Alarms) > 0:
		return fmt.Sprintf("may start, with %d %s (below)", len(j.Alarms), plural(len(j.Alarms), "alarm", "alarms"))
	case j.Outcome == outcomePassed:
		return "may start"
	case j.Error != nil && j.Error.Code != "":
		return errorLine(j.Error)
	}
	return j.Summary
}

// errorLine is an error's status, code, message, request ID and remedy.
func errorLine(e *errorInfo) string {
	s := e.Message
	if e.Code != "" {
		s = e.Code + ": " + s
	}
	if e.Status != 0 {
		s = fmt.Sprintf("HTTP %d %s", e.Status, s)
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	if e.Remedy != "" {
		s += "; " + e.Remedy
	}
	return s
}

// closingLine says in one sentence what the run found, with the outcome labels.
func closingLine(doc *document) string {
	s := doc.Summary
	jobs := plural(s.Total, "job", "jobs")
	switch {
	case doc.startOnly():
		line := fmt.Sprintf("%d of %d pre-checks started (%s)", s.InProgress, s.Total, outcomeInProgress)
		if rest := countsExcept(s, outcomeInProgress); rest != "" {
			line += "; " + rest
		}
		return line + ". Add --wait, or run 'drs-precheck results', for the verdicts."
	case doc.AllPassed:
		return fmt.Sprintf("All %d %s %s: %s may start.", s.Total, jobs, outcomePassed, plural(s.Total, "it", "they"))
	}
	line := fmt.Sprintf("%d of %d %s %s (may start)", s.Passed, s.Total, jobs, outcomePassed)
	if rest := countsExcept(s, outcomePassed); rest != "" {
		line += "; " + rest
	}
	return line + "."
}

// countsExcept lists the non-zero counts of every outcome but skip, e.g.
// "1 failed; 2 refused; 1 no_answer (API or network error)".
func countsExcept(s summary, skip string) string {
	var parts []string
	for _, o := range outcomes {
		n := s.count(o)
		if o == skip || n == 0 {
			continue
		}
		p := fmt.Sprintf("%d %s", n, o)
		if o == outcomeNoAnswer {
			p += " (API or network error)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// countsLine lists every outcome's count, e.g. "2 passed, 1 failed, 0 refused,
// 0 in_progress, 0 no_answer".
func countsLine(s summary) string {
	parts := make([]string, len(outcomes))
	for i, o := range outcomes {
		parts[i] = fmt.Sprintf("%d %s", s.count(o), o)
	}
	return strings.Join(parts, ", ")
}

// oneLine keeps a table row on one line whatever DRS puts in a message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// safeLine is s on one line, safe in every output: everything that could
// drive a terminal escaped, and nothing that a CI runner reads as a command.
// GitHub's runner starts a workflow command at "::" at the start of a line
// and a legacy one at "##[" anywhere in it; every printed fragment goes
// through here, so neither survives wherever the fragment lands. The
// escapes are visible, in the style of redact.Terminal.
func safeLine(s string) string {
	s = strings.ReplaceAll(redact.Terminal(oneLine(s)), "##[", `#\x23[`)
	if rest, ok := strings.CutPrefix(s, "::"); ok {
		s = `\x3a:` + rest
	}
	return s
}
