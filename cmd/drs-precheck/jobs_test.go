package main

import (
	"strings"
	"testing"

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
		"padded":      {"job-a\n job-b\n", `wave.txt:2: job ID " job-b" has leading or trailing spaces`},
		"json empty":  {`["a",""]`, "wave.txt[1]: empty job ID"},
		"json object": {`[{"job_id":"a"}]`, "not an array of job ID strings"},
		"binary":      {"\xff\xfe", "not UTF-8"},
		"control":     {"a\x00b\n", "control character"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseJobsFile("wave.txt", strings.NewReader(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestDedupeCheckNamesBothPlaces(t *testing.T) {
	jobs := []jobEntry{{"a", jobSource{name: "--job #1"}}, {"b", jobSource{name: "f", line: 3}}, {"a", jobSource{name: "f", line: 9}}}
	err := dedupeCheck(jobs)
	require.Error(t, err)
	assert.Equal(t, "job a is listed twice (--job #1 and f:9): list each job once", err.Error())
	require.NoError(t, dedupeCheck(jobs[:2]))
}

// FuzzParseJobsFile: any bytes give jobs or an error, never a panic, and every
// accepted ID is one the API could be asked about.
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
			if cerr := checkJobID(j.id); cerr != nil {
				t.Fatalf("accepted invalid job ID %q: %v", j.id, cerr)
			}
		}
	})
}
