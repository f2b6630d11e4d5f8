package main

// Exit codes, documented in the README and in docs/CLI.md. Scripts depend on them:
// never renumber.
const (
	exitOK       = 0 // every job may start
	exitJobs     = 1 // some job's pre-check failed, was refused, or is not done
	exitUsage    = 2 // usage or configuration error: nothing was sent
	exitAPIError = 3 // API or network error
)

// usageError is bad input or configuration, found before any request is sent.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
