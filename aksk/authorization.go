package aksk

import (
	"fmt"
	"strings"
)

// authorization is the parsed Authorization header.
type authorization struct {
	accessKey     string
	signedHeaders string // as received: lower-case names joined with ';'
	signature     string // lower-case hex
}

// authorizationFormat is quoted in error messages to show what is expected.
const authorizationFormat = `"SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;...>, Signature=<hex>"`

// formatAuthorization returns the Authorization header value.
func formatAuthorization(accessKey, signedHeaders string, signature []byte) string {
	const (
		access  = " Access="
		headers = ", SignedHeaders="
		sig     = ", Signature="
	)
	var b strings.Builder
	b.Grow(len(Algorithm) + len(access) + len(accessKey) + len(headers) +
		len(signedHeaders) + len(sig) + len(signature))
	b.WriteString(Algorithm)
	b.WriteString(access)
	b.WriteString(accessKey)
	b.WriteString(headers)
	b.WriteString(signedHeaders)
	b.WriteString(sig)
	b.Write(signature)
	return b.String()
}

// malformed wraps ErrMalformedAuthorization. reason must not quote the
// header value: it may hold the signature or, if a client put the wrong
// thing there, a secret.
func malformed(reason string) error {
	return fmt.Errorf("%w: %s; expected %s", ErrMalformedAuthorization, reason, authorizationFormat)
}

// parseAuthorization parses an Authorization header value. It accepts any
// white space after the algorithm and around the ','-separated parameters,
// and parameter names in any case; it requires each of Access,
// SignedHeaders and Signature exactly once and nothing else.
func parseAuthorization(v string) (authorization, error) {
	var a authorization
	rest, ok := strings.CutPrefix(v, Algorithm)
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return a, malformed("the scheme is not " + Algorithm)
	}
	var seenAccess, seenHeaders, seenSig bool
	for rest != "" {
		var param string
		param, rest, _ = strings.Cut(rest, ",")
		param = strings.TrimSpace(param)
		if param == "" {
			continue // tolerate ", ," and a trailing comma
		}
		name, value, ok := strings.Cut(param, "=")
		if !ok {
			return a, malformed("a parameter has no '='")
		}
		name = strings.TrimSpace(name)
		value = strings.TrimSpace(value)
		var seen *bool
		var field *string
		switch {
		case equalFoldASCII(name, "Access"):
			name, seen, field = "Access", &seenAccess, &a.accessKey
		case equalFoldASCII(name, "SignedHeaders"):
			name, seen, field = "SignedHeaders", &seenHeaders, &a.signedHeaders
		case equalFoldASCII(name, "Signature"):
			name, seen, field = "Signature", &seenSig, &a.signature
		default:
			// The name is not echoed: it might be a secret pasted by mistake.
			return a, malformed("it has an unknown parameter; only Access, SignedHeaders and Signature are allowed")
		}
		if value == "" {
			return a, malformed(`the "` + name + `" parameter is empty`)
		}
		if *seen {
			return a, malformed(`the "` + name + `" parameter is repeated`)
		}
		*field = value
		*seen = true
	}
	switch {
	case !seenAccess:
		return a, malformed(`the "Access" parameter is missing`)
	case !seenHeaders:
		return a, malformed(`the "SignedHeaders" parameter is missing`)
	case !seenSig:
		return a, malformed(`the "Signature" parameter is missing`)
	}
	if !isLowerHex(a.signature, signatureSize) {
		return a, malformed(fmt.Sprintf("the Signature is not %d lower-case hex digits", signatureSize))
	}
	return a, nil
}

// isLowerHex reports whether s is exactly n lower-case hex digits. Upper
// case is rejected so that a signature has exactly one accepted spelling.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// parseSignedHeaders splits a SignedHeaders value and checks that it is what
// a signer produces: lower-case tokens, strictly ascending, separated by ';'.
// The canonical request uses the list verbatim, so it must be unambiguous.
func parseSignedHeaders(s string) ([]string, error) {
	names := strings.Split(s, ";")
	for i, n := range names {
		if !isLowerToken(n) {
			return nil, malformed(fmt.Sprintf("SignedHeaders entry %d is not a lower-case header name", i+1))
		}
		if i > 0 && names[i-1] >= n {
			return nil, malformed("SignedHeaders is not sorted, or repeats a name")
		}
	}
	return names, nil
}
