package drs

import (
	"io"
	"net/http"
)

// limitTransport caps response bodies: reading past max bytes fails with
// ErrResponseTooLarge instead of returning a truncated body, so an oversized
// answer is an error and never a partial parse. It wraps the transport of a
// copy of the user's *http.Client, never the user's client itself.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max, tooLarge: resp.ContentLength > t.max}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the base.
func (t *limitTransport) CloseIdleConnections() {
	if ci, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// limitedBody reads at most left bytes and fails if there is more.
type limitedBody struct {
	rc       io.ReadCloser
	left     int64
	tooLarge bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.tooLarge {
		return 0, ErrResponseTooLarge
	}
	// Read one byte more than allowed, to tell "exactly max" from "more".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		b.tooLarge = true
		return int(b.left), ErrResponseTooLarge
	}
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// limitClient returns a copy of hc whose transport caps response bodies.
func limitClient(hc *http.Client, max int64) *http.Client {
	cp := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = &limitTransport{base: base, max: max}
	return &cp
}
