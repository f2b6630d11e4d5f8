// Package redact is the one redaction of the module: secret headers, known
// secrets in the forms servers echo them in, request signatures, and
// terminal control characters in server text. A secret is found raw,
// URL-escaped (query or path) and JSON-escaped (with or without HTML
// escaping, "/" or "\/"), ignoring ASCII case, so the hex of %2F and \u003c
// escapes and a hex signature match in either case. Secrets shorter than
// MinSecretLen bytes are ignored: masking every "a" would mangle all text.
package redact

import (
	"cmp"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/drsclient/drs-precheck/aksk"
)

const (
	Mask         = "[REDACTED]"                                                         // replaces every secret, everywhere in the module
	MinSecretLen = 4                                                                    // the shortest secret New accepts; shorter ones are ignored
	unescaped    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~" // no URL, JSON or HTML escaping changes these
)

// secretHeaderWords mark a header as secret when its name, in any case,
// contains one (Set-Cookie, X-Auth-Token).
var secretHeaderWords = []string{"authorization", "cookie", "token", "secret", "password", "passwd", "credential", "session", "api-key", "apikey"}

// IsSecretHeader reports whether a header's value is a secret, by its name.
func IsSecretHeader(name string) bool {
	lower := strings.ToLower(name)
	return slices.ContainsFunc(secretHeaderWords, func(w string) bool { return strings.Contains(lower, w) })
}

// signature finds the hex after "signature=" (or %3d, \u003d) in lower case.
var signature = regexp.MustCompile(`signature(?:=|%3d|\\u003d)([0-9a-f]+)`)

var unescapeHTML = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// Redactor hides a fixed set of secrets; it is immutable. A nil *Redactor
// knows no secrets but still masks request signatures.
type Redactor struct {
	forms  []string // every form of every secret, ASCII lower-case
	window int      // the length of the longest form
}

// none stands for a nil *Redactor: it knows no secrets.
var none = &Redactor{}

// New returns a Redactor for the given secrets.
func New(secrets ...string) *Redactor { return (*Redactor)(nil).With(secrets...) }

// With returns a Redactor that hides r's secrets and these too.
func (r *Redactor) With(secrets ...string) *Redactor {
	out := &Redactor{slices.Clip(cmp.Or(r, none).forms), cmp.Or(r, none).window}
	for _, s := range secrets {
		if len(s) < MinSecretLen {
			continue
		}
		// Raw or URL-escaped, perhaps in a JSON string, perhaps in two (hex: raw only).
		forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
		for i, level := 0, forms; i < 2 && strings.Trim(s, unescaped) != ""; i++ {
			var next []string
			for _, f := range slices.Compact(slices.Sorted(slices.Values(level))) {
				j, _ := json.Marshal(f) // a string always marshals
				html, plain := string(j[1:len(j)-1]), unescapeHTML.Replace(string(j[1:len(j)-1]))
				next = append(next, html, plain, strings.ReplaceAll(html, "/", `\/`), strings.ReplaceAll(plain, "/", `\/`))
			}
			level, forms = next, append(forms, next...)
		}
		for _, f := range forms {
			if f = lowerASCII(f); !slices.Contains(out.forms, f) {
				out.forms = append(out.forms, f)
				out.window = max(out.window, len(f))
			}
		}
	}
	return out
}

// lowerASCII lower-cases ASCII letters only, so byte offsets are kept.
func lowerASCII(s string) string {
	if !strings.ContainsFunc(s, func(c rune) bool { return 'A' <= c && c <= 'Z' }) {
		return s // most server text: nothing to copy
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Window is the length of the longest form of any secret (0 for none).
func (r *Redactor) Window() int { return cmp.Or(r, none).window }

type span struct{ start, end int } // a half-open byte range holding secrets

// spans returns the ordered ranges of s holding a form of a secret, joined
// where they touch, so no tail of one form survives another.
func (r *Redactor) spans(s string) []span {
	var all, out []span
	low := lowerASCII(s)
	for _, f := range cmp.Or(r, none).forms {
		for from := 0; strings.Contains(low[from:], f); from++ {
			from += strings.Index(low[from:], f)
			all = append(all, span{from, from + len(f)})
		}
	}
	for _, m := range signature.FindAllStringSubmatchIndex(low, -1) {
		all = append(all, span{m[2], m[3]})
	}
	slices.SortFunc(all, func(a, b span) int { return a.start - b.start })
	for _, sp := range all {
		if n := len(out); n > 0 && sp.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, sp.end)
		} else {
			out = append(out, sp)
		}
	}
	return out
}

// String returns s with every secret and signature replaced by Mask.
func (r *Redactor) String(s string) string { return r.Excerpt(s, int64(len(s)), math.MaxInt) }

// Excerpt returns a text of total bytes, of which s is the start, redacted,
// then cut to at most limit bytes on a rune boundary and never inside a Mask,
// with a marker counting the bytes not shown. When the text goes on past s,
// its last Window()-1 bytes are not shown: a secret there may not be whole.
func (r *Redactor) Excerpt(s string, total int64, limit int) string {
	end, spans := len(s), r.spans(s)
	if total > int64(end) && r.Window() > 1 {
		end = max(0, end-(r.Window()-1))
		for _, sp := range spans {
			if sp.start < end && end < sp.end {
				end = sp.end // a secret whole in s: shown as its Mask
			}
		}
	}
	var b strings.Builder
	prev := 0
	for _, sp := range spans {
		if sp.start < end {
			b.WriteString(s[prev:sp.start] + Mask)
			prev = sp.end
		}
	}
	out := s[:end] // no secret: the text itself, not a copy
	if prev > 0 {
		out = b.String() + s[prev:end]
	}
	cut := len(out)
	if limit < cut {
		cut = max(limit, 0)
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		if i := strings.LastIndex(out[:cut], Mask[:1]); i >= 0 && i+len(Mask) > cut && strings.HasPrefix(out[i:], Mask) {
			cut = i // "[REDA" would read like damaged data
		}
	}
	if n := int64(len(out)-cut) + max(total-int64(end), 0); n > 0 {
		return out[:cut] + "…(" + strconv.FormatInt(n, 10) + " more bytes)"
	}
	return out
}

// Header returns a copy of h with secret headers' values Mask (an SDK-HMAC
// Authorization keeps Access and SignedHeaders) and the others redacted.
func (r *Redactor) Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		out[k] = make([]string, len(vs))
		for i, v := range vs {
			a, err := aksk.ParseAuthorization(v)
			switch {
			case http.CanonicalHeaderKey(k) == aksk.HeaderAuthorization && err == nil:
				out[k][i] = aksk.Algorithm + " Access=" + r.String(a.AccessKey) + ", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + Mask
			case IsSecretHeader(k):
				out[k][i] = Mask
			default:
				out[k][i] = r.String(v)
			}
		}
	}
	return out
}

// HeaderSecrets returns, for With, the secrets in h: secret headers' values,
// the credential after a scheme, and an SDK-HMAC-SHA256 signature.
func HeaderSecrets(h http.Header) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			if !IsSecretHeader(k) {
				break
			}
			out = append(out, v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				out = append(out, strings.TrimSpace(cred))
			}
			if a, err := aksk.ParseAuthorization(v); err == nil {
				out = append(out, a.Signature)
			}
		}
	}
	return out
}
