package main

import "fmt"

// Exit codes, documented in the README and in docs/CLI.md. Scripts depend on them:
// never renumber.
const (
	exitOK       = 0 // every job may start
	exitJobs     = 1 // some job's pre-check failed, was refused, or is not done
	exitUsage    = 2 // usage or configuration error: nothing was sent
	exitAPIError = 3 // API or network error
	// A signal ends the process with 128 + its number, as shells report it:
	// 130 for SIGINT, 143 for SIGTERM (signals.go).
)

// exitError ends a command with an exit code: the one error type that
// carries one. Any other error is an API or network error (exit 3). msg,
// when set, is printed on stderr, a line per problem; "" when the report
// already said it all.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usage is bad input or configuration, found before any request is sent.
func usage(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}
