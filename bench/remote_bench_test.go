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
	"strings"
	"testing"
)

// envServeChild makes the test binary, started by startServerProcess, serve
// precheckResponse instead of running tests.
const envServeChild = "DRS_BENCH_SERVE_CHILD"

// serveChildIfAsked runs the loopback server of BenchmarkPrecheckCallRemote
// when the binary was started for that: it prints the server's URL, serves
// until its standard input is closed (by the parent, or by the parent's
// death), and reports whether it did, so that TestMain exits.
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

// startServerProcess starts this test binary again as the loopback server
// (serveChildIfAsked) and returns its URL. The child stops when the test
// ends.
func startServerProcess(tb testing.TB) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), envServeChild+"=1")
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

// BenchmarkPrecheckCallRemote is BenchmarkPrecheckCall with the loopback
// server in a child process: B/op, allocs/op and cpu-ns/op then count the
// client alone (the server's allocations and CPU time are in the other
// process), and time/op is the round trip as a client sees it.
// What each client sends is checked by BenchmarkPrecheckCall and
// TestCallersAgree against the in-process server; here each call still
// checks the answer.
func BenchmarkPrecheckCallRemote(b *testing.B) {
	url := startServerProcess(b)
	ctx := context.Background()
	for _, c := range callers {
		b.Run(c.name, func(b *testing.B) {
			call, _ := c.setup(b, url)
			if err := call(ctx); err != nil { // untimed: opens the connection
				b.Fatal(err)
			}
			timeCalls(b, func() error { return call(ctx) })
		})
	}
}

// TestServerProcess: every benchmark client gets the expected answer from
// the child-process server, so BenchmarkPrecheckCallRemote keeps working.
func TestServerProcess(t *testing.T) {
	url := startServerProcess(t)
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			call, _ := c.setup(t, url)
			for range 2 {
				if err := call(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
