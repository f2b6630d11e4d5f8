package drs

import (
	"reflect"
	"strings"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// redactor removes the client's secrets and one request's signature (a
// server may echo it). The signature joins the client's redactor only for
// text that may hold it: building its every encoding costs more than the
// rest of a call.
type redactor struct {
	base *redact.Redactor
	sig  string // lower-case hex, "" for token authentication
	full *redact.Redactor
}

func (r *redactor) pick(s string) *redact.Redactor {
	if r.sig == "" || len(s) < len(r.sig) {
		return r.base
	}
	// Hex survives JSON and URL escaping; any other encoding of it is at
	// least three bytes a digit and uses one of % \ &.
	if !strings.Contains(strings.ToLower(s), r.sig) && (len(s) < 3*len(r.sig) || !strings.ContainsAny(s, `%\&`)) {
		return r.base
	}
	if r.full == nil {
		r.full = r.base.With(r.sig)
	}
	return r.full
}

func (r *redactor) String(s string) string { return r.pick(s).String(s) }

// signatureOf returns the signature of an SDK-HMAC-SHA256 Authorization value.
func signatureOf(authorization string) string {
	_, sig, ok := strings.Cut(authorization, "Signature=")
	if !ok {
		return ""
	}
	sig, _, _ = strings.Cut(sig, ",")
	return strings.ToLower(strings.TrimSpace(sig))
}

// text makes server text fit for people: secrets removed, control
// characters escaped.
func text(red *redactor, s string) string { return redact.Terminal(red.String(s)) }

func (c *Client) text(s string) string { return redact.Terminal(c.red.load().String(s)) }

// excerpt is a short, safe extract of a body for an error.
func excerpt(red *redactor, body []byte) string {
	return redact.Terminal(red.pick(string(body)).Excerpt(body, 256))
}

// scrub removes the secrets from every string in a decoded model, so a
// server that echoes a credential anywhere cannot make the client show it.
func scrub(red *redactor, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			scrub(red, v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			scrub(red, v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			scrub(red, v.Index(i))
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(red.String(v.String()))
		}
	}
}
