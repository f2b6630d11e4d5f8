package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/drsclient/drs-precheck/drs"
)

// command is one entry of the command table: its help, and define, which
// registers its flags and returns what runs once they are parsed.
type command struct {
	name, usage, summary, footer string // footer follows the flags in the help
	also                         bool   // listed after the main commands in an error
	args                         bool   // takes arguments (completion's shell), not flags only
	define                       func(fs *flag.FlagSet) func(ctx context.Context, a *app) error
}

const credentialsText = `Credentials: HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN),
or HUAWEICLOUD_IAM_TOKEN, or --token-file. Never pass a secret as a flag value.
`

const exitCodesText = `Exit codes: 0 every job may start; 1 some job's pre-check failed or was refused;
2 usage or configuration error; 3 API or network error; 130/143 SIGINT/SIGTERM.
`

var commands []command

func init() {
	commands = []command{
		{name: "run", usage: "run --job ID [--job ID ...] [--jobs-file FILE|-] [--wait] [flags]",
			summary: "Start the DRS pre-checks of the jobs; with --wait, poll until every verdict is in.",
			footer:  credentialsText + "\n" + exitCodesText + "Without --wait, 0 means every pre-check started.\n",
			define:  defineCheck("run")},
		{name: "results", usage: "results --job ID [--job ID ...] [--jobs-file FILE|-] [flags]",
			summary: "Read the current pre-check verdicts of the jobs, once.",
			footer:  credentialsText + "\n" + exitCodesText, define: defineCheck("results")},
		{name: "serve", usage: "serve [--addr 127.0.0.1:8080] [--scenario FILE] [--token T | --ak AK --sk SK]",
			summary: "Run the DRS simulator for other tools' tests, until SIGINT or SIGTERM.\n" +
				"Without --token or --ak/--sk it accepts any token.", define: defineServe},
		{name: "demo", usage: "demo [--output FORMAT] [--verbose] [--quiet]",
			summary: "The whole workflow against the built-in simulator: no account needed.", define: defineDemo},
		{name: "version", usage: "version",
			summary: "Print the module version and the commit this binary was built from.",
			define: func(*flag.FlagSet) func(context.Context, *app) error {
				return func(_ context.Context, a *app) error {
					info, _ := debug.ReadBuildInfo() // nil when the binary has none
					writeVersion(a.stdout, version, info)
					return nil
				}
			}},
		{name: "wait", usage: "wait --job ID [--job ID ...] [--jobs-file FILE|-] [flags]", also: true,
			summary: "Wait for the verdicts of pre-checks started elsewhere (the console, Terraform, an earlier step),\nas run --wait does.",
			footer:  credentialsText + "\n" + exitCodesText, define: defineCheck("wait")},
		{name: "completion", usage: "completion bash|zsh|fish", also: true, args: true,
			summary: "Print the shell completion script, e.g. source <(drs-precheck completion bash).",
			define:  defineCompletion},
	}
}

func commandByName(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// writeUsage prints the overview: every command and where to read more.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "drs-precheck: can these Huawei Cloud DRS jobs start?\n\nUsage:\n")
	for _, c := range commands {
		summary, _, _ := strings.Cut(c.summary, "\n")
		fmt.Fprintf(w, "  drs-precheck %-10s %s\n", c.name, summary)
	}
	fmt.Fprint(w, "\nRun 'drs-precheck COMMAND --help' for the flags of a command; docs/CLI.md has them all.\n\n")
	fmt.Fprint(w, credentialsText, "\n", exitCodesText)
}

func writeCommandHelp(w io.Writer, fs *flag.FlagSet) {
	doc, _ := commandByName(fs.Name())
	fmt.Fprintf(w, "Usage: drs-precheck %s\n\n%s\n", doc.usage, doc.summary)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "\nFlags:\n"
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "o" {
			return // listed with --output
		}
		value, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if value != "" {
			name += " " + strings.ToUpper(value)
		}
		if f.Name == "output" {
			name += ", -o"
		}
		if def := f.DefValue; def != "" && def != "0" && def != "0s" && def != "false" {
			usage += " (default " + def + ")"
		}
		fmt.Fprintf(tw, "%s  %s\t%s\n", header, name, usage)
		header = ""
	})
	_ = tw.Flush()
	if doc.footer != "" {
		fmt.Fprint(w, "\n", doc.footer)
	}
}

// app is the CLI with its world injected, so that tests can drive it
// in-process as well as a separate process.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	isTTY          bool         // stderr is a terminal: progress bars drawn in place
	signals        *interrupts  // when set, a signal cancels a network wait (signals.go)
	clientOptions  []drs.Option // added to every client (the demo's credentials)
	// The clock (JUnit timestamps) and how GITHUB_STEP_SUMMARY is opened for appending.
	now        func() time.Time
	appendFile func(name string) (io.WriteCloser, error)
	command    string // the command being run, for the hint of a usage error
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *app {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now,
		appendFile: func(name string) (io.WriteCloser, error) {
			return os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		}}
	if f, ok := stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 && getenv("TERM") != "dumb" {
			a.isTTY = true
		}
	}
	return a
}

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		writeUsage(a.stderr)
		return exitUsage
	}
	name, rest := splitCommand(args)
	switch name {
	case "help", "-h", "--help", "-help":
		if len(rest) == 0 {
			writeUsage(a.stdout)
			return exitOK
		}
		if _, ok := commandByName(rest[0]); !ok {
			return a.exitCode(usage("no help for %q: use one of %s", rest[0], commandNames()))
		}
		name, rest = rest[0], []string{"--help"}
	case "--version", "-version":
		name = "version"
	}
	cmd, ok := commandByName(name)
	if !ok {
		return a.exitCode(unknownCommand(name))
	}
	a.command = cmd.name
	fs := newFlagSet(cmd.name)
	runCmd := cmd.define(fs)
	err := a.parseFlags(fs, rest)
	switch {
	case err != nil:
		return a.exitCode(err)
	case fs.NArg() > 0 && !cmd.args && fs.Lookup("job") != nil:
		return a.exitCode(usage("unexpected argument %q: job IDs go in --job or --jobs-file", fs.Arg(0)))
	case fs.NArg() > 0 && !cmd.args:
		return a.exitCode(usage("unexpected argument %q: %s takes flags only", fs.Arg(0), cmd.name))
	}
	return a.exitCode(runCmd(ctx, a))
}

func unknownCommand(name string) error {
	if name == "" {
		return usage("no command given: use %s", commandNames())
	}
	names := strings.Fields(commandList())
	if s := suggest(name, names[:len(names)-1]); s != "" { // not "help"
		return usage("unknown command %q: did you mean %s? (use %s)", name, s, commandNames())
	}
	return usage("unknown command %q: use %s", name, commandNames())
}

// commandNames lists the commands that work on jobs, then the tools.
func commandNames() string {
	var main, tools []string
	for _, c := range commands {
		if c.also {
			tools = append(tools, c.name)
		} else {
			main = append(main, c.name)
		}
	}
	return orList(main) + "; also " + strings.Join(tools, ", ")
}

// exitCode prints err and returns its exit code; a usage error points at
// the help of the command it happened in.
func (a *app) exitCode(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	ee, ok := errors.AsType[*exitError](err)
	if !ok {
		ee = &exitError{code: exitAPIError, msg: err.Error()}
	}
	if ee.msg != "" {
		for line := range strings.Lines(ee.msg) {
			fmt.Fprintf(a.stderr, "drs-precheck: %s", line)
		}
		fmt.Fprintln(a.stderr)
	}
	if ee.code == exitUsage {
		help := "help"
		if a.command != "" {
			help = a.command + " --help"
		}
		fmt.Fprintf(a.stderr, "(run 'drs-precheck %s' for usage)\n", help)
	}
	return ee.code
}

// splitCommand finds the command among args: the first argument that is not a
// flag or a flag's value. Flags placed before it are moved after it, for the
// command's flag set.
func splitCommand(args []string) (string, []string) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			rest := append(append([]string{}, args[i+1:]...), args[:i]...)
			return arg, rest
		}
		if arg == "--" {
			return "", nil
		}
		if arg == "-h" || arg == "--help" || arg == "-help" || arg == "--version" || arg == "-version" {
			return arg, args[i+1:]
		}
		if !strings.Contains(arg, "=") && takesValue(arg, args[i+1:]) {
			i++ // skip the flag's value
		}
	}
	return "", nil
}

// takesValue reports whether the flag arg (without "=") consumes the next
// argument: as the global flags say, or else unless a command name follows
// (a command's boolean flag: drs-precheck --wait run ...).
func takesValue(arg string, next []string) bool {
	fs := newFlagSet("global")
	new(globalFlags).register(fs)
	if f := fs.Lookup(strings.TrimLeft(arg, "-")); f != nil {
		return !isBoolFlag(f.Value)
	}
	if len(next) > 0 {
		if _, isCommand := commandByName(next[0]); isCommand {
			return false
		}
	}
	return true
}

func defineCompletion(fs *flag.FlagSet) func(context.Context, *app) error {
	return func(_ context.Context, a *app) error {
		shell := ""
		if fs.NArg() == 1 {
			shell = fs.Arg(0)
		}
		switch shell {
		case "bash":
			writeBashCompletion(a.stdout, "")
		case "zsh":
			// zsh runs bash completion functions through bashcompinit.
			writeBashCompletion(a.stdout, "autoload -U +X bashcompinit && bashcompinit\n")
		case "fish":
			writeFishCompletion(a.stdout)
		default:
			return usage("completion needs one shell: bash, zsh or fish")
		}
		return nil
	}
}

func commandFlags() map[string][]string {
	out := map[string][]string{}
	for _, c := range commands {
		fs := newFlagSet(c.name)
		c.define(fs)
		fs.VisitAll(func(f *flag.Flag) { out[c.name] = append(out[c.name], f.Name) })
	}
	return out
}

func commandList() string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return strings.Join(append(names, "help"), " ")
}

func writeBashCompletion(w io.Writer, prelude string) {
	flags := commandFlags()
	fmt.Fprintf(w, "# drs-precheck completion; load with: source <(drs-precheck completion SHELL)\n%s", prelude)
	fmt.Fprintf(w, "_drs_precheck() {\n\tlocal cur=${COMP_WORDS[COMP_CWORD]}\n\tCOMPREPLY=()\n")
	fmt.Fprintf(w, "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn\n\tfi\n", commandList())
	fmt.Fprintf(w, "\tcase ${COMP_WORDS[1]} in\n")
	for _, c := range commands {
		words, cond := "--help --"+strings.Join(flags[c.name], " --"), `[[ $cur == -* ]] && `
		switch {
		case c.name == "completion":
			words, cond = "bash zsh fish", ""
		case flags[c.name] == nil:
			continue
		}
		fmt.Fprintf(w, "\t%s) %sCOMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", c.name, cond, words)
	}
	fmt.Fprintf(w, "\tesac\n}\ncomplete -o default -F _drs_precheck drs-precheck\n")
}

func writeFishCompletion(w io.Writer) {
	flags := commandFlags()
	fmt.Fprintf(w, "# drs-precheck completion; load with: drs-precheck completion fish | source\n")
	fmt.Fprintf(w, "complete -c drs-precheck -n __fish_use_subcommand -f -a %q\n", commandList())
	for _, c := range commands {
		cond := "__fish_seen_subcommand_from " + c.name
		if c.name == "completion" {
			fmt.Fprintf(w, "complete -c drs-precheck -n %q -f -a 'bash zsh fish'\n", cond)
		}
		for _, f := range flags[c.name] {
			fmt.Fprintf(w, "complete -c drs-precheck -n %q -l %s\n", cond, f)
		}
	}
}
