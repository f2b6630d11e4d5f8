package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docSections names, per command, the sections of docs/CLI.md whose tables
// list its flags: together they must list exactly what `COMMAND --help` lists.
var docSections = map[string][]string{
	"run":        {"Flags of run, wait and results", "Flags of run and wait", "Flags of run only"},
	"wait":       {"Flags of run, wait and results", "Flags of run and wait"},
	"results":    {"Flags of run, wait and results"},
	"serve":      {"Flags of serve"},
	"demo":       {"Flags of demo"},
	"completion": {"Flags of completion"},
	"version":    nil,
}

var flagNameRE = regexp.MustCompile(`--[a-z][a-z0-9-]*`)

// helpFlags returns the flags a command's help lists: its lines "  --name ...".
func helpFlags(help string) []string {
	var flags []string
	for line := range strings.Lines(help) {
		if strings.HasPrefix(line, "  --") {
			flags = append(flags, flagNameRE.FindString(line))
		}
	}
	slices.Sort(flags)
	return flags
}

// docFlags returns the flags in the first column of the tables of the
// sections of doc headed "## <name>".
func docFlags(t *testing.T, doc string, sections []string) []string {
	t.Helper()
	var flags []string
	for _, name := range sections {
		_, body, found := strings.Cut(doc, "\n## "+name+"\n")
		require.True(t, found, "docs/CLI.md has no section %q", name)
		body, _, _ = strings.Cut(body, "\n## ")
		for line := range strings.Lines(body) {
			cells := strings.Split(line, "|")
			if len(cells) < 3 || !strings.HasPrefix(line, "|") {
				continue
			}
			flags = append(flags, flagNameRE.FindAllString(cells[1], -1)...)
		}
	}
	slices.Sort(flags)
	return flags
}

// Each command's help lists exactly its flags, and docs/CLI.md documents
// exactly those: a flag added to one and not the other fails here.
func TestHelpMatchesCLIDoc(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docs/CLI.md")
	require.NoError(t, err)
	doc := string(raw)
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sections, ok := docSections[c.name]
			require.True(t, ok, "docSections does not say where docs/CLI.md lists the flags of %s", c.name)
			res := runApp(t, nil, "", c.name, "--help")
			expectExit(t, res, exitOK)
			assert.Empty(t, res.stderr)
			assert.True(t, strings.HasPrefix(res.stdout, "Usage: drs-precheck "+c.name), "help of %s:\n%s", c.name, res.stdout)
			inHelp, inDoc := helpFlags(res.stdout), docFlags(t, doc, sections)
			assert.Equal(t, inDoc, inHelp, "flags in docs/CLI.md (%s) vs in `drs-precheck %s --help`:\n%s",
				strings.Join(sections, ", "), c.name, res.stdout)
		})
	}
}

// Every way of asking for help prints the same text on stdout, exit 0.
func TestHelpForms(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"help", "--help", "-h"} {
		res := runApp(t, nil, "", arg)
		expectExit(t, res, exitOK)
		assert.Contains(t, res.stdout, "Exit codes: 0 every job may start")
	}
	want := runApp(t, nil, "", "results", "--help")
	expectExit(t, want, exitOK)
	for _, args := range [][]string{{"results", "-h"}, {"help", "results"}, {"--help", "results"}, {"--region", "cn-north-4", "results", "--help"}} {
		res := runApp(t, nil, "", args...)
		expectExit(t, res, exitOK)
		assert.Equal(t, want.stdout, res.stdout, "drs-precheck %s", strings.Join(args, " "))
	}
	res := runApp(t, nil, "", "help", "nosuch")
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, `no help for "nosuch"`)
}

// A boolean flag of a command may come before the command too.
func TestSplitCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args     []string
		cmd      string
		rest     []string
		describe string
	}{
		{[]string{"run", "--wait"}, "run", []string{"--wait"}, "command first"},
		{[]string{"--region", "cn-north-4", "results", "--job", "j"}, "results", []string{"--job", "j", "--region", "cn-north-4"}, "a global flag's value is skipped"},
		{[]string{"--verbose", "run"}, "run", []string{"--verbose"}, "a global boolean flag takes no value"},
		{[]string{"--wait", "run", "--job", "j"}, "run", []string{"--job", "j", "--wait"}, "a command's boolean flag before the command"},
		{[]string{"--mode", "forRetryJob", "run"}, "run", []string{"--mode", "forRetryJob"}, "a command's flag with a value before the command"},
		{[]string{"--help", "serve"}, "--help", []string{"serve"}, "help for a command"},
		{[]string{"--output=json", "results"}, "results", []string{"--output=json"}, "flag=value"},
		{[]string{"--verbose"}, "", nil, "no command"},
	}
	for _, tc := range cases {
		cmd, rest := splitCommand(tc.args)
		assert.Equal(t, tc.cmd, cmd, tc.describe)
		assert.Equal(t, tc.rest, rest, tc.describe)
	}
}
