package aksk_test

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
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

// The canonical URI and query hold only unreserved characters and escapes.
var (
	canonicalURI   = regexp.MustCompile(`^[A-Za-z0-9_.~%/-]*/$`)
	canonicalQuery = regexp.MustCompile(`^[A-Za-z0-9_.~%=&-]*$`)
)

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
		prefix := cmp.Or(method, "GET") + "\n"
		rest, ok := strings.CutPrefix(c, prefix)
		if !ok {
			t.Fatalf("does not start with the method: %q", c)
		}
		lines := strings.SplitN(rest, "\n", 3)
		uri, q := lines[0], lines[1]
		if !canonicalURI.MatchString(uri) || !canonicalQuery.MatchString(q) {
			t.Fatalf("bad canonical URI %q or query %q", uri, q)
		}
		again := &http.Request{Method: method, Host: req.Host, URL: &url.URL{Path: "/", RawPath: uri, RawQuery: q}, Header: req.Header}
		if p, err := url.PathUnescape(uri); err == nil {
			again.URL.Path = p
		}
		if l3 := strings.SplitN(strings.TrimPrefix(aksk.CanonicalRequest(again, signed, hash), prefix), "\n", 3); l3[0] != uri || l3[1] != q {
			t.Fatalf("canonical form is not a fixed point: %q?%q -> %q?%q", uri, q, l3[0], l3[1])
		}
	})
}

// wireExcluded lists headers net/http writes from request fields rather than
// from req.Header, so they do not survive a trip over the wire as set.
var wireExcluded = []string{"Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer", "Connection"}

func FuzzSignVerify(f *testing.F) {
	addFuzzSeeds(f, false)
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
		sendable := !slices.ContainsFunc(wireExcluded, func(h string) bool { return strings.EqualFold(hname, h) }) &&
			!strings.ContainsFunc(hvalue, func(r rune) bool { return r != '\t' && (r < ' ' || r == 0x7f) }) // else net/http refuses it
		verifyBothSides(t, req, body, sendable)
	})
}

// verifyBothSides checks a signed request: it verifies, its canonical form
// is deterministic, a one-byte change to the body is rejected, and, if wire
// and the request can be sent intact, the server's view has the same
// canonical form and verifies too. It reports whether the request was sent.
func verifyBothSides(t *testing.T, req *http.Request, body []byte, wire bool) (sent bool) {
	t.Helper()
	v := testVerifier(signTime)
	if _, err := v.Verify(req, body); err != nil {
		t.Fatalf("%s: Verify rejected what Sign produced: %v", req.URL, err)
	}
	signed := authOf(t, req).SignedHeaders
	c1 := aksk.CanonicalRequest(req, signed, hexSHA256(body))
	if c2 := aksk.CanonicalRequest(clone(req), signed, hexSHA256(body)); c1 != c2 {
		t.Fatalf("canonical request not deterministic:\n%q\n%q", c1, c2)
	}
	if _, err := v.Verify(req, append(slices.Clip(body), 0)); !errors.Is(err, aksk.ErrSignatureMismatch) {
		t.Fatalf("appended byte: Verify = %v", err)
	}
	for _, i := range []int{0, len(body) / 2, len(body) - 1} {
		if i < 0 || i >= len(body) {
			continue
		}
		b := slices.Clone(body)
		b[i] ^= 0x01
		if _, err := v.Verify(req, b); !errors.Is(err, aksk.ErrSignatureMismatch) {
			t.Fatalf("byte %d changed: Verify = %v", i, err)
		}
	}
	if !wire {
		return false
	}
	srv, ok := overTheWire(req, body)
	if p := req.URL.EscapedPath(); !ok || srv.URL.RawQuery != req.URL.RawQuery || p != "" && p[0] != '/' {
		return false // not sendable as is (e.g. a space in the query, a relative path)
	}
	if c3 := aksk.CanonicalRequest(srv, signed, hexSHA256(body)); c1 != c3 {
		t.Fatalf("client and server canonical requests differ:\n%q\n%q", c1, c3)
	}
	if _, err := v.Verify(srv, body); err != nil {
		t.Fatalf("%s: server-side Verify: %v", req.URL, err)
	}
	return true
}
