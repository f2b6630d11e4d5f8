package contract_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// Where a recorded interaction comes from.
const (
	// provenancePublishedExample: Huawei Cloud's published API reference.
	provenancePublishedExample = "published-example"
	// provenanceSynthetic: written by hand from the documented behaviour.
	provenanceSynthetic = "synthetic"
	// provenanceLiveRecorded: captured from the real API by TestLiveContract.
	provenanceLiveRecorded = "live-recorded"
)

// interaction is one recorded HTTP exchange, the format of the fixtures in
// testdata/interactions. Bodies are raw JSON when the body was JSON,
// otherwise a JSON string holding the body's text (an HTML page, say).
type interaction struct {
	Name       string           `json:"name"`
	Provenance string           `json:"provenance"`
	Source     string           `json:"source"`
	RecordedAt time.Time        `json:"recorded_at,omitzero"`
	Request    recordedRequest  `json:"request"`
	Response   recordedResponse `json:"response"`
}

type recordedRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"` // escaped, with "?query" when there was one
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

type recordedResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// wireBody turns a recorded body back into wire bytes: a JSON string stands
// for a non-JSON body (its text); any other JSON value is the body itself.
func wireBody(raw json.RawMessage) []byte {
	var s string
	switch raw = bytes.TrimSpace(raw); {
	case len(raw) == 0:
		return nil
	case raw[0] == '"' && json.Unmarshal(raw, &s) == nil:
		return []byte(s)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// skippedHeaders describe one transfer, not the exchange, and would be wrong
// on replay.
var skippedHeaders = []string{"Content-Length", "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Accept-Encoding"}

// record turns an exchange into an interaction with its secrets removed
// (redact.Mask in their place): the values of secret headers (an
// SDK-HMAC-SHA256 Authorization keeps its SignedHeaders), and every form
// internal/redact knows of secrets, of those values, of the access key,
// signature and cookie values they hold, in the path, every header and both
// bodies. resp may be nil; name is "<METHOD> <path> -> <status>" when empty.
func record(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, provenance, source, name string, secrets []string) interaction {
	learned := learn(req.Header)
	if resp != nil {
		learned = append(learned, learn(resp.Header)...)
	}
	red := redact.New(secrets...).With(learned...)
	path := req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	in := interaction{
		Provenance: provenance,
		Source:     red.String(source),
		RecordedAt: time.Now().UTC().Truncate(time.Second),
		Request:    recordedRequest{Method: req.Method, Path: red.String(path), Headers: recordHeaders(red, req.Header), Body: recordBody(red, reqBody)},
	}
	if resp != nil {
		in.Response = recordedResponse{Status: resp.StatusCode, Headers: recordHeaders(red, resp.Header), Body: recordBody(red, respBody)}
	}
	if in.Name = name; name == "" {
		in.Name = fmt.Sprintf("%s %s -> %d", in.Request.Method, in.Request.Path, in.Response.Status)
	}
	in.Name = red.String(in.Name)
	return in
}

// learn returns the secrets h's secret headers carry. Values shorter than 6
// bytes are not learned: masking every "abcd" would destroy a recording.
func learn(h http.Header) []string {
	found := redact.HeaderSecrets(h)
	for _, v := range h.Values("Authorization") {
		if a, err := aksk.ParseAuthorization(v); err == nil {
			found = append(found, a.AccessKey)
		}
	}
	for _, c := range (&http.Request{Header: http.Header{"Cookie": h.Values("Cookie")}}).Cookies() {
		found = append(found, c.Value)
	}
	for _, v := range h.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(v); err == nil {
			found = append(found, c.Value)
		}
	}
	var out []string
	for _, s := range found {
		if len(s) >= 6 {
			out = append(out, s)
		}
	}
	return out
}

// recordHeaders records h: skipped headers dropped, secret headers masked
// (an SDK-HMAC-SHA256 Authorization keeps its shape), other values
// redacted. Repeated values are joined with ", ".
func recordHeaders(red *redact.Redactor, h http.Header) map[string]string {
	out := map[string]string{}
	for name, values := range h {
		name = http.CanonicalHeaderKey(name)
		a, err := aksk.ParseAuthorization(strings.Join(values, ", "))
		switch {
		case len(values) == 0 || slices.Contains(skippedHeaders, name):
		case name == aksk.HeaderAuthorization && err == nil:
			out[name] = aksk.Algorithm + " Access=" + redact.Mask + ", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + redact.Mask
		case redact.IsSecretHeader(name):
			out[name] = redact.Mask
		default:
			out[name] = red.String(strings.Join(values, ", "))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// recordBody records a body, redacted: raw JSON when it is a JSON value
// other than a string, otherwise a JSON string holding the text (HTML left
// unescaped, so pages stay readable).
func recordBody(red *redact.Redactor, b []byte) json.RawMessage {
	text := bytes.TrimSpace([]byte(red.String(string(b))))
	if len(text) == 0 {
		return nil
	}
	if json.Valid(text) && text[0] != '"' {
		return text
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(text)) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// writeFile writes the interaction as indented JSON (HTML left unescaped),
// creating the directory if needed.
func (i interaction) writeFile(path string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(i); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// loadInteraction reads an interaction and checks that it is complete:
// unknown fields, an unknown provenance, a missing name, source, method,
// path or status are errors.
func loadInteraction(path string) (interaction, error) {
	var in interaction
	data, err := os.ReadFile(path)
	if err != nil {
		return in, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("interaction %s: %w", path, err)
	}
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(slices.Contains([]string{provenancePublishedExample, provenanceSynthetic, provenanceLiveRecorded}, in.Provenance),
		"provenance %q is not one of %q, %q, %q", in.Provenance, provenancePublishedExample, provenanceSynthetic, provenanceLiveRecorded)
	check(in.Name != "", "name is empty")
	check(in.Source != "", "source is empty: say where the interaction comes from")
	check(in.Request.Method != "", "request.method is empty")
	check(strings.HasPrefix(in.Request.Path, "/"), "request.path %q does not start with /", in.Request.Path)
	check(in.Response.Status >= 100 && in.Response.Status <= 599, "response.status %d is not an HTTP status", in.Response.Status)
	if err := errors.Join(errs...); err != nil {
		return in, fmt.Errorf("interaction %s: %w", path, err)
	}
	return in, nil
}
