package contract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// openapi3filter decodes only JSON and text/plain; the spec documents HTML
// error pages and "*/*" bodies: decode both as text, so their schemas decide.
func init() {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("*/*", openapi3filter.PlainBodyDecoder)
}

// options are the validation rules used everywhere: no defaults written into
// the request, undocumented statuses fail; with all, every departure counts.
func options(all bool) *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		MultiError:            all,
		AuthenticationFunc:    requireCredentialHeader,
	}
}

// requireCredentialHeader checks that a security scheme's header is present and
// well-formed; whether it is correct is the server's business (drstest).
func requireCredentialHeader(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme == nil || scheme.Type != "apiKey" || scheme.In != "header" {
		return errors.New("unsupported security scheme")
	}
	value := in.RequestValidationInput.Request.Header.Get(scheme.Name)
	if value == "" {
		return errors.New("header " + scheme.Name + " is missing")
	}
	if in.SecuritySchemeName == "akskSignature" && !strings.HasPrefix(value, "SDK-HMAC-SHA256 ") {
		return errors.New("header Authorization does not carry an SDK-HMAC-SHA256 signature")
	}
	return nil
}

// Exchange is one validated request: what ValidateRequest found, needed to
// validate the response that answers it.
type Exchange struct {
	request    *http.Request // the probe: a copy of the request carrying its body
	pathParams map[string]string
	// routes holds the request's route in the document of each level.
	routes map[Level]*routers.Route
	op     string
}

// Operation is the operationId the request was routed to.
func (e *Exchange) Operation() string {
	if e == nil {
		return ""
	}
	return e.op
}

// route returns the exchange's route in s's document, found on first use.
func (e *Exchange) route(s *Spec) (*routers.Route, error) {
	if r := e.routes[s.level]; r != nil {
		return r, nil
	}
	r, _, err := s.router.FindRoute(e.request)
	if err != nil {
		return nil, err
	}
	e.routes[s.level] = r
	return r, nil
}

// ValidateRequest checks req, whose exact body is body (req.Body is not read),
// at both levels alike. It returns the Exchange to validate the response with
// whenever the route was found, and a *Violation when the request breaks the
// contract.
func (s *Spec) ValidateRequest(ctx context.Context, req *http.Request, body []byte) (*Exchange, error) {
	// Validate a copy: kin-openapi reads and replaces Body.
	probe := req.Clone(ctx)
	probe.Body = io.NopCloser(bytes.NewReader(body))
	probe.GetBody = nil
	probe.ContentLength = int64(len(body))

	v := &Violation{Direction: Request, Level: Compatible, Method: req.Method, Path: req.URL.Path}
	route, pathParams, err := s.router.FindRoute(probe)
	if err != nil {
		v.classify(err)
		return nil, v
	}
	v.Operation = route.Operation.OperationID
	in := &openapi3filter.RequestValidationInput{
		Request:    probe,
		PathParams: pathParams,
		Route:      route,
		Options:    options(false),
	}
	ex := &Exchange{request: probe, pathParams: pathParams, routes: map[Level]*routers.Route{s.level: route}, op: v.Operation}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		v.classify(err)
		if v.Value == "" && v.Field == "header Content-Type" {
			v.Value = describeValue(req.Header.Get("Content-Type"))
		}
		return ex, v
	}
	// The body was read by the validation: give the probe its bytes back for
	// the response validation that may read the request again.
	probe.Body = io.NopCloser(bytes.NewReader(body))
	return ex, nil
}

// ValidateResponse checks a response at this Spec's level and returns the
// first *Violation. At the documented level a status that only the default
// response matches is one too: the spec lists the documented statuses.
func (s *Spec) ValidateResponse(ctx context.Context, ex *Exchange, status int, header http.Header, body []byte) error {
	vs := s.responseViolations(ctx, ex, status, header, body, false)
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}

// CheckResponse checks a response at both levels: err is the first violation
// of the compatible level (no client can decode the answer); drift lists the
// departures from the documented level of an answer that passed it.
func (s *Spec) CheckResponse(ctx context.Context, ex *Exchange, status int, header http.Header, body []byte) (drift []*Violation, err error) {
	if err := s.Compatible().ValidateResponse(ctx, ex, status, header, body); err != nil {
		return nil, err
	}
	if s.level == Compatible {
		return nil, nil
	}
	return s.responseViolations(ctx, ex, status, header, body, true), nil
}

// responseViolations validates a response at s's level: the first violation,
// or with all every failing header, then every departure of the body.
func (s *Spec) responseViolations(ctx context.Context, ex *Exchange, status int, header http.Header, body []byte, all bool) []*Violation {
	base := Violation{Direction: Response, Level: s.level, Method: ex.request.Method, Path: ex.request.URL.Path, Operation: ex.Operation(), Status: status}
	route, err := ex.route(s)
	if err != nil {
		v := base
		v.classify(err)
		return []*Violation{&v}
	}
	var out []*Violation
	if s.level == Documented && route.Operation.Responses.Status(status) == nil {
		v := base
		v.Field, v.Rule, v.Value = "status", "status", strconv.Itoa(status)
		v.Reason = "status " + strconv.Itoa(status) + " is not documented for this operation; only the default response matches it"
		if !all {
			return []*Violation{&v}
		}
		out = append(out, &v)
	}
	header = header.Clone()
	if header == nil {
		header = http.Header{}
	}
	// Each pass reports the failing header, if any, and drops it: kin-openapi
	// stops at the first header, and the body is checked after the headers.
	for range len(header) + 1 {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: ex.request, PathParams: ex.pathParams, Route: route, Options: options(all),
			},
			Status:  status,
			Header:  header,
			Options: options(all),
		}
		in.SetBodyBytes(body)
		err := openapi3filter.ValidateResponse(ctx, in)
		if err == nil {
			break
		}
		vs := responseErrorViolations(base, err, header)
		out = append(out, vs...)
		if !all {
			break
		}
		name, isHeader := strings.CutPrefix(vs[0].Field, "header ")
		if !isHeader || name == "Content-Type" || header.Get(name) == "" {
			break
		}
		header.Del(name)
	}
	return out
}

// responseErrorViolations turns a kin-openapi response error into one
// Violation per departure (a body checked with MultiError holds several).
func responseErrorViolations(base Violation, err error, header http.Header) []*Violation {
	var respErr *openapi3filter.ResponseError
	var multi openapi3.MultiError
	if errors.As(err, &respErr) && respErr.Err != nil && errors.As(respErr.Err, &multi) {
		var out []*Violation
		for _, e := range flatten(multi) {
			v := base
			v.classify(&openapi3filter.ResponseError{Input: respErr.Input, Reason: respErr.Reason, Err: e})
			out = append(out, &v)
		}
		if len(out) > 0 {
			return out
		}
	}
	v := base
	v.classify(err)
	if name, ok := strings.CutPrefix(v.Field, "header "); ok && v.Value == "" {
		if got := header.Get(name); got != "" || name == "Content-Type" {
			v.Value = describeValue(got)
		}
	}
	return []*Violation{&v}
}

// flatten lists the errors of a MultiError, nested ones included.
func flatten(me openapi3.MultiError) []error {
	var out []error
	for _, e := range me {
		if inner, ok := e.(openapi3.MultiError); ok {
			out = append(out, flatten(inner)...)
		} else {
			out = append(out, e)
		}
	}
	return out
}

// Operation returns the spec's operation with the given operationId, or nil.
func (s *Spec) Operation(operationID string) *openapi3.Operation {
	for _, item := range s.Doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == operationID {
				return op
			}
		}
	}
	return nil
}
