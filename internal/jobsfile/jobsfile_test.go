package jobsfile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParse: IDs are kept as written, with where they come from; a UTF-8 byte
// order mark (Windows editors write one) is not part of the first job ID, in
// a text file or a JSON array (told apart by content, not name).
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []Entry
		second   string // the second entry's String
	}{
		{"jobs.txt", "\ufeffa\n\n# comment\n b \r\nc\r\n", []Entry{{"a", "jobs.txt", 1}, {" b ", "jobs.txt", 4}, {"c", "jobs.txt", 5}}, "jobs.txt:4"},
		{"jobs.json", ` ["x", "y"] `, []Entry{{"x", "jobs.json[0]", 0}, {"y", "jobs.json[1]", 0}}, "jobs.json[1]"},
		{"wave.txt", "\ufeff[\"job-a\", \"job-b\"]", []Entry{{"job-a", "wave.txt[0]", 0}, {"job-b", "wave.txt[1]", 0}}, "wave.txt[1]"},
		{"wave.txt", "\ufeff# wave\njob-a\r\njob-b\n", []Entry{{"job-a", "wave.txt", 2}, {"job-b", "wave.txt", 3}}, "wave.txt:3"},
	} {
		jobs, err := Parse(tc.name, strings.NewReader(tc.in))
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, jobs, tc.in)
		assert.Equal(t, tc.second, jobs[1].String())
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
