// Package jobsfile reads the job IDs of a jobs file: a JSON array of
// strings (what other tools emit) or plain text with one ID per line. It
// only reads; the IDs are checked once, by package drs.
package jobsfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxBytes caps a jobs file: 100,000 IDs of about 40 bytes fit.
const MaxBytes = 8 << 20

// Entry is one job ID and where it was read, so that an error can point at
// it: "jobs.txt:17", or "jobs.json[3]" for an array (Line 0).
type Entry struct {
	ID   string
	Name string
	Line int
}

func (e Entry) String() string {
	if e.Line == 0 {
		return e.Name
	}
	return fmt.Sprintf("%s:%d", e.Name, e.Line)
}

// Parse reads the job IDs of the file name from r, at most MaxBytes. In
// text, blank lines and lines starting with '#' are ignored, and IDs are not
// trimmed: a line with surrounding spaces is almost always a copy-paste
// accident, which drs's input check refuses, naming the line.
func Parse(name string, r io.Reader) ([]Entry, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read jobs file %s: %w", name, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("jobs file %s is larger than %d MiB: pass a file with one job ID per line", name, MaxBytes>>20)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("jobs file %s is not UTF-8 text: pass a file with one job ID per line", name)
	}
	// Windows editors start UTF-8 files with a byte order mark: it is not
	// part of the first job ID.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		return parseJSON(name, trimmed)
	}
	var jobs []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		jobs = append(jobs, Entry{ID: line, Name: name, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read jobs file %s: %w", name, err)
	}
	return jobs, nil
}

func parseJSON(name string, data []byte) ([]Entry, error) {
	var ids []string
	if err := json.Unmarshal(data, &ids); err != nil {
		return nil, fmt.Errorf("jobs file %s looks like JSON but is not an array of job ID strings: %v", name, err)
	}
	jobs := make([]Entry, 0, len(ids))
	for i, id := range ids {
		jobs = append(jobs, Entry{ID: id, Name: fmt.Sprintf("%s[%d]", name, i)})
	}
	return jobs, nil
}
