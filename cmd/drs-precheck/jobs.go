package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxJobsFileBytes bounds a jobs file: 1,000,000 job IDs of ~40 bytes fit, and a
// pipeline that feeds the wrong file (a dump, a binary) fails fast and clearly.
const maxJobsFileBytes = 64 << 20

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
