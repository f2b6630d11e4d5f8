package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/drsclient/drs-precheck/drs"
)

// progress shows how the wait goes, on stderr so stdout stays clean for the
// report: a bar per job redrawn in place on a terminal, a plain summary line
// per poll otherwise (CI logs).
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	quiet bool
	ids   []string
	drawn int // lines drawn last time (tty)
	polls int
}

func (a *app) newProgress(ids []string, quiet bool) *progress {
	return &progress{w: a.stderr, tty: a.isTTY, quiet: quiet && !a.isTTY, ids: ids}
}

func (p *progress) update(rep drs.ResultsReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.polls++
	if p.quiet {
		return
	}
	if !p.tty {
		// Jobs refused at start or errored have no progress: leave them out
		// of the average, count them as settled.
		done, total, sum, running := 0, len(rep.Verdicts), 0.0, 0
		for _, v := range rep.Verdicts {
			if v.Complete() {
				done++
			}
			if v.State != drs.VerdictErrored {
				sum += v.Progress
				running++
			}
		}
		avg := 100.0
		if running > 0 {
			avg = sum / float64(running)
		}
		fmt.Fprintf(p.w, "poll %d: %d of %d jobs settled, average progress %.0f%%\n", p.polls, done, total, avg)
		return
	}
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.drawn) // cursor up, redraw in place
	}
	for _, v := range rep.Verdicts {
		fmt.Fprintf(p.w, "\x1b[2K%-38s %s %3.0f%% %s\n", v.JobID, bar(v.Progress, 24), v.Progress, v.State)
	}
	p.drawn = len(rep.Verdicts)
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn > 0 {
		fmt.Fprintln(p.w)
	}
}

func bar(percent float64, width int) string {
	if percent < 0 {
		percent = 0
	}
	if percent > 100 {
		percent = 100
	}
	full := int(percent / 100 * float64(width))
	return "[" + strings.Repeat("#", full) + strings.Repeat("-", width-full) + "]"
}
