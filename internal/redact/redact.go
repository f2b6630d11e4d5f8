// Package redact is the one place that decides what a secret is and how it is
// hidden before anything is printed, logged or recorded: header names whose
// values are secrets, known secret values in every encoding a server or a
// client might echo them in, request signatures, and terminal control
// characters in text that came from a server.
//
// A secret is found raw; URL query- and path-escaped; percent-encoded byte
// by byte; JSON-escaped as encoding/json writes it (with and without its
// HTML escaping \u003c \u003e \u0026, \u2028 \u2029), with "/" as "\/",
// with non-ASCII as \u escapes, or with every character a \u escape;
// HTML-escaped; and in a URL or JSON encoding of any of those (a URL quoted
// in a JSON message, a JSON string quoted again). The hex digits of %XX and
// \uXXXX escapes match in either case. Where forms overlap, the union is
// masked, so the longer form wins and no tail survives.
//
// Secrets shorter than MinSecretLen bytes are ignored: masking every
// occurrence of a one- to three-byte string would mangle all text (every
// "a", every "200"), and no credential this module handles (IAM token, SK,
// security token, signature) is that short. A caller holding such a value
// has a broken credential, which the server will refuse anyway.
package redact

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Mask replaces every secret.
const Mask = "[REDACTED]"

// MinSecretLen is the shortest secret New accepts; shorter ones are ignored.
const MinSecretLen = 4

// secretHeaderNames are headers whose values are secrets, canonical form.
var secretHeaderNames = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"X-Auth-Token":        true,
	"X-Security-Token":    true,
	"X-Subject-Token":     true,
	"Cookie":              true,
	"Set-Cookie":          true,
}

// secretHeaderWords mark a header as secret when its lower-cased name
// contains one of them (X-Api-Key, X-Amz-Security-Token, X-Session-Id, ...).
var secretHeaderWords = []string{"token", "secret", "password", "passwd", "credential", "session", "api-key", "apikey"}

// IsSecretHeader reports whether a header's value is a secret: Authorization,
// X-Auth-Token, X-Security-Token, X-Subject-Token, Cookie, Set-Cookie,
// Proxy-Authorization, and any header whose name contains token, secret,
// password, passwd, credential, session, api-key or apikey (case-insensitive).
func IsSecretHeader(name string) bool {
	if secretHeaderNames[http.CanonicalHeaderKey(name)] {
		return true
	}
	lower := strings.ToLower(name)
	for _, w := range secretHeaderWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// Redactor hides a fixed set of secrets. It is immutable and safe for
// concurrent use. A nil *Redactor knows no secrets but still masks request
// signatures.
type Redactor struct {
	// exact are the encoded forms of every secret, matched byte for byte.
	exact [][]byte
	// folded are the forms holding a hex escape (%2F, \u003c), with
	// their hex digits lower-cased, matched against text folded the same way.
	folded [][]byte
	// window is the length of the longest form.
	window int
	// secrets are the raw secrets, so With can skip known ones.
	secrets []string
}

// New returns a Redactor for the given secrets. Empty strings and strings
// shorter than MinSecretLen are ignored.
func New(secrets ...string) *Redactor {
	return (*Redactor)(nil).With(secrets...)
}

// With returns a Redactor that hides r's secrets and these too; r is
// unchanged. Secrets r already knows cost nothing: a transport can call it
// for every request with the credentials that request carries.
func (r *Redactor) With(secrets ...string) *Redactor {
	out := &Redactor{}
	if r != nil {
		*out = *r
	}
	var fresh []string
	for _, s := range secrets {
		if len(s) >= MinSecretLen && !out.knows(s) && !slices.Contains(fresh, s) {
			fresh = append(fresh, s)
		}
	}
	if len(fresh) == 0 {
		return out
	}
	out.secrets = append(slices.Clip(out.secrets), fresh...)
	out.exact = slices.Clone(out.exact)
	out.folded = slices.Clone(out.folded)
	has := func(forms [][]byte, v string) bool {
		return slices.ContainsFunc(forms, func(f []byte) bool { return string(f) == v })
	}
	for _, s := range fresh {
		for _, v := range encodings(s) {
			if !has(out.exact, v) {
				out.exact = append(out.exact, []byte(v))
			}
			if strings.ContainsAny(v, `%\`) {
				if f := foldHex([]byte(v)); !has(out.folded, string(f)) {
					out.folded = append(out.folded, f)
				}
			}
		}
	}
	// Longest first: of two forms starting at one place, the longer one
	// decides how far the mask reaches (the coverage union makes this a
	// tie-breaker only).
	byLen := func(a, b []byte) int { return len(b) - len(a) }
	slices.SortStableFunc(out.exact, byLen)
	slices.SortStableFunc(out.folded, byLen)
	out.window = len(out.exact[0])
	return out
}

func (r *Redactor) knows(s string) bool {
	return r != nil && slices.Contains(r.secrets, s)
}

// HeaderSecrets returns the secrets a request or response carries in its
// headers: the value of every secret header (see IsSecretHeader), the
// credential after an Authorization scheme, and the signature of an
// SDK-HMAC-SHA256 Authorization. A transport passes them to With, so a
// server echoing them elsewhere (body, another header) is scrubbed too.
func HeaderSecrets(h http.Header) []string {
	var out []string
	for k, vs := range h {
		if !IsSecretHeader(k) {
			continue
		}
		for _, v := range vs {
			out = append(out, v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				out = append(out, strings.TrimSpace(cred))
			}
			for _, sp := range signatureHex([]byte(v)) {
				out = append(out, v[sp.start:sp.end])
			}
		}
	}
	return out
}

// encoders turn a string into one of the forms it may travel in.
var encoders = []func(string) string{
	url.QueryEscape,
	url.PathEscape,
	jsonEscape,
	jsonEscapeNoHTML,
	jsonSlash,
	jsonSlashNoHTML,
	jsonASCII,
	percentAll,
	jsonAll,
	html.EscapeString,
}

// outerEncoders are the encodings seen wrapped around another one: a URL
// quoted in a JSON error message, a JSON string quoted again, a query
// parameter escaped twice.
var outerEncoders = []func(string) string{
	url.QueryEscape,
	url.PathEscape,
	jsonEscape,
	jsonEscapeNoHTML,
	jsonSlash,
}

// encodings returns s raw, in every encoding, and in every outer encoding of
// an encoding.
func encodings(s string) []string {
	inner := []string{s}
	for _, e := range encoders {
		inner = append(inner, e(s))
	}
	slices.Sort(inner)
	inner = slices.Compact(inner)
	out := inner
	for _, v := range inner {
		if unreserved(v) {
			continue // every outer encoding leaves it as it is
		}
		for _, e := range outerEncoders {
			out = append(out, e(v))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unreserved reports whether s holds only characters no URL or JSON encoding
// changes.
func unreserved(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// jsonEscape is s as encoding/json writes it inside a string, with its HTML
// escaping (\u003c \u003e \u0026) and \u2028 \u2029.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}

// jsonEscapeNoHTML is s as a json.Encoder with SetEscapeHTML(false) writes it.
func jsonEscapeNoHTML(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return string(b[1 : len(b)-1])
}

// jsonSlash is jsonEscape with "/" written as "\/", as PHP and some
// gateways do.
func jsonSlash(s string) string { return strings.ReplaceAll(jsonEscape(s), "/", `\/`) }

// jsonSlashNoHTML is jsonEscapeNoHTML with "/" written as "\/".
func jsonSlashNoHTML(s string) string { return strings.ReplaceAll(jsonEscapeNoHTML(s), "/", `\/`) }

// jsonASCII is s as ASCII-only JSON writers (Python's default, Java's
// escapers) write it: every non-ASCII rune as \uXXXX, surrogate pairs above
// the BMP.
func jsonASCII(s string) string {
	var b strings.Builder
	for _, r := range jsonEscape(s) {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			writeU(&b, 0xD800+(r>>10))
			writeU(&b, 0xDC00+(r&0x3FF))
		default:
			writeU(&b, r)
		}
	}
	return b.String()
}

// jsonAll writes every rune as a JSON \uXXXX escape, a form only a JSON
// decoder reads back but one a byte-level search would miss.
func jsonAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			r -= 0x10000
			writeU(&b, 0xD800+(r>>10))
			writeU(&b, 0xDC00+(r&0x3FF))
			continue
		}
		writeU(&b, r)
	}
	return b.String()
}

// percentAll percent-encodes every byte, as some clients do.
func percentAll(s string) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, 3*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, '%', hex[s[i]>>4], hex[s[i]&0xF])
	}
	return string(b)
}

// foldHex returns b with the hex digits of every %XX, \xXX and \uXXXX escape
// lower-cased. It keeps every byte at its index, so a match in the folded
// text is a match at the same place in the original.
func foldHex(b []byte) []byte {
	out := slices.Clone(b)
	lowerHex := func(from, n int) {
		for j := from; j < from+n && j < len(out); j++ {
			if c := out[j]; 'A' <= c && c <= 'F' {
				out[j] = c + ('a' - 'A')
			}
		}
	}
	for i := 0; i < len(out); i++ {
		switch {
		case out[i] == '%':
			lowerHex(i+1, 2)
		case out[i] == '\\' && i+1 < len(out) && (out[i+1] == 'u' || out[i+1] == 'U'):
			lowerHex(i+2, 4)
		case out[i] == '\\' && i+1 < len(out) && (out[i+1] == 'x' || out[i+1] == 'X'):
			lowerHex(i+2, 2)
		}
	}
	return out
}

// signatureHex returns the spans of the hex digits after every "signature="
// in b, in any case, the "=" also URL-encoded (%3D) or JSON-escaped (\u003d):
// the signature of an Authorization value or a presigned URL.
func signatureHex(b []byte) []span {
	const word = "signature"
	var out []span
	for i := 0; i+len(word) < len(b); {
		j := bytes.IndexAny(b[i:len(b)-len(word)], "sS")
		if j < 0 {
			break
		}
		i += j
		if !asciiEqualFold(b[i:i+len(word)], word) {
			i++
			continue
		}
		k := i + len(word)
		switch {
		case k < len(b) && b[k] == '=':
			k++
		case k+3 <= len(b) && asciiEqualFold(b[k:k+3], "%3d"):
			k += 3
		case k+6 <= len(b) && asciiEqualFold(b[k:k+6], `\u003d`):
			k += 6
		default:
			i = k
			continue
		}
		end := k
		for end < len(b) && isHex(b[end]) {
			end++
		}
		if end > k {
			out = append(out, span{k, end})
		}
		i = end
	}
	return out
}

func asciiEqualFold(b []byte, lower string) bool {
	for i := range len(lower) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// maskSpans returns b with each span, ordered and disjoint, replaced by Mask.
func maskSpans(b []byte, sp []span) []byte {
	if len(sp) == 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	prev := 0
	for _, s := range sp {
		out = append(out, b[prev:s.start]...)
		out = append(out, Mask...)
		prev = s.end
	}
	return append(out, b[prev:]...)
}

// span is a half-open byte range to mask.
type span struct{ start, end int }

// spans returns the merged, ordered ranges of b covered by any form of any
// secret. Every occurrence counts, overlapping ones too, so no tail of one
// form survives because another form started earlier.
func (r *Redactor) spans(b []byte) []span {
	if r == nil || len(b) == 0 {
		return nil
	}
	var all []span
	find := func(text []byte, forms [][]byte) {
		for _, f := range forms {
			for from := 0; ; {
				i := bytes.Index(text[from:], f)
				if i < 0 {
					break
				}
				s := span{from + i, from + i + len(f)}
				if n := len(all); n > 0 && s.start <= all[n-1].end && s.start >= all[n-1].start {
					all[n-1].end = max(all[n-1].end, s.end)
				} else {
					all = append(all, s)
				}
				from = s.start + 1
			}
		}
	}
	find(b, r.exact)
	if len(r.folded) > 0 && bytes.ContainsAny(b, `%\`) {
		find(foldHex(b), r.folded)
	}
	if len(all) == 0 {
		return nil
	}
	slices.SortFunc(all, func(x, y span) int { return x.start - y.start })
	merged := all[:1]
	for _, s := range all[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end {
			last.end = max(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// scrub masks secrets then signatures. It returns b itself when nothing was
// masked.
func (r *Redactor) scrub(b []byte) []byte {
	b = maskSpans(b, r.spans(b))
	return maskSpans(b, signatureHex(b))
}

// String returns s with every secret, in every encoding, and the hex of every
// signature replaced by Mask.
func (r *Redactor) String(s string) string {
	out := r.scrub([]byte(s))
	if string(out) == s {
		return s // nothing masked: no copy
	}
	return string(out)
}

// Bytes is String for a byte slice. The result may share b's memory when
// nothing was masked; b is never modified.
func (r *Redactor) Bytes(b []byte) []byte {
	return r.scrub(b)
}

// Header returns a copy of h in which the values of secret headers (see
// IsSecretHeader) are Mask and every other value went through String. An
// SDK-HMAC-SHA256 Authorization keeps its scheme, Access= and SignedHeaders=,
// so a log still shows which key signed what; its Signature is Mask.
func (r *Redactor) Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case http.CanonicalHeaderKey(k) == "Authorization":
				c[i] = r.authorization(v)
			case IsSecretHeader(k):
				c[i] = Mask
			default:
				c[i] = r.String(v)
			}
		}
		out[k] = c
	}
	return out
}

// authorization masks an Authorization value, keeping the parts of an
// SDK-HMAC-SHA256 value that are not secrets.
func (r *Redactor) authorization(v string) string {
	const scheme = "SDK-HMAC-SHA256 "
	rest, ok := strings.CutPrefix(v, scheme)
	if !ok {
		return Mask
	}
	var access, signed string
	var hasAccess, hasSigned, hasSig bool
	for part := range strings.SplitSeq(rest, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Mask
		}
		switch name {
		case "Access":
			access, hasAccess = val, true
		case "SignedHeaders":
			signed, hasSigned = val, true
		case "Signature":
			hasSig = true
		default:
			return Mask
		}
	}
	if !hasAccess || !hasSigned || !hasSig {
		return Mask
	}
	return scheme + "Access=" + r.String(access) + ", SignedHeaders=" + r.String(signed) + ", Signature=" + Mask
}

// Window is the length of the longest form of any secret this Redactor
// knows (0 for none). A caller that keeps only the start of a stream for Head
// keeps max+Window bytes, so that every secret starting before the cut is
// whole in what it kept.
func (r *Redactor) Window() int {
	if r == nil {
		return 0
	}
	return r.window
}

// Excerpt scrubs b, then cuts it to at most max bytes on a rune boundary
// (never inside a Mask), followed by a marker saying how many bytes were cut.
// Scrubbing first means a cut never leaves the head of a secret behind.
func (r *Redactor) Excerpt(b []byte, max int) string {
	return r.Head(b, int64(len(b)), max)
}

// Head is Excerpt for the first len(b) bytes of a stream of total bytes (a
// body read in part). When total > len(b), the last Window()-1 bytes of b are
// never shown, whatever max says: a secret may start there and end beyond b,
// unseen and so unmasked. The marker counts the bytes cut from the scrubbed
// text plus the bytes of the stream after b.
func (r *Redactor) Head(b []byte, total int64, max int) string {
	limit := len(b)
	sp := r.spans(b)
	if total > int64(len(b)) && r.Window() > 1 {
		limit = len(b) - (r.Window() - 1)
		if limit < 0 {
			limit = 0
		}
		// A secret straddling limit is whole in b: keep its mask.
		for _, s := range sp {
			if s.start < limit && limit < s.end {
				limit = s.end
			}
		}
	}
	out := make([]byte, 0, limit)
	prev := 0
	for _, s := range sp {
		if s.start >= limit {
			break
		}
		out = append(out, b[prev:s.start]...)
		out = append(out, Mask...)
		prev = s.end
	}
	out = append(out, b[prev:limit]...)
	out = maskSpans(out, signatureHex(out))
	rest := total - int64(limit)
	if rest < 0 {
		rest = 0
	}
	cut := len(out)
	if max < cut {
		cut = max
		if cut < 0 {
			cut = 0
		}
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		// Do not split a Mask: "[REDA" reads like damaged data.
		if i := bytes.LastIndex(out[:cut], []byte(Mask[:1])); i >= 0 && i+len(Mask) > cut && bytes.HasPrefix(out[i:], []byte(Mask)) {
			cut = i
		}
	}
	if n := int64(len(out)-cut) + rest; n > 0 {
		return string(out[:cut]) + "…(" + strconv.FormatInt(n, 10) + " more bytes)"
	}
	return string(out)
}
