package jobsfile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	jobs, err := Parse("jobs.txt", strings.NewReader("\ufeffa\n\n# comment\n b \r\nc\r\n"))
	require.NoError(t, err)
	assert.Equal(t, []Entry{{"a", "jobs.txt", 1}, {" b ", "jobs.txt", 4}, {"c", "jobs.txt", 5}}, jobs, "IDs kept as written, with their lines")
	assert.Equal(t, "jobs.txt:4", jobs[1].String())

	jobs, err = Parse("jobs.json", strings.NewReader(` ["x", "y"] `))
	require.NoError(t, err)
	assert.Equal(t, []Entry{{"x", "jobs.json[0]", 0}, {"y", "jobs.json[1]", 0}}, jobs)
	assert.Equal(t, "jobs.json[1]", jobs[1].String())
}

// A UTF-8 byte order mark (Windows editors write one) is not part of the
// first job ID, in a text file or a JSON array.
func TestParseSkipsByteOrderMark(t *testing.T) {
	for name, in := range map[string]string{
		"text":          "\ufeffjob-a\r\njob-b\r\n",
		"json":          "\ufeff[\"job-a\", \"job-b\"]",
		"comment first": "\ufeff# wave\njob-a\njob-b\n",
	} {
		jobs, err := Parse("wave.txt", strings.NewReader(in))
		require.NoError(t, err, name)
		require.Len(t, jobs, 2, name)
		assert.Equal(t, []string{"job-a", "job-b"}, []string{jobs[0].ID, jobs[1].ID}, name)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"is not UTF-8 text":                      "a\n\xff\n",
		"is not an array of job ID strings":      `[1, 2]`,
		"is larger than 8 MiB":                   strings.Repeat("# padding\n", MaxBytes/10+1),
		"looks like JSON but is not an array of": `["a"`,
	} {
		_, err := Parse("f", strings.NewReader(in))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
	}
}

// FuzzParse: any bytes give jobs or an error, never a panic, and every line
// of a text file that is not blank or a comment is kept as it is.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"a\nb\n", "# c\n\n x\n", `["a","b"]`, "[", "\xff", "a\r\nb", `[""]`, "[1,2]"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		jobs, err := Parse("fuzz", strings.NewReader(string(data)))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, j := range jobs {
			if strings.TrimSpace(j.ID) == "" && j.Line != 0 {
				t.Fatalf("kept a blank line as job ID %q", j.ID)
			}
		}
	})
}
