package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// writeMarkdown writes doc as GitHub-flavoured markdown: a heading with the
// counts, an overview table (a row per job: job, outcome, summary), then a
// table per job (outcome, summary, error, failed items, alarms). It is what a
// GitHub step summary or a merge request comment shows.
func writeMarkdown(w io.Writer, doc *document) error {
	return writeMarkdownLimited(w, doc, 0)
}

// maxOverviewSummary caps the summary in an overview row, in runes; the
// job's own table has it whole.
const maxOverviewSummary = 300

// writeMarkdownLimited is writeMarkdown within limit bytes (0: no limit).
// When the whole report does not fit, the jobs that are not ok come first,
// the overview rows before the jobs' tables, and a line says how many jobs
// each part left out.
func writeMarkdownLimited(w io.Writer, doc *document, limit int) error {
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

	rows := make([][]byte, len(doc.Jobs))
	tables := make([][]byte, len(doc.Jobs))
	total := 0
	for i, j := range doc.Jobs {
		rows[i] = []byte("| " + mdText(j.JobID) + " | **" + j.Outcome + "** | " + mdText(overviewSummary(j)) + " |\n")
		var b bytes.Buffer
		writeJobTable(&b, j)
		tables[i] = b.Bytes()
		total += len(rows[i]) + len(tables[i])
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

	const (
		overviewHead = "\n| job | outcome | summary |\n|---|---|---|\n"
		detailsHead  = "\n### Jobs\n"
		noteRoom     = 200 // for each line about the jobs left out
	)
	size := head.Len() + len(overviewHead) + len(detailsHead) + tail.Len() + 2*noteRoom
	// When not all fits, the jobs that need attention come first, and the
	// rows of a group of jobs before their tables, while there is room.
	fits := limit <= 0 || size+total <= limit
	var first, rest []int
	for i, j := range doc.Jobs {
		if fits || !doc.ok(j) {
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	order := append(first[:len(first):len(first)], rest...)
	showRow := make([]bool, len(doc.Jobs))
	showTable := make([]bool, len(doc.Jobs))
	for _, group := range [][]int{first, rest} {
		for _, part := range []struct {
			show  []bool
			bytes [][]byte
		}{{showRow, rows}, {showTable, tables}} {
			for _, i := range group {
				if fits || size+len(part.bytes[i]) <= limit {
					part.show[i] = true
					size += len(part.bytes[i])
				}
			}
		}
	}
	// write writes the parts shown and says how many it left out.
	write := func(out *bytes.Buffer, parts [][]byte, show []bool, one, many string) {
		left := 0
		for _, i := range order {
			if show[i] {
				out.Write(parts[i])
			} else {
				left++
			}
		}
		if left > 0 {
			fmt.Fprintf(out, "\n_%d more %s not shown here (the summary is limited to %d KiB): see the job's log or the JUnit report._\n",
				left, plural(left, one, many), limit>>10)
		}
	}
	var out bytes.Buffer
	out.Write(head.Bytes())
	if len(doc.Jobs) > 0 {
		out.WriteString(overviewHead)
		write(&out, rows, showRow, "job", "jobs")
		out.WriteString(detailsHead)
		write(&out, tables, showTable, "job's table", "jobs' tables")
	}
	out.Write(tail.Bytes())
	_, err := w.Write(out.Bytes())
	return err
}

// overviewSummary is a job's summary for its overview row: cut to
// maxOverviewSummary runes, and ending with the error's remedy.
func overviewSummary(j jobReport) string {
	s := j.Summary
	if r := []rune(s); len(r) > maxOverviewSummary {
		s = string(r[:maxOverviewSummary]) + "…"
	}
	if j.Error != nil && j.Error.Remedy != "" && !strings.Contains(s, j.Error.Remedy) {
		s += "; " + j.Error.Remedy
	}
	return s
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
// each line through safeLine, syntax characters backslash-escaped, line
// breaks as <br>.
func mdText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i, l := range lines {
		var b strings.Builder
		for _, r := range safeLine(l) {
			if r < 0x80 && strings.ContainsRune(mdSpecial, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "<br>")
}
