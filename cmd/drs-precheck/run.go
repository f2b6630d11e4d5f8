package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/drsclient/drs-precheck/drs"
)

// jobFlags collect job IDs from --job (repeatable) and --jobs-file.
type jobFlags struct {
	jobs     []jobEntry
	jobsFile string
}

func (j *jobFlags) register(fs *flag.FlagSet) {
	fs.Func("job", "job ID (repeat for more jobs)", func(v string) error {
		src := jobSource{name: fmt.Sprintf("--job #%d", len(j.jobs)+1)}
		if err := checkJobID(v); err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		j.jobs = append(j.jobs, jobEntry{id: v, src: src})
		return nil
	})
	fs.StringVar(&j.jobsFile, "jobs-file", "", "file with one job ID per line (or a JSON array); - for stdin")
}

// load returns every job ID, checked: none empty, padded or listed twice.
func (j *jobFlags) load(a *app) ([]string, error) {
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
	if err := dedupeCheck(jobs); err != nil {
		return nil, &usageError{err.Error()}
	}
	return jobIDs(jobs), nil
}

// waitFlags tune polling; the defaults are the library's, which match how
// long DRS pre-checks take.
type waitFlags struct {
	firstPoll, interval time.Duration
}

func (w *waitFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&w.firstPoll, "first-poll-delay", 0, "wait this long before the first poll (default: the library's, 20s)")
	fs.DurationVar(&w.interval, "poll-interval", 0, "poll this often (default: the library's)")
}

func (w *waitFlags) options() []drs.WaitOption {
	var opts []drs.WaitOption
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
	fs.StringVar(&mode, "mode", string(drs.ModeStartJob), "pre-check mode: forStartJob or forRetryJob")
	fs.BoolVar(&wait, "wait", false, "wait for the verdicts")
	if err := a.parseFlags(fs, args); err != nil {
		return err
	}
	if err := g.check(); err != nil {
		return err
	}
	if mode != string(drs.ModeStartJob) && mode != string(drs.ModeRetryJob) {
		return &usageError{fmt.Sprintf("--mode %q: use forStartJob (a job in CONFIGURATION) or forRetryJob (a job being retried or edited)", mode)}
	}
	ids, err := jf.load(a)
	if err != nil {
		return err
	}
	client, err := a.newClient(&g)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := withTimeout(ctx, g.timeout, wait)
	defer cancel()

	doc := &document{Schema: schemaVersion, Command: "run", Mode: mode, Waited: wait}
	if !wait {
		rep, err := client.Precheck(ctx, drs.Mode(mode), ids...)
		if err != nil {
			return &usageError{err.Error()}
		}
		for _, o := range rep.Outcomes {
			doc.add(fromOutcome(o))
		}
		for _, u := range rep.Unsolicited {
			doc.Unsolicited = append(doc.Unsolicited, unsolicited{JobID: u.Answer.Id, Detail: "answer about a job that was not asked about", RequestID: u.RequestID})
		}
		return a.emit(doc, &g)
	}
	progress := a.newProgress(ids, g.output == "json")
	rep, err := client.PrecheckAndWait(ctx, drs.Mode(mode), ids, append(wf.options(), drs.WithProgress(progress.update))...)
	progress.done()
	if rep == nil {
		return &usageError{err.Error()}
	}
	return a.emitVerdicts(doc, rep, &g)
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
	ids, err := jf.load(a)
	if err != nil {
		return err
	}
	client, err := a.newClient(&g)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := withTimeout(ctx, g.timeout, false)
	defer cancel()
	rep, err := client.Results(ctx, ids...)
	if rep == nil {
		return &usageError{err.Error()}
	}
	return a.emitVerdicts(&document{Schema: schemaVersion, Command: "results"}, rep, &g)
}

func (a *app) emitVerdicts(doc *document, rep *drs.ResultsReport, g *globalFlags) error {
	for _, v := range rep.Verdicts {
		doc.add(fromVerdict(v))
	}
	for _, u := range rep.Unmatched {
		doc.Unsolicited = append(doc.Unsolicited, unsolicited{JobID: u.JobID, Detail: "result that matches no single job asked about: " + u.Summary(), RequestID: u.RequestID})
	}
	if rep.Precheck != nil {
		for _, u := range rep.Precheck.Unsolicited {
			doc.Unsolicited = append(doc.Unsolicited, unsolicited{JobID: u.Answer.Id, Detail: "start answer about a job that was not asked about", RequestID: u.RequestID})
		}
	}
	return a.emit(doc, g)
}

func (a *app) emit(doc *document, g *globalFlags) error {
	doc.finish()
	var err error
	if g.output == "json" {
		err = writeJSON(a.stdout, doc)
	} else {
		err = writeTable(a.stdout, doc)
	}
	if err != nil {
		return err
	}
	return doc.exitErr()
}

// withTimeout bounds the whole command: --timeout, else 30 minutes when
// waiting (DRS pre-checks take minutes) and 2 minutes otherwise.
func withTimeout(ctx context.Context, d time.Duration, waiting bool) (context.Context, context.CancelFunc) {
	if d == 0 {
		d = 2 * time.Minute
		if waiting {
			d = 30 * time.Minute
		}
	}
	return context.WithTimeout(ctx, d)
}

// plural is a tiny helper for human output.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
