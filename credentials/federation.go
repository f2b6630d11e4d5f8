package credentials

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// DefaultIAMEndpoint is the global IAM endpoint.
const DefaultIAMEndpoint = "https://iam.myhuaweicloud.com"

// Federation is a Provider of temporary keys for a federated identity: a CI
// job's OIDC ID token, read from a file, is exchanged at IAM for a
// federated token, then for temporary keys (six hours by default). Wrap it
// in Refreshing. The ID token file is read again at every refresh, so a CI
// system may replace it.
type Federation struct {
	// IAMEndpoint is https (or http on a loopback host, for tests); ""
	// means DefaultIAMEndpoint.
	IAMEndpoint string
	// IdentityProvider is the ID of the identity provider registered in IAM.
	IdentityProvider string
	// IDTokenFile holds the ID token (at most 64 KiB).
	IDTokenFile string
	// Duration is the keys' lifetime asked of IAM; 0 means 6 hours.
	Duration time.Duration
	// Timeout bounds each of the two calls; 0 means 30 seconds.
	Timeout time.Duration
	// Client sends the requests; nil means http.DefaultTransport. Its
	// redirect policy is ignored: nothing follows a redirect.
	Client *http.Client
	// Now is the clock that judges expiry; nil means time.Now.
	Now func() time.Time
	// Origin says where the settings came from, for messages
	// ("environment", "profile file /path").
	Origin string
}

func (f *Federation) source() string {
	s := "federation with identity provider " + quote(nil, f.IdentityProvider)
	if f.Origin != "" {
		s += " (" + f.Origin + ")"
	}
	return s
}

// Retrieve runs the two IAM calls.
func (f *Federation) Retrieve(ctx context.Context) (Credentials, error) {
	source := f.source()
	fail := func(reason string) (Credentials, error) {
		return Credentials{}, &Error{Source: source, Reason: reason}
	}
	endpoint, err := checkIAMEndpoint(cmp.Or(f.IAMEndpoint, DefaultIAMEndpoint))
	if err != nil {
		return fail(err.Error())
	}
	now := f.Now
	if now == nil {
		now = time.Now
	}
	duration := f.Duration
	if duration <= 0 {
		duration = 6 * time.Hour
	}
	idToken, err := readIDToken(f.IDTokenFile)
	if err != nil {
		return fail(err.Error())
	}
	red := redact.New(idToken)
	hc := noRedirects(f.Client, http.DefaultTransport)
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	post := func(path string, header http.Header, body any) (*http.Response, []byte, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		data, _ := json.Marshal(body) // plain structs: cannot fail
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+path, bytes.NewReader(data))
		if err != nil {
			return nil, nil, err
		}
		header.Set("Content-Type", "application/json;charset=utf8")
		req.Header = header
		return do(hc, req)
	}
	unreachable := func(call string, err error) (Credentials, error) {
		if ctx.Err() != nil {
			return Credentials{}, ctx.Err()
		}
		return fail(call + ": no answer from " + endpoint + ": " + netReason(red, err, timeout))
	}

	// 1. ID token -> federated token (X-Subject-Token).
	const call1 = "exchanging the ID token at IAM"
	resp, body, err := post("/v3.0/OS-AUTH/id-token/tokens", http.Header{"X-Idp-Id": {f.IdentityProvider}},
		map[string]any{"auth": map[string]any{"id_token": map[string]string{"id": idToken}}})
	if err != nil {
		return unreachable(call1, err)
	}
	token := resp.Header.Get("X-Subject-Token")
	red = red.With(token)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusBadRequest:
		return fail(call1 + ": " + answerReason(red, resp.StatusCode, body) + ": IAM refused the ID token (expired, or not allowed by the identity provider's rules); have the CI write a fresh one to " + f.IDTokenFile)
	case resp.StatusCode == http.StatusNotFound:
		return fail(call1 + ": " + answerReason(red, resp.StatusCode, body) + ": IAM does not know this identity provider; check " + EnvIdentityProvider + " or idp_id against IAM > Identity Providers")
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fail(call1 + ": " + answerReason(red, resp.StatusCode, body))
	case token == "" || strings.ContainsFunc(token, unicode.IsControl):
		return fail(call1 + ": the answer has no usable X-Subject-Token header")
	}

	// 2. federated token -> temporary keys.
	const call2 = "getting temporary keys from IAM"
	resp, body, err = post("/v3.0/OS-CREDENTIAL/securitytokens", http.Header{"X-Auth-Token": {token}},
		map[string]any{"auth": map[string]any{"identity": map[string]any{
			"methods": []string{"token"},
			"token":   map[string]int64{"duration_seconds": int64(duration / time.Second)},
		}}})
	if err != nil {
		return unreachable(call2, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fail(call2 + ": " + answerReason(red, resp.StatusCode, body))
	}
	c, err := temporaryKeys(body, now())
	if err != nil {
		return fail(call2 + ": unusable answer: " + quote(red, err.Error()))
	}
	c.Source = source
	return c, nil
}

// readIDToken reads the ID token file. Errors name the file, never the token.
func readIDToken(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("no ID token file: set %s (or id_token_file in the profile file)", EnvIDTokenFile)
	}
	data, err := readSmall(path)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe) && pe.Op == "open":
		return "", fmt.Errorf("the ID token file: %v", err)
	case errors.As(err, &pe):
		return "", fmt.Errorf("the ID token file %s: %v", path, pe.Err)
	}
	token := strings.TrimSpace(string(data))
	if token == "" || strings.ContainsFunc(token, unicode.IsControl) {
		return "", fmt.Errorf("the ID token file %s is empty or holds more than one line", path)
	}
	return token, nil
}
