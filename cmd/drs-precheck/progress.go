package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// progress tells how a wait goes, on stderr (stdout is the report): what
// the start did and when the first poll comes, then a bar per job redrawn in
// place on a terminal, or a line per poll (CI logs). --quiet makes none.
type progress struct {
	mu        sync.Mutex
	w         io.Writer
	tty       bool
	jobs      int
	firstPoll time.Duration
	waitOnly  bool // the pre-checks were started elsewhere (wait)
	drawn     int  // lines drawn last time (tty)
}

func (p *progress) update(rep drs.Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s summary
	sum := 0.0 // of the progress of the jobs in progress
	for _, v := range rep.Verdicts {
		*s.count(v.State.String())++
		if v.State == drs.InProgress {
			sum += v.Progress
		}
	}
	others := ""
	if parts := nonZero(s, outcomeInProgress, ""); len(parts) > 0 {
		others = " (" + strings.Join(parts, ", ") + ")"
	}
	switch {
	case rep.Polls == 0 && p.waitOnly:
		fmt.Fprintf(p.w, "waiting for %d pre-checks; first poll in %s\n", p.jobs, p.firstPoll.Round(time.Millisecond))
	case rep.Polls == 0:
		fmt.Fprintf(p.w, "started %d of %d pre-checks%s; first poll in %s\n", s.InProgress, p.jobs, others, p.firstPoll.Round(time.Millisecond))
	case !p.tty:
		avg := ""
		if s.InProgress > 0 {
			avg = fmt.Sprintf(" (average %.0f%%)", sum/float64(s.InProgress))
		}
		fmt.Fprintf(p.w, "poll %d: %d of %d jobs %s%s%s\n", rep.Polls, s.InProgress, len(rep.Verdicts), drs.InProgress, avg, others)
	default:
		if p.drawn > 0 {
			fmt.Fprintf(p.w, "\x1b[%dA", p.drawn) // cursor up, redraw in place
		}
		for _, v := range rep.Verdicts {
			fmt.Fprintf(p.w, "\x1b[2K%-38s %s %3.0f%% %s\n", redact.Terminal(v.JobID), bar(v.Progress, 24), v.Progress, v.State)
		}
		p.drawn = len(rep.Verdicts)
	}
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn > 0 { // only a terminal has lines drawn in place
		fmt.Fprintln(p.w)
	}
}

func bar(percent float64, width int) string {
	full := int(min(max(percent, 0), 100) / 100 * float64(width))
	return "[" + strings.Repeat("#", full) + strings.Repeat("-", width-full) + "]"
}
