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
	names, joined := signedHeaderNames(slices.Clone(signedHeaders))
	return string(appendCanonicalRequest(nil, req, names, joined, []byte(bodyHash)))
}

// appendCanonicalRequest appends the canonical request to dst. names must be
// lower-case, sorted and unique, and joined must be names joined with ';'.
func appendCanonicalRequest(dst []byte, req *http.Request, names []string, joined string, bodyHash []byte) []byte {
	method := req.Method
	if method == "" {
		method = http.MethodGet // what net/http sends for an empty Method
	}
	dst = append(dst, method...)
	dst = append(dst, '\n')
	var u *url.URL
	if req.URL != nil {
		u = req.URL
	} else {
		u = &url.URL{}
	}
	dst = appendCanonicalURI(dst, u.EscapedPath())
	dst = append(dst, '\n')
	dst = appendCanonicalQuery(dst, u.RawQuery)
	dst = append(dst, '\n')
	dst = appendCanonicalHeaders(dst, req, names)
	dst = append(dst, '\n')
	dst = append(dst, joined...)
	dst = append(dst, '\n')
	dst = append(dst, bodyHash...)
	return dst
}

// appendCanonicalURI appends the canonical form of an escaped path: each
// '/'-separated segment is percent-decoded and re-encoded, and the result
// always ends in '/'.
//
// Splitting the escaped (wire) form before decoding keeps an encoded slash
// ("%2F") inside its segment, so "/a%2Fb" and "/a/b" stay distinct. Decoding
// then re-encoding makes equivalent spellings ("%41" and "A", "%7e" and "~")
// canonicalise identically on both sides of a proxy that re-escapes paths.
// The trailing '/' is the algorithm's rule: the canonical form of "/v1/x"
// and "/v1/x/" is the same.
func appendCanonicalURI(dst []byte, escapedPath string) []byte {
	if escapedPath == "" {
		return append(dst, '/')
	}
	rest := escapedPath
	for first := true; ; first = false {
		seg, tail, more := strings.Cut(rest, "/")
		if !first {
			dst = append(dst, '/')
		}
		if strings.IndexByte(seg, '%') >= 0 {
			if dec, err := url.PathUnescape(seg); err == nil {
				seg = dec
			}
			// An invalid escape is kept literally (its '%' becomes %25);
			// both sides see the same bytes, so they still agree.
		}
		dst = appendEscaped(dst, seg)
		if !more {
			break
		}
		rest = tail
	}
	if dst[len(dst)-1] != '/' {
		dst = append(dst, '/')
	}
	return dst
}

// queryParam is one decoded key=value pair of a query string.
type queryParam struct{ key, value string }

// appendCanonicalQuery appends the canonical form of a raw query string:
// pairs split on '&' (empty pieces skipped) and on the first '=' (a missing
// '=' means an empty value), key and value decoded as in
// application/x-www-form-urlencoded ('+' is a space), sorted by decoded key
// then decoded value, re-encoded with appendEscaped (a space becomes %20) and
// joined as k=v with '&'. Nothing is appended for an empty query.
//
// The raw string is parsed here rather than with url.ParseQuery because that
// silently drops pairs it cannot decode; such pairs would then be unsigned.
// A key or value with an invalid escape is instead kept literally.
func appendCanonicalQuery(dst []byte, rawQuery string) []byte {
	if rawQuery == "" {
		return dst
	}
	params := make([]queryParam, 0, 8)
	for rest := rawQuery; rest != ""; {
		var piece string
		piece, rest, _ = strings.Cut(rest, "&")
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		params = append(params, queryParam{key: queryUnescape(k), value: queryUnescape(v)})
	}
	slices.SortFunc(params, func(a, b queryParam) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	for i, p := range params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = appendEscaped(dst, p.key)
		dst = append(dst, '=')
		dst = appendEscaped(dst, p.value)
	}
	return dst
}

// queryUnescape decodes s as a query component, or returns s unchanged if it
// contains an invalid escape.
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if dec, err := url.QueryUnescape(s); err == nil {
		return dec
	}
	return s
}

// appendCanonicalHeaders appends "name:value\n" for each of names (which
// must be lower-case and sorted). The value of "host" is the request's Host
// (see requestHost); any other header's values are trimmed of surrounding
// white space and joined with ','.
func appendCanonicalHeaders(dst []byte, req *http.Request, names []string) []byte {
	for _, name := range names {
		dst = append(dst, name...)
		dst = append(dst, ':')
		if name == signedHost {
			dst = append(dst, strings.TrimSpace(requestHost(req))...)
		} else {
			dst = appendHeaderValues(dst, req.Header, name)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// appendHeaderValues appends the trimmed values of header name, joined with
// ','. Keys are matched ignoring ASCII case, so a header set by direct map
// assignment with a non-canonical key is found too; if several keys match,
// they are taken in sorted key order, the order net/http writes them on the
// wire, so that the result does not depend on map iteration order.
func appendHeaderValues(dst []byte, h http.Header, name string) []byte {
	var key string
	n := 0
	for k := range h {
		if equalFoldASCII(k, name) {
			key = k
			n++
		}
	}
	switch n {
	case 0:
		return dst
	case 1:
		return appendTrimmedValues(dst, h[key], true)
	}
	keys := make([]string, 0, n)
	for k := range h {
		if equalFoldASCII(k, name) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	first := true
	for _, k := range keys {
		if len(h[k]) == 0 {
			continue
		}
		dst = appendTrimmedValues(dst, h[k], first)
		first = false
	}
	return dst
}

// appendTrimmedValues appends values trimmed and joined with ',', preceded
// by ',' unless first.
func appendTrimmedValues(dst []byte, values []string, first bool) []byte {
	for _, v := range values {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, strings.TrimSpace(v)...)
	}
	return dst
}
