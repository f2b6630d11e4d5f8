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

	"github.com/drsclient/drs-precheck/generated"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// MaxTextBytes caps every string the client keeps from an answer (error
// codes and messages, request IDs, check items, a redirect's Location):
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
func kept(red *redact.Redactor, s string) string { return cut(text(red, s), MaxTextBytes) }

// kept is the package-level kept with the secrets the client knows.
func (c *Client) kept(s string) string { return kept(c.red.load(), s) }

// decode reads a 2xx answer into out (a generated model): the body must be
// JSON read the same way by every reader (see decodeStrict), and must not
// carry an error code for the whole call. Every string in out then has the
// secrets removed and is cut to MaxTextBytes.
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
	if code, msg := callError(out); code != "" {
		return &APIError{Operation: op, StatusCode: ans.status, Code: kept(ans.red, code), Message: kept(ans.red, msg), RequestID: ans.requestID}
	}
	return nil
}

// callError is the error code and message of a whole call, from the
// answer's own fields.
func callError(out any) (code, msg string) {
	switch m := out.(type) {
	case *generated.BatchPrecheckResp:
		return m.ErrorCode, m.ErrorMsg
	case *generated.BatchQueryPrecheckResultResp:
		return m.ErrorCode, m.ErrorMsg
	}
	return "", ""
}

// decodeStrict decodes a JSON object into out, matching names exactly, and
// refuses what could be read two ways: a name given twice in an object
// (escaped or not), two names that differ only in case, or a name that
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
			return fmt.Errorf("a key differs from a documented one only in case (keys with capitals: %q)", cased[:min(len(cased), 5)])
		}
	}
	return nil
}

// foldedNames reads the names of every object in body: it refuses a name
// given twice and two names equal under case folding, and returns the names
// that are not their own folding (names are compared unescaped). The strict
// decoder would refuse a name given twice, but it ignores unknown names and
// matches known ones case-sensitively, so it sees no case variant.
func foldedNames(body []byte) (cased []string, err error) {
	// Duplicates are found below, with the case variants.
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
		switch tok.Kind() {
		case '{':
			for len(objects) <= depth {
				objects = append(objects, nil)
			}
			objects[depth] = map[string]string{}
		case '"':
			if kind, n := dec.StackIndex(depth); kind != '{' || n%2 == 0 {
				break // a value, not a name
			}
			name := tok.String()
			folded := strings.ToLower(name) // no copy for the usual lower-case ASCII name
			if !isASCII(name) {
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

// parseErrorBody reads the error shapes Huawei's services send in a non-2xx
// answer: {error_code, error_msg, request_id}, {code, message} and
// {error: {code, message}}. ok is false when the body is not such JSON. It
// reads leniently: the answer is an error whatever its body says.
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
		e.Body = "redirect to " + kept(ans.red, ans.header.Get("Location"))
		return e
	}
	code, msg, rid, ok := parseErrorBody(ans.body)
	switch {
	case ok:
		e.Code, e.Message = kept(ans.red, code), kept(ans.red, msg)
		if e.RequestID == "" {
			e.RequestID = kept(ans.red, rid)
		}
	case len(ans.body) > 0:
		e.Body = excerpt(ans.red, ans.body)
	}
	return e
}
