package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A UTF-8 byte order mark (Windows editors write one) is not part of the
// first job ID, in a text file or a JSON array.
func TestParseJobsFileSkipsByteOrderMark(t *testing.T) {
	for name, in := range map[string]string{
		"text":          "\ufeffjob-a\r\njob-b\r\n",
		"json":          "\ufeff[\"job-a\", \"job-b\"]",
		"comment first": "\ufeff# wave\njob-a\njob-b\n",
	} {
		t.Run(name, func(t *testing.T) {
			jobs, err := parseJobsFile("wave.txt", strings.NewReader(in))
			require.NoError(t, err)
			assert.Equal(t, []string{"job-a", "job-b"}, jobIDs(jobs))
		})
	}
}
