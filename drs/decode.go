package drs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decode reads a 2xx answer into out (a generated model): the body must be
// JSON with no duplicate or case-variant keys, and must not carry an error
// code for the whole call. Every string in out then has the secrets removed.
func (c *Client) decode(op string, ans answer, out any) error {
	fail := func(reason string) error {
		return &ResponseError{Operation: op, StatusCode: ans.status, RequestID: ans.requestID, Reason: reason, Body: excerpt(ans.red, ans.body)}
	}
	ct := ans.header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return fail(fmt.Sprintf("Content-Type %q is not JSON", text(ans.red, ct)))
	}
	if err := decodeStrict(ans.body, out); err != nil {
		return fail(text(ans.red, err.Error()))
	}
	// A 2xx answer may carry an error code for the whole call (read only
	// when the body names an error field at all).
	if bytes.Contains(ans.body, []byte(`"error`)) || bytes.Contains(ans.body, []byte(`"code"`)) {
		if code, msg, _, ok := parseErrorBody(ans.body); ok && code != "" {
			return &APIError{Operation: op, StatusCode: ans.status, Code: text(ans.red, code), Message: text(ans.red, msg), RequestID: ans.requestID}
		}
	}
	scrub(ans.red, reflect.ValueOf(out))
	return nil
}

// decodeStrict decodes a JSON object into out, matching names exactly and
// refusing what could be read two ways: a name given twice in an object, two
// names that differ only in case, or a name that differs from a documented
// one only in case (encoding/json would keep the last, or match either).
func decodeStrict(body []byte, out any) error {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return errors.New("the body is not a JSON object")
	}
	type frame struct {
		object bool
		n      int               // tokens read inside it
		names  map[string]string // folded name -> name
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true))
	var stack []frame
	var cased []string // names with an upper-case letter (DRS's are all lower case)
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return syntaxError(err)
		}
		kind := tok.Kind()
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		isName := top != nil && top.object && top.n%2 == 0 && kind == '"'
		if top != nil && kind != '}' && kind != ']' {
			top.n++
		}
		switch kind {
		case '{':
			stack = append(stack, frame{object: true, names: map[string]string{}})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case '"':
			if !isName {
				break
			}
			name := tok.String()
			folded := strings.ToLower(name) // no copy for the usual lower-case ASCII name
			if !isASCII(name) {
				folded = strings.ToLower(strings.ToUpper(name)) // folds ſ, K (Kelvin) and the like, as encoding/json does
			}
			if prev, seen := top.names[folded]; seen {
				if prev == name {
					return fmt.Errorf("the key %q appears twice in one object", name)
				}
				return fmt.Errorf("the keys %q and %q differ only in case", prev, name)
			}
			top.names[folded] = name
			if folded != name {
				cased = append(cased, name)
			}
		}
	}
	if err := jsonv2.Unmarshal(body, out); err != nil {
		var se *jsonv2.SemanticError
		if errors.As(err, &se) && se.JSONPointer != "" {
			return fmt.Errorf("%s has the wrong JSON type (%s)", se.JSONPointer, se.JSONKind)
		}
		return syntaxError(err)
	}
	if len(cased) > 0 {
		// Read case-insensitively too: if that changes anything, some key
		// is a documented one in another case.
		other := reflect.New(reflect.TypeOf(out).Elem())
		if jsonv2.Unmarshal(body, other.Interface(), jsonv2.MatchCaseInsensitiveNames(true)) != nil ||
			!reflect.DeepEqual(other.Elem().Interface(), reflect.ValueOf(out).Elem().Interface()) {
			return fmt.Errorf("a key differs from a documented one only in case (keys with capitals: %q)", cased)
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// syntaxError says where the JSON broke, without the decoder's text: it
// quotes a shortened path, and a secret cut short could not be redacted.
func syntaxError(err error) error {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d", se.ByteOffset)
	}
	return errors.New("invalid JSON")
}

// parseErrorBody reads the error shapes Huawei's services send:
// {error_code, error_msg, request_id}, {code, message} and
// {error: {code, message}}. ok is false when the body is not such JSON.
func parseErrorBody(body []byte) (code, msg, requestID string, ok bool) {
	var b struct {
		ErrorCode *string         `json:"error_code"`
		ErrorMsg  *string         `json:"error_msg"`
		Code      *string         `json:"code"`
		Message   *string         `json:"message"`
		RequestID *string         `json:"request_id"`
		Error     json.RawMessage `json:"error"`
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &b) != nil {
		return "", "", "", false
	}
	var nested struct {
		Code    *string `json:"code"`
		Message *string `json:"message"`
	}
	if len(b.Error) > 0 && json.Unmarshal(b.Error, &nested) == nil {
		b.Code, b.Message = first(b.Code, nested.Code), first(b.Message, nested.Message)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return str(first(b.ErrorCode, b.Code)), str(first(b.ErrorMsg, b.Message)), str(b.RequestID), true
}

func first(a, b *string) *string {
	if a != nil && *a != "" {
		return a
	}
	return b
}

// apiError maps a non-2xx answer.
func (c *Client) apiError(op string, ans answer) *APIError {
	e := &APIError{Operation: op, StatusCode: ans.status, RequestID: ans.requestID,
		RetryAfter: parseRetryAfter(ans.header.Get("Retry-After"), c.s.now())}
	if ans.status >= 300 && ans.status < 400 {
		e.Body = "redirect to " + text(ans.red, ans.header.Get("Location"))
		return e
	}
	code, msg, rid, ok := parseErrorBody(ans.body)
	switch {
	case ok:
		e.Code, e.Message = text(ans.red, code), text(ans.red, msg)
		if e.RequestID == "" {
			e.RequestID = text(ans.red, rid)
		}
	case len(ans.body) > 0:
		e.Body = excerpt(ans.red, ans.body)
	}
	return e
}
