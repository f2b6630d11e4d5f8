package drs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/time/rate"

	"github.com/drsclient/drs-precheck/credentials"
	"github.com/drsclient/drs-precheck/generated"
)

// Client calls the DRS pre-check API. It is safe for concurrent use; make one
// per account and region and reuse it. Printing it, with any verb, shows no
// secret.
type Client struct {
	s        settings
	gen      *generated.Client
	edit     generated.RequestEditorFn // authentication, through retrieve
	retrieve retrieveFunc              // the credentials of the next request: the only holder of them
	red      *secrets                  // every secret used so far
	limiter  *rate.Limiter             // nil: no client-side limit
	auth     string                    // how the client authenticates, for String
}

// New builds a Client from options and, unless WithoutEnvironment is given,
// the environment and the credential chain; options win. New calls no
// service: temporary keys are fetched by the first request (or
// CheckCredentials). Every problem is reported, as *ConfigError values joined.
func New(opts ...Option) (*Client, error) {
	s, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	c := &Client{red: new(secrets), auth: s.found.Description}
	if st, ok := s.found.Provider.(credentials.Static); ok {
		c.red.learn(credentials.Credentials(st))
		c.auth = "AK/SK " + st.AccessKey
		if st.Token != "" {
			c.auth = "IAM token"
		}
	}
	c.retrieve = newRetrieve(s.found, c.red)
	c.edit = newAuthEditor(&s, c.retrieve)
	// From here on the secrets live only in the provider and the redactor.
	s.creds, s.provider, s.found.Provider = credentials.Credentials{}, nil, nil

	hc := *s.httpClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.httpClient = &hc
	if s.rateLimit > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(s.rateLimit), s.burst)
	}
	// NewClient fails only when an option does, and these two never fail.
	c.gen, _ = generated.NewClient(s.endpoint, generated.WithHTTPClient(&hc), generated.WithRequestEditorFn(c.edit))
	c.s = s
	return c, nil
}

// RequestEditor returns the client's authentication for programs that call
// the generated client themselves (generated.WithRequestEditorFn): User-Agent
// and X-Auth-Token, or X-Project-Id and an SDK-HMAC-SHA256 signature per
// request, only towards the client's endpoint. It adds no retries, limits
// or checks of the answer.
func (c *Client) RequestEditor() generated.RequestEditorFn { return c.edit }

// Endpoint is the base URL of the DRS API the client calls, e.g.
// "https://drs.cn-north-4.myhuaweicloud.com".
func (c *Client) Endpoint() string { return c.s.endpoint }

// ProjectID is the project the client calls DRS for.
func (c *Client) ProjectID() string { return c.s.projectID }

// CredentialSource says where the client's credentials come from (and, when
// the chain was walked, what it tried before), without secrets.
func (c *Client) CredentialSource() string {
	if len(c.s.found.Tried) == 0 {
		return c.s.found.Description
	}
	return c.s.found.Description + "; tried before: " + strings.Join(c.s.found.Tried, "; ")
}

// CheckCredentials obtains the client's credentials as the next request
// would (fetching temporary keys if due), without calling DRS, and describes
// them without secrets: a program can report a missing agency or a refused
// ID token before it starts.
func (c *Client) CheckCredentials(ctx context.Context) (string, error) {
	creds, err := c.retrieve(ctx)
	if err != nil {
		return "", err
	}
	return creds.String(), nil
}

// Redact removes from s every secret of the client's current and previous
// credentials, in every encoding servers echo: for programs that log what
// the client sends and receives.
func (c *Client) Redact(s string) string { return c.red.Load().String(s) }

// CloseIdleConnections closes the idle connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.s.httpClient.CloseIdleConnections() }

// String describes the client without secrets.
func (c *Client) String() string {
	return fmt.Sprintf("drs.Client{endpoint: %s, project: %s, auth: %s}", c.s.endpoint, c.s.projectID, c.auth)
}

// Format prints String for every verb, so that no way of printing a Client
// (or a copy) walks into the redactor, which holds the secrets.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
