package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// Transport is an http.RoundTripper that validates every request before it is
// sent and every response before it is returned. In the default strict mode a
// violation is returned as the round trip's error (a *Violation, usable with
// errors.As), so nothing that breaks the contract passes silently; with
// OnViolation set, violations are reported to it and traffic flows unchanged.
//
// Without OnDrift, responses are held to Spec's own level (the documented one
// for Default()): what the simulator's tests use. With OnDrift set, responses
// are checked at both levels (Spec.CheckResponse): only a compatible violation
// fails the round trip (or goes to OnViolation), and each documented departure
// goes to OnDrift: what the CLI's --validate, the live contract test and the
// replay tests use. Requests are checked the same way in both modes.
type Transport struct {
	// Base sends the requests; http.DefaultTransport when nil.
	Base http.RoundTripper
	// Spec to validate against; Default() when nil.
	Spec *Spec
	// OnViolation, when set, receives each violation instead of failing the
	// round trip (report mode).
	OnViolation func(*Violation)
	// OnDrift, when set, switches responses to the two levels and receives
	// each departure from the documented level (Level Documented; print it
	// with Violation.Warning, redacted). It is called on the round trip's
	// goroutine, before the response is returned.
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
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
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

	resp, err := base.RoundTrip(req)
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
	if t.OnDrift == nil {
		if verr := spec.ValidateResponse(req.Context(), ex, resp.StatusCode, resp.Header, respBody); verr != nil {
			if err := t.report(verr); err != nil {
				return nil, err
			}
		}
		return resp, nil
	}
	drift, verr := spec.CheckResponse(req.Context(), ex, resp.StatusCode, resp.Header, respBody)
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

// readRequestBody returns the request body's bytes and the request to send:
// req itself when its body can be copied with GetBody, otherwise a shallow copy
// carrying the buffered body (a RoundTripper must not modify the caller's
// request), so the base transport sends exactly the bytes that were validated.
func readRequestBody(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, nil, fmt.Errorf("contract: copy request body: %w", err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return nil, nil, fmt.Errorf("contract: copy request body: %w", err)
		}
		return data, req, nil
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

// CloseIdleConnections passes the call on to the base transport, so that
// http.Client.CloseIdleConnections works through a Transport.
func (t *Transport) CloseIdleConnections() {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if c, ok := base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
