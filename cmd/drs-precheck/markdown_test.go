package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

func TestMarkdownContent(t *testing.T) {
	t.Parallel()
	out := render(t, sampleDoc(), formatMarkdown)
	assert.True(t, strings.HasPrefix(out, "## drs-precheck run: 1 of 5 jobs passed (may start); 1 failed; 1 refused; 1 in_progress; 1 no_answer (API or network error).\n\n"+
		"5 jobs (run, mode forStartJob, waited for the verdicts): 1 passed, 1 failed, 1 refused, 1 in_progress, 1 no_answer.\n"), out)
	assert.Contains(t, out, "\n| job | job-passed |\n|---|---|\n| outcome | **passed** |\n| summary | may start (1 alarm) |\n"+
		"| progress | 100% (100% of the items passed) |\n| request id | req-pass |\n"+
		"| alarm | db\\_params/dstDbCharacterSetCheck: character sets differ |\n")
	assert.Contains(t, out, "| failed item | db\\_user\\_privilege/srcDbUserPrivilege: lacks REPLICATION SLAVE |\n"+
		"| failed item | db\\_params/srcTableEngineCheck: MyISAM tables<br>sub-job sj-1 (orders\\_db.audit\\_log): FAILED |\n")
	assert.Contains(t, out, "| error | DRS.M00304: the job is not in CONFIGURATION (request req-start) |\n")
	assert.Contains(t, out, "| error | HTTP 401 APIGW.0301: Incorrect IAM authentication information (request req-401) |\n")
	assert.Contains(t, out, "**Answers about jobs nobody asked about** (not counted):\n\n- job-nobody-asked: answer about a job that was not asked about (request req-start)\n")
	assertTablesIntact(t, out)
}

// assertTablesIntact fails unless every table line has exactly the two cells
// it was written with: no text added a column or ended a row.
func assertTablesIntact(t *testing.T, md string) {
	t.Helper()
	rows := 0
	for line := range strings.Lines(md) {
		line = strings.TrimSuffix(line, "\n")
		if !strings.HasPrefix(line, "|") {
			continue
		}
		rows++
		cells := 0
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++ // an escaped character is text
			case '|':
				cells++
			}
		}
		assert.Equal(t, 3, cells, "a table line with other than two cells: %q", line)
	}
	assert.Positive(t, rows)
}

func TestMarkdownEscapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain text 1.0", "plain text 1.0"},
		{"a|b", `a\|b`},
		{"`code`", "\\`code\\`"},
		{"*bold* _it_ [link](x) ~s~ <b>&amp; #1 !", `\*bold\* \_it\_ \[link\](x) \~s\~ \<b\>\&amp; \#1 \!`},
		{`back\slash`, `back\\slash`},
		{"line one\nline two\r\nline three", "line one<br>line two<br>line three"},
		{"tabs\tand   spaces", "tabs and spaces"},
		{"\x1b[2Jclear\x07", `\\x1b\[2Jclear\\x07`},
		{"rtl \u202eevil", `rtl \\u202eevil`},
		{"\xff", `\\xff`},
	} {
		assert.Equal(t, tc.want, mdText(tc.in), "%q", tc.in)
	}
	out := render(t, hostileDoc(), formatMarkdown)
	assertTablesIntact(t, out)
	assertNoCommandLines(t, out)
	assert.NotContains(t, out, "\x1b")
	assert.Contains(t, out, "| job | job \\<\\&\"'\\> \\]\\]\\> |\n")
}

// A report larger than the limit keeps the jobs that need attention and says
// how many it left out.
func TestMarkdownLimited(t *testing.T) {
	t.Parallel()
	d := &document{Schema: schemaVersion, Command: "results"}
	for i := range 200 {
		o := outcomePassed
		if i%50 == 49 {
			o = outcomeFailed
		}
		d.add(jobReport{JobID: fmt.Sprintf("job-%03d", i), Outcome: o, Summary: strings.Repeat("x", 100)})
	}
	var full, limited bytes.Buffer
	require.NoError(t, writeMarkdown(&full, d))
	const limit = 4 << 10
	require.Greater(t, full.Len(), limit)
	require.NoError(t, writeMarkdownLimited(&limited, d, limit))
	out := limited.String()
	assert.LessOrEqual(t, len(out), limit)
	for _, id := range []string{"job-049", "job-099", "job-149", "job-199"} {
		assert.Contains(t, out, "| job | "+id+" |", "failed jobs come first")
	}
	assert.Contains(t, out, "| job | job-000 |", "then the others, while there is room")
	assert.NotContains(t, out, "| job | job-198 |")
	assert.Regexp(t, `\n_\d+ more jobs not shown here \(the summary is limited to 4 KiB\): see the job's log or the JUnit report\._\n$`, out)
	assertTablesIntact(t, out)

	var small bytes.Buffer
	require.NoError(t, writeMarkdownLimited(&small, sampleDoc(), limit))
	assert.Equal(t, render(t, sampleDoc(), formatMarkdown), small.String(), "what fits is written whole, in input order")
}

func TestMarkdownOutputProcess(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--output", "markdown"}, fastWait,
		jobArgs(drstest.ExampleJobID, drstest.FailingJobID))...)
	expectExit(t, res, exitJobs)
	assert.True(t, strings.HasPrefix(res.stdout, "## drs-precheck run: 1 of 2 jobs passed (may start); 1 failed.\n"), res.stdout)
	assert.Contains(t, res.stdout, "| outcome | **failed** |")
	assert.Contains(t, res.stdout, "| failed item | db\\_user\\_privilege/srcDbUserPrivilege: ")
	assertTablesIntact(t, res.stdout)
	assert.NotContains(t, res.stdout, "poll ", "progress goes to stderr")
}
