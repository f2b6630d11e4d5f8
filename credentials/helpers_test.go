package credentials_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

func newClock() *drstest.ManualClock {
	return drstest.NewManualClock(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
}

// identity serves an IdentityService on loopback. metadata is a client
// that sends http://169.254.169.254 there instead: only the test's
// transport knows, the providers still ask for the link-local address.
func identity(t *testing.T, cfg drstest.IdentityConfig) (svc *drstest.IdentityService, iam string, metadata *http.Client) {
	t.Helper()
	svc = drstest.NewIdentityService(cfg)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	return svc, srv.URL, metadataAt(srv.URL)
}

// metadataAt is a client that sends http://169.254.169.254 to url.
func metadataAt(url string) *http.Client {
	return &http.Client{Transport: &reroute{from: "169.254.169.254", to: url}}
}

// reroute sends requests for one host to a test server, and refuses any
// other host: a test fails if a provider asks elsewhere.
type reroute struct{ from, to string }

func (r *reroute) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != r.from || req.URL.Scheme != "http" {
		return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: os.ErrPermission}
	}
	to, _ := url.Parse(r.to)
	out := req.Clone(req.Context())
	out.URL.Host, out.Host = to.Host, to.Host
	return http.DefaultTransport.RoundTrip(out)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeAt(t, path, content)
	return path
}

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func writeAt(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

// deadURL is the URL of a loopback server that is gone.
func deadURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}
