package aksk

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Header names used by the algorithm, in Go's canonical form.
const (
	HeaderSdkDate       = "X-Sdk-Date"
	HeaderSecurityToken = "X-Security-Token"
	HeaderProjectID     = "X-Project-Id"
	HeaderAuthorization = "Authorization"
)

// Lower-case forms as they appear in SignedHeaders.
const (
	signedSdkDate       = "x-sdk-date"
	signedSecurityToken = "x-security-token"
	signedHost          = "host"
)

// unsignedByDefault are left out of the default signed set (see the package
// documentation for why).
var unsignedByDefault = [...]string{
	"authorization", "content-type", "content-length",
	"connection", "keep-alive", "proxy-authorization", "proxy-connection",
	"te", "trailer", "transfer-encoding", "upgrade",
}

// isUnsignedByDefault reports whether the header name (any case) is left out
// of the default signed set: one of unsignedByDefault, or a name with '_'.
func isUnsignedByDefault(name string) bool {
	return strings.Contains(name, "_") || slices.Contains(unsignedByDefault[:], lowerASCII(name))
}

// isToken reports whether s is a non-empty HTTP token (RFC 9110). Tokens
// never contain ';', ',', '=' or whitespace, so a list of them is
// unambiguous inside the Authorization header.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUnreserved(s[i]) && !strings.Contains("!#$%&'*+^`|", s[i:i+1]) {
			return false
		}
	}
	return s != ""
}

// lowerASCII lower-cases ASCII letters only; header names are ASCII tokens,
// and Unicode case folding (e.g. KELVIN SIGN to 'k') must not apply.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// equalFoldASCII reports whether a and b are equal ignoring ASCII case.
func equalFoldASCII(a, b string) bool { return lowerASCII(a) == lowerASCII(b) }

// deleteHeaderFold removes every key of h equal to name ignoring ASCII case,
// including non-canonical keys set by direct map assignment, so that a
// re-signed request cannot carry a stale copy of a header Sign sets.
func deleteHeaderFold(h http.Header, name string) {
	maps.DeleteFunc(h, func(k string, _ []string) bool { return equalFoldASCII(k, name) })
}

// hasHeaderFold reports whether h has a key equal to name ignoring ASCII case.
func hasHeaderFold(h http.Header, name string) bool {
	for k := range h {
		if equalFoldASCII(k, name) {
			return true
		}
	}
	return false
}

// requestHost is the Host the request is (client side) or was (server side)
// sent with: Go keeps it in req.Host, never in req.Header, and a client
// request with an empty req.Host is sent with req.URL.Host.
func requestHost(req *http.Request) string {
	if req.Host == "" && req.URL != nil {
		return req.URL.Host
	}
	return req.Host
}

// lowerSorted lower-cases names (ASCII only), sorts them and removes
// duplicates, in place: the SignedHeaders list.
func lowerSorted(names []string) []string {
	for i, n := range names {
		names[i] = lowerASCII(n)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
