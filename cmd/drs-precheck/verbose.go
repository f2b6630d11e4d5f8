package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// secretHeaders are never printed, whatever --verbose says: a debug log pasted
// into a ticket must not leak a credential.
var secretHeaders = map[string]bool{
	"Authorization":    true,
	"X-Auth-Token":     true,
	"X-Security-Token": true,
	"X-Subject-Token":  true,
	"Cookie":           true,
	"Set-Cookie":       true,
}

// maxLoggedBody bounds how much of a body --verbose prints.
const maxLoggedBody = 4 << 10

// verboseTransport logs every request and response (headers redacted, bodies
// bounded) to w. It sits outside the retry loop's transport, so each attempt is
// logged, including the re-signed ones.
type verboseTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	w    io.Writer
}

func (t *verboseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, maxLoggedBody+1))
			_ = rc.Close()
		}
	}
	start := time.Now()
	t.logf("> %s %s\n%s%s", req.Method, req.URL.Redacted(), formatHeaders(req.Header, "> "), formatBody(reqBody, "> "))
	resp, err := t.base.RoundTrip(req)
	elapsed := time.Since(start).Round(time.Microsecond)
	if err != nil {
		t.logf("< error after %s: %v\n", elapsed, err)
		return nil, err
	}
	data, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	t.logf("< %s in %s\n%s%s", resp.Status, elapsed, formatHeaders(resp.Header, "< "), formatBody(data, "< "))
	if readErr != nil {
		// Hand back what arrived and the error, as the bare transport would.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{readErr}))
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

func (t *verboseTransport) logf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format, args...)
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func formatHeaders(h http.Header, prefix string) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		value := strings.Join(h[name], ", ")
		if secretHeaders[http.CanonicalHeaderKey(name)] {
			value = "[REDACTED]"
		}
		fmt.Fprintf(&b, "%s%s: %s\n", prefix, name, value)
	}
	return b.String()
}

func formatBody(body []byte, prefix string) string {
	if len(body) == 0 {
		return ""
	}
	suffix := ""
	if len(body) > maxLoggedBody {
		body, suffix = body[:maxLoggedBody], fmt.Sprintf(" … (%d bytes shown)", maxLoggedBody)
	}
	return prefix + strings.TrimRight(string(body), "\n") + suffix + "\n"
}
