package drs

import (
	"fmt"
	"io"
	"net/http"
	"os"

	"golang.org/x/time/rate"

	"github.com/drsclient/drs-precheck/generated"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// Client calls the DRS pre-check API. It is safe for concurrent use; make one
// per account and region and reuse it. It holds no readable copy of a secret:
// printing it, with any verb, shows none.
type Client struct {
	s       settings
	gen     *generated.Client
	edit    generated.RequestEditorFn // authentication; the only holder of the credentials
	red     *redact.Redactor          // knows every secret, in every encoding
	limiter *rate.Limiter             // nil: no client-side limit
	auth    string                    // how the client authenticates, for String
}

// New builds a Client from options and, unless WithoutEnvironment is given,
// the environment (see the Env constants); options win. Every missing,
// invalid or contradictory setting is reported, as *ConfigError values joined.
func New(opts ...Option) (*Client, error) {
	s := defaultSettings()
	s.getenv = os.Getenv
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	if err := s.resolve(); err != nil {
		return nil, err
	}
	c := &Client{
		red:  redact.New(s.token, s.secretKey, s.securityToken),
		auth: "IAM token",
	}
	if s.akskSet {
		c.auth = "AK/SK " + s.accessKey
	}
	c.edit = newAuthEditor(&s)
	// From here on the secrets live only in the editor's closure and the redactor.
	s.token, s.secretKey, s.securityToken = "", "", ""

	hc := *s.httpClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.httpClient = &hc
	if s.rateLimit > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(s.rateLimit), s.burst)
	}
	gen, err := generated.NewClient(s.endpoint, generated.WithHTTPClient(&hc), generated.WithRequestEditorFn(c.edit))
	if err != nil {
		return nil, &ConfigError{Option: "WithEndpoint", Reason: c.red.String(err.Error())}
	}
	c.gen, c.s = gen, s
	return c, nil
}

// RequestEditor returns the client's authentication for programs that call
// the generated client themselves (generated.WithRequestEditorFn): User-Agent
// and X-Auth-Token, or X-Project-Id and an SDK-HMAC-SHA256 signature made
// afresh for each request. It refuses to authenticate a request to any host
// but the client's endpoint. It adds nothing else: no retries, limits or
// checks of the answer.
func (c *Client) RequestEditor() generated.RequestEditorFn { return c.edit }

// Endpoint is the base URL of the DRS API the client calls, e.g.
// "https://drs.cn-north-4.myhuaweicloud.com": with ProjectID, what a program
// calling the generated client needs beside RequestEditor.
func (c *Client) Endpoint() string { return c.s.endpoint }

// ProjectID is the project the client calls DRS for.
func (c *Client) ProjectID() string { return c.s.projectID }

// CloseIdleConnections closes the idle connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.s.httpClient.CloseIdleConnections() }

// String describes the client without secrets.
func (c *Client) String() string {
	return fmt.Sprintf("drs.Client{endpoint: %s, project: %s, auth: %s}", c.s.endpoint, c.s.projectID, c.auth)
}

// Format prints String for every verb, so that no way of printing a Client
// (or a copy of one) walks into the redactor, which holds the secrets.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
