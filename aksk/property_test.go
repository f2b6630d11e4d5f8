package aksk_test

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/quick"

	"github.com/drsclient/drs-precheck/aksk"
)

// Pieces the generators combine: ASCII, unicode, white space, delimiters,
// escape characters and things that look like escapes.
var oddPieces = []string{
	"a", "Z", "0", "-", "_", ".", "~", " ", "+", "/", "%", "%2F", "%zz", "=", "&", ";", ":", "@", "!",
	"é", "日本", "🙂", "\t", "?", "#", "'", "\"", "..", "\xff",
}

func randPiece(r *rand.Rand) string {
	n := r.IntN(4)
	var b strings.Builder
	for range n {
		b.WriteString(oddPieces[r.IntN(len(oddPieces))])
	}
	return b.String()
}

// randPath returns an escaped path: segments of odd (decoded) text escaped
// with url.PathEscape, which turns '/' inside a segment into %2F, with
// empty segments and an optional trailing slash.
func randPath(r *rand.Rand) string {
	if r.IntN(10) == 0 {
		return ""
	}
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteByte('/')
		if r.IntN(6) > 0 { // else an empty segment
			seg := url.PathEscape(randPiece(r))
			if r.IntN(3) == 0 {
				seg = strings.ToLower(seg) // lower-case hex escapes
			}
			b.WriteString(seg)
		}
	}
	if b.Len() == 0 || r.IntN(3) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// randQuery returns a raw query with repeated keys, unicode, '+' or %20
// spaces, keys without '=', empty pieces, and unsorted order.
func randQuery(r *rand.Rand) string {
	keys := []string{"a", "a", "limit", "ä", "k y", "x+y", "", "marker"}
	var parts []string
	for range r.IntN(7) {
		k := keys[r.IntN(len(keys))]
		v := randPiece(r)
		esc := url.QueryEscape
		if r.IntN(2) == 0 {
			esc = url.PathEscape // spaces as %20, '+' escaped differently
		}
		switch r.IntN(8) {
		case 0:
			parts = append(parts, esc(k)) // no '='
		case 1:
			parts = append(parts, "") // empty piece
		default:
			parts = append(parts, esc(k)+"="+esc(v))
		}
	}
	return strings.Join(parts, "&")
}

func randBody(r *rand.Rand) []byte {
	if r.IntN(3) == 0 {
		return nil
	}
	b := make([]byte, r.IntN(300))
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func TestPropertySignVerify(t *testing.T) {
	r := rand.New(rand.NewPCG(20240506, 1))
	v := testVerifier(signTime)
	for i := range 3000 {
		rawURL := "https://drs.example.com" + randPath(r)
		if q := randQuery(r); q != "" {
			rawURL += "?" + q
		}
		body := randBody(r)
		req, err := http.NewRequest([]string{"GET", "POST", "PUT", "DELETE"}[r.IntN(4)], rawURL, nil)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		for range r.IntN(3) {
			req.Header.Add("X-Custom", "  "+randPiece(r)+" ")
		}
		if r.IntN(2) == 0 {
			req.Header.Set("X-Project-Id", "p"+randPiece(r))
		}
		if err := testSigner().Sign(req, body); err != nil {
			t.Fatalf("case %d %q: Sign: %v", i, rawURL, err)
		}
		if _, err := v.Verify(req, body); err != nil {
			t.Fatalf("case %d %q: Verify: %v", i, rawURL, err)
		}

		// Deterministic, and identical on the server side of the wire.
		signed := signedHeadersOf(t, req)
		c1 := aksk.CanonicalRequest(req, signed, hexSHA256(body))
		if c2 := aksk.CanonicalRequest(clone(req), signed, hexSHA256(body)); c1 != c2 {
			t.Fatalf("case %d: canonical request not deterministic:\n%q\n%q", i, c1, c2)
		}
		srv, ok := overTheWire(t, req, body)
		if !ok {
			t.Fatalf("case %d %q: request cannot be sent", i, rawURL)
		}
		if c3 := aksk.CanonicalRequest(srv, signed, hexSHA256(body)); c1 != c3 {
			t.Fatalf("case %d: client and server canonical requests differ:\n%q\n%q", i, c1, c3)
		}
		if _, err := v.Verify(srv, body); err != nil {
			t.Fatalf("case %d %q: server-side Verify: %v", i, rawURL, err)
		}

		// A one-byte change to the body is rejected.
		tampered := append([]byte(nil), body...)
		if len(tampered) == 0 {
			tampered = []byte{0}
		} else {
			tampered[r.IntN(len(tampered))] ^= byte(1 + r.IntN(255))
		}
		if _, err := v.Verify(req, tampered); !errors.Is(err, aksk.ErrSignatureMismatch) {
			t.Fatalf("case %d: tampered body: Verify = %v", i, err)
		}
	}
}

func TestQuickCanonicalDeterministic(t *testing.T) {
	f := func(path, query, hv string, body []byte) bool {
		req := &http.Request{
			Method: "POST",
			Host:   "h",
			URL:    &url.URL{Path: path, RawQuery: query},
			Header: http.Header{"X-A": {hv}, "x-a": {hv + "2"}, "X-B": {hv, hv}},
		}
		signed := []string{"x-b", "host", "X-A", "x-sdk-date"}
		a := aksk.CanonicalRequest(req, signed, hexSHA256(body))
		b := aksk.CanonicalRequest(clone(req), signed, hexSHA256(body))
		return a == b && strings.Count(a, "\n") >= 8
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
}
