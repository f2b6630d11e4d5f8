package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/internal/jobsfile"
)

const defaultMaxJobs = 1000

// jobEntry is a job ID and where it came from ("--job #2", "jobs.txt:17").
type jobEntry = jobsfile.Entry

// jobArg is one --job (entry) or one --jobs-file (file), in command-line order.
type jobArg struct {
	entry jobEntry
	file  string
}

// jobFlags collect job IDs from --job and --jobs-file, both repeatable, in
// command-line order; package drs checks the IDs (inputError).
type jobFlags struct {
	given   []jobArg
	maxJobs int
}

func (j *jobFlags) register(fs *flag.FlagSet) {
	n := 0
	fs.Func("job", "job `ID` (repeat for more jobs)", func(v string) error {
		n++
		j.given = append(j.given, jobArg{entry: jobEntry{ID: v, Name: fmt.Sprintf("--job #%d", n)}})
		return nil
	})
	fs.Func("jobs-file", "`file` with one job ID per line (or a JSON array); - for stdin; repeatable", func(v string) error {
		if v == "" {
			return errors.New("empty file name")
		}
		if v == "-" && slices.ContainsFunc(j.given, func(g jobArg) bool { return g.file == "-" }) {
			return errors.New("stdin (-) can be read once")
		}
		j.given = append(j.given, jobArg{file: v})
		return nil
	})
	fs.IntVar(&j.maxJobs, "max-jobs", defaultMaxJobs, "refuse more than this `number` of jobs per run")
}

func (j *jobFlags) load(a *app) ([]jobEntry, error) {
	var jobs []jobEntry
	for _, g := range j.given {
		if g.file == "" {
			jobs = append(jobs, g.entry)
			continue
		}
		fileJobs, err := readJobsFile(a, g.file)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, fileJobs...)
	}
	if len(jobs) == 0 {
		return nil, usage("no jobs given: use --job ID (repeatable) or --jobs-file FILE")
	}
	if j.maxJobs < 1 {
		return nil, usage("--max-jobs %d: must be at least 1", j.maxJobs)
	}
	if len(jobs) > j.maxJobs {
		return nil, usage("%d jobs given, more than --max-jobs %d: raise --max-jobs to check them all in one run", len(jobs), j.maxJobs)
	}
	return jobs, nil
}

func readJobsFile(a *app, name string) ([]jobEntry, error) {
	r := a.stdin
	if name == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, usage("--jobs-file: %v", err)
		}
		defer f.Close()
		r = f
	}
	jobs, err := jobsfile.Parse(name, r)
	if err != nil {
		return nil, usage("%v", err)
	}
	return jobs, nil
}

func jobIDs(jobs []jobEntry) []string {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return ids
}

// inputError words drs's input errors for the CLI: where each job ID came from.
func inputError(err error, jobs []jobEntry) error {
	first := make(map[string]string, len(jobs)) // where each ID is first listed
	for _, j := range slices.Backward(jobs) {
		first[j.ID] = j.String()
	}
	var lines []string
	for _, e := range leaves(err) {
		in, ok := errors.AsType[*drs.InputError](e)
		switch {
		case !ok:
			lines = append(lines, e.Error())
		case in.Index < 0 || in.Index >= len(jobs):
			lines = append(lines, in.Reason)
		default:
			j, reason := jobs[in.Index], in.Reason
			if first[j.ID] != j.String() {
				reason = fmt.Sprintf("listed twice (%s and %s): list each job once", first[j.ID], j)
			}
			lines = append(lines, fmt.Sprintf("%s: job ID %s: %s", j, quoteID(j.ID), reason))
		}
	}
	return usage("%s", strings.Join(lines, "\n"))
}

// quoteID quotes a job ID for an error, cut when too long to be one.
func quoteID(id string) string {
	const show = 64
	if len(id) <= show {
		return fmt.Sprintf("%q", id)
	}
	return fmt.Sprintf("%q... (%d bytes)", id[:show], len(id))
}
