package drs

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/generated"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// MaxTextBytes caps every string the client keeps from an answer (error
// codes and messages, request IDs, check items, a redirect's Location);
// longer text is cut and ends in CutMark.
const MaxTextBytes = 4 << 10

// CutMark ends a string cut to its cap.
const CutMark = "…[cut]"

// cut returns s if it fits in n bytes, else its start, on a character
// boundary, and CutMark: n bytes at most, for any n not below len(CutMark).
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	end := max(n-len(CutMark), 0)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + CutMark
}

// kept is server text as the client keeps it: secrets removed, control
// characters escaped, at most MaxTextBytes.
func kept(red *redact.Redactor, s string) string {
	return cut(redact.Terminal(red.String(s)), MaxTextBytes)
}

func (c *Client) kept(s string) string { return kept(c.red.Load(), s) }

// excerpt is a short, safe extract of a body for an error.
func excerpt(red *redact.Redactor, body []byte) string {
	return redact.Terminal(red.Excerpt(string(body), int64(len(body)), 256))
}

// requestRedactor knows the client's secrets and the signature of req, if it
// is signed: a server may echo the bare signature, which no text around it
// marks as one.
func (c *Client) requestRedactor(req *http.Request) *redact.Redactor {
	red := c.red.Load()
	if req == nil || req.Header.Get(aksk.HeaderAuthorization) == "" {
		return red // a token call: no signature, nothing to parse
	}
	if a, err := aksk.ParseAuthorization(req.Header.Get(aksk.HeaderAuthorization)); err == nil {
		return red.With(a.Signature)
	}
	return red
}

// decode reads a 2xx answer into out (a generated model) with decodeStrict,
// then scrubs it. An error code for the whole call is an *APIError.
func (c *Client) decode(op string, ans answer, out any) error {
	fail := func(reason string) error {
		return &ResponseError{Operation: op, StatusCode: ans.status, RequestID: ans.requestID, Reason: reason, Body: excerpt(ans.red, ans.body)}
	}
	ct := ans.header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return fail(fmt.Sprintf("Content-Type %q is not JSON", kept(ans.red, ct)))
	}
	if err := decodeStrict(ans.body, out); err != nil {
		return fail(kept(ans.red, err.Error()))
	}
	scrub(ans.red, reflect.ValueOf(out))
	var code, msg string
	switch m := out.(type) {
	case *generated.BatchPrecheckResp:
		code, msg = m.ErrorCode, m.ErrorMsg
	case *generated.BatchQueryPrecheckResultResp:
		code, msg = m.ErrorCode, m.ErrorMsg
	}
	if code != "" {
		return &APIError{Operation: op, StatusCode: ans.status, Code: kept(ans.red, code), Message: kept(ans.red, msg), RequestID: ans.requestID}
	}
	return nil
}

// scrub removes the secrets from every string of a decoded model, cutting
// each to MaxTextBytes, so an echoed credential cannot show anywhere.
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

// decodeStrict decodes a JSON object into out, matching names exactly, and
// refuses what could be read two ways: a name given twice in an object
// (escaped or not), two names equal under case folding, or a name that
// differs from a documented one only in case (encoding/json, which Huawei's
// SDKs use, would keep the last, or match either).
func decodeStrict(body []byte, out any) error {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return errors.New("the body is not a JSON object")
	}
	cased, err := foldedNames(body)
	if err != nil {
		return err
	}
	if err := jsonv2.Unmarshal(body, out); err != nil {
		if se, ok := errors.AsType[*jsonv2.SemanticError](err); ok && se.JSONPointer != "" {
			return fmt.Errorf("%s has the wrong JSON type (%s)", se.JSONPointer, se.JSONKind)
		}
		return syntaxError(err)
	}
	if len(cased) > 0 {
		// If reading case-insensitively changes anything, some key is a
		// documented one in another case.
		other := reflect.New(reflect.TypeOf(out).Elem())
		if jsonv2.Unmarshal(body, other.Interface(), jsonv2.MatchCaseInsensitiveNames(true)) != nil ||
			!reflect.DeepEqual(other.Elem().Interface(), reflect.ValueOf(out).Elem().Interface()) {
			return fmt.Errorf("a key differs from a documented one only in case (keys with capitals: %q)", cased[:min(len(cased), 5)])
		}
	}
	return nil
}

// foldedNames reads the names of every object in body, unescaped: it refuses
// a name given twice and two names equal under case folding, and returns the
// names that are not their own folding. (The strict decoder ignores unknown
// names, so it sees no case variant.)
func foldedNames(body []byte) (cased []string, err error) {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true))
	var objects []map[string]string // by depth: folded name -> name
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return cased, nil
		}
		if err != nil {
			return nil, syntaxError(err)
		}
		depth := dec.StackDepth()
		if tok.Kind() == '{' {
			for len(objects) <= depth {
				objects = append(objects, nil)
			}
			objects[depth] = map[string]string{}
		}
		if kind, n := dec.StackIndex(depth); tok.Kind() != '"' || kind != '{' || n%2 == 0 {
			continue // not a name
		}
		name := tok.String()
		folded := strings.ToLower(name) // no copy for the usual lower-case ASCII name
		if strings.ContainsFunc(name, func(r rune) bool { return r >= utf8.RuneSelf }) {
			folded = strings.ToLower(strings.ToUpper(name)) // folds ſ, K (Kelvin) and the like, as encoding/json does
		}
		switch prev, seen := objects[depth][folded]; {
		case seen && prev == name:
			return nil, fmt.Errorf("the key %q appears twice in one object", name)
		case seen:
			return nil, fmt.Errorf("the keys %q and %q differ only in case", prev, name)
		}
		objects[depth][folded] = name
		if folded != name {
			cased = append(cased, name)
		}
	}
}

// syntaxError says where the JSON broke, without the decoder's text, which
// quotes a shortened path: a secret cut short could not be redacted.
func syntaxError(err error) error {
	if se, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		return fmt.Errorf("invalid JSON at byte %d", se.ByteOffset)
	}
	return errors.New("invalid JSON")
}

// apiError maps a non-2xx answer. Its body is read leniently in the error
// shapes of Huawei's services ({error_code, error_msg, request_id}, {code,
// message}, {error: {code, message}}): the answer is an error whatever it says.
func (c *Client) apiError(op string, ans answer) *APIError {
	e := &APIError{Operation: op, StatusCode: ans.status, RequestID: ans.requestID,
		RetryAfter: parseRetryAfter(ans.header.Get("Retry-After"), c.s.now())}
	if ans.status >= 300 && ans.status < 400 {
		e.Body = "redirect to " + kept(ans.red, ans.header.Get("Location"))
		return e
	}
	var b struct {
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
		RequestID string `json:"request_id"`
		Code      string
		Message   string
		Error     json.RawMessage
	}
	var nested struct{ Code, Message string }
	if t := bytes.TrimSpace(ans.body); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &b) != nil {
		if len(ans.body) > 0 {
			e.Body = excerpt(ans.red, ans.body)
		}
		return e
	}
	if json.Unmarshal(b.Error, &nested) != nil {
		nested.Code, nested.Message = "", ""
	}
	e.Code = kept(ans.red, cmp.Or(b.ErrorCode, b.Code, nested.Code))
	e.Message = kept(ans.red, cmp.Or(b.ErrorMsg, b.Message, nested.Message))
	e.RequestID = cmp.Or(e.RequestID, kept(ans.red, b.RequestID))
	return e
}
