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
// per account and region and reuse it. It holds no readable copy of a secret:
// printing it, with any verb, shows none.
type Client struct {
	s       settings
	gen     *generated.Client
	edit    generated.RequestEditorFn // authentication, through retrieve
	red     *secrets                  // knows every secret used so far, in every encoding
	limiter *rate.Limiter             // nil: no client-side limit
	auth    string                    // how the client authenticates, for String

	retrieve retrieveFunc // the credentials of the next request: the only holder of them
}

// New builds a Client from options and, unless WithoutEnvironment is given,
// the environment (see the Env constants and WithEnvironment) and the
// credential chain (see WithCredentialSource); options win. New calls no
// service: temporary keys are fetched by the first request (or
// CheckCredentials). Every missing, invalid or contradictory setting is
// reported, as *ConfigError values joined.
func New(opts ...Option) (*Client, error) {
	s := defaultSettings()
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	if err := s.resolve(); err != nil {
		return nil, err
	}
	c := &Client{red: newSecrets(), auth: s.found.Description}
	s.akskSet = true // requests may be signed, and a server may echo the signature: see attempt
	if st, ok := s.found.Provider.(credentials.Static); ok {
		c.red.learn(credentials.Credentials(st))
		c.auth, s.akskSet = "AK/SK "+st.AccessKey, st.Token == ""
		if st.Token != "" {
			c.auth = "IAM token"
		}
	}
	c.retrieve = newRetrieve(s.found, c.red)
	c.edit = newAuthEditor(&s, c.retrieve)
	// From here on the secrets live only in the provider and the redactor.
	s.token, s.secretKey, s.securityToken, s.provider = "", "", "", nil
	s.found.Provider = nil

	hc := *s.httpClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.httpClient = &hc
	if s.rateLimit > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(s.rateLimit), s.burst)
	}
	gen, err := generated.NewClient(s.endpoint, generated.WithHTTPClient(&hc), generated.WithRequestEditorFn(c.edit))
	if err != nil {
		return nil, &ConfigError{Option: "WithEndpoint", Reason: c.red.load().String(err.Error())}
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

// CredentialSource says where the client's credentials come from (and, when
// the chain was walked, what it tried before), without secrets.
func (c *Client) CredentialSource() string {
	if len(c.s.found.Tried) == 0 {
		return c.s.found.Description
	}
	return c.s.found.Description + "; tried before: " + strings.Join(c.s.found.Tried, "; ")
}

// CheckCredentials obtains the client's credentials now, as the next request
// would (fetching temporary keys if they are due), without calling DRS: a
// program can report a missing agency or a refused ID token before it
// starts. It describes them without secrets: kind, access key, expiry, source.
func (c *Client) CheckCredentials(ctx context.Context) (string, error) {
	creds, err := c.retrieve(ctx)
	if err != nil {
		return "", err
	}
	return creds.String(), nil
}

// Redact removes from s every secret the client has used so far (the
// tokens, secret keys and security tokens of the current and the previous
// credentials), in every encoding: for programs that log what the client
// sends and receives.
func (c *Client) Redact(s string) string { return c.red.load().String(s) }

// CloseIdleConnections closes the idle connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.s.httpClient.CloseIdleConnections() }

// String describes the client without secrets.
func (c *Client) String() string {
	return fmt.Sprintf("drs.Client{endpoint: %s, project: %s, auth: %s}", c.s.endpoint, c.s.projectID, c.auth)
}

// Format prints String for every verb, so that no way of printing a Client
// (or a copy of one) walks into the redactor, which holds the secrets.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
