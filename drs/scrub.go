package drs

import (
	"net/http"
	"reflect"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// requestRedactor knows the client's secrets and the signature of req, if
// it is signed: a server may echo the signature alone, which the text
// around it would not show to be one.
func (c *Client) requestRedactor(req *http.Request) *redact.Redactor {
	if req == nil || req.Header.Get(aksk.HeaderAuthorization) == "" {
		return c.red.load()
	}
	a, err := aksk.ParseAuthorization(req.Header.Get(aksk.HeaderAuthorization))
	if err != nil {
		return c.red.load()
	}
	return c.red.load().With(a.Signature)
}

// text makes server text fit for people: secrets removed, control
// characters escaped.
func text(red *redact.Redactor, s string) string { return redact.Terminal(red.String(s)) }

// excerpt is a short, safe extract of a body for an error.
func excerpt(red *redact.Redactor, body []byte) string {
	return redact.Terminal(red.Excerpt(body, int64(len(body)), 256))
}

// scrub removes the secrets from every string in a decoded model, so a
// server that echoes a credential anywhere cannot make the client show it,
// and cuts each to MaxTextBytes.
func scrub(red *redact.Redactor, v reflect.Value) {
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
			v.SetString(cut(red.String(v.String()), MaxTextBytes))
		}
	}
}
