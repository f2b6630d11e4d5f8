package credentials

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
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
	iam := newFetcher(f.source(), f.Client, http.DefaultTransport, f.Timeout, 30*time.Second)
	endpoint, err := checkIAMEndpoint(f.IAMEndpoint)
	if err != nil {
		return iam.fail(err.Error())
	}
	idToken, err := readIDToken(f.IDTokenFile)
	if err != nil {
		return iam.fail(err.Error())
	}
	iam.red = redact.New(idToken)
	post := func(call, path string, header http.Header, body any) (*http.Response, []byte, error) {
		data, _ := json.Marshal(body) // plain maps: cannot fail
		header.Set("Content-Type", "application/json;charset=utf8")
		return iam.fetch(ctx, http.MethodPost, endpoint+path, header, data,
			func(why string) string { return call + ": no answer from " + endpoint + ": " + why })
	}

	// 1. ID token -> federated token (X-Subject-Token).
	const call1 = "exchanging the ID token at IAM"
	resp, body, err := post(call1, "/v3.0/OS-AUTH/id-token/tokens", http.Header{"X-Idp-Id": {f.IdentityProvider}},
		map[string]any{"auth": map[string]any{"id_token": map[string]string{"id": idToken}}})
	if err != nil {
		return Credentials{}, err
	}
	token := resp.Header.Get("X-Subject-Token")
	iam.red = iam.red.With(token)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusBadRequest:
		return iam.fail(call1 + ": " + iam.refusal(resp.StatusCode, body) + ": IAM refused the ID token (expired, or not allowed by the identity provider's rules); have the CI write a fresh one to " + f.IDTokenFile)
	case resp.StatusCode == http.StatusNotFound:
		return iam.fail(call1 + ": " + iam.refusal(resp.StatusCode, body) + ": IAM does not know this identity provider; check " + EnvIdentityProvider + " or idp_id against IAM > Identity Providers")
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return iam.fail(call1 + ": " + iam.refusal(resp.StatusCode, body))
	case token == "" || strings.ContainsFunc(token, unicode.IsControl):
		return iam.fail(call1 + ": the answer has no usable X-Subject-Token header")
	}

	// 2. federated token -> temporary keys.
	const call2 = "getting temporary keys from IAM"
	duration := f.Duration
	if duration <= 0 {
		duration = 6 * time.Hour
	}
	resp, body, err = post(call2, "/v3.0/OS-CREDENTIAL/securitytokens", http.Header{"X-Auth-Token": {token}},
		map[string]any{"auth": map[string]any{"identity": map[string]any{
			"methods": []string{"token"},
			"token":   map[string]int64{"duration_seconds": int64(duration / time.Second)},
		}}})
	if err != nil {
		return Credentials{}, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return iam.fail(call2 + ": " + iam.refusal(resp.StatusCode, body))
	}
	c, err := temporaryKeys(body, now(f.Now))
	if err != nil {
		return iam.fail(call2 + ": unusable answer: " + quote(iam.red, err.Error()))
	}
	c.Source = iam.source
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

// checkIAMEndpoint accepts https URLs, and http ones on loopback hosts (for
// tests), without user information, query or fragment; "" means
// DefaultIAMEndpoint.
func checkIAMEndpoint(raw string) (string, error) {
	u, err := url.Parse(cmp.Or(raw, DefaultIAMEndpoint))
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return "", errors.New("the IAM endpoint is not an absolute URL such as https://iam.myhuaweicloud.com")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("the IAM endpoint has user information, a query or a fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", fmt.Errorf("the IAM endpoint %s://%s is not https (http is allowed only on loopback hosts, for tests)", u.Scheme, u.Host)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	return strings.EqualFold(host, "localhost") || net.ParseIP(host).IsLoopback() // false for nil: not an IP
}
