package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// maxLoggedBody bounds how much of a body --verbose prints.
const maxLoggedBody = 4 << 10

// verboseTransport logs every request and response to w: secret headers
// masked, the client's secrets and the request's own credentials redacted,
// bodies cut, control characters escaped. A response body is logged as the
// client reads it, never read on its own, so the client's cap and timeouts
// bound --verbose too. It sits outside the retries: each attempt is logged.
type verboseTransport struct {
	base         http.RoundTripper
	clientRedact func(string) string // the client's Redact
	mu           sync.Mutex
	w            io.Writer
	seq          atomic.Int64
}

func (t *verboseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	id := t.seq.Add(1)
	// The request's own credentials (a new signature each time) are secrets
	// wherever the server echoes them.
	red := redact.New(redact.HeaderSecrets(req.Header)...)
	var b strings.Builder
	line(red, &b, fmt.Sprintf("> #%d %s %s", id, req.Method, req.URL.Redacted()))
	headers(red, &b, "> ", req.Header)
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			body, _ := io.ReadAll(io.LimitReader(rc, int64(keep(red))))
			_ = rc.Close()
			if len(body) > 0 {
				line(red, &b, "> "+t.excerpt(red, body, max(req.ContentLength, int64(len(body)))))
			}
		}
	}
	t.write(b.String())

	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	elapsed := time.Since(start).Round(time.Microsecond)
	b.Reset()
	if err != nil {
		line(red, &b, fmt.Sprintf("< #%d error after %s: %v", id, elapsed, err))
		t.write(b.String())
		return nil, err
	}
	line(red, &b, fmt.Sprintf("< #%d %s in %s", id, resp.Status, elapsed))
	headers(red, &b, "< ", resp.Header)
	t.write(b.String())
	if resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = &loggedBody{rc: resp.Body, t: t, red: red, id: id}
	}
	return resp, nil
}

func (t *verboseTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// keep is how much of a body is kept: the excerpt plus the longest form of a
// secret, so that a secret starting before the cut is masked whole.
func keep(red *redact.Redactor) int { return maxLoggedBody + red.Window() }

func line(red *redact.Redactor, b *strings.Builder, s string) {
	b.WriteString(redact.Terminal(red.String(s)))
	b.WriteByte('\n')
}

func headers(red *redact.Redactor, b *strings.Builder, prefix string, h http.Header) {
	h = red.Header(h)
	for _, name := range slices.Sorted(maps.Keys(h)) {
		line(red, b, prefix+name+": "+strings.Join(h[name], ", "))
	}
}

// excerpt is the start of a body of total bytes, redacted then cut: the
// client's secrets first, so that none is cut in two (kept holds keep(red)
// bytes), then the request's own.
func (t *verboseTransport) excerpt(red *redact.Redactor, kept []byte, total int64) string {
	if int64(len(kept)) >= total {
		kept = bytes.TrimRight(kept, "\r\n")
		total = int64(len(kept))
	}
	redacted := t.clientRedact(string(kept))
	return red.Excerpt(redacted, total+int64(len(redacted)-len(kept)), maxLoggedBody)
}

func (t *verboseTransport) write(s string) {
	s = t.clientRedact(s)
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _ = io.WriteString(t.w, s)
}

// loggedBody passes a response body through, keeping its first bytes, and
// logs them once: at EOF, at a read error, or at Close before either (the
// client stopped reading, e.g. at its cap).
type loggedBody struct {
	rc  io.ReadCloser
	t   *verboseTransport
	red *redact.Redactor
	id  int64

	mu     sync.Mutex
	kept   []byte
	total  int64
	logged bool
}

func (b *loggedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := keep(b.red) - len(b.kept); room > 0 {
		b.kept = append(b.kept, p[:min(n, room)]...)
	}
	b.total += int64(n)
	if err != nil {
		b.logLocked(err)
	}
	return n, err
}

func (b *loggedBody) Close() error {
	err := b.rc.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.logLocked(nil)
	return err
}

func (b *loggedBody) logLocked(err error) {
	if b.logged {
		return
	}
	b.logged = true
	how := fmt.Sprintf("%d bytes read, closed before the end", b.total)
	if errors.Is(err, io.EOF) {
		how = fmt.Sprintf("%d bytes", b.total)
	} else if err != nil {
		how = fmt.Sprintf("%d bytes read, then: %v", b.total, err)
	}
	var s strings.Builder
	line(b.red, &s, fmt.Sprintf("< #%d body, %s", b.id, how))
	if b.total > 0 {
		line(b.red, &s, "< "+b.t.excerpt(b.red, b.kept, b.total))
	}
	b.t.write(s.String())
}
