package aksk

import (
	"fmt"
	"strings"
)

// Authorization is a parsed SDK-HMAC-SHA256 Authorization header value:
//
//	SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;...>, Signature=<hex>
//
// ParseAuthorization is the module's one reading of that header.
type Authorization struct {
	AccessKey string
	// SignedHeaders are the lower-case names, sorted, without duplicates.
	SignedHeaders []string
	// Signature is the lower-case hex HMAC.
	Signature string
}

// authorizationFormat is quoted in error messages to show what is expected.
const authorizationFormat = `"SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;...>, Signature=<hex>"`

// header returns the Authorization header value.
func (a Authorization) header() string {
	return Algorithm + " Access=" + a.AccessKey + ", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + a.Signature
}

// malformed wraps ErrMalformedAuthorization. reason must not quote the
// header value: it may hold the signature or, if a client put the wrong
// thing there, a secret.
func malformed(reason string) error {
	return fmt.Errorf("%w: %s; expected %s", ErrMalformedAuthorization, reason, authorizationFormat)
}

// ParseAuthorization parses an Authorization header value: any white space
// after the algorithm and around the ','-separated parameters, names in any
// case, each of Access, SignedHeaders (lower-case names, strictly ascending)
// and Signature (64 lower-case hex digits) exactly once, so that a request
// has one accepted spelling. Errors wrap ErrMalformedAuthorization, never
// quote the value, and come with what was read before them, so a server can
// count a failure against the access key a malformed header names.
func ParseAuthorization(v string) (Authorization, error) {
	var a Authorization
	rest, ok := strings.CutPrefix(v, Algorithm)
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return a, malformed("the scheme is not " + Algorithm)
	}
	seen := map[string]bool{}
	var signed string
	for param := range strings.SplitSeq(rest, ",") {
		param = strings.TrimSpace(param)
		if param == "" {
			continue // tolerate ", ," and a trailing comma
		}
		name, value, ok := strings.Cut(param, "=")
		if !ok {
			return a, malformed("a parameter has no '='")
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		var field *string
		switch {
		case equalFoldASCII(name, "Access"):
			name, field = "Access", &a.AccessKey
		case equalFoldASCII(name, "SignedHeaders"):
			name, field = "SignedHeaders", &signed
		case equalFoldASCII(name, "Signature"):
			name, field = "Signature", &a.Signature
		default:
			// The name is not echoed: it might be a secret pasted by mistake.
			return a, malformed("it has an unknown parameter; only Access, SignedHeaders and Signature are allowed")
		}
		if value == "" {
			return a, malformed(`the "` + name + `" parameter is empty`)
		}
		if seen[name] {
			return a, malformed(`the "` + name + `" parameter is repeated`)
		}
		seen[name], *field = true, value
	}
	for _, name := range []string{"Access", "SignedHeaders", "Signature"} {
		if !seen[name] {
			return a, malformed(`the "` + name + `" parameter is missing`)
		}
	}
	if !isLowerHex(a.Signature, signatureSize) {
		return a, malformed(fmt.Sprintf("the Signature is not %d lower-case hex digits", signatureSize))
	}
	a.SignedHeaders = strings.Split(signed, ";")
	for i, n := range a.SignedHeaders {
		if !isToken(n) || strings.ToLower(n) != n {
			return a, malformed(fmt.Sprintf("SignedHeaders entry %d is not a lower-case header name", i+1))
		}
		if i > 0 && a.SignedHeaders[i-1] >= n {
			return a, malformed("SignedHeaders is not sorted, or repeats a name")
		}
	}
	return a, nil
}

// isLowerHex reports whether s is exactly n lower-case hex digits.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
