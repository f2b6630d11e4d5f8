package aksk

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// CanonicalRequest returns the canonical request that Sign and Verify hash
// for req:
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n bodyHash
//
// signedHeaders are the names of the headers to include (any case, any
// order; they are lower-cased, sorted and de-duplicated; the caller's
// slice is not modified). bodyHash is the lower-case hex SHA-256 of the exact
// body bytes sent. Headers listed but absent contribute "name:" with an empty
// value. It is exported so that a failing signature can be debugged by
// comparing the canonical request on both sides.
func CanonicalRequest(req *http.Request, signedHeaders []string, bodyHash string) string {
	return canonicalRequest(req, lowerSorted(slices.Clone(signedHeaders)), bodyHash)
}

// canonicalRequest is CanonicalRequest for names already lower-case, sorted
// and unique.
func canonicalRequest(req *http.Request, names []string, bodyHash string) string {
	method := req.Method
	if method == "" {
		method = http.MethodGet // what net/http sends for an empty Method
	}
	u := req.URL
	if u == nil {
		u = &url.URL{}
	}
	var headers strings.Builder
	for _, name := range names {
		value := strings.TrimSpace(requestHost(req))
		if name != signedHost {
			value = headerValues(req.Header, name)
		}
		headers.WriteString(name + ":" + value + "\n")
	}
	return strings.Join([]string{method, canonicalURI(u.EscapedPath()), canonicalQuery(u.RawQuery),
		headers.String(), strings.Join(names, ";"), bodyHash}, "\n")
}

// canonicalURI is the canonical form of an escaped path (see the package
// documentation). Splitting the wire form before decoding keeps "/a%2Fb"
// and "/a/b" distinct; decoding then re-encoding makes "%41" and "A" agree
// on both sides of a proxy that re-escapes paths.
func canonicalURI(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
	for i, seg := range segs {
		// An invalid escape is kept literally (its '%' becomes %25); both
		// sides see the same bytes, so they still agree.
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		segs[i] = escape(seg)
	}
	out := strings.Join(segs, "/")
	if !strings.HasSuffix(out, "/") {
		out += "/"
	}
	return out
}

// canonicalQuery is the canonical form of a raw query string (see the
// package documentation). It is parsed here rather than with url.ParseQuery,
// which silently drops pairs it cannot decode, leaving them unsigned; a key
// or value with an invalid escape is kept literally instead.
func canonicalQuery(rawQuery string) string {
	type pair struct{ key, value string }
	var pairs []pair
	for piece := range strings.SplitSeq(rawQuery, "&") {
		if piece != "" {
			k, v, _ := strings.Cut(piece, "=")
			pairs = append(pairs, pair{queryUnescape(k), queryUnescape(v)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = escape(p.key) + "=" + escape(p.value)
	}
	return strings.Join(out, "&")
}

// queryUnescape decodes s as a query component, or returns s unchanged if it
// contains an invalid escape.
func queryUnescape(s string) string {
	if dec, err := url.QueryUnescape(s); err == nil {
		return dec
	}
	return s
}

// headerValues returns the trimmed values of header name, joined with ','.
// Keys match ignoring ASCII case (a header set by direct map assignment
// counts), in sorted key order, the order net/http writes them.
func headerValues(h http.Header, name string) string {
	var keys []string
	for k := range h {
		if equalFoldASCII(k, name) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var values []string
	for _, k := range keys {
		for _, v := range h[k] {
			values = append(values, strings.TrimSpace(v))
		}
	}
	return strings.Join(values, ",")
}

// escape returns s with every byte that is not an RFC 3986 unreserved
// character replaced by %XX in upper-case hex. Working on bytes keeps the
// encoding injective, even for invalid UTF-8.
func escape(s string) string {
	const upperHex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.Write([]byte{'%', upperHex[c>>4], upperHex[c&0x0f]})
		}
	}
	return b.String()
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}
