package main

import (
	"cmp"
	"fmt"
	"io"
	"strings"
)

// Under GitHub Actions (GITHUB_ACTIONS=true) the report also goes where the
// run's page shows it: an ::error annotation per job that is not ok, a
// ::warning per alarm (on stderr: the runner reads both streams, and stdout
// keeps exactly the report), and the markdown report appended to the file
// GITHUB_STEP_SUMMARY names.
const (
	// maxAnnotations per kind: GitHub shows 10 of each per step; the last
	// one then counts the rest.
	maxAnnotations = 10
	// maxAnnotationItems is the number of failed items an ::error names.
	maxAnnotationItems = 5
	// maxAnnotationText and maxAnnotationTitle cap an annotation, in bytes
	// before GitHub's escaping.
	maxAnnotationText  = 4 << 10
	maxAnnotationTitle = 200
	// maxStepSummary is GitHub's limit for a step's summary (1 MiB), less
	// room for what other tools of the step append.
	maxStepSummary = 1<<20 - 64<<10
)

// reportToGitHub writes the annotations and the step summary; a summary that
// cannot be written is a warning, as the report itself was printed.
func (a *app) reportToGitHub(doc *document) {
	writeAnnotations(a.stderr, doc)
	name := a.getenv("GITHUB_STEP_SUMMARY")
	if name == "" {
		return
	}
	f, err := a.appendFile(name)
	if err == nil {
		err = writeMarkdown(f, doc, maxStepSummary) // in one write
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(a.stderr, workflowCommand("warning", "drs-precheck", "cannot append the report to GITHUB_STEP_SUMMARY: "+safeLine(err.Error())))
	}
}

// writeAnnotations writes an ::error per job that is not ok and a ::warning
// per alarm, at most maxAnnotations of each.
func writeAnnotations(w io.Writer, doc *document) {
	var errs, warns []string
	for _, j := range doc.Jobs {
		if !doc.ok(j) {
			lines := []string{safeLine(j.Summary)}
			if j.Error != nil {
				lines = append(lines, safeLine(errorLine(j.Error)))
			} else if j.RequestID != "" {
				lines = append(lines, "request "+safeLine(j.RequestID))
			}
			for i, it := range j.Failed {
				if i == maxAnnotationItems {
					lines = append(lines, fmt.Sprintf("… and %d more failed items: see the step summary or the report", len(j.Failed)-i))
					break
				}
				lines = append(lines, itemLine("FAILED", it, true))
			}
			errs = append(errs, workflowCommand("error", "drs-precheck: job "+j.JobID+" "+j.Outcome, strings.Join(lines, "\n")))
		}
		for _, it := range j.Alarms {
			warns = append(warns, workflowCommand("warning", "drs-precheck: job "+j.JobID+" alarm", safeLine(it.name())+": "+safeLine(cmp.Or(it.Reason, "-"))))
		}
	}
	capped := func(kind, what string, cmds []string) {
		if len(cmds) > maxAnnotations {
			rest := len(cmds) - (maxAnnotations - 1)
			cmds = append(cmds[:maxAnnotations-1:maxAnnotations-1],
				workflowCommand(kind, "drs-precheck", fmt.Sprintf("… and %d more %s: see the step summary or the report", rest, what)))
		}
		for _, c := range cmds {
			fmt.Fprintln(w, c)
		}
	}
	capped("error", "jobs may not start", errs)
	capped("warning", "alarms", warns)
}

// cut is s within n bytes, cut on a rune boundary and marked as cut.
func cut(s string, n int) string {
	const mark = " …(cut)"
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-len(mark)], "") + mark // safeLine made it UTF-8: this drops only a rune cut in two
}

// workflowCommand is "::kind title=TITLE::MESSAGE" with GitHub's escaping (in
// the message %, CR and LF; in the title also : and ,), so that no text ends
// the command early or starts another; both cut to their caps.
func workflowCommand(kind, title, message string) string {
	return "::" + kind + " title=" + propertyEscaper.Replace(cut(safeLine(title), maxAnnotationTitle)) + "::" + dataEscaper.Replace(cut(message, maxAnnotationText))
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)
