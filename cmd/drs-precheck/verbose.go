package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
// masked, the client's secrets and the request's own credentials redacted in
// every encoding, bodies cut, control characters escaped. It never reads a response body on its own: the body is
// logged as the client reads it, so the client's size cap and timeouts bound
// --verbose as they bound everything else. It sits outside the retry loop's
// transport, so each attempt is logged, including the re-signed ones.
type verboseTransport struct {
	base http.RoundTripper
	// clientRedact is the client's Redact (every secret it has used), set
	// once the client exists, before its first request.
	clientRedact func(string) string
	mu           sync.Mutex
	w            io.Writer
	seq          atomic.Int64
}

func (t *verboseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	id := t.seq.Add(1)
	// The request's own credentials (the signature is new each time) are
	// secrets too, wherever the server echoes them; they also set how much
	// of a body is kept past the excerpt (see keep).
	red := redact.New(redact.HeaderSecrets(req.Header)...)
	var reqBody []byte
	var reqTotal int64
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, int64(keep(red))))
			_ = rc.Close()
		}
		reqTotal = max(req.ContentLength, int64(len(reqBody)))
	}
	var b strings.Builder
	line(red, &b, fmt.Sprintf("> #%d %s %s", id, req.Method, req.URL.Redacted()))
	headers(red, &b, "> ", req.Header)
	if len(reqBody) > 0 {
		line(red, &b, "> "+t.excerpt(red, reqBody, reqTotal))
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

// CloseIdleConnections passes the call on, so that the client's
// CloseIdleConnections reaches the real transport through this wrapper.
func (t *verboseTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// keep is how much of a body is kept for its excerpt: the excerpt plus the
// longest form of a secret, so a secret that starts before the cut is whole
// and masked (see redact.Redactor.Excerpt).
func keep(red *redact.Redactor) int { return maxLoggedBody + red.Window() }

// line appends one log line: scrubbed, then with control characters escaped,
// so neither a secret nor server text driving the terminal reaches stderr.
func line(red *redact.Redactor, b *strings.Builder, s string) {
	b.WriteString(redact.Terminal(red.String(s)))
	b.WriteByte('\n')
}

func headers(red *redact.Redactor, b *strings.Builder, prefix string, h http.Header) {
	h = red.Header(h)
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		line(red, b, prefix+name+": "+strings.Join(h[name], ", "))
	}
}

// excerpt is the first bytes of a body of total bytes, redacted then cut:
// the client's secrets before the cut, so that none is cut in two (kept
// holds keep(red) bytes, past the longest of the request's credentials,
// which are at least as long as the client's), then the request's own.
func (t *verboseTransport) excerpt(red *redact.Redactor, kept []byte, total int64) string {
	if int64(len(kept)) >= total {
		kept = bytes.TrimRight(kept, "\r\n")
		total = int64(len(kept))
	}
	if t.clientRedact != nil {
		redacted := t.clientRedact(string(kept))
		total += int64(len(redacted) - len(kept))
		kept = []byte(redacted)
	}
	return red.Excerpt(kept, total, maxLoggedBody)
}

func (t *verboseTransport) write(s string) {
	if t.clientRedact != nil {
		s = t.clientRedact(s)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _ = io.WriteString(t.w, s)
}

// loggedBody passes a response body through to the client, keeping its first
// bytes, and logs them once the client reaches the end, an error, or closes
// the body. It reads nothing the client did not ask for.
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

// logLocked logs the body once: at EOF, at a read error, or at Close before
// either (the client stopped reading, e.g. at its size cap).
func (b *loggedBody) logLocked(err error) {
	if b.logged {
		return
	}
	b.logged = true
	var how string
	switch {
	case errors.Is(err, io.EOF):
		how = fmt.Sprintf("%d bytes", b.total)
	case err != nil:
		how = fmt.Sprintf("%d bytes read, then: %v", b.total, err)
	default:
		how = fmt.Sprintf("%d bytes read, closed before the end", b.total)
	}
	var s strings.Builder
	line(b.red, &s, fmt.Sprintf("< #%d body, %s", b.id, how))
	if b.total > 0 {
		line(b.red, &s, "< "+b.t.excerpt(b.red, b.kept, b.total))
	}
	b.t.write(s.String())
}
