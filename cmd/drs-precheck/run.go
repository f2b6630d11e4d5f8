package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/drsclient/drs-precheck/drs"
)

// jobFlags collect job IDs from --job (repeatable) and --jobs-file. The IDs
// are checked once, by package drs; the CLI only knows where each came from.
type jobFlags struct {
	jobs     []jobEntry
	jobsFile string
}

func (j *jobFlags) register(fs *flag.FlagSet) {
	fs.Func("job", "job ID (repeat for more jobs)", func(v string) error {
		j.jobs = append(j.jobs, jobEntry{id: v, src: jobSource{name: fmt.Sprintf("--job #%d", len(j.jobs)+1)}})
		return nil
	})
	fs.StringVar(&j.jobsFile, "jobs-file", "", "file with one job ID per line (or a JSON array); - for stdin")
}

// load returns every job entry, from --job and --jobs-file.
func (j *jobFlags) load(a *app) ([]jobEntry, error) {
	jobs := j.jobs
	if j.jobsFile != "" {
		name, r := j.jobsFile, a.stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, &usageError{fmt.Sprintf("--jobs-file: %v", err)}
			}
			defer f.Close()
			r = f
		} else {
			name = "stdin"
		}
		fileJobs, err := parseJobsFile(name, r)
		if err != nil {
			return nil, &usageError{err.Error()}
		}
		jobs = append(jobs, fileJobs...)
	}
	if len(jobs) == 0 {
		return nil, &usageError{"no jobs given: use --job ID (repeatable) or --jobs-file FILE"}
	}
	return jobs, nil
}

// inputError words drs's input errors for the CLI: where each job ID came
// from, and --mode for the mode.
func inputError(err error, jobs []jobEntry) error {
	var lines []string
	for _, e := range leaves(err) {
		var in *drs.InputError
		switch {
		case !errors.As(e, &in):
			lines = append(lines, e.Error())
		case in.Index < 0 && strings.Contains(in.Reason, "mode"):
			lines = append(lines, "--mode: "+in.Reason)
		case in.Index < 0 || in.Index >= len(jobs):
			lines = append(lines, in.Reason)
		default:
			j := jobs[in.Index]
			reason := in.Reason
			for _, prev := range jobs[:in.Index] {
				if prev.id == j.id {
					reason = fmt.Sprintf("listed twice (%s and %s): list each job once", prev.src, j.src)
					break
				}
			}
			lines = append(lines, fmt.Sprintf("%s: job ID %q: %s", j.src, j.id, reason))
		}
	}
	return &usageError{strings.Join(lines, "\n")}
}

// waitFlags tune polling and its display; the defaults are the library's,
// which match how long DRS pre-checks take.
type waitFlags struct {
	firstPoll, interval time.Duration
	quiet               bool
}

func (w *waitFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&w.firstPoll, "first-poll-delay", 0, "wait this long before the first poll (default 20s; at most half of --timeout)")
	fs.DurationVar(&w.interval, "poll-interval", 0, "poll this often while progress moves (default 5s, growing to 30s while nothing moves)")
	fs.BoolVar(&w.quiet, "quiet", false, "print no progress on stderr")
}

func (w *waitFlags) options() []drs.Option {
	var opts []drs.Option
	if w.firstPoll > 0 {
		opts = append(opts, drs.WithFirstPollDelay(w.firstPoll))
	}
	if w.interval > 0 {
		opts = append(opts, drs.WithPollInterval(w.interval))
	}
	return opts
}

func (a *app) cmdRun(ctx context.Context, args []string) error {
	var g globalFlags
	var jf jobFlags
	var wf waitFlags
	var mode string
	var wait bool
	fs := a.newFlagSet("run")
	g.register(fs)
	jf.register(fs)
	wf.register(fs)
	fs.StringVar(&mode, "mode", string(drs.ModeStartJob), "pre-check mode: forStartJob (a job in CONFIGURATION) or forRetryJob (a job being retried or edited)")
	fs.BoolVar(&wait, "wait", false, "wait for the verdicts")
	if err := a.parseFlags(fs, args); err != nil {
		return err
	}
	if err := g.check(); err != nil {
		return err
	}
	jobs, err := jf.load(a)
	if err != nil {
		return err
	}
	timeout := commandTimeout(g.timeout, wait)
	var prog *progress
	if wait {
		firstPoll := wf.firstPoll
		if firstPoll == 0 {
			firstPoll = 20 * time.Second
		}
		prog = a.newProgress(len(jobs), min(firstPoll, timeout/2), wf.quiet)
		a.clientOptions = append(a.clientOptions, append(wf.options(), drs.WithProgress(prog.update))...)
	}
	client, err := a.newClient(ctx, &g)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var rep *drs.Report
	if wait {
		rep, err = client.PrecheckAndWait(ctx, drs.Mode(mode), jobIDs(jobs))
		prog.done()
	} else {
		rep, err = client.Precheck(ctx, drs.Mode(mode), jobIDs(jobs))
	}
	if rep == nil {
		return inputError(err, jobs)
	}
	return a.emitReport(&document{Schema: schemaVersion, Command: "run", Mode: mode, Waited: wait}, rep, &g)
}

func (a *app) cmdResults(ctx context.Context, args []string) error {
	var g globalFlags
	var jf jobFlags
	fs := a.newFlagSet("results")
	g.register(fs)
	jf.register(fs)
	if err := a.parseFlags(fs, args); err != nil {
		return err
	}
	if err := g.check(); err != nil {
		return err
	}
	jobs, err := jf.load(a)
	if err != nil {
		return err
	}
	client, err := a.newClient(ctx, &g)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, commandTimeout(g.timeout, false))
	defer cancel()
	rep, err := client.Results(ctx, jobIDs(jobs))
	if rep == nil {
		return inputError(err, jobs)
	}
	return a.emitReport(&document{Schema: schemaVersion, Command: "results"}, rep, &g)
}

func (a *app) emitReport(doc *document, rep *drs.Report, g *globalFlags) error {
	for _, v := range rep.Verdicts {
		doc.add(fromVerdict(v, doc.startOnly()))
	}
	for _, u := range rep.Unmatched {
		doc.Unsolicited = append(doc.Unsolicited, unsolicited{JobID: u.JobID, Detail: "an answer that matches no single job asked about: " + u.Summary(), RequestID: u.RequestID})
	}
	return a.writeReport(doc, g.output)
}

// commandTimeout bounds the whole command: --timeout, else 30 minutes when
// waiting (DRS pre-checks take minutes) and 2 minutes otherwise.
func commandTimeout(d time.Duration, waiting bool) time.Duration {
	switch {
	case d > 0:
		return d
	case waiting:
		return 30 * time.Minute
	}
	return 2 * time.Minute
}

// plural is a tiny helper for human output.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
