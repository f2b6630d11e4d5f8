package aksk_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/aksk"
)

// fuzzURL builds a URL from an escaped path as received on the wire and a
// raw query. An escaped path that does not decode is used as the decoded
// path instead, so every input yields a URL.
func fuzzURL(escapedPath, rawQuery string) *url.URL {
	u := &url.URL{Scheme: "https", Host: "svc.example.com", RawQuery: rawQuery}
	if p, err := url.PathUnescape(escapedPath); err == nil {
		u.Path, u.RawPath = p, escapedPath // EscapedPath ignores an invalid RawPath
	} else {
		u.Path = escapedPath
	}
	return u
}

func addFuzzSeeds(f *testing.F, withMethod bool) {
	type seed struct {
		method, path, query, hname, hvalue string
		body                               []byte
	}
	for _, s := range []seed{
		{"GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs", "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", "Content-Type", "application/json", nil},
		{"POST", "/v3/p/jobs/batch-precheck", "", "X-Project-Id", "p", []byte(precheckBody)},
		{"PUT", "/a%2Fb//c%20d/caf%C3%A9/", "a=1&a=0&b=x+y&&k", "X-Multi", "  spaced  ", []byte{}},
		{"DELETE", "", "%zz=%41&=&q=%E6%97%A5", "x-lower", "\tv\t", []byte{0, 0xff}},
		{"GET", "/%zz/%/../🙂", "a;b=c#d", "Host", "other", nil},
		{"", "relative/path", "k=v", "X_Under", "v", []byte("x")},
	} {
		if withMethod {
			f.Add(s.method, s.path, s.query, s.hname, s.hvalue, s.body)
		} else {
			f.Add(s.path, s.query, s.hname, s.hvalue, s.body)
		}
	}
}

// onlyChars reports whether s consists of bytes for which ok holds.
func onlyChars(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isEncodedChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~%", c) >= 0
}

func FuzzCanonicalRequest(f *testing.F) {
	addFuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, method, path, query, hname, hvalue string, body []byte) {
		req := &http.Request{Method: method, Host: "svc.example.com", URL: fuzzURL(path, query), Header: http.Header{}}
		req.Header.Add(hname, hvalue)
		req.Header[hname] = append(req.Header[hname], hvalue+"2") // possibly a second, non-canonical key
		req.Header.Add("X-Sdk-Date", "20240506T070809Z")
		signed := []string{hname, "host", "x-sdk-date", "x-absent"}
		hash := hexSHA256(body)

		c := aksk.CanonicalRequest(req, signed, hash)
		for range 3 { // map iteration order differs between calls
			if c2 := aksk.CanonicalRequest(req, signed, hash); c2 != c {
				t.Fatalf("not deterministic:\n%q\n%q", c, c2)
			}
		}
		if c2 := aksk.CanonicalRequest(clone(req), signed, hash); c2 != c {
			t.Fatalf("differs on a clone:\n%q\n%q", c, c2)
		}
		if !strings.HasSuffix(c, "\n"+hash) {
			t.Fatalf("does not end with the body hash: %q", c)
		}

		// The URI and query lines are fully encoded and are fixed points
		// of canonicalisation.
		wantMethod := method
		if wantMethod == "" {
			wantMethod = "GET"
		}
		rest, ok := strings.CutPrefix(c, wantMethod+"\n")
		if !ok {
			t.Fatalf("does not start with the method: %q", c)
		}
		uri, rest, _ := strings.Cut(rest, "\n")
		q, _, _ := strings.Cut(rest, "\n")
		if !strings.HasSuffix(uri, "/") || !onlyChars(uri, func(c byte) bool { return c == '/' || isEncodedChar(c) }) {
			t.Fatalf("bad canonical URI %q", uri)
		}
		if !onlyChars(q, func(c byte) bool { return c == '=' || c == '&' || isEncodedChar(c) }) {
			t.Fatalf("bad canonical query %q", q)
		}
		again := &http.Request{Method: method, Host: req.Host, URL: &url.URL{Path: "/", RawPath: uri, RawQuery: q}, Header: req.Header}
		if p, err := url.PathUnescape(uri); err == nil {
			again.URL.Path = p
		}
		c3 := aksk.CanonicalRequest(again, signed, hash)
		u3, rest3, _ := strings.Cut(strings.TrimPrefix(c3, wantMethod+"\n"), "\n")
		q3, _, _ := strings.Cut(rest3, "\n")
		if u3 != uri || q3 != q {
			t.Fatalf("canonical form is not a fixed point: %q?%q -> %q?%q", uri, q, u3, q3)
		}
	})
}

// wireExcluded lists headers net/http writes from request fields rather than
// from req.Header, so they do not survive a trip over the wire as set.
var wireExcluded = []string{"Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer", "Connection"}

func validFieldValue(v string) bool {
	return onlyChars(v, func(c byte) bool { return c == '\t' || (c >= ' ' && c != 0x7f) })
}

func FuzzSignVerify(f *testing.F) {
	addFuzzSeeds(f, false)
	v := testVerifier(signTime)
	f.Fuzz(func(t *testing.T, path, query, hname, hvalue string, body []byte) {
		req := &http.Request{Method: http.MethodPost, Host: "svc.example.com", URL: fuzzURL(path, query), Header: http.Header{}}
		req.Header.Add(hname, hvalue)
		req.Header.Set("X-Project-Id", "0a1b2c")
		s := testSigner()
		s.SecurityToken = "token"
		if err := s.Sign(req, body); err != nil {
			if !errors.Is(err, aksk.ErrInvalidSignedHeaders) {
				t.Fatalf("Sign: %v", err)
			}
			return // a header name that is not an HTTP token
		}
		if _, err := v.Verify(req, body); err != nil {
			t.Fatalf("Verify rejected what Sign produced: %v", err)
		}

		// A single-byte change to the body is rejected.
		if len(body) == 0 {
			if _, err := v.Verify(req, []byte{0}); !errors.Is(err, aksk.ErrSignatureMismatch) {
				t.Fatalf("appended byte: Verify = %v", err)
			}
		}
		for _, i := range []int{0, len(body) / 2, len(body) - 1} {
			if i < 0 || i >= len(body) {
				continue
			}
			b := append([]byte(nil), body...)
			b[i] ^= 0x01
			if _, err := v.Verify(req, b); !errors.Is(err, aksk.ErrSignatureMismatch) {
				t.Fatalf("byte %d changed: Verify = %v", i, err)
			}
		}

		// Server side: when the request can be sent intact, the server's
		// view verifies too.
		for _, h := range wireExcluded {
			if strings.EqualFold(hname, h) {
				return
			}
		}
		if !validFieldValue(hvalue) {
			return // net/http refuses to send it
		}
		srv, ok := overTheWire(t, req, body)
		if !ok || srv.URL.RawQuery != req.URL.RawQuery || !strings.HasPrefix(req.URL.EscapedPath(), "/") {
			return // not sendable as is (e.g. a space in the query)
		}
		if _, err := v.Verify(srv, body); err != nil {
			t.Fatalf("server-side Verify: %v\nclient: %q\nserver: %q", err,
				aksk.CanonicalRequest(req, signedHeadersOf(t, req), hexSHA256(body)),
				aksk.CanonicalRequest(srv, signedHeadersOf(t, req), hexSHA256(body)))
		}
	})
}
