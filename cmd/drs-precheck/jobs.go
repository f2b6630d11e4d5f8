package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/drsclient/drs-precheck/drs"
)

// Caps on what the CLI reads, each a usage error (exit 2) before anything is sent.
const (
	// maxJobsFileBytes bounds a jobs file: 100,000 IDs of ~40 bytes fit.
	maxJobsFileBytes = 8 << 20
	// maxJobIDBytes bounds a job ID from any source: DRS's IDs are about 40
	// bytes (package drs has its own, tighter cap).
	maxJobIDBytes = 1 << 10
	// defaultMaxJobs is the default of --max-jobs.
	defaultMaxJobs = 1000
)

// jobSource says where a job ID came from, so an error can point at it:
// "--job #2" or "jobs.txt:17".
type jobSource struct {
	name string
	line int // 0 for a --job flag
}

func (s jobSource) String() string {
	if s.line == 0 {
		return s.name
	}
	return fmt.Sprintf("%s:%d", s.name, s.line)
}

type jobEntry struct {
	id  string
	src jobSource
}

// jobFlags collect job IDs from --job and --jobs-file, both repeatable, in
// command-line order. The IDs are checked once, by package drs; the CLI
// only knows where each came from, and refuses what it cannot show.
type jobFlags struct {
	given   []jobEntry // a --job, or a --jobs-file to read (src.line -1)
	maxJobs int
}

func (j *jobFlags) register(fs *flag.FlagSet) {
	n := 0
	fs.Func("job", "job `ID` (repeat for more jobs)", func(v string) error {
		n++
		j.given = append(j.given, jobEntry{id: v, src: jobSource{name: fmt.Sprintf("--job #%d", n)}})
		return nil
	})
	fs.Func("jobs-file", "`file` with one job ID per line (or a JSON array); - for stdin; repeatable", func(v string) error {
		for _, g := range j.given {
			if v == "-" && g.src.line == -1 && g.src.name == "-" {
				return errors.New("stdin (-) can be read once")
			}
		}
		if v == "" {
			return errors.New("empty file name")
		}
		j.given = append(j.given, jobEntry{src: jobSource{name: v, line: -1}})
		return nil
	})
	fs.IntVar(&j.maxJobs, "max-jobs", defaultMaxJobs, "refuse more than this `number` of jobs per run")
}

// load returns every job entry, the jobs files read in place.
func (j *jobFlags) load(a *app) ([]jobEntry, error) {
	var jobs []jobEntry
	for _, g := range j.given {
		if g.src.line != -1 {
			jobs = append(jobs, g)
			continue
		}
		fileJobs, err := readJobsFile(a, g.src.name)
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
	var bad []string
	for _, e := range jobs {
		if len(e.id) > maxJobIDBytes {
			bad = append(bad, fmt.Sprintf("%s: job ID %s: longer than a job ID can be (at most %d bytes)", e.src, quoteID(e.id), maxJobIDBytes))
		} else if i := strings.IndexFunc(e.id, invisible); i >= 0 {
			r, _ := utf8.DecodeRuneInString(e.id[i:])
			bad = append(bad, fmt.Sprintf("%s: job ID %s: an invisible character (%U): retype the ID", e.src, quoteID(e.id), r))
		}
	}
	if len(bad) > 0 {
		return nil, usage("%s", strings.Join(bad, "\n"))
	}
	return jobs, nil
}

// invisible reports characters a terminal does not show, such as a
// zero-width space or a byte order mark in the middle of a file: two IDs
// that differ by one would print alike.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || (!unicode.IsPrint(r) && !unicode.IsSpace(r) && !unicode.IsControl(r))
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
	jobs, err := parseJobsFile(name, r)
	if err != nil {
		return nil, usage("%v", err)
	}
	return jobs, nil
}

// parseJobsFile reads job IDs from a jobs file: either a JSON array of strings
// (what other tools emit) or plain text with one ID per line, where blank lines
// and lines starting with '#' are ignored. IDs are not trimmed: a line with
// surrounding spaces is almost always a copy-paste accident, which the
// library's input check refuses, naming the line.
func parseJobsFile(name string, r io.Reader) ([]jobEntry, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxJobsFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read jobs file %s: %w", name, err)
	}
	if len(data) > maxJobsFileBytes {
		return nil, fmt.Errorf("jobs file %s is larger than %d MiB: pass a file with one job ID per line", name, maxJobsFileBytes>>20)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("jobs file %s is not UTF-8 text: pass a file with one job ID per line", name)
	}
	// Windows editors start UTF-8 files with a byte order mark: it is not
	// part of the first job ID.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		return parseJobsJSON(name, trimmed)
	}
	var jobs []jobEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxJobsFileBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		jobs = append(jobs, jobEntry{id: line, src: jobSource{name: name, line: n}})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read jobs file %s: %w", name, err)
	}
	return jobs, nil
}

func parseJobsJSON(name string, data []byte) ([]jobEntry, error) {
	var ids []string
	if err := json.Unmarshal(data, &ids); err != nil {
		return nil, fmt.Errorf("jobs file %s looks like JSON but is not an array of job ID strings: %v", name, err)
	}
	jobs := make([]jobEntry, 0, len(ids))
	for i, id := range ids {
		jobs = append(jobs, jobEntry{id: id, src: jobSource{name: fmt.Sprintf("%s[%d]", name, i)}})
	}
	return jobs, nil
}

func jobIDs(jobs []jobEntry) []string {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.id
	}
	return ids
}

// inputError words drs's input errors for the CLI: where each job ID came from.
func inputError(err error, jobs []jobEntry) error {
	var lines []string
	seen := make(map[string]jobSource, len(jobs))
	for _, e := range leaves(err) {
		var in *drs.InputError
		switch {
		case !errors.As(e, &in):
			lines = append(lines, e.Error())
		case in.Index < 0 || in.Index >= len(jobs):
			lines = append(lines, in.Reason)
		default:
			j := jobs[in.Index]
			reason := in.Reason
			if len(seen) == 0 {
				for _, prev := range jobs {
					if _, dup := seen[prev.id]; !dup {
						seen[prev.id] = prev.src
					}
				}
			}
			if first := seen[j.id]; first != j.src {
				reason = fmt.Sprintf("listed twice (%s and %s): list each job once", first, j.src)
			}
			lines = append(lines, fmt.Sprintf("%s: job ID %s: %s", j.src, quoteID(j.id), reason))
		}
	}
	return usage("%s", strings.Join(lines, "\n"))
}

// quoteID quotes a job ID for an error, escaped, and cut when it is too long
// to be one.
func quoteID(id string) string {
	const show = 64
	if len(id) <= show {
		return fmt.Sprintf("%q", id)
	}
	return fmt.Sprintf("%q... (%d bytes)", id[:show], len(id))
}
