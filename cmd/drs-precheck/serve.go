package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

// serveFlags configure the simulator. Its token and keys may be flags: they
// are test fixtures, not credentials.
type serveFlags struct {
	addr, scenario, projectID, token, ak, sk string
}

func defineServe(fs *flag.FlagSet) func(context.Context, *app) error {
	f := &serveFlags{}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`address` to listen on, host:port (port 0: any free port)")
	fs.StringVar(&f.scenario, "scenario", "", "scenario `file` (JSON or YAML); without it, the four demo jobs")
	fs.StringVar(&f.projectID, "project-id", "", "project `ID` to serve instead of the scenario's")
	fs.StringVar(&f.token, "token", "", "accept only this IAM `token` (without --token and --ak: any token)")
	fs.StringVar(&f.ak, "ak", "", "accept AK/SK signatures of this access `key` (with --sk)")
	fs.StringVar(&f.sk, "sk", "", "the secret `key` of --ak")
	return func(ctx context.Context, a *app) error { return a.serve(ctx, f) }
}

func (a *app) serve(ctx context.Context, f *serveFlags) error {
	sim, job, err := newSimulator(f)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usage("--addr %s: %v", f.addr, err)
	}
	// A server on every address (0.0.0.0, [::]) is reached here on loopback.
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
	fmt.Fprintf(a.stdout, "DRS simulator listening on %s (project %s)\n", url, sim.ProjectID())
	fmt.Fprintln(a.stdout, tryLine(f, url, sim.ProjectID(), job))
	// The first signal stops serving cleanly (exit 0); a second one at once.
	ctx, end := a.signals.interruptible(ctx)
	defer end()
	return serveUntilDone(ctx, ln, sim)
}

// newSimulator builds the simulator, and picks a job of its scenario (with
// the mode it needs) for the try line.
func newSimulator(f *serveFlags) (*drstest.Simulator, []string, error) {
	scenario := drstest.DefaultScenario()
	if f.scenario != "" {
		s, err := drstest.LoadScenario(f.scenario)
		if err != nil {
			return nil, nil, usage("--scenario: %v", err)
		}
		scenario = s
	}
	opts := []drstest.Option{drstest.WithScenario(scenario)}
	if f.projectID != "" {
		opts = append(opts, drstest.WithProjectID(f.projectID))
	}
	if (f.ak == "") != (f.sk == "") {
		return nil, nil, usage("--ak and --sk go together: give both or neither")
	}
	if f.ak != "" {
		opts = append(opts, drstest.WithAKSK(f.ak, f.sk))
	}
	if f.token != "" {
		opts = append(opts, drstest.WithToken(f.token))
	}
	if f.token == "" && f.ak == "" {
		opts = append(opts, drstest.AcceptAnyToken())
	}
	sim, err := drstest.New(opts...)
	if err != nil {
		return nil, nil, usage("%v", err)
	}
	if len(scenario.Jobs) == 0 {
		return sim, []string{"--job", "JOB-ID"}, nil
	}
	for _, j := range scenario.Jobs {
		if j.State == "" || j.State == drstest.StateConfiguration {
			return sim, []string{"--job", shellQuote(j.ID)}, nil
		}
	}
	return sim, []string{"--job", shellQuote(scenario.Jobs[0].ID), "--mode", "forRetryJob"}, nil
}

// serveUntilDone serves h on ln until ctx ends (a signal), then gives
// requests in flight a few seconds.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), signalGrace/2)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// tryLine is a command that works against the simulator as started. A secret
// given to serve is never printed: the line reads it from a shell variable.
func tryLine(f *serveFlags, url, projectID string, job []string) string {
	env := "DRS_ENDPOINT=" + url + " HUAWEICLOUD_SDK_PROJECT_ID=" + projectID
	cmd := "drs-precheck run " + strings.Join(job, " ") + " --wait"
	switch {
	case f.ak != "":
		return "try: " + env + " HUAWEICLOUD_SDK_AK=" + shellQuote(f.ak) + ` HUAWEICLOUD_SDK_SK="$SK" ` + cmd +
			"\n     (with SK set to the secret key given to --sk)"
	case f.token != "":
		return "try: " + env + ` HUAWEICLOUD_IAM_TOKEN="$TOKEN" ` + cmd +
			"\n     (with TOKEN set to the token given to --token)"
	default:
		return "try: " + env + " HUAWEICLOUD_IAM_TOKEN=any-token " + cmd
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.,:/@%+=", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// defineDemo: the whole workflow with no account: `run --wait` against the
// simulator with the demo jobs, in-process on a loopback port.
func defineDemo(fs *flag.FlagSet) func(context.Context, *app) error {
	c := &checkJobs{command: "run", mode: string(drs.ModeStartJob), wait: true}
	fs.StringVar(&c.g.output, "output", "table", "output `format`: "+orList(outputFormats))
	fs.BoolVar(&c.g.verbose, "verbose", false, "log requests and responses (secrets redacted)")
	fs.BoolVar(&c.g.validate, "validate", true, "check every request and response against openapi.yaml")
	fs.BoolVar(&c.quiet, "quiet", false, "print no introduction and no progress on stderr")
	return func(ctx context.Context, a *app) error { return a.demo(ctx, c) }
}

// demoScenario is drstest's default scenario with pre-checks of 200 to 400
// ms: the first poll, at 500 ms, finds every verdict in.
func demoScenario() drstest.Scenario {
	sc := drstest.DefaultScenario()
	for i := range sc.Jobs {
		sc.Jobs[i].Duration = time.Duration(200+100*(i%3)) * time.Millisecond
	}
	return sc
}

func (a *app) demo(ctx context.Context, c *checkJobs) error {
	if err := c.g.check(); err != nil {
		return err
	}
	const token = "demo-token"
	sim, err := drstest.New(drstest.WithScenario(demoScenario()), drstest.WithToken(token))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: cannot listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	jobs := []string{drstest.ExampleJobID, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID}
	for i, id := range jobs {
		c.jf.given = append(c.jf.given, jobArg{entry: jobEntry{ID: id, Name: fmt.Sprintf("demo job #%d", i+1)}})
	}
	c.jf.maxJobs = len(jobs)
	c.g.endpoint, c.g.timeout = "http://"+ln.Addr().String(), 2*time.Minute
	c.firstPoll, c.pollInterval = 500*time.Millisecond, drs.MinPollInterval
	if !c.quiet {
		fmt.Fprintf(a.stderr, "Simulated DRS at %s (project %s) with %d demo jobs: one passes, one passes with an alarm,\n"+
			"one fails, one is not in CONFIGURATION. Starting their pre-checks and waiting for the verdicts...\n\n",
			c.g.endpoint, sim.ProjectID(), len(jobs))
	}

	demo := *a
	demo.clientOptions = []drs.Option{drs.WithoutEnvironment(), drs.WithProjectID(sim.ProjectID()), drs.WithToken(token)}
	demo.getenv = func(string) string { return "" }
	err = c.run(ctx, &demo)
	if ee, ok := errors.AsType[*exitError](err); ok && ee.code == exitJobs {
		// The demo's failing and refused jobs are meant to fail: the workflow worked.
		fmt.Fprintln(a.stderr, "\nThe demo worked: against real DRS this run would exit with code 1, because two jobs may not start.")
		return nil
	}
	return err
}
