package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// checkJobs is what run, wait, results and demo do.
type checkJobs struct {
	command string // "run", "wait" or "results": the report's command
	mode    string // run's pre-check mode
	wait    bool   // poll until every verdict is in
	g       globalFlags
	jf      jobFlags
	// Polling and its display; the defaults are drs's.
	firstPoll, pollInterval time.Duration
	quiet                   bool
}

func defineCheck(command string) func(*flag.FlagSet) func(context.Context, *app) error {
	return func(fs *flag.FlagSet) func(context.Context, *app) error {
		c := &checkJobs{command: command, wait: command == "wait"}
		c.g.register(fs)
		c.jf.register(fs)
		if command == "results" {
			return c.run
		}
		firstPoll := "default 0: at once"
		if command == "run" {
			firstPoll = "default 5s; at most half of --timeout; then each job when its progress says it will be done"
			fs.StringVar(&c.mode, "mode", string(drs.ModeStartJob), "pre-check `mode`: forStartJob (a job in CONFIGURATION) or forRetryJob (a job being retried or edited)")
			fs.BoolVar(&c.wait, "wait", false, "wait for the verdicts")
		}
		fs.DurationVar(&c.firstPoll, "first-poll-delay", 0, "wait this `duration` before the first poll ("+firstPoll+")")
		fs.DurationVar(&c.pollInterval, "poll-interval", 0, "poll a job whose progress says nothing this often (`duration`; default 5s, at least 1s, growing to 30s while nothing moves)")
		fs.BoolVar(&c.quiet, "quiet", false, "print no progress on stderr")
		return c.run
	}
}

// run checks the settings, reads the jobs, calls DRS and reports. A signal
// during the network part cancels it: the report of what is known is
// printed, and the exit code is the signal's.
func (c *checkJobs) run(ctx context.Context, a *app) error {
	if err := c.g.check(); err != nil {
		return err
	}
	if c.command == "run" && c.mode != string(drs.ModeStartJob) && c.mode != string(drs.ModeRetryJob) {
		return usage("--mode: unknown pre-check mode %q; use forStartJob or forRetryJob", c.mode)
	}
	jobs, err := c.jf.load(a)
	if err != nil {
		return err
	}
	// The whole command's bound, unless --timeout: pre-checks take minutes.
	timeout := cmp.Or(c.g.timeout, 2*time.Minute)
	if c.wait && c.g.timeout == 0 {
		timeout = 30 * time.Minute
	}
	var prog *progress
	var waitOpts []drs.WaitOption
	if c.wait {
		firstPoll := c.firstPoll
		if firstPoll == 0 && c.command == "run" {
			firstPoll = drs.DefaultFirstPollDelay
		}
		waitOpts = append(waitOpts, drs.WithFirstPollDelay(firstPoll))
		if c.pollInterval > 0 {
			waitOpts = append(waitOpts, drs.WithPollInterval(c.pollInterval))
		}
		if !c.quiet {
			prog = &progress{w: a.stderr, tty: a.isTTY, jobs: len(jobs), firstPoll: min(firstPoll, timeout/2), waitOnly: c.command == "wait"}
			waitOpts = append(waitOpts, drs.WithProgress(prog.update))
		}
	}
	client, err := a.newClient(ctx, &c.g, slices.Clone(a.clientOptions))
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	ctx, endInterruptible := a.signals.interruptible(ctx)
	ids := jobIDs(jobs)
	var rep *drs.Report
	switch {
	case c.command == "wait":
		rep, err = client.Wait(ctx, ids, waitOpts...)
	case c.command == "results":
		rep, err = client.Results(ctx, ids)
	case c.wait:
		rep, err = client.PrecheckAndWait(ctx, drs.Mode(c.mode), ids, waitOpts...)
	default:
		rep, err = client.Precheck(ctx, drs.Mode(c.mode), ids)
	}
	signaled := endInterruptible()
	if prog != nil {
		prog.done()
	}
	if rep == nil {
		if errors.As(err, new(*drs.ConfigError)) {
			return usage("%s", strings.Join(configProblems(err, nil), "\n")) // a poll flag below the library's floor
		}
		return inputError(err, jobs)
	}
	doc := &document{Schema: schemaVersion, Command: c.command, Mode: c.mode, Waited: c.wait} // only run has a mode
	for _, v := range rep.Verdicts {
		doc.add(fromVerdict(v, doc.startOnly()))
	}
	for _, u := range rep.Unmatched {
		doc.Unsolicited = append(doc.Unsolicited, unsolicited{JobID: u.JobID, Detail: "an answer that matches no single job asked about: " + u.Summary(), RequestID: u.RequestID})
	}
	err = a.writeReport(doc, c.g.output)
	if signaled != 0 {
		return &exitError{code: signaled, msg: "interrupted by " + signalName(signaled) + ": the report holds what was known then"}
	}
	return err
}

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
