package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// signalGrace bounds the time from a first signal during a network wait to
// the exit: enough to print the partial report, not to hang on a pipe.
const signalGrace = 5 * time.Second

// interrupts decides what SIGINT and SIGTERM do. Inside an interruptible
// part (a network wait, serving) the first one cancels it, so that the
// command prints what it has and exits with the signal's code; anywhere else
// (reading a FIFO, writing to a pipe nobody reads), and for a second signal,
// the process exits at once.
type interrupts struct {
	mu     sync.Mutex
	cancel context.CancelFunc // set while an interruptible part runs
	got    os.Signal          // the first signal caught inside one
	exit   func(code int)
	notice io.Writer // told that a first signal was caught, and what a second does
}

func watchSignals(exit func(int), notice io.Writer) *interrupts {
	s := &interrupts{exit: exit, notice: notice}
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for sig := range ch {
			s.handle(sig)
		}
	}()
	return s
}

func (s *interrupts) handle(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel == nil || s.got != nil {
		s.exit(signalCode(sig))
		return
	}
	s.got = sig
	s.cancel()
	// Its own goroutine: a stderr nobody reads must not keep the second
	// signal from being handled.
	go fmt.Fprintf(s.notice, "%s received: finishing up; a second signal exits at once\n", signalName(signalCode(sig)))
	time.AfterFunc(signalGrace, func() { s.exit(signalCode(sig)) })
}

// interruptible returns ctx, canceled by the first signal, and end, which
// closes the part and returns the exit code of the signal that canceled it,
// or 0. Without a watcher (in-process tests) it is ctx.
func (s *interrupts) interruptible(ctx context.Context) (context.Context, func() int) {
	if s == nil {
		return ctx, func() int { return 0 }
	}
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	return ctx, func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cancel = nil
		cancel()
		if s.got == nil {
			return 0
		}
		return signalCode(s.got)
	}
}

// signalCode is 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM
// (signal.Notify sends only syscall.Signal values).
func signalCode(sig os.Signal) int { return 128 + int(sig.(syscall.Signal)) }

func signalName(code int) string {
	if code == 128+int(syscall.SIGTERM) {
		return "SIGTERM"
	}
	return "SIGINT"
}
