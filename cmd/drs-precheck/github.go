package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Under GitHub Actions (GITHUB_ACTIONS=true) the report also goes where the
// workflow run page shows it: an ::error annotation per job that is not ok,
// a ::warning per alarm, and the markdown report appended to the file named
// by GITHUB_STEP_SUMMARY.
//
// Annotations go to stderr: the runner reads workflow commands from both
// streams, and stdout keeps exactly the report (a JSON or JUnit document a
// script may redirect to a file).

const (
	// maxAnnotations per kind and step: GitHub shows at most 10 error and 10
	// warning annotations of a step; beyond that the last one says how many
	// more there are.
	maxAnnotations = 10
	// maxAnnotationItems is the number of failed items an ::error names; a
	// last line says how many more there are.
	maxAnnotationItems = 5
	// maxAnnotationText caps an annotation's text, in bytes before GitHub's
	// escaping (at most three times as many after it).
	maxAnnotationText = 4 << 10
	// maxAnnotationTitle caps an annotation's title, in bytes.
	maxAnnotationTitle = 200
	// maxStepSummary is GitHub's limit for one step's summary (1 MiB),
	// less room for what other tools of the same step append.
	maxStepSummary = 1<<20 - 64<<10
)

// reportToGitHub writes the annotations and the step summary. A summary that
// cannot be written is a warning: the report itself was printed.
func (a *app) reportToGitHub(doc *document) {
	writeAnnotations(a.stderr, doc)
	name := a.getenv("GITHUB_STEP_SUMMARY")
	if name == "" {
		return
	}
	if err := a.appendStepSummary(name, doc); err != nil {
		fmt.Fprintln(a.stderr, workflowCommand("warning", "drs-precheck", "cannot append the report to GITHUB_STEP_SUMMARY: "+safeLine(err.Error())))
	}
}

func (a *app) appendStepSummary(name string, doc *document) error {
	var md bytes.Buffer
	if err := writeMarkdownLimited(&md, doc, maxStepSummary); err != nil {
		return err
	}
	f, err := a.openAppend(name)
	if err != nil {
		return err
	}
	_, err = f.Write(md.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeAnnotations writes an ::error per job that is not ok and a ::warning
// per alarm, at most maxAnnotations of each.
func writeAnnotations(w io.Writer, doc *document) {
	var errs, warns []string
	for _, j := range doc.Jobs {
		if !doc.ok(j) {
			errs = append(errs, workflowCommand("error", "drs-precheck: job "+j.JobID+" "+j.Outcome, annotationText(j)))
		}
		for _, it := range j.Alarms {
			warns = append(warns, workflowCommand("warning", "drs-precheck: job "+j.JobID+" alarm",
				safeLine(it.name())+": "+safeLine(orDash(it.Reason))))
		}
	}
	writeCapped(w, "error", errs, "jobs may not start")
	writeCapped(w, "warning", warns, "alarms")
}

// writeCapped writes cmds, or the first maxAnnotations-1 and one that counts
// the rest.
func writeCapped(w io.Writer, kind string, cmds []string, what string) {
	if len(cmds) > maxAnnotations {
		rest := len(cmds) - (maxAnnotations - 1)
		cmds = append(cmds[:maxAnnotations-1:maxAnnotations-1],
			workflowCommand(kind, "drs-precheck", fmt.Sprintf("… and %d more %s: see the step summary or the report", rest, what)))
	}
	for _, c := range cmds {
		fmt.Fprintln(w, c)
	}
}

// annotationText is a job's summary, error and failed items, one per line,
// at most maxAnnotationItems items.
func annotationText(j jobReport) string {
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
		lines = append(lines, itemLine("FAILED", it))
	}
	return strings.Join(lines, "\n")
}

// cut is s within n bytes, cut on a rune boundary and marked as cut.
func cut(s string, n int) string {
	const mark = " …(cut)"
	if len(s) <= n {
		return s
	}
	// The text is UTF-8 (safeLine escapes other bytes): this drops only a
	// rune cut in two.
	return strings.ToValidUTF8(s[:n-len(mark)], "") + mark
}

// workflowCommand is "::kind title=TITLE::MESSAGE" with GitHub's escaping:
// in the message %, CR and LF; in the title also : and , (which would end
// the property). So no text can end the command early or start another.
// The title is cut at maxAnnotationTitle bytes and the message at
// maxAnnotationText.
func workflowCommand(kind, title, message string) string {
	return "::" + kind + " title=" + escapeProperty(cut(safeLine(title), maxAnnotationTitle)) + "::" + escapeData(cut(message, maxAnnotationText))
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }
