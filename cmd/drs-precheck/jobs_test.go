package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/drs"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseJobsFileText(t *testing.T) {
	in := "# migration wave 1\njob-a\r\n\n  \njob-b\n#job-c\n"
	jobs, err := parseJobsFile("wave.txt", strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []string{"job-a", "job-b"}, jobIDs(jobs))
	assert.Equal(t, "wave.txt:2", jobs[0].src.String())
	assert.Equal(t, "wave.txt:5", jobs[1].src.String())
}

func TestParseJobsFileJSON(t *testing.T) {
	jobs, err := parseJobsFile("-", strings.NewReader(` ["a","b"] `))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, jobIDs(jobs))
}

func TestParseJobsFileRefusesBadInput(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"json object": {`[{"job_id":"a"}]`, "not an array of job ID strings"},
		"binary":      {"\xff\xfe", "not UTF-8"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseJobsFile("wave.txt", strings.NewReader(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestInputErrorNamesWhereEachJobCameFrom: drs checks the IDs; the CLI only
// adds the file and line (or --job number) of each offending one.
func TestInputErrorNamesWhereEachJobCameFrom(t *testing.T) {
	jobs := []jobEntry{{"a", jobSource{name: "--job #1"}}, {" b", jobSource{name: "f", line: 3}}, {"a", jobSource{name: "f", line: 9}}}
	c, err := drs.New(drs.WithoutEnvironment(), drs.WithEndpoint("http://127.0.0.1:1"), drs.WithProjectID("p"), drs.WithToken("t0ken"))
	require.NoError(t, err)
	rep, err := c.Precheck(t.Context(), drs.ModeStartJob, jobIDs(jobs))
	require.Nil(t, rep, "invalid input sends nothing")
	msg := inputError(err, jobs).Error()
	assert.Contains(t, msg, `f:3: job ID " b": leading or trailing white space`)
	assert.Contains(t, msg, `f:9: job ID "a": listed twice (--job #1 and f:9): list each job once`)
	_, err = c.Results(t.Context(), nil)
	assert.Contains(t, inputError(err, nil).Error(), "no job IDs")
	// The CLI checks --mode itself (exitcodes_test's "unknown --mode" names
	// the flag); drs's words for a bad mode are passed on as they are.
	_, err = c.Precheck(t.Context(), "forNothing", []string{"a"})
	assert.Contains(t, inputError(err, jobs[:1]).Error(), "unknown pre-check mode")
}

// FuzzParseJobsFile: any bytes give jobs or an error, never a panic, and every
// line of a text file that is not blank or a comment is kept as it is.
func FuzzParseJobsFile(f *testing.F) {
	for _, seed := range []string{"a\nb\n", "# c\n\n x\n", `["a","b"]`, "[", "\xff", "a\r\nb", `[""]`, "[1,2]"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		jobs, err := parseJobsFile("fuzz", strings.NewReader(string(data)))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, j := range jobs {
			if strings.TrimSpace(j.id) == "" && !strings.HasPrefix(j.src.name, "fuzz[") {
				t.Fatalf("kept a blank line as job ID %q", j.id)
			}
		}
	})
}

// A job ID drs refuses for its length is named by where it came from and
// shown cut, not whole.
func TestInputErrorCutsALongJobID(t *testing.T) {
	long := strings.Repeat("z", 1<<20)
	jobs := []jobEntry{{"a", jobSource{name: "--job #1"}}, {long, jobSource{name: "wave.txt", line: 7}}}
	msg := inputError(errors.Join(&drs.InputError{JobID: long, Index: 1, Reason: "longer than 128 bytes"}), jobs).Error()
	assert.Contains(t, msg, `wave.txt:7: job ID "`+strings.Repeat("z", 64)+`"... (1048576 bytes): longer than 128 bytes`)
	assert.Less(t, len(msg), 200)
}
