package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strings"
)

// maxOverviewSummary caps the summary in an overview row, in runes; the
// job's own table has it whole.
const maxOverviewSummary = 300

// writeMarkdown writes doc as GitHub-flavoured markdown, for a step summary
// or a merge request comment: a heading with the counts, an overview table
// (job, outcome, summary), then a table per job. Within limit bytes (0: no
// limit), the jobs that are not ok come first, the rows of a group before its
// tables, and a line says how many jobs each part left out.
func writeMarkdown(w io.Writer, doc *document, limit int) error {
	var out bytes.Buffer
	// The heading holds only numbers and the outcome labels, whose
	// underscores are inside words: no escaping.
	fmt.Fprintf(&out, "## drs-precheck %s: %s\n\n", doc.Command, closingLine(doc))
	what := doc.Command
	if doc.Mode != "" {
		what += ", mode " + doc.Mode
	}
	if doc.Waited {
		what += ", waited for the verdicts"
	}
	fmt.Fprintf(&out, "%d %s (%s): %s.\n", doc.Summary.Total, plural(doc.Summary.Total, "job", "jobs"), mdText(what), countsLine(doc.Summary))

	// parts[0] are the overview rows, parts[1] the jobs' tables.
	var parts [2][]string
	total := 0
	for _, j := range doc.Jobs {
		summary := j.Summary
		if r := []rune(summary); len(r) > maxOverviewSummary {
			summary = string(r[:maxOverviewSummary]) + "…"
		}
		if j.Error != nil && j.Error.Remedy != "" && !strings.Contains(summary, j.Error.Remedy) {
			summary += "; " + j.Error.Remedy
		}
		parts[0] = append(parts[0], "| "+mdText(j.JobID)+" | **"+j.Outcome+"** | "+mdText(summary)+" |\n")
		parts[1] = append(parts[1], jobTable(j))
		total += len(parts[0][len(parts[0])-1]) + len(parts[1][len(parts[1])-1])
	}
	var tail strings.Builder
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

	const overviewHead, detailsHead = "\n| job | outcome | summary |\n|---|---|---|\n", "\n### Jobs\n"
	const noteRoom = 200 // for each line about the jobs left out
	size := out.Len() + len(overviewHead) + len(detailsHead) + tail.Len() + 2*noteRoom
	fits := limit <= 0 || size+total <= limit
	var shown [2]strings.Builder
	var left [2]int
	// When not all fits, the jobs that are not ok are shown first.
	for _, later := range []bool{false, true} {
		for p := range parts {
			for i, j := range doc.Jobs {
				if (!fits && doc.ok(j)) != later {
					continue
				}
				if fits || size+len(parts[p][i]) <= limit {
					shown[p].WriteString(parts[p][i])
					size += len(parts[p][i])
				} else {
					left[p]++
				}
			}
		}
	}
	if len(doc.Jobs) > 0 {
		for p, head := range []string{overviewHead, detailsHead} {
			out.WriteString(head + shown[p].String())
			if left[p] > 0 {
				fmt.Fprintf(&out, "\n_%d more %s not shown here (the summary is limited to %d KiB): see the job's log or the JUnit report._\n",
					left[p], plural(left[p], []string{"job", "job's table"}[p], []string{"jobs", "jobs' tables"}[p]), limit>>10)
			}
		}
	}
	out.WriteString(tail.String())
	_, err := w.Write(out.Bytes())
	return err
}

func jobTable(j jobReport) string {
	var b strings.Builder
	row := func(field, value string) { fmt.Fprintf(&b, "| %s | %s |\n", field, value) }
	b.WriteString("\n")
	row("job", mdText(j.JobID))
	b.WriteString("|---|---|\n")
	row("outcome", "**"+j.Outcome+"**")
	row("summary", mdText(j.Summary))
	if j.Progress != nil {
		p := percent(j.Progress)
		if j.PassedRate != nil {
			p += " (" + percent(j.PassedRate) + " of the items passed)"
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
		v := mdText(it.name()) + ": " + mdText(cmp.Or(it.Reason, "-"))
		for _, sj := range it.FailedSubJobs {
			v += "<br>" + mdText(sj.String())
		}
		row("failed item", v)
	}
	for _, it := range j.Alarms {
		row("alarm", mdText(it.name())+": "+mdText(cmp.Or(it.Reason, "-")))
	}
	return b.String()
}

// mdSpecial are the characters markdown (CommonMark, GitHub's tables, HTML)
// could read as syntax; CommonMark allows a backslash before any of them.
const mdSpecial = "\\`*_[]<>|~&#!"

// mdText is server or user text as literal markdown inside a table cell:
// each line through safeLine, syntax backslash-escaped, line breaks as <br>.
func mdText(s string) string {
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
