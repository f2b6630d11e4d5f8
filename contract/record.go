package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// Provenance says where a recorded interaction comes from.
const (
	// ProvenancePublishedExample: copied from Huawei Cloud's published API
	// reference (its example request and response).
	ProvenancePublishedExample = "published-example"
	// ProvenanceSynthetic: written by hand from the documented behaviour
	// (error codes, field semantics), not observed on the wire.
	ProvenanceSynthetic = "synthetic"
	// ProvenanceLiveRecorded: captured from the real API by the live contract
	// test, with secrets removed by Record.
	ProvenanceLiveRecorded = "live-recorded"
)

// Redacted replaces every secret in a recorded interaction.
const Redacted = "REDACTED"

// Interaction is one recorded HTTP exchange, the format of the fixtures in
// contract_test/testdata/interactions. Bodies are raw JSON when the body was
// JSON, otherwise a JSON string holding the body's text (an HTML error page,
// say); see RecordedRequest.WireBody.
type Interaction struct {
	Name       string           `json:"name"`
	Provenance string           `json:"provenance"`
	Source     string           `json:"source"`
	RecordedAt time.Time        `json:"recorded_at,omitzero"`
	Request    RecordedRequest  `json:"request"`
	Response   RecordedResponse `json:"response"`
}

// RecordedRequest is the request half of an Interaction.
type RecordedRequest struct {
	Method string `json:"method"`
	// Path is the escaped URL path, with "?query" when there was one.
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// RecordedResponse is the response half of an Interaction.
type RecordedResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// WireBody returns the bytes of the recorded request body as sent.
func (r RecordedRequest) WireBody() []byte { return wireBody(r.Body) }

// WireBody returns the bytes of the recorded response body as sent.
func (r RecordedResponse) WireBody() []byte { return wireBody(r.Body) }

// wireBody turns a recorded body back into wire bytes: a JSON string stands for
// a non-JSON body (its text); any other JSON value is the body itself.
func wireBody(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return []byte(s)
		}
		return raw
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}

// RecordOptions tunes Record.
type RecordOptions struct {
	// Secrets are values that must not survive recording: AK, SK, security
	// token, IAM token, passwords. Every occurrence in the path, any header
	// value or either body (raw, JSON-, HTML- or URL-escaped, see
	// internal/redact) becomes REDACTED. Strings shorter than
	// redact.MinSecretLen bytes are ignored.
	Secrets []string
	// Name of the interaction; "<METHOD> <path> -> <status>" when empty.
	Name string
	// Now returns the recording time; time.Now when nil.
	Now func() time.Time
}

// Hop-by-hop and framing headers: they describe one transfer, not the
// exchange, and would be wrong on replay (the body may be re-encoded).
var skippedHeaders = map[string]bool{
	"Content-Length":    true,
	"Connection":        true,
	"Keep-Alive":        true,
	"Proxy-Connection":  true,
	"Te":                true,
	"Trailer":           true,
	"Transfer-Encoding": true,
	"Upgrade":           true,
	"Accept-Encoding":   true,
}

// Record turns an exchange into an Interaction with its secrets removed:
//
//   - the headers redact.IsSecretHeader names (X-Auth-Token,
//     X-Security-Token, X-Subject-Token, Cookie, Set-Cookie,
//     Proxy-Authorization, any header whose name contains token, secret,
//     password, api-key, credential or session) are recorded as "REDACTED";
//   - Authorization keeps only its shape: "SDK-HMAC-SHA256 Access=REDACTED,
//     SignedHeaders=<list>, Signature=REDACTED" ("REDACTED" for other schemes);
//   - every occurrence of opts.Secrets, and of the values of the headers above
//     (so a token echoed in a body goes too), is replaced by "REDACTED" in the
//     path, all header values and both bodies, as is the hex after any
//     "Signature=".
//
// X-Sdk-Date is kept: it is not a secret and documents when a signature was
// made. reqBody and respBody are the exact bytes sent and received; resp may be
// nil (no response). At most one RecordOptions is used.
func Record(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, provenance, source string, opts ...RecordOptions) Interaction {
	var o RecordOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	s := newScrubber(o.Secrets)
	s.learnHeaders(req.Header)
	if resp != nil {
		s.learnHeaders(resp.Header)
	}

	in := Interaction{
		Provenance: provenance,
		Source:     s.string(source),
		RecordedAt: now().UTC().Truncate(time.Second),
	}
	path := req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	in.Request = RecordedRequest{
		Method:  req.Method,
		Path:    s.string(path),
		Headers: s.headers(req.Header),
		Body:    s.body(reqBody),
	}
	if resp != nil {
		in.Response = RecordedResponse{
			Status:  resp.StatusCode,
			Headers: s.headers(resp.Header),
			Body:    s.body(respBody),
		}
	}
	in.Name = o.Name
	if in.Name == "" {
		in.Name = fmt.Sprintf("%s %s -> %d", in.Request.Method, in.Request.Path, in.Response.Status)
	}
	in.Name = s.string(in.Name)
	return in
}

// scrubber replaces known secret values, in every encoding internal/redact
// knows, and signatures.
type scrubber struct {
	red *redact.Redactor
}

func newScrubber(secrets []string) *scrubber {
	return &scrubber{red: redact.New(secrets...)}
}

// minLearnedSecret is the shortest header value learned as a secret: scrubbing
// every "1" or "abcd" out of a recording would destroy it. Values passed in
// RecordOptions.Secrets are scrubbed from redact.MinSecretLen bytes.
const minLearnedSecret = 6

// learnHeaders adds the values of secret headers to the secrets, so that a
// token echoed somewhere else (an error message, a body) is scrubbed as well.
func (s *scrubber) learnHeaders(h http.Header) {
	var learned []string
	for name, values := range h {
		name = http.CanonicalHeaderKey(name)
		if !redact.IsSecretHeader(name) {
			continue
		}
		for _, v := range values {
			var parts []string
			switch name {
			case "Authorization", "Proxy-Authorization":
				_, rest, _ := strings.Cut(v, " ")
				for _, p := range strings.Split(rest, ",") {
					k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
					if ok && !strings.EqualFold(k, "SignedHeaders") {
						parts = append(parts, val) // the access key, the signature
					}
				}
				parts = append(parts, rest)
			case "Cookie":
				for _, c := range (&http.Request{Header: http.Header{"Cookie": {v}}}).Cookies() {
					parts = append(parts, c.Value)
				}
			case "Set-Cookie":
				if c, err := http.ParseSetCookie(v); err == nil {
					parts = append(parts, c.Value)
				}
			}
			parts = append(parts, v)
			for _, p := range parts {
				if len(p) >= minLearnedSecret && p != Redacted {
					learned = append(learned, p)
				}
			}
		}
	}
	s.red = s.red.With(learned...)
}

// string scrubs v, writing each mask as Redacted.
func (s *scrubber) string(v string) string {
	out := s.red.String(v)
	if out == v {
		return v
	}
	return strings.ReplaceAll(out, redact.Mask, Redacted)
}

func (s *scrubber) leaks(v string) bool {
	return s.red.String(v) != v
}

// headers records h: skipped headers dropped, secret headers redacted, other
// values scrubbed. Repeated values are joined with ", ".
func (s *scrubber) headers(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for name, values := range h {
		name = http.CanonicalHeaderKey(name)
		if skippedHeaders[name] || len(values) == 0 {
			continue
		}
		switch {
		case name == "Authorization":
			out[name] = redactAuthorization(values[0])
		case redact.IsSecretHeader(name):
			out[name] = Redacted
		default:
			out[name] = s.string(strings.Join(values, ", "))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// redactAuthorization keeps the scheme and the signed header names of an
// SDK-HMAC-SHA256 Authorization header and drops the access key and signature.
func redactAuthorization(v string) string {
	const scheme = "SDK-HMAC-SHA256 "
	rest, ok := strings.CutPrefix(v, scheme)
	if !ok {
		return Redacted
	}
	signed := ""
	for _, p := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(k, "SignedHeaders") && isHeaderList(val) {
			signed = val
		}
	}
	return scheme + "Access=" + Redacted + ", SignedHeaders=" + signed + ", Signature=" + Redacted
}

// isHeaderList reports whether v looks like "h1;h2;..." of lower-case header
// names, so nothing else can be smuggled through the kept part.
func isHeaderList(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_' && r != ';' {
			return false
		}
	}
	return true
}

// body records a body: scrubbed raw JSON when it is a JSON value other than a
// string, otherwise a JSON string holding the scrubbed text.
func (s *scrubber) body(b []byte) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	trimmed := bytes.TrimSpace(b)
	if json.Valid(trimmed) && trimmed[0] != '"' {
		scrubbed := []byte(s.string(string(trimmed)))
		if json.Valid(scrubbed) && !s.leaksDecoded(scrubbed) {
			return scrubbed
		}
		// A secret escaped in a way the byte-level replace missed (\u
		// escapes, say), or a replace that broke the JSON: decode, scrub
		// every key and string, encode again (key order is lost).
		if out, err := s.scrubDecoded(trimmed); err == nil {
			return out
		}
		return json.RawMessage(`"` + Redacted + `"`)
	}
	out, err := marshalNoEscape(s.string(string(b)))
	if err != nil {
		return json.RawMessage(`"` + Redacted + `"`)
	}
	return out
}

func (s *scrubber) leaksDecoded(doc []byte) bool {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return true
	}
	leak := false
	walkJSON(v, func(str string) string {
		if s.leaks(str) {
			leak = true
		}
		return str
	})
	return leak
}

func (s *scrubber) scrubDecoded(doc []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	v = walkJSON(v, s.string)
	return marshalNoEscape(v)
}

// walkJSON applies f to every string and object key of a decoded JSON value.
func walkJSON(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case []any:
		for i := range x {
			x[i] = walkJSON(x[i], f)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[f(k)] = walkJSON(val, f)
		}
		return out
	default:
		return v
	}
}

func marshalNoEscape(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// WriteFile writes the interaction as indented JSON (HTML left unescaped, so
// recorded pages stay readable), creating the directory if needed.
func (i Interaction) WriteFile(path string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(i); err != nil {
		return fmt.Errorf("contract: encode interaction %q: %w", i.Name, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("contract: write interaction: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("contract: write interaction: %w", err)
	}
	return nil
}

// LoadInteraction reads an interaction written by WriteFile (or by hand) and
// checks that it is complete: unknown fields, an unknown provenance, a missing
// name, source, method, path or status are errors.
func LoadInteraction(path string) (Interaction, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Interaction{}, fmt.Errorf("contract: read interaction: %w", err)
	}
	var in Interaction
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Interaction{}, fmt.Errorf("contract: interaction %s: %w", path, err)
	}
	if err := in.check(); err != nil {
		return Interaction{}, fmt.Errorf("contract: interaction %s: %w", path, err)
	}
	return in, nil
}

func (i Interaction) check() error {
	var errs []error
	switch i.Provenance {
	case ProvenancePublishedExample, ProvenanceSynthetic, ProvenanceLiveRecorded:
	default:
		errs = append(errs, fmt.Errorf("provenance %q is not one of %q, %q, %q", i.Provenance,
			ProvenancePublishedExample, ProvenanceSynthetic, ProvenanceLiveRecorded))
	}
	if i.Name == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	if i.Source == "" {
		errs = append(errs, errors.New("source is empty: say where the interaction comes from"))
	}
	if i.Request.Method == "" {
		errs = append(errs, errors.New("request.method is empty"))
	}
	if !strings.HasPrefix(i.Request.Path, "/") {
		errs = append(errs, fmt.Errorf("request.path %q does not start with /", i.Request.Path))
	}
	if i.Response.Status < 100 || i.Response.Status > 599 {
		errs = append(errs, fmt.Errorf("response.status %d is not an HTTP status", i.Response.Status))
	}
	return errors.Join(errs...)
}
