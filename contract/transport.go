package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// Transport is an http.RoundTripper that validates every request before it is
// sent and every response before it is returned. A violation is the round
// trip's error (a *Violation), or with OnViolation set goes to it while
// traffic flows unchanged. Without OnDrift, responses are held to Spec's own
// level (the simulator's tests); with it, to both (Spec.CheckResponse): only
// a compatible violation fails, and each documented departure goes to
// OnDrift (the CLI's --validate, the live and replay tests).
type Transport struct {
	// Base sends the requests; http.DefaultTransport when nil.
	Base http.RoundTripper
	// Spec to validate against; Default() when nil.
	Spec *Spec
	// OnViolation, when set, receives each violation instead of failing the
	// round trip (report mode).
	OnViolation func(*Violation)
	// OnDrift, when set, switches responses to the two levels and receives
	// each documented departure (print it with Violation.Warning, redacted),
	// on the round trip's goroutine, before the response is returned.
	OnDrift func(*Violation)
	// MaxBodyBytes caps how much of a response body is buffered for validation;
	// 16 MiB (above the API gateway's 12 MB) when zero. A longer body is
	// passed on whole, unvalidated.
	MaxBodyBytes int64
}

// NewTransport returns a strict Transport over base using the embedded spec.
func NewTransport(base http.RoundTripper) (*Transport, error) {
	spec, err := Default()
	if err != nil {
		return nil, err
	}
	return &Transport{Base: base, Spec: spec}, nil
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	spec := t.Spec
	if spec == nil {
		var err error
		if spec, err = Default(); err != nil {
			return nil, err
		}
	}
	reqBody, req, err := readRequestBody(req)
	if err != nil {
		return nil, err
	}
	ex, verr := spec.ValidateRequest(req.Context(), req, reqBody)
	if verr != nil {
		if err := t.report(verr); err != nil {
			return nil, err
		}
	}

	resp, err := t.base().RoundTrip(req)
	if err != nil || ex == nil {
		return resp, err
	}

	limit := t.MaxBodyBytes
	if limit <= 0 {
		limit = 16 << 20
	}
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("contract: read response body: %w", err)
	}
	if int64(len(respBody)) > limit {
		// Too big to validate: the caller reads the whole body, what was
		// read then the rest (capping is the client's job).
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(respBody), resp.Body), resp.Body}
		return resp, nil
	}
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	var drift []*Violation
	if t.OnDrift == nil {
		verr = spec.ValidateResponse(req.Context(), ex, resp.StatusCode, resp.Header, respBody)
	} else {
		drift, verr = spec.CheckResponse(req.Context(), ex, resp.StatusCode, resp.Header, respBody)
	}
	if verr != nil {
		if err := t.report(verr); err != nil {
			return nil, err
		}
	}
	for _, d := range drift {
		t.OnDrift(d)
	}
	return resp, nil
}

func (t *Transport) report(err error) error {
	v, ok := err.(*Violation)
	if !ok {
		return err
	}
	if t.OnViolation != nil {
		t.OnViolation(v)
		return nil
	}
	return v
}

// readRequestBody returns the request body's bytes and a shallow copy of req
// carrying them (a RoundTripper must not modify the caller's request), so
// exactly the bytes validated are sent.
func readRequestBody(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	data, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("contract: read request body: %w", err)
	}
	out := *req
	out.Body = io.NopCloser(bytes.NewReader(data))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data, &out, nil
}

// CloseIdleConnections passes the call on to the base transport.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *Transport) base() http.RoundTripper {
	if t.Base == nil {
		return http.DefaultTransport
	}
	return t.Base
}
