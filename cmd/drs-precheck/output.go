package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/drsclient/drs-precheck/drs"
)

func writeJSON(w io.Writer, doc *document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

var outcomeLabels = map[string]string{
	outcomeMayStart:   "MAY START",
	outcomeStarted:    "STARTED",
	outcomeFailed:     "FAILED",
	outcomeRefused:    "REFUSED",
	outcomeInProgress: "IN PROGRESS",
	outcomeErrored:    "ERROR",
}

// writeTable prints one block per job: the verdict line, then the failed items
// and alarms with their reasons, so the person reading it knows what to fix.
func writeTable(w io.Writer, doc *document) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tRESULT\tPROGRESS\tDETAILS")
	for _, j := range doc.Jobs {
		progress := "-"
		if j.Progress != nil {
			progress = fmt.Sprintf("%.0f%%", *j.Progress)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", j.JobID, outcomeLabels[j.Outcome], progress, oneLine(detail(j)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, j := range doc.Jobs {
		if len(j.Failed) == 0 && len(j.Alarms) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", j.JobID)
		writeItems(w, "FAILED", j.Failed)
		writeItems(w, "ALARM ", j.Alarms)
	}
	for _, u := range doc.Unsolicited {
		fmt.Fprintf(w, "\nwarning: the server answered about %q: %s", u.JobID, u.Detail)
		if u.RequestID != "" {
			fmt.Fprintf(w, " (request %s)", u.RequestID)
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "\n%s\n", closingLine(doc))
	return err
}

func writeItems(w io.Writer, label string, items []drs.CheckItem) {
	for _, it := range items {
		name := it.Item
		if it.Group != "" {
			name = it.Group + "/" + it.Item
		}
		fmt.Fprintf(w, "  %s %s", label, name)
		if it.Reason != "" {
			fmt.Fprintf(w, ": %s", oneLine(it.Reason))
		}
		fmt.Fprintln(w)
		for _, sj := range it.FailedSubJobs {
			fmt.Fprintf(w, "         sub-job %s", sj.ID)
			if sj.Name != "" {
				fmt.Fprintf(w, " (%s)", sj.Name)
			}
			if sj.CheckResult != "" {
				fmt.Fprintf(w, ": %s", oneLine(sj.CheckResult))
			}
			fmt.Fprintln(w)
		}
	}
}

// detail is the table's one-line reason; the items themselves follow the
// table, and the JSON document has the library's full summary.
func detail(j jobReport) string {
	switch {
	case j.Outcome == outcomeFailed && len(j.Failed) > 0:
		return fmt.Sprintf("%d %s failed (below)", len(j.Failed), plural(len(j.Failed), "check item", "check items"))
	case j.Outcome == outcomeMayStart && len(j.Alarms) > 0:
		return fmt.Sprintf("passed with %d %s (below)", len(j.Alarms), plural(len(j.Alarms), "alarm", "alarms"))
	case j.Outcome == outcomeMayStart:
		return "passed"
	case j.Error != nil && j.Error.Code != "":
		s := j.Error.Code + ": " + j.Error.Message
		if j.Error.Status != 0 {
			s = fmt.Sprintf("HTTP %d %s", j.Error.Status, s)
		}
		if j.Error.RequestID != "" {
			s += " (request " + j.Error.RequestID + ")"
		}
		return s
	}
	return j.Summary
}

func closingLine(doc *document) string {
	s := doc.Summary
	switch {
	case doc.Command == "run" && !doc.Waited:
		return fmt.Sprintf("%d of %d pre-checks started. Add --wait, or run 'drs-precheck results', for the verdicts.", s.Started, s.Total)
	case doc.AllMayStart:
		return fmt.Sprintf("All %d %s may start.", s.Total, plural(s.Total, "job", "jobs"))
	}
	parts := []string{fmt.Sprintf("%d of %d %s may start", s.MayStart, s.Total, plural(s.Total, "job", "jobs"))}
	for _, p := range []struct {
		n    int
		what string
	}{{s.Failed, "failed"}, {s.Refused, "refused"}, {s.InProgress, "not complete"}, {s.Errored, "got no answer (API or network error)"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, "; ") + "."
}

// oneLine keeps a table row on one line whatever DRS puts in a message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
