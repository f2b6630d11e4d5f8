package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drs"
)

// benchCalls times each caller against url: an untimed first call (checked
// by srv when it is not nil, and opening the connection), then the timed
// calls.
func benchCalls(b *testing.B, srv *fixedServer, url string, cs []caller) {
	ctx := context.Background()
	for _, c := range cs {
		b.Run(c.name, func(b *testing.B) {
			call, verify := c.setup(b, url)
			if srv != nil {
				srv.expect(b, func() error { return call(ctx) }, verify)
			} else if err := call(ctx); err != nil {
				b.Fatal(err)
			}
			timeCalls(b, func() error { return call(ctx) })
		})
	}
}

// timeCalls calls in a b.Loop, reporting allocations and the process's CPU
// time per call.
func timeCalls(b *testing.B, call func() error) {
	b.ReportAllocs()
	cpu := startCPUMeter()
	for b.Loop() {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkPrecheckCall is the headline comparison: one BatchCheckJobs call
// of one job, from the caller's function call to its checked result, against
// a loopback server in this process (its allocations count equally in every
// row). Keep-alive on, no retries. Run with -count ≥ 6 and benchstat.
func BenchmarkPrecheckCall(b *testing.B) {
	srv := newPrecheckServer(b)
	benchCalls(b, srv, srv.URL, callers)
}

// BenchmarkPrecheckCallRemote is BenchmarkPrecheckCall with the server in a
// child process: B/op, allocs/op and cpu-ns/op count the client alone. What
// each client sends is checked in process (TestCallersAgree).
func BenchmarkPrecheckCallRemote(b *testing.B) {
	benchCalls(b, nil, startServerProcess(b), callers)
}

// BenchmarkResultsCall reads the verdict of one job whose answer is Huawei's
// published results example; BenchmarkParseResults times the decoding alone.
func BenchmarkResultsCall(b *testing.B) {
	srv := newResultsServer(b)
	benchCalls(b, srv, srv.URL, resultsCallers)
}

// BenchmarkContractTransport is the cost of validating every request and
// response against openapi.yaml (contract.Transport): our one-job call
// directly and through it.
func BenchmarkContractTransport(b *testing.B) {
	srv := newPrecheckServer(b)
	benchCalls(b, srv, srv.URL, []caller{
		ours("transport=direct", oursCall, verifyToken, drs.WithToken(iamToken)),
		oursViaContract("transport=contract"),
	})
}

// oursViaContract is ours-token sending through contract.Transport.
func oursViaContract(name string) caller {
	return caller{name, func(tb testing.TB, url string) (func(context.Context) error, verifier) {
		rt, err := contract.NewTransport(newTransport(tb))
		if err != nil {
			tb.Fatal(err)
		}
		c := newOursClient(tb, url, drs.WithToken(iamToken), drs.WithHTTPClient(&http.Client{Transport: rt}))
		return func(ctx context.Context) error { return oursCall(ctx, c) }, verifyToken
	}}
}

// BenchmarkAttemptTimeout is the cost of the per-attempt timeout (a context,
// its timer and net/http's cancellation hook): our call with the default and
// with it off.
func BenchmarkAttemptTimeout(b *testing.B) {
	srv := newPrecheckServer(b)
	benchCalls(b, srv, srv.URL, []caller{
		ours("auth=token/timeout=default", oursCall, verifyToken, drs.WithToken(iamToken)),
		ours("auth=token/timeout=off", oursCall, verifyToken, drs.WithToken(iamToken), drs.WithAttemptTimeout(0)),
	})
}

// TestCallersAgree runs every client of the call benchmarks twice (the
// second over the reused connection) against the checking server, so that a
// change that breaks a benchmark's client fails go test ./... (CI).
func TestCallersAgree(t *testing.T) {
	for _, set := range []struct {
		name string
		srv  *fixedServer
		cs   []caller
	}{
		{"precheck", newPrecheckServer(t), append(slices.Clip(callers), oursViaContract("contract"))},
		{"results", newResultsServer(t), resultsCallers},
	} {
		for _, c := range set.cs {
			t.Run(set.name+"/"+c.name, func(t *testing.T) {
				call, verify := c.setup(t, set.srv.URL)
				for range 2 {
					set.srv.expect(t, func() error { return call(context.Background()) }, verify)
				}
			})
		}
	}
}

// TestServerProcess: the child-process server of BenchmarkPrecheckCallRemote
// answers every benchmark client.
func TestServerProcess(t *testing.T) {
	url := startServerProcess(t)
	for _, c := range callers {
		call, _ := c.setup(t, url)
		for range 2 {
			if err := call(context.Background()); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
	}
}

// envServeChild makes the test binary, started by startServerProcess, serve
// precheckResponse instead of running tests.
const envServeChild = "DRS_BENCH_SERVE_CHILD"

// serveChildIfAsked serves when the binary was started for that: it prints
// the URL and serves until its standard input closes (the parent's cleanup
// or death); TestMain then exits.
func serveChildIfAsked() bool {
	if os.Getenv(envServeChild) != "1" {
		return false
	}
	s := &fixedServer{path: precheckPath, wantBody: precheckRequest, answer: precheckResponse}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	fmt.Println(srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
	return true
}

// startServerProcess starts this test binary again as the server and returns
// its URL; the child stops when the test ends.
func startServerProcess(tb testing.TB) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	// Under -race a process sleeps 1 s at exit (atexit_sleep_ms) unless told
	// not to: the cleanup waits for the child's exit.
	cmd.Env = append(os.Environ(), envServeChild+"=1", "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("the server process did not print its URL: %v", err)
	}
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		tb.Fatalf("the server process printed %q, not its URL", url)
	}
	return url
}
