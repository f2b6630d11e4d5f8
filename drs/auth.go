package drs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/credentials"
	"github.com/drsclient/drs-precheck/generated"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// newAuthEditor returns the request editor that authenticates every request
// with the credentials retrieve hands out, and only requests to the
// endpoint's scheme and host: no credential is ever sent elsewhere.
func newAuthEditor(s *settings, retrieve retrieveFunc) generated.RequestEditorFn {
	endpoint, _ := url.Parse(s.endpoint) // checked by resolve
	userAgent, projectID, now := s.userAgent, s.projectID, s.now
	return func(ctx context.Context, req *http.Request) error {
		if !strings.EqualFold(req.URL.Scheme, endpoint.Scheme) || !strings.EqualFold(req.URL.Host, endpoint.Host) {
			return fmt.Errorf("drs: refusing to send credentials to %s://%s, which is not the configured endpoint", req.URL.Scheme, req.URL.Host)
		}
		req.Header.Set("User-Agent", userAgent)
		c, err := retrieve(ctx)
		if err != nil {
			return err
		}
		if c.Token != "" {
			req.Header.Set("X-Auth-Token", c.Token)
			return nil
		}
		req.Header.Set(aksk.HeaderProjectID, projectID)
		body, err := requestBody(req)
		if err != nil {
			return fmt.Errorf("drs: read the request body to sign it: %w", err)
		}
		return aksk.Signer{Credentials: aksk.Credentials{AccessKey: c.AccessKey, SecretKey: c.SecretKey, SecurityToken: c.SecurityToken}, Now: now}.Sign(req, body)
	}
}

type retrieveFunc func(context.Context) (credentials.Credentials, error)

// newRetrieve asks the provider the chain found for credentials (temporary
// keys are refreshed before they expire), teaching each set to sec. Until a
// set is handed out, an error also says what the chain tried before.
func newRetrieve(found credentials.Found, sec *secrets) retrieveFunc {
	var worked atomic.Bool
	return func(ctx context.Context) (credentials.Credentials, error) {
		c, err := found.Provider.Retrieve(ctx)
		var e *credentials.Error
		switch {
		case err == nil:
			worked.Store(true)
			sec.learn(c)
		case !worked.Load() && len(found.Tried) > 0 && errors.As(err, &e):
			err = &credentials.Error{Source: e.Source, Env: e.Env, Setting: e.Setting, Reason: e.Reason + " (tried before: " + strings.Join(found.Tried, "; ") + ")"}
		}
		return c, err
	}
}

// secrets is the client's redactor. It learns every set of credentials the
// provider hands out and keeps the current and the previous set (both may be
// valid around a refresh), so redaction stays bounded on a long wait.
type secrets struct {
	// Load returns the redactor of cur and prev: nil, which knows none, at first.
	atomic.Pointer[redact.Redactor]
	mu        sync.Mutex
	cur, prev []string
}

func (s *secrets) learn(c credentials.Credentials) {
	fresh := c.Secrets()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Equal(fresh, s.cur) {
		s.prev, s.cur = s.cur, fresh
		s.Store(redact.New(append(slices.Clone(s.prev), s.cur...)...))
	}
}

// requestBody returns the bytes req will send, leaving req able to send them.
func requestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody == nil {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.Body, _ = req.GetBody()
		return body, nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
