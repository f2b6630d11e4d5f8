package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// writeMarkdown writes doc as GitHub-flavoured markdown: a heading with the
// counts, then a table per job (outcome, summary, error, failed items,
// alarms). It is what a GitHub step summary or a merge request comment shows.
func writeMarkdown(w io.Writer, doc *document) error {
	return writeMarkdownLimited(w, doc, 0)
}

// writeMarkdownLimited is writeMarkdown within max bytes (0: no limit). When
// the whole report does not fit, the jobs that are not ok come first and a
// last line says how many jobs were left out.
func writeMarkdownLimited(w io.Writer, doc *document, max int) error {
	var head bytes.Buffer
	// closingLine and countsLine hold only numbers and the outcome labels,
	// whose underscores are inside words: no escaping, so the labels read
	// the same as in every other format.
	fmt.Fprintf(&head, "## drs-precheck %s: %s\n\n", doc.Command, closingLine(doc))
	what := doc.Command
	if doc.Mode != "" {
		what += ", mode " + doc.Mode
	}
	if doc.Waited {
		what += ", waited for the verdicts"
	}
	fmt.Fprintf(&head, "%d %s (%s): %s.\n", doc.Summary.Total, plural(doc.Summary.Total, "job", "jobs"), mdText(what), countsLine(doc.Summary))

	sections := make([][]byte, len(doc.Jobs))
	for i, j := range doc.Jobs {
		var b bytes.Buffer
		writeJobTable(&b, j)
		sections[i] = b.Bytes()
	}
	var tail bytes.Buffer
	if len(doc.Unsolicited) > 0 {
		tail.WriteString("\n**Answers about jobs nobody asked about** (not counted):\n\n")
		for _, u := range doc.Unsolicited {
			fmt.Fprintf(&tail, "- %s: %s", mdText(u.JobID), mdText(u.Detail))
			if u.RequestID != "" {
				fmt.Fprintf(&tail, " (request %s)", mdText(u.RequestID))
			}
			tail.WriteString("\n")
		}
	}

	total := head.Len() + tail.Len()
	for _, s := range sections {
		total += len(s)
	}
	order := make([]int, 0, len(doc.Jobs))
	if max > 0 && total > max {
		// Not all fits: the jobs that need attention first.
		for i, j := range doc.Jobs {
			if !doc.ok(j) {
				order = append(order, i)
			}
		}
		for i, j := range doc.Jobs {
			if doc.ok(j) {
				order = append(order, i)
			}
		}
	} else {
		for i := range doc.Jobs {
			order = append(order, i)
		}
	}
	const noteRoom = 200 // for the line about the jobs left out
	size := head.Len() + tail.Len()
	shown := 0
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	for _, i := range order {
		if max > 0 && size+len(sections[i])+noteRoom > max {
			break
		}
		if _, err := w.Write(sections[i]); err != nil {
			return err
		}
		size += len(sections[i])
		shown++
	}
	if left := len(order) - shown; left > 0 {
		if _, err := fmt.Fprintf(w, "\n_%d more %s not shown here (the summary is limited to %d KiB): see the job's log or the JUnit report._\n",
			left, plural(left, "job", "jobs"), max>>10); err != nil {
			return err
		}
	}
	_, err := w.Write(tail.Bytes())
	return err
}

// writeJobTable writes one job's table.
func writeJobTable(b *bytes.Buffer, j jobReport) {
	row := func(field, value string) { fmt.Fprintf(b, "| %s | %s |\n", field, value) }
	b.WriteString("\n")
	row("job", mdText(j.JobID))
	b.WriteString("|---|---|\n")
	row("outcome", "**"+j.Outcome+"**")
	row("summary", mdText(j.Summary))
	if j.Progress != nil {
		p := fmt.Sprintf("%.0f%%", *j.Progress)
		if j.PassedRate != nil {
			p += fmt.Sprintf(" (%.0f%% of the items passed)", *j.PassedRate)
		}
		row("progress", p)
	}
	if j.Error != nil {
		row("error", mdText(errorLine(j.Error)))
	}
	if j.RequestID != "" {
		row("request id", mdText(j.RequestID))
	}
	for _, it := range j.Failed {
		v := mdText(it.name()) + ": " + mdText(orDash(it.Reason))
		for _, sj := range it.FailedSubJobs {
			v += "<br>" + mdText(sj.String())
		}
		row("failed item", v)
	}
	for _, it := range j.Alarms {
		row("alarm", mdText(it.name())+": "+mdText(orDash(it.Reason)))
	}
}

// mdSpecial are the characters that markdown (CommonMark, GitHub's tables and
// HTML) could read as syntax; each is written with a backslash, which
// CommonMark allows before any ASCII punctuation.
const mdSpecial = "\\`*_[]<>|~&#!"

// mdText is server or user text as literal markdown inside a table cell:
// syntax characters backslash-escaped, line breaks as <br>, and everything
// that could drive a terminal escaped as for the table output.
func mdText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i, l := range lines {
		var b strings.Builder
		for _, r := range redact.Terminal(strings.Join(strings.Fields(l), " ")) {
			if r < 0x80 && strings.ContainsRune(mdSpecial, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "<br>")
}
