package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/drsclient/drs-precheck/drstest"
)

func TestMarkdownContent(t *testing.T) {
	t.Parallel()
	out := render(t, sampleDoc(), formatMarkdown)
	assert.True(t, strings.HasPrefix(out, "## drs-precheck run: 1 of 5 jobs passed (may start); 1 failed; 1 refused; 1 in_progress; 1 no_answer (API or network error).\n\n"+
		"5 jobs (run, mode forStartJob, waited for the verdicts): 1 passed, 1 failed, 1 refused, 1 in_progress, 1 no_answer.\n"), out)
	assertTablesIntact(t, out)
	assert.Equal(t, [][]string{
		{"job-passed", "passed", "may start (1 alarm)"},
		{"job-failed", "failed", "pre-check failed: 2 items failed"},
		{"job-refused", "refused", "refused: DRS.M00304: the job is not in CONFIGURATION"},
		{"job-in-progress", "in_progress", "in progress (40%)"},
		{"job-no-answer", "no_answer", "no answer: HTTP 401; " + credentialsRemedy},
	}, overview(t, out), "the overview first: a row per job, with the remedy of an error")
	tables := parseMarkdown(out).tables()
	require.Len(t, tables, 6, "the overview, then a table per job")
	assert.Equal(t, [][]string{
		{"job", "job-passed"}, {"outcome", "passed"}, {"summary", "may start (1 alarm)"},
		{"progress", "100% (100% of the items passed)"}, {"request id", "req-pass"},
		{"alarm", "db_params/dstDbCharacterSetCheck: character sets differ"},
	}, tables[1])
	assert.Contains(t, tables[2], []string{"failed item", "db_user_privilege/srcDbUserPrivilege: lacks REPLICATION SLAVE"})
	assert.Contains(t, tables[2], []string{"failed item", "db_params/srcTableEngineCheck: MyISAM tables\nsub-job sj-1 (orders_db.audit_log): FAILED"})
	assert.Contains(t, tables[3], []string{"error", "DRS.M00304: the job is not in CONFIGURATION (request req-start)"})
	assert.Contains(t, tables[5], []string{"error", "HTTP 401 APIGW.0301: Incorrect IAM authentication information (request req-401); " + credentialsRemedy})
	assert.Contains(t, out, "**Answers about jobs nobody asked about** (not counted):\n\n- job-nobody-asked: answer about a job that was not asked about (request req-start)\n")
}

// mdDoc is markdown as GitHub reads it: parsed by goldmark with its GFM
// extensions (tables, strikethrough, autolinks), as cmark-gfm does.
type mdDoc struct {
	root ast.Node
	src  []byte
}

func parseMarkdown(md string) mdDoc {
	src := []byte(md)
	return mdDoc{goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src)), src}
}

// text is what a reader sees of n: its text, a <br> as a line break.
func (d mdDoc) text(n ast.Node) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(util.UnescapePunctuations(c.Value(d.src)))
		case *ast.String:
			b.Write(util.UnescapePunctuations(c.Value))
		case *ast.RawHTML:
			for i := range c.Segments.Len() {
				seg := c.Segments.At(i)
				if string(seg.Value(d.src)) == "<br>" {
					b.WriteString("\n")
				}
			}
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// tables are the document's tables, each a list of rows of cell texts, the
// header row first.
func (d mdDoc) tables() [][][]string {
	var tables [][][]string
	_ = ast.Walk(d.root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n.Kind() != east.KindTable {
			return ast.WalkContinue, nil
		}
		var rows [][]string
		for row := n.FirstChild(); row != nil; row = row.NextSibling() {
			var cells []string
			for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
				cells = append(cells, d.text(cell))
			}
			rows = append(rows, cells)
		}
		tables = append(tables, rows)
		return ast.WalkSkipChildren, nil
	})
	return tables
}

// assertTablesIntact fails unless every row of every table has the cells of
// its header, no text became markup (a link, an image, code, HTML other than
// <br>, strikethrough) and the only emphasis is the outcomes' bold. GFM drops
// the cells a row has beyond its header, so the texts are compared too, by
// the callers.
func assertTablesIntact(t *testing.T, md string) {
	t.Helper()
	d := parseMarkdown(md)
	tables := d.tables()
	require.NotEmpty(t, tables)
	for _, tbl := range tables {
		for _, row := range tbl {
			assert.Len(t, row, len(tbl[0]), "a row with other cells than its header: %q", row)
		}
	}
	_ = ast.Walk(d.root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindImage, ast.KindAutoLink, ast.KindCodeSpan, ast.KindHTMLBlock, east.KindStrikethrough:
			assert.Fail(t, "text became markup", "%s: %q", n.Kind(), d.text(n))
		case ast.KindRawHTML:
			assert.Equal(t, "\n", d.text(n), "raw HTML other than <br>")
		case ast.KindEmphasis:
			if inTable(n) {
				assert.Contains(t, outcomes[:], d.text(n), "emphasis other than an outcome")
			}
		}
		return ast.WalkContinue, nil
	})
}

func inTable(n ast.Node) bool {
	for ; n != nil; n = n.Parent() {
		if n.Kind() == east.KindTable {
			return true
		}
	}
	return false
}

// overview is the first table: job, outcome and summary of each job.
func overview(t *testing.T, md string) [][]string {
	t.Helper()
	tables := parseMarkdown(md).tables()
	require.NotEmpty(t, tables)
	require.Equal(t, []string{"job", "outcome", "summary"}, tables[0][0])
	return tables[0][1:]
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
	assertNoCommands(t, out)
	assert.NotContains(t, out, "\x1b")
	rows := overview(t, out)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{`job <&"'> ]]>`, "failed", `failed\x1b[31m red\x00 \x07`}, rows[0], "text reads as it was sent, escaped for terminals")
	assert.Equal(t, `job-\u202eevil`, rows[1][0])
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
	require.NoError(t, writeMarkdown(&full, d, 0))
	const limit = 4 << 10
	require.Greater(t, full.Len(), limit)
	require.NoError(t, writeMarkdown(&limited, d, limit))
	out := limited.String()
	assert.LessOrEqual(t, len(out), limit)
	rows := overview(t, out)
	require.Greater(t, len(rows), 4)
	for i, id := range []string{"job-049", "job-099", "job-149", "job-199"} {
		assert.Equal(t, id, rows[i][0], "failed jobs come first")
		assert.Contains(t, out, "| job | "+id+" |", "in the tables too")
	}
	assert.Equal(t, "job-000", rows[4][0], "then the others, while there is room")
	assert.NotContains(t, out, "| job-198 |")
	assert.Regexp(t, `\n_\d+ more jobs not shown here \(the summary is limited to 4 KiB\): see the job's log or the JUnit report\._\n`, out)
	assert.Regexp(t, `\n_\d+ more jobs' tables not shown here \(the summary is limited to 4 KiB\): see the job's log or the JUnit report\._\n$`, out)
	assertTablesIntact(t, out)

	var small bytes.Buffer
	require.NoError(t, writeMarkdown(&small, sampleDoc(), limit))
	assert.Equal(t, render(t, sampleDoc(), formatMarkdown), small.String(), "what fits is written whole, in input order")
}

func TestMarkdownOutputProcess(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--output", "markdown"}, fastWait,
		jobArgs(drstest.ExampleJobID, drstest.FailingJobID))...)
	expectExit(t, res, exitJobs)
	assert.True(t, strings.HasPrefix(res.stdout, "## drs-precheck run: 1 of 2 jobs passed (may start); 1 failed.\n"), res.stdout)
	assertTablesIntact(t, res.stdout)
	rows := overview(t, res.stdout)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{drstest.ExampleJobID, "passed", "may start"}, rows[0])
	assert.Equal(t, []string{drstest.FailingJobID, "failed"}, rows[1][:2])
	assert.Contains(t, res.stdout, "| failed item | db\\_user\\_privilege/srcDbUserPrivilege: ")
	assert.NotContains(t, res.stdout, "poll ", "progress goes to stderr")
}
