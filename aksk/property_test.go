package aksk_test

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Pieces the generators combine: ASCII, unicode, white space, delimiters,
// escape characters and things that look like escapes.
var oddPieces = []string{
	"a", "Z", "0", "-", "_", ".", "~", " ", "+", "/", "%", "%2F", "%zz", "=", "&", ";", ":", "@", "!",
	"é", "日本", "🙂", "\t", "?", "#", "'", "\"", "..", "\xff",
}

func randPiece(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(4) {
		b.WriteString(oddPieces[r.IntN(len(oddPieces))])
	}
	return b.String()
}

// randPath returns an escaped path: segments of odd text escaped with
// url.PathEscape ('/' in a segment becomes %2F), perhaps with lower-case hex,
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
				seg = strings.ToLower(seg)
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
		k, esc := keys[r.IntN(len(keys))], url.QueryEscape
		if r.IntN(2) == 0 {
			esc = url.PathEscape // spaces as %20, '+' escaped differently
		}
		parts = append(parts, []string{esc(k), "", esc(k) + "=" + esc(randPiece(r))}[min(r.IntN(8), 2)])
	}
	return strings.Join(parts, "&")
}

// TestPropertySignVerify: random odd requests sign and verify on both sides
// of the wire.
func TestPropertySignVerify(t *testing.T) {
	r := rand.New(rand.NewPCG(20240506, 1))
	for i := range 3000 {
		rawURL := "https://drs.example.com" + randPath(r)
		if q := randQuery(r); q != "" {
			rawURL += "?" + q
		}
		var body []byte
		if r.IntN(3) > 0 {
			body = make([]byte, r.IntN(300))
			for j := range body {
				body[j] = byte(r.UintN(256))
			}
		}
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
		if !verifyBothSides(t, req, body, true) {
			t.Fatalf("case %d %q: request cannot be sent", i, rawURL)
		}
	}
}
