// Command drs-precheck answers "can these DRS migration jobs start?" from a
// terminal or a CI pipeline: it starts Huawei Cloud DRS pre-checks, waits for
// the verdicts, and exits with a code a script can act on. Its commands,
// flags, outputs and exit codes are in docs/CLI.md.
package main

import (
	"context"
	"fmt"
	"os"
)

// Exit codes: scripts depend on them, never renumber. A signal ends the
// process with 128 + its number (signals.go).
const (
	exitOK       = 0 // every job may start
	exitJobs     = 1 // some job's pre-check failed, was refused, or is not done
	exitUsage    = 2 // usage or configuration error: nothing was sent
	exitAPIError = 3 // API or network error
)

// exitError ends a command with an exit code: the one error type that
// carries one; any other error is exit 3. msg, when set, is printed on
// stderr, a line per problem.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usage is bad input or configuration, found before any request is sent.
func usage(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

func main() {
	a := newApp(os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	a.signals = watchSignals(os.Exit, os.Stderr)
	os.Exit(a.run(context.Background(), os.Args[1:]))
}
