package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/drsclient/drs-precheck/drstest"
)

// serveFlags configure the simulator. Unlike the client's credentials, the
// simulator's accepted token and keys may be flags: they are test fixtures.
type serveFlags struct {
	addr, scenario, projectID, token, ak, sk string
}

func (a *app) cmdServe(ctx context.Context, args []string) error {
	var f serveFlags
	fs := a.newFlagSet("serve")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&f.scenario, "scenario", "", "scenario file (JSON or YAML); default: the demo jobs")
	fs.StringVar(&f.projectID, "project-id", "", "project ID to serve (default: the scenario's)")
	fs.StringVar(&f.token, "token", "", "accept only this IAM token (default: any token)")
	fs.StringVar(&f.ak, "ak", "", "accept AK/SK signatures of this access key (with --sk)")
	fs.StringVar(&f.sk, "sk", "", "secret key for --ak")
	if err := a.parseFlags(fs, args); err != nil {
		return err
	}
	sim, err := newSimulator(f)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return &usageError{fmt.Sprintf("--addr %s: %v", f.addr, err)}
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(a.stdout, "DRS simulator listening on %s (project %s)\n", url, sim.ProjectID())
	fmt.Fprintf(a.stdout, "try: DRS_ENDPOINT=%s HUAWEICLOUD_SDK_PROJECT_ID=%s HUAWEICLOUD_IAM_TOKEN=demo drs-precheck run --job %s --wait\n",
		url, sim.ProjectID(), drstest.ExampleJobID)
	return serveUntilDone(ctx, ln, sim)
}

// newSimulator builds the simulator from serve's flags.
func newSimulator(f serveFlags) (*drstest.Simulator, error) {
	scenario := drstest.DefaultScenario()
	if f.scenario != "" {
		s, err := drstest.LoadScenario(f.scenario)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("--scenario: %v", err)}
		}
		scenario = s
	}
	opts := []drstest.Option{drstest.WithScenario(scenario)}
	if f.projectID != "" {
		opts = append(opts, drstest.WithProjectID(f.projectID))
	}
	if (f.ak == "") != (f.sk == "") {
		return nil, &usageError{"--ak and --sk go together: give both or neither"}
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
		return nil, &usageError{err.Error()}
	}
	return sim, nil
}

// serveUntilDone serves h on ln until ctx ends (SIGINT/SIGTERM), then shuts
// down gracefully, giving in-flight requests a few seconds.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
