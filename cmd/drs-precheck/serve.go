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
