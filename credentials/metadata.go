package credentials

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// metadataURL is the only address of the metadata service: link-local,
// plain http, no authentication.
const metadataURL = "http://169.254.169.254"

// Metadata is a Provider of the temporary keys of the IAM agency attached
// to this ECS instance or CCE node. They last about an hour: wrap it in
// Refreshing. It sends nothing secret, never follows a redirect and asks
// nowhere but http://169.254.169.254.
type Metadata struct {
	// Client sends the requests; nil means a direct connection with no
	// proxy (a proxy would see the keys). Its redirect policy is ignored.
	Client *http.Client
	// Timeout bounds each request; 0 means 2 seconds (the service answers
	// at once on Huawei Cloud, and never elsewhere).
	Timeout time.Duration
	// Now is the clock that judges expiry; nil means time.Now.
	Now func() time.Time
}

var directTransport = &http.Transport{Proxy: nil, MaxIdleConns: 1, IdleConnTimeout: time.Minute}

// Retrieve asks for a session token (the service may not offer one), then
// for the keys.
func (m *Metadata) Retrieve(ctx context.Context) (Credentials, error) {
	f := newFetcher(SourceMetadata.words(), m.Client, directTransport, m.Timeout, 2*time.Second)
	noAnswer := func(why string) string {
		return "the service at 169.254.169.254 gave no answer (" + why + "): this is not an ECS instance or CCE node, or it cannot reach the service; give credentials another way (environment, profile file or federation)"
	}
	header := http.Header{}
	resp, body, err := f.fetch(ctx, http.MethodPut, metadataURL+"/meta-data/latest/api/token", http.Header{"X-Metadata-Token-Ttl-Seconds": {"21600"}}, nil, noAnswer)
	if err != nil {
		return Credentials{}, err
	}
	if session := strings.TrimSpace(string(body)); resp.StatusCode == http.StatusOK && session != "" && len(session) <= 4096 {
		f.red = f.red.With(session)
		header.Set("X-Metadata-Token", session)
	}
	resp, body, err = f.fetch(ctx, http.MethodGet, metadataURL+"/openstack/latest/securitykey", header, nil, noAnswer)
	if err != nil {
		return Credentials{}, err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return f.fail(f.refusal(resp.StatusCode, body) + ": no temporary keys; attach an IAM agency to this instance or node (ECS console: the instance's Agency), then retry")
	case resp.StatusCode != http.StatusOK:
		return f.fail(f.refusal(resp.StatusCode, body) + ": no temporary keys")
	}
	c, err := temporaryKeys(body, now(m.Now))
	if err != nil {
		return f.fail("unusable answer: " + quote(f.red, err.Error()))
	}
	c.Source = f.source
	return c, nil
}
