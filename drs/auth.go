package drs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/generated"
)

// newAuthEditor returns the request editor that authenticates every request,
// capturing the credentials in its closure (the only place they live). It
// authenticates only requests to the endpoint's scheme and host, so no
// credential is ever sent elsewhere.
func newAuthEditor(s *settings) generated.RequestEditorFn {
	endpoint, _ := url.Parse(s.endpoint) // checked by resolve
	userAgent, projectID := s.userAgent, s.projectID
	var authenticate func(req *http.Request) error
	if s.akskSet {
		signer := aksk.Signer{
			Credentials: aksk.Credentials{AccessKey: s.accessKey, SecretKey: s.secretKey, SecurityToken: s.securityToken},
			Now:         s.now,
		}
		authenticate = func(req *http.Request) error {
			req.Header.Set(aksk.HeaderProjectID, projectID)
			body, err := requestBody(req)
			if err != nil {
				return fmt.Errorf("drs: read the request body to sign it: %w", err)
			}
			return signer.Sign(req, body)
		}
	} else {
		token := s.token
		authenticate = func(req *http.Request) error {
			req.Header.Set("X-Auth-Token", token)
			return nil
		}
	}
	return func(_ context.Context, req *http.Request) error {
		if !strings.EqualFold(req.URL.Scheme, endpoint.Scheme) || !strings.EqualFold(req.URL.Host, endpoint.Host) {
			return fmt.Errorf("drs: refusing to send credentials to %s://%s, which is not the configured endpoint", req.URL.Scheme, req.URL.Host)
		}
		req.Header.Set("User-Agent", userAgent)
		return authenticate(req)
	}
}

// requestBody returns the exact bytes req will send, leaving req able to
// send them.
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
	return body, nil
}
