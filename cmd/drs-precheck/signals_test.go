//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// proc is a CLI process a test talks to, one of whose streams it reads line
// by line: stderr, or stdout when the test gives no stdout writer (serve).
type proc struct {
	cmd   *exec.Cmd
	lines chan string  // the read stream's lines; closed at EOF
	seen  []string     // lines read so far
	other bytes.Buffer // stderr when stdout is read; read it after cmd.Wait
}

// startProc starts name (the CLI, or a shell that runs it) with env, stdin
// and stdout. It is killed when the test ends.
func startProc(t *testing.T, env []string, stdin io.Reader, stdout io.Writer, name string, args ...string) *proc {
	t.Helper()
	ctx, kill := context.WithCancel(context.Background())
	p := &proc{cmd: exec.CommandContext(ctx, name, args...)}
	p.cmd.Env = cliEnv(t, env)
	p.cmd.Stdin = stdin
	var read io.Reader
	var err error
	if stdout == nil {
		p.cmd.Stderr = &p.other
		read, err = p.cmd.StdoutPipe()
	} else {
		p.cmd.Stdout = stdout
		read, err = p.cmd.StderrPipe()
	}
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	p.lines = make(chan string, 1024)
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(read)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		kill()
		for range p.lines {
		}
		_ = p.cmd.Wait()
	})
	return p
}

// waitLine reads lines until one starts with prefix, and returns it.
func (p *proc) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(cliTimeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				_ = p.cmd.Wait() // before reading other
				t.Fatalf("the CLI exited before printing %q:\n%s\n%s", prefix, strings.Join(p.seen, "\n"), p.other.String())
			}
			p.seen = append(p.seen, line)
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line %q within %s", prefix, cliTimeout)
		}
	}
}

// exit waits for the process to end (failing the test if it does not
// within cliTimeout) and returns its exit code and every line read.
func (p *proc) exit(t *testing.T) (int, string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		for line := range p.lines {
			p.seen = append(p.seen, line)
		}
		done <- p.cmd.Wait()
	}()
	select {
	case err := <-done:
		out := strings.Join(p.seen, "\n")
		checkNoRace(t, out+p.other.String())
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Fatalf("the CLI was killed by %s instead of exiting", ws.Signal())
			}
			return exitErr.ExitCode(), out
		}
		require.NoError(t, err)
		return 0, out
	case <-time.After(cliTimeout):
		t.Fatalf("the CLI did not exit within %s", cliTimeout)
		return 0, ""
	}
}

func (p *proc) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
}

var signalCodes = map[os.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143}

// A signal while the CLI waits for a pre-check ends the wait: the partial
// report is printed, and the exit code is the signal's.
func TestSignalDuringWaitPrintsPartialReport(t *testing.T) {
	t.Parallel()
	for sig, code := range signalCodes {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			var stdout strings.Builder
			p := startProc(t, tokenEnv(srv), nil, &stdout, cliPath, "run", "--wait", "--first-poll-delay", "10m", "--timeout", "30m", "-o", "json",
				"--job", drstest.ExampleJobID)
			p.waitLine(t, "started 1 of 1 pre-checks")
			p.signal(t, sig)
			got, stderr := p.exit(t)
			assert.Equal(t, code, got, stderr)
			assert.Contains(t, stderr, fmt.Sprintf("interrupted by %s: the report holds what was known then", strings.ToUpper("SIG"+map[int]string{130: "int", 143: "term"}[code])))
			doc := parseJSONDoc(t, stdout.String())
			require.Len(t, doc.Jobs, 1)
			assert.Equal(t, "in_progress", doc.Jobs[0].Outcome)
		})
	}
}

// Blocked on a jobs file that is a FIFO nobody writes, the CLI ends at the
// signal with its code.
func TestSignalWhileReadingAFIFO(t *testing.T) {
	t.Parallel()
	for sig, code := range signalCodes {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			fifo := filepath.Join(t.TempDir(), "jobs")
			require.NoError(t, syscall.Mkfifo(fifo, 0o600))
			p := startProc(t, nil, nil, io.Discard, cliPath, "results", "--jobs-file", fifo)
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // returns once the CLI opened it
			require.NoError(t, err)
			defer w.Close()
			p.signal(t, sig)
			got, stderr := p.exit(t)
			assert.Equal(t, code, got, stderr)
		})
	}
}

// Blocked reading an open, empty stdin, the CLI ends at SIGINT with 130. It
// starts with SIGINT ignored (as a shell's background job does), which it
// undoes once it handles signals, so signals are sent until one is handled.
func TestSignalWhileReadingEmptyStdin(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	p := startProc(t, nil, r, io.Discard, "sh", "-c", `trap "" INT; echo ignoring >&2; exec "$0" "$@"`, cliPath, "results", "--jobs-file", "-")
	p.waitLine(t, "ignoring") // SIGINT is ignored from here on until the CLI handles it
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				_ = p.cmd.Process.Signal(syscall.SIGINT)
			case <-stop:
				return
			}
		}
	}()
	got, stderr := p.exit(t)
	assert.Equal(t, 130, got, stderr)
}

// A second signal ends the process at once, with its own code, even while
// the first one's partial report is stuck on a pipe nobody reads.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	p := startProc(t, tokenEnv(srv), nil, fullPipe(t), cliPath, "run", "--wait", "--first-poll-delay", "10m", "--timeout", "30m",
		"--job", drstest.ExampleJobID, "--jobs-file", unknownJobs(t, 9))
	p.waitLine(t, "started 1 of 10 pre-checks")
	p.signal(t, syscall.SIGINT)
	p.waitLine(t, "SIGINT received: finishing up; a second signal exits at once") // else the two may be handled in either order
	p.signal(t, syscall.SIGTERM)
	got, stderr := p.exit(t)
	assert.Equal(t, 143, got, "the second signal's code: %s", stderr)
}

// Writing a report to a pipe nobody reads, the CLI ends at a single signal.
func TestSignalWhileWritingToAPipeNobodyReads(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	p := startProc(t, tokenEnv(srv), nil, fullPipe(t), cliPath, "results", "--jobs-file", unknownJobs(t, 50), "-o", "json")
	deadline := time.Now().Add(cliTimeout)
	for srv.RequestCount() < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // every answer is in: the CLI is writing its report
	}
	p.signal(t, syscall.SIGTERM)
	got, stderr := p.exit(t)
	assert.Equal(t, 143, got, stderr)
}

// Blocked opening a step summary that is a FIFO nobody reads, the CLI ends
// at a single signal.
func TestSignalWhileWritingTheStepSummaryToAFIFO(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	fifo := filepath.Join(t.TempDir(), "summary")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	p := startProc(t, append(tokenEnv(srv), "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY="+fifo), nil, io.Discard, cliPath, "results", "--job", drstest.ExampleJobID)
	p.waitLine(t, "::error") // the annotations come before the step summary
	p.signal(t, syscall.SIGTERM)
	got, stderr := p.exit(t)
	assert.Equal(t, 143, got, stderr)
}

// unknownJobs is a jobs file of n jobs the simulator refuses.
func unknownJobs(t *testing.T, n int) string {
	var ids strings.Builder
	for i := range n {
		fmt.Fprintf(&ids, "unknown-job-%04d-with-a-long-enough-id\n", i)
	}
	return tempFile(t, "jobs.txt", ids.String())
}

// fullPipe is the write end of a pipe nobody reads, filled to the last byte
// before the CLI gets it as stdout: its first write blocks, however short the
// report (one that fitted the pipe's buffer would let the CLI end at the first
// signal).
func fullPipe(t *testing.T) *os.File {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { r.Close(); w.Close() })
	fd := int(w.Fd())
	require.NoError(t, syscall.SetNonblock(fd, true))
	for _, chunk := range [][]byte{make([]byte, 4096), {0}} { // a write of up to 4 KiB is all or nothing
		for {
			if _, err := syscall.Write(fd, chunk); err != nil {
				require.ErrorIs(t, err, syscall.EAGAIN)
				break
			}
		}
	}
	require.NoError(t, syscall.SetNonblock(fd, false))
	return w
}
