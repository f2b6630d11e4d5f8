package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/credentials"
	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// commandDoc describes a command for its help text; its flags come from the
// command's own flag set, so the help lists exactly what the command parses.
type commandDoc struct {
	name, usage, summary string
	// footer follows the flags: credentials, exit codes and the like.
	footer string
}

const credentialsText = `Credentials: HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN),
or HUAWEICLOUD_IAM_TOKEN, or --token-file. Never pass a secret as a flag value.
`

const exitCodesText = `Exit codes: 0 every job may start; 1 some job's pre-check failed or was refused;
2 usage or configuration error; 3 API or network error.
`

var commands = []commandDoc{
	{name: "run", usage: "run --job ID [--job ID ...] [--jobs-file FILE|-] [--wait] [flags]",
		summary: "Start the DRS pre-checks of the jobs; with --wait, poll until every verdict is in.",
		footer:  credentialsText + "\n" + exitCodesText + "Without --wait, 0 means every pre-check started.\n"},
	{name: "results", usage: "results --job ID [--job ID ...] [--jobs-file FILE|-] [flags]",
		summary: "Read the current pre-check verdicts of the jobs, once.",
		footer:  credentialsText + "\n" + exitCodesText},
	{name: "serve", usage: "serve [--addr 127.0.0.1:8080] [--scenario FILE] [--token T | --ak AK --sk SK]",
		summary: "Run the DRS simulator for other tools' tests, until SIGINT or SIGTERM.\n" +
			"Without --token or --ak/--sk it accepts any token."},
	{name: "demo", usage: "demo [--output FORMAT] [--verbose]",
		summary: "The whole workflow against the built-in simulator: no account needed."},
	{name: "version", usage: "version",
		summary: "Print the module version and the commit this binary was built from."},
}

func commandByName(name string) (commandDoc, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return commandDoc{}, false
}

// writeUsage prints the overview: every command and where to read more.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "drs-precheck: can these Huawei Cloud DRS jobs start?\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  drs-precheck %-8s %s\n", c.name, firstLine(c.summary))
	}
	fmt.Fprint(w, "\nRun 'drs-precheck COMMAND --help' for the flags of a command; docs/CLI.md has them all.\n\n")
	fmt.Fprint(w, credentialsText, "\n", exitCodesText)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// writeCommandHelp prints a command's help: usage, summary, and every flag
// of fs with its value name, meaning and default.
func writeCommandHelp(w io.Writer, fs *flag.FlagSet) {
	doc, _ := commandByName(fs.Name())
	fmt.Fprintf(w, "Usage: drs-precheck %s\n\n%s\n", doc.usage, doc.summary)
	type row struct{ name, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		value, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if value != "" {
			name += " " + valueName(f, value)
		}
		if def := f.DefValue; def != "" && def != "0" && def != "0s" && def != "false" && def != "[]" {
			usage += " (default " + def + ")"
		}
		rows = append(rows, row{name, usage})
		width = max(width, len(name))
	})
	if len(rows) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		for _, r := range rows {
			fmt.Fprintf(w, "  %-*s  %s\n", width, r.name, r.usage)
		}
	}
	if doc.footer != "" {
		fmt.Fprint(w, "\n", doc.footer)
	}
}

// valueName is a flag's value placeholder for its help line: the `quoted`
// word of its usage, else the flag's name ("--mode MODE"), in capitals.
func valueName(f *flag.Flag, placeholder string) string {
	switch placeholder {
	case "string", "value":
		placeholder = f.Name
	}
	return strings.ToUpper(placeholder)
}

// app is the CLI with its world injected, so tests can drive it in-process as
// well as a separate process.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// isTTY reports whether stderr is a terminal (live progress bars) or a
	// pipe/file (plain progress lines).
	isTTY bool
	// clientOptions are added to every client (the demo's credentials).
	clientOptions []drs.Option
	// now and appendFile, when set, replace the clock (JUnit timestamps) and
	// the opening of GITHUB_STEP_SUMMARY for appending (output.go).
	now        func() time.Time
	appendFile func(name string) (io.WriteCloser, error)
	// command is the command being run, for the hint of a usage error.
	command string
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *app {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
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
	// Global flags may come before the command: move them after it, so each
	// command's flag set sees them.
	cmd, rest := splitCommand(args)
	var err error
	switch cmd {
	case "run":
		err = a.cmdRun(ctx, rest)
	case "results":
		err = a.cmdResults(ctx, rest)
	case "serve":
		err = a.cmdServe(ctx, rest)
	case "demo":
		err = a.cmdDemo(ctx, rest)
	case "version", "--version", "-version":
		err = a.cmdVersion(rest)
		cmd = "version"
	case "help", "-h", "--help", "-help":
		// help COMMAND is COMMAND --help.
		if len(rest) > 0 {
			if _, ok := commandByName(rest[0]); ok {
				return a.run(ctx, []string{rest[0], "--help"})
			}
			err = &usageError{fmt.Sprintf("no help for %q: use one of %s", rest[0], commandNames())}
			break
		}
		writeUsage(a.stdout)
		return exitOK
	case "":
		err = &usageError{"no command given: use " + commandNames()}
	default:
		err = &usageError{fmt.Sprintf("unknown command %q: use %s", cmd, commandNames())}
		cmd = ""
	}
	a.command = cmd
	return a.exitCode(err)
}

func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// exitCode maps a command's error to the documented exit codes and prints
// it; a usage error points at the help of the command it happened in.
func (a *app) exitCode(err error) int {
	var ue *usageError
	var ce *configError
	var je *jobsNotReadyError
	helpHint := "(run 'drs-precheck help' for usage)"
	if _, ok := commandByName(a.command); ok {
		helpHint = fmt.Sprintf("(run 'drs-precheck %s --help' for usage)", a.command)
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ce):
		for _, line := range ce.problems {
			fmt.Fprintf(a.stderr, "drs-precheck: %s\n", line)
		}
		fmt.Fprintln(a.stderr, helpHint)
		return exitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "drs-precheck: %v\n%s\n", err, helpHint)
		return exitUsage
	case errors.As(err, &je):
		// The report already said which jobs and why.
		return exitJobs
	default:
		fmt.Fprintf(a.stderr, "drs-precheck: %v\n", err)
		return exitAPIError
	}
}

// jobsNotReadyError: the exchange worked, but not every job may start.
type jobsNotReadyError struct{ n int }

func (e *jobsNotReadyError) Error() string { return fmt.Sprintf("%d job(s) may not start", e.n) }

// splitCommand finds the command among args: the first argument that is not a
// flag or a flag's value. Global flags placed before it are moved after it.
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
		if isHelpFlag(arg) || arg == "--version" || arg == "-version" {
			return arg, args[i+1:]
		}
		if !strings.Contains(arg, "=") && takesValue(arg, args[i+1:]) {
			i++ // skip the flag's value
		}
	}
	return "", nil
}

func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// takesValue reports whether the flag arg (written without "=") consumes the
// next argument. The global flags are known; for a command's own flag
// placed before the command, a following command name means it is a
// boolean flag (drs-precheck --wait run ...).
func takesValue(arg string, next []string) bool {
	fs := flag.NewFlagSet("global", flag.ContinueOnError)
	new(globalFlags).register(fs)
	if f := fs.Lookup(strings.TrimLeft(arg, "-")); f != nil {
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		return !ok || !b.IsBoolFlag()
	}
	if len(next) > 0 {
		if _, isCommand := commandByName(next[0]); isCommand {
			return false
		}
	}
	return true
}

// globalFlags are the connection and output settings shared by run and results.
type globalFlags struct {
	region, endpoint, projectID, lang, output, tokenFile string
	timeout                                              time.Duration
	verbose, validate                                    bool
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.region, "region", "", "Huawei Cloud `region`, e.g. cn-north-4 (env HUAWEICLOUD_SDK_REGION)")
	fs.StringVar(&g.endpoint, "endpoint", "", "explicit endpoint `URL`, e.g. http://127.0.0.1:8080 for a simulator (env DRS_ENDPOINT)")
	fs.StringVar(&g.projectID, "project-id", "", "project `ID` (env HUAWEICLOUD_SDK_PROJECT_ID)")
	fs.StringVar(&g.lang, "lang", "", "`language` of DRS messages: en-us or zh-cn")
	fs.DurationVar(&g.timeout, "timeout", 0, "give up after this `duration`, e.g. 10m (default 30m with --wait, 2m otherwise)")
	fs.StringVar(&g.output, "output", "table", "output `format`: "+formatChoices())
	fs.BoolVar(&g.verbose, "verbose", false, "log every request and response to stderr, secrets redacted")
	fs.BoolVar(&g.validate, "validate", false, "check every request and response against openapi.yaml")
	fs.StringVar(&g.tokenFile, "token-file", "", "read an IAM token from `file` (or set HUAWEICLOUD_IAM_TOKEN)")
}

func (g *globalFlags) check() error {
	if !validFormat(g.output) {
		return &usageError{fmt.Sprintf("--output %q: use %s", g.output, formatChoices())}
	}
	if g.lang != "" && g.lang != "en-us" && g.lang != "zh-cn" {
		return &usageError{fmt.Sprintf("--lang %q: use en-us or zh-cn", g.lang)}
	}
	if g.timeout < 0 {
		return &usageError{fmt.Sprintf("--timeout %s: must be positive", g.timeout)}
	}
	return nil
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func (a *app) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args, turning flag errors into usage errors; --help
// prints the command's help on stdout.
func (a *app) parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeCommandHelp(a.stdout, fs)
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		if fs.Lookup("job") != nil {
			return &usageError{fmt.Sprintf("unexpected argument %q: job IDs go in --job or --jobs-file", fs.Arg(0))}
		}
		return &usageError{fmt.Sprintf("unexpected argument %q: %s takes flags only", fs.Arg(0), fs.Name())}
	}
	return nil
}

// newClient builds the drs client from flags and the CLI's environment, and
// obtains its credentials (the chain may fetch temporary keys), so that a
// missing source is a configuration error before anything is sent.
func (a *app) newClient(ctx context.Context, g *globalFlags) (*drs.Client, error) {
	opts := []drs.Option{drs.WithUserAgent("drs-precheck-cli"), drs.WithEnvironment(a.getenv)}
	if src := a.getenv("DRS_CREDENTIAL_SOURCE"); src != "" {
		opts = append(opts, drs.WithCredentialSource(credentials.Source(src)))
	}
	// fromCLI records, for each option set here, where the CLI took its
	// value: a configuration error then names that flag or variable.
	fromCLI := map[string]string{}
	if g.region != "" {
		opts = append(opts, drs.WithRegion(g.region))
		fromCLI["WithRegion"] = "--region"
	}
	endpoint, endpointFrom := g.endpoint, "--endpoint"
	if endpoint == "" {
		endpoint, endpointFrom = a.getenv("DRS_ENDPOINT"), "DRS_ENDPOINT"
	}
	if endpoint != "" && g.region != "" {
		return nil, &usageError{fmt.Sprintf("--region and %s both say where DRS is: give only one", endpointFrom)}
	}
	if endpoint != "" {
		opts = append(opts, drs.WithEndpoint(endpoint))
		fromCLI["WithEndpoint"] = endpointFrom
	}
	if g.projectID != "" {
		opts = append(opts, drs.WithProjectID(g.projectID))
		fromCLI["WithProjectID"] = "--project-id"
	}
	if g.lang != "" {
		opts = append(opts, drs.WithLanguage(g.lang))
		fromCLI["WithLanguage"] = "--lang"
	}
	if g.tokenFile != "" {
		data, err := os.ReadFile(g.tokenFile)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("--token-file: %v", err)}
		}
		token := strings.TrimSpace(string(data))
		if token == "" {
			return nil, &usageError{fmt.Sprintf("--token-file %s is empty: put the IAM token in it", g.tokenFile)}
		}
		opts = append(opts, drs.WithToken(token))
		fromCLI["WithToken"] = "--token-file"
	}
	var transport http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	red := a.cliRedactor(g)
	if g.validate {
		spec, err := contract.Default()
		if err != nil {
			return nil, err
		}
		// Fail only on what no client can decode; print documented drift.
		transport = &contract.Transport{Base: transport, Spec: spec, OnDrift: driftPrinter(a.stderr, red)}
	}
	var verbose *verboseTransport
	if g.verbose {
		verbose = &verboseTransport{base: transport, w: a.stderr, red: red}
		transport = verbose
	}
	opts = append(opts, drs.WithHTTPClient(&http.Client{Transport: transport}))
	opts = append(opts, a.clientOptions...)
	c, err := drs.New(opts...)
	if err != nil {
		return nil, newConfigError(err, fromCLI)
	}
	creds, err := c.CheckCredentials(ctx)
	if err != nil {
		return nil, &configError{problems: []string{redact.Terminal(err.Error())}}
	}
	if verbose != nil {
		verbose.scrub = c.Redact // temporary keys the chain fetched
		fmt.Fprintf(a.stderr, "* credentials: %s; from %s\n", redact.Terminal(creds), redact.Terminal(c.CredentialSource()))
	}
	return c, nil
}

// driftPrinter returns the --validate report of documented drift: each
// distinct departure once, as a warning line on w naming the field and the
// value, redacted and escaped for a terminal. The transport calls it from
// concurrent requests.
func driftPrinter(w io.Writer, red *redact.Redactor) func(*contract.Violation) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(v *contract.Violation) {
		line := redact.Terminal(red.String(v.Warning()))
		mu.Lock()
		defer mu.Unlock()
		if seen[line] {
			return
		}
		seen[line] = true
		fmt.Fprintf(w, "drs-precheck: warning: %s\n", line)
	}
}
