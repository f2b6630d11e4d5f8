package drs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/generated"
)

// Header names the client sets or reads.
const (
	headerAuthToken     = "X-Auth-Token"
	headerProjectID     = aksk.HeaderProjectID
	headerSecurityToken = aksk.HeaderSecurityToken
	headerAuthorization = aksk.HeaderAuthorization
	headerRequestID     = "X-Request-Id"
	headerRetryAfter    = "Retry-After"
	headerUserAgent     = "User-Agent"
)

// authenticator adds credentials to a request. apply runs on every attempt
// (newRequest), so each attempt of a call is authenticated (and signed)
// afresh. Implementations are pointers, so that printing a struct that holds one shows
// an address, never a secret.
type authenticator interface {
	// prepare adds the static, non-secret headers of every request to an
	// operation's template (see opTemplate): never a secret, since the
	// template lives as long as the client.
	prepare(h http.Header)
	// apply authenticates one attempt's request built from a prepared
	// template, whose body is exactly body (so the signer need not read the
	// body back from the request).
	apply(req *http.Request, body []byte) error
	// mode describes the credentials without revealing secrets.
	mode() string
	// secrets lists the values that must never appear in output.
	secrets() []string
	// setClock makes AK/SK signatures use the client's clock.
	setClock(now func() time.Time)
}

// sealed holds a value behind a closure: fmt and reflection-based printers
// show a function address, never the value, whatever the verb and however
// deeply the holder is nested (fmt prints unexported fields raw, without
// calling their String or Format methods, so those alone do not protect).
type sealed[T any] struct{ get func() T }

func seal[T any](v T) sealed[T] { return sealed[T]{get: func() T { return v }} }

// tokenAuth sends an IAM token as X-Auth-Token.
type tokenAuth struct {
	token sealed[string]
	from  string // the option or environment variable it came from
}

func newTokenAuth(token, from string) (authenticator, error) {
	for i := 0; i < len(token); i++ {
		if ch := token[i]; (ch < ' ' && ch != '\t') || ch == 0x7f {
			setting, env := "WithToken", EnvIAMToken
			return nil, &ConfigError{Setting: setting, Env: env, Reason: fmt.Sprintf("the IAM token from %s contains a control character and cannot be sent as a header; check for a copy-paste error", from)}
		}
	}
	return &tokenAuth{token: seal(token), from: from}, nil
}

// prepare reserves the token's header with an empty value: a request's
// header is a clone of the template, whose values share one fresh backing
// array, so apply can fill in the token without allocating.
func (a *tokenAuth) prepare(h http.Header) { h[headerAuthToken] = []string{""} }

func (a *tokenAuth) apply(req *http.Request, _ []byte) error {
	if v := req.Header[headerAuthToken]; len(v) == 1 {
		v[0] = a.token.get()
		return nil
	}
	req.Header.Set(headerAuthToken, a.token.get())
	return nil
}

func (a *tokenAuth) mode() string                  { return "IAM token (from " + a.from + ")" }
func (a *tokenAuth) secrets() []string             { return []string{a.token.get()} }
func (a *tokenAuth) setClock(func() time.Time)     {}
func (a *tokenAuth) String() string                { return a.mode() }
func (a *tokenAuth) GoString() string              { return a.mode() }
func (a *tokenAuth) Format(f fmt.State, verb rune) { formatRedacted(f, verb, a.mode(), a.mode()) }

// akskAuth signs every request with SDK-HMAC-SHA256 over the exact body bytes
// and sends X-Project-Id (signed too, as Huawei's SDKs do).
type akskAuth struct {
	signer    sealed[*aksk.Signer]
	accessKey string
	temporary bool
	projectID string
}

func newAKSKAuth(ak, sk, st, projectID string) *akskAuth {
	return &akskAuth{
		signer:    seal(&aksk.Signer{Credentials: aksk.Credentials{AccessKey: ak, SecretKey: sk, SecurityToken: st}}),
		accessKey: ak,
		temporary: st != "",
		projectID: projectID,
	}
}

func (a *akskAuth) prepare(h http.Header) {
	if a.projectID != "" {
		h[headerProjectID] = []string{a.projectID}
	}
}

func (a *akskAuth) apply(req *http.Request, body []byte) error {
	if err := a.signer.get().Sign(req, body); err != nil {
		return fmt.Errorf("drs: sign the request: %w", err)
	}
	return nil
}

func (a *akskAuth) mode() string {
	m := "AK/SK signature (access key " + a.accessKey
	if a.temporary {
		m += ", temporary"
	}
	return m + ")"
}

func (a *akskAuth) secrets() []string {
	s := a.signer.get()
	return []string{s.SecretKey, s.SecurityToken}
}

func (a *akskAuth) setClock(now func() time.Time) { a.signer.get().Now = now }
func (a *akskAuth) String() string                { return a.mode() }
func (a *akskAuth) GoString() string              { return a.mode() }
func (a *akskAuth) Format(f fmt.State, verb rune) { formatRedacted(f, verb, a.mode(), a.mode()) }

// RequestEditor returns the client's authentication as a request editor for
// the generated client (generated.WithRequestEditorFn), for programs that call
// generated.Client or generated.ClientWithResponses directly. It sets
// User-Agent and the credentials: X-Auth-Token for a token; for AK/SK,
// X-Project-Id and an SDK-HMAC-SHA256 signature over the request's exact
// body (read through GetBody, as the generated client's requests have it).
// The generated client runs its editors on every request it builds, so each
// request is signed afresh.
//
// The editor adds credentials only: the generated client does no retries,
// rate limiting, response size cap or error mapping. Client's own methods do
// all of that and need no editor.
func (c *Client) RequestEditor() generated.RequestEditorFn {
	_, signs := c.auth.(*akskAuth)
	return func(_ context.Context, req *http.Request) error {
		if req.Header == nil {
			req.Header = make(http.Header)
		}
		req.Header.Set(headerUserAgent, c.userAgent)
		c.auth.prepare(req.Header)
		var body []byte
		if signs {
			var err error
			if body, err = requestBody(req); err != nil {
				return fmt.Errorf("drs: read the request body to sign it: %w", err)
			}
		}
		return c.auth.apply(req, body)
	}
}

// requestBody returns the exact bytes req will send and leaves req able to send
// them: through GetBody when the request has it (the generated client's
// requests do), otherwise by reading Body and putting an equivalent back.
func requestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
	return body, nil
}
