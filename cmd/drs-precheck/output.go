package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/drsclient/drs-precheck/internal/redact"
)

const (
	formatTable    = "table"
	formatJSON     = "json"
	formatJUnit    = "junit"
	formatMarkdown = "markdown"
)

var outputFormats = []string{formatTable, formatJSON, formatJUnit, formatMarkdown}

// orList is e.g. "a, b or c".
func orList(s []string) string { return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1] }

// writeReport prints doc on stdout (under GitHub Actions, also the
// annotations and the step summary) and returns doc's exit error.
func (a *app) writeReport(doc *document, format string) error {
	doc.finish()
	var err error
	switch format {
	case formatJSON:
		err = writeJSON(a.stdout, doc)
	case formatJUnit:
		err = writeJUnit(a.stdout, doc, a.now())
	case formatMarkdown:
		err = writeMarkdown(a.stdout, doc, 0)
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

// writeJSON writes doc as indented JSON, with "##[" (which GitHub's runner
// reads anywhere in a line) written "#\u0023[": the same string to every JSON
// reader, as '#' is found only inside strings.
func writeJSON(w io.Writer, doc *document) error {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, strings.ReplaceAll(string(b), "##[", `#\u0023[`)+"\n")
	return err
}

// writeTable prints a row per job, then the items to fix with their reasons.
func writeTable(w io.Writer, doc *document) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tOUTCOME\tPROGRESS\tDETAILS")
	for _, j := range doc.Jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safeLine(j.JobID), j.Outcome, cmp.Or(percent(j.Progress), "-"), safeLine(detail(j)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, j := range doc.Jobs {
		if len(j.Failed)+len(j.Alarms) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", safeLine(j.JobID))
		for _, it := range j.Failed {
			fmt.Fprintf(w, "  %s\n", itemLine("FAILED", it, false))
			for _, sj := range it.FailedSubJobs {
				fmt.Fprintf(w, "         %s\n", safeLine(sj.String()))
			}
		}
		for _, it := range j.Alarms {
			fmt.Fprintf(w, "  %s\n", itemLine("ALARM ", it, false))
		}
	}
	for _, u := range doc.Unsolicited {
		fmt.Fprintf(w, "\n%s\n", unsolicitedLine(u))
	}
	_, err := fmt.Fprintf(w, "\n%s\n", closingLine(doc))
	return err
}

func percent(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%.0f%%", *p)
}

// itemLine is a check item on one line, e.g. "FAILED db_params/binlog: why";
// without a reason, ": -" when dash is set, else nothing.
func itemLine(label string, it checkItem, dash bool) string {
	s := label + " " + safeLine(it.name())
	if it.Reason != "" || dash {
		s += ": " + safeLine(cmp.Or(it.Reason, "-"))
	}
	return s
}

func unsolicitedLine(u unsolicited) string {
	s := fmt.Sprintf("warning: the server answered about %q: %s", u.JobID, u.Detail)
	if u.RequestID != "" {
		s += " (request " + u.RequestID + ")"
	}
	return safeLine(s)
}

// detail is the table's one-line reason; the items follow the table.
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
	switch {
	case doc.startOnly():
		return fmt.Sprintf("%d of %d pre-checks started (%s)%s. Add --wait, or run 'drs-precheck results', for the verdicts.",
			s.InProgress, s.Total, outcomeInProgress, countsExcept(s, outcomeInProgress))
	case doc.AllPassed:
		return fmt.Sprintf("All %d %s %s: %s may start.", s.Total, plural(s.Total, "job", "jobs"), outcomePassed, plural(s.Total, "it", "they"))
	}
	return fmt.Sprintf("%d of %d %s %s (may start)%s.", s.Passed, s.Total, plural(s.Total, "job", "jobs"), outcomePassed, countsExcept(s, outcomePassed))
}

// nonZero lists the non-zero counts of every outcome but skip, e.g. "1 failed";
// the no_answer count is followed by noAnswerNote.
func nonZero(s summary, skip, noAnswerNote string) []string {
	var parts []string
	for _, o := range outcomes {
		if n := *s.count(o); o != skip && n > 0 {
			part := fmt.Sprintf("%d %s", n, o)
			if o == outcomeNoAnswer {
				part += noAnswerNote
			}
			parts = append(parts, part)
		}
	}
	return parts
}

// countsExcept is e.g. "; 1 failed; 1 no_answer (API or network error)".
func countsExcept(s summary, skip string) string {
	if parts := nonZero(s, skip, " (API or network error)"); len(parts) > 0 {
		return "; " + strings.Join(parts, "; ")
	}
	return ""
}

func countsLine(s summary) string {
	parts := make([]string, len(outcomes))
	for i, o := range outcomes {
		parts[i] = fmt.Sprintf("%d %s", *s.count(o), o)
	}
	return strings.Join(parts, ", ")
}

// safeLine is s on one line, safe in every output: what could drive a
// terminal escaped (visibly, as redact.Terminal does), and nothing GitHub's
// runner reads as a command ("::" at the start of a line, "##[" anywhere).
func safeLine(s string) string {
	s = strings.ReplaceAll(redact.Terminal(strings.Join(strings.Fields(s), " ")), "##[", `#\x23[`)
	if rest, ok := strings.CutPrefix(s, "::"); ok {
		s = `\x3a:` + rest
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
