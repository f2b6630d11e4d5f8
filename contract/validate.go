package contract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// The spec documents text/html error pages of the API gateway (502, 503, 504),
// but openapi3filter has no decoder for text/html, so without this every such
// page failed validation as "failed to decode response body". Decode it as
// plain text, like text/plain.
func init() {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// options are the validation rules used everywhere: nothing is written into the
// request (no defaults), undocumented statuses fail, and every body is checked.
func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		AuthenticationFunc:    requireCredentialHeader,
	}
}

// requireCredentialHeader checks that a security scheme's header is present and
// well-formed. Whether the token or signature is *correct* is the server's
// business (see drstest), not the contract's.
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
	input *openapi3filter.RequestValidationInput
	route *routers.Route
}

// Operation is the operationId the request was routed to.
func (e *Exchange) Operation() string {
	if e == nil || e.route == nil || e.route.Operation == nil {
		return ""
	}
	return e.route.Operation.OperationID
}

// ValidateRequest checks req against the spec. body is the exact request body
// (req.Body is not read). It returns the Exchange to validate the response with,
// and a *Violation when the request breaks the contract. The Exchange is
// returned whenever the route was found, even on a violation.
func (s *Spec) ValidateRequest(ctx context.Context, req *http.Request, body []byte) (*Exchange, error) {
	// Validate a shallow copy, so nothing kin-openapi does to the request (it reads
	// and replaces Body) reaches the request that is actually sent.
	probe := req.Clone(ctx)
	probe.Body = io.NopCloser(bytes.NewReader(body))
	probe.GetBody = nil
	probe.ContentLength = int64(len(body))

	v := &Violation{Direction: Request, Method: req.Method, Path: req.URL.Path}
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
		Options:    options(),
	}
	ex := &Exchange{input: in, route: route}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		v.classify(err)
		return ex, v
	}
	return ex, nil
}

// ValidateResponse checks a response to a request validated by ValidateRequest.
// body is the exact response body.
func (s *Spec) ValidateResponse(ctx context.Context, ex *Exchange, status int, header http.Header, body []byte) error {
	req := ex.input.Request
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: ex.input,
		Status:                 status,
		Header:                 header,
		Options:                options(),
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		v := &Violation{Direction: Response, Method: req.Method, Path: req.URL.Path, Operation: ex.Operation(), Status: status}
		v.classify(err)
		return v
	}
	return nil
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
