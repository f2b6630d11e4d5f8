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
	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/internal/redact"
)

const usageText = `drs-precheck: can these Huawei Cloud DRS jobs start?

Usage:
  drs-precheck run     --job ID [--job ID ...] [--jobs-file FILE|-] [--mode forStartJob|forRetryJob] [--wait]
  drs-precheck results --job ID [--job ID ...] [--jobs-file FILE|-]
  drs-precheck serve   [--addr 127.0.0.1:8080] [--scenario FILE] [--token T] [--ak AK --sk SK]
  drs-precheck demo    the whole workflow against the built-in simulator (no account needed)

Flags of run and results (also accepted before the command):
  --region R          Huawei Cloud region, e.g. cn-north-4 (env HUAWEICLOUD_SDK_REGION)
  --endpoint URL      explicit endpoint, e.g. http://127.0.0.1:8080 for a simulator (env DRS_ENDPOINT)
  --project-id ID     project ID (env HUAWEICLOUD_SDK_PROJECT_ID)
  --lang en-us|zh-cn  language of DRS messages
  --timeout D         give up after D (e.g. 10m); default 30m with --wait, 2m otherwise
  --output table|json table for people, json for scripts (see docs/CLI.md)
  --verbose           log every request and response to stderr, secrets redacted
  --validate          check every request and response against openapi.yaml
  --token-file FILE   read an IAM token from FILE

Credentials: HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN),
or HUAWEICLOUD_IAM_TOKEN, or --token-file. Never pass a secret as a flag value.

Exit codes: 0 every job may start; 1 some job's pre-check failed or was refused;
2 usage or configuration error; 3 API or network error.
`

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
		fmt.Fprint(a.stderr, usageText)
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
	case "help", "-h", "--help", "-help":
		fmt.Fprint(a.stdout, usageText)
		return exitOK
	case "":
		err = &usageError{"no command given: use run, results, serve or demo"}
	default:
		err = &usageError{fmt.Sprintf("unknown command %q: use run, results, serve or demo", cmd)}
	}
	return a.exitCode(err)
}

// exitCode maps a command's error to the documented exit codes and prints it.
func (a *app) exitCode(err error) int {
	var ue *usageError
	var je *jobsNotReadyError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "drs-precheck: %v\n(run 'drs-precheck help' for usage)\n", err)
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
		if isHelpFlag(arg) {
			return arg, nil
		}
		if !strings.Contains(arg, "=") && !boolFlags[strings.TrimLeft(arg, "-")] {
			i++ // skip the flag's value
		}
	}
	return "", nil
}

func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

var boolFlags = map[string]bool{"verbose": true, "validate": true, "wait": true}

// globalFlags are the connection and output settings shared by run and results.
type globalFlags struct {
	region, endpoint, projectID, lang, output, tokenFile string
	timeout                                              time.Duration
	verbose, validate                                    bool
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.region, "region", "", "Huawei Cloud region, e.g. cn-north-4")
	fs.StringVar(&g.endpoint, "endpoint", "", "explicit endpoint URL")
	fs.StringVar(&g.projectID, "project-id", "", "project ID")
	fs.StringVar(&g.lang, "lang", "", "language of DRS messages: en-us or zh-cn")
	fs.DurationVar(&g.timeout, "timeout", 0, "give up after this long")
	fs.StringVar(&g.output, "output", "table", "output format: table or json")
	fs.BoolVar(&g.verbose, "verbose", false, "log requests and responses (secrets redacted) to stderr")
	fs.BoolVar(&g.validate, "validate", false, "check every request and response against openapi.yaml")
	fs.StringVar(&g.tokenFile, "token-file", "", "file holding an IAM token")
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

// parseFlags parses args, turning flag errors into usage errors.
func (a *app) parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(a.stdout, usageText)
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q: job IDs go in --job or --jobs-file", fs.Arg(0))}
	}
	return nil
}

// newClient builds the drs client from flags and the environment.
func (a *app) newClient(g *globalFlags) (*drs.Client, error) {
	opts := []drs.Option{drs.WithUserAgent("drs-precheck-cli")}
	if g.region != "" {
		opts = append(opts, drs.WithRegion(g.region))
	}
	endpoint := g.endpoint
	if endpoint == "" {
		endpoint = a.getenv("DRS_ENDPOINT")
	}
	if endpoint != "" {
		opts = append(opts, drs.WithEndpoint(endpoint))
	}
	if g.projectID != "" {
		opts = append(opts, drs.WithProjectID(g.projectID))
	}
	if g.lang != "" {
		opts = append(opts, drs.WithLanguage(g.lang))
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
	}
	var transport http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	if g.validate {
		spec, err := contract.Default()
		if err != nil {
			return nil, err
		}
		// Fail only on what no client can decode; print documented drift.
		transport = &contract.Transport{Base: transport, Spec: spec, OnDrift: driftPrinter(a.stderr, a.cliRedactor(g))}
	}
	if g.verbose {
		transport = &verboseTransport{base: transport, w: a.stderr, red: a.cliRedactor(g)}
	}
	opts = append(opts, drs.WithHTTPClient(&http.Client{Transport: transport}))
	opts = append(opts, a.clientOptions...)
	c, err := drs.New(opts...)
	if err != nil {
		return nil, &usageError{err.Error()}
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
