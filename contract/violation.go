package contract

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Direction says which half of an exchange broke the contract.
type Direction string

// The two halves of an HTTP exchange.
const (
	Request  Direction = "request"
	Response Direction = "response"
)

// Violation is a request or response that does not match openapi.yaml at one
// level: the operation, the field and the rule broken, so a failing test says
// exactly what to fix.
type Violation struct {
	Direction Direction
	// Level is the contract level broken: Compatible for what no client can
	// decode (and requests), Documented for drift from openapi.yaml.
	Level     Level
	Method    string
	Path      string // URL path of the request
	Operation string // operationId, empty when no operation matched
	Status    int    // response status; 0 for requests
	// Field locates the offending value: "/results/0/status", "header
	// X-Language", "path project_id", or "" for the whole message.
	Field string
	// Rule is the schema keyword or check that failed: "type", "enum", "status", ...
	Rule string
	// Reason is kin-openapi's explanation, without the offending value.
	Reason string
	// Value is the offending value as ASCII JSON text ("sideways", null,
	// 418), or its kind and size when longer than 64 bytes or not a scalar.
	// It is text the other side sent: Error leaves it out, Warning shows it,
	// and whatever prints Warning must redact the client's secrets first.
	Value string
	Err   error
}

func (v *Violation) Error() string { return v.message(false) }

// Warning is Error with the offending value, to print (redacted) for drift.
func (v *Violation) Warning() string { return v.message(true) }

func (v *Violation) message(withValue bool) string {
	var b strings.Builder
	noun := "contract violation"
	if v.Level == Documented {
		noun = "contract drift"
	}
	fmt.Fprintf(&b, "%s in %s of %s %s", noun, v.Direction, v.Method, v.Path)
	if v.Operation != "" {
		fmt.Fprintf(&b, " (%s)", v.Operation)
	}
	if v.Status != 0 {
		fmt.Fprintf(&b, ", status %d", v.Status)
	}
	if v.Field != "" {
		fmt.Fprintf(&b, ": field %s", v.Field)
	}
	if v.Rule != "" {
		fmt.Fprintf(&b, " breaks rule %q", v.Rule)
		if v.Level != "" && v.Direction == Response {
			fmt.Fprintf(&b, " of the %s contract", v.Level)
		}
	}
	if v.Reason != "" {
		fmt.Fprintf(&b, ": %s", v.Reason)
	}
	if withValue && v.Value != "" {
		fmt.Fprintf(&b, "; got %s", v.Value)
	}
	return b.String()
}

func (v *Violation) Unwrap() error { return v.Err }

// classify fills Field, Rule and Reason from a kin-openapi error.
func (v *Violation) classify(err error) {
	v.Err = err
	var schemaErr *openapi3.SchemaError
	var reqErr *openapi3filter.RequestError
	var respErr *openapi3filter.ResponseError
	var secErr *openapi3filter.SecurityRequirementsError
	var routeErr *routers.RouteError
	switch {
	case errors.As(err, &secErr):
		v.Field, v.Rule = "header X-Auth-Token or Authorization", "security"
		v.Reason = "the request carries neither an IAM token (X-Auth-Token) nor an SDK-HMAC-SHA256 signature (Authorization)"
		return
	case errors.As(err, &routeErr):
		v.Rule, v.Reason = "route", routeErr.Reason
		return
	}
	if errors.As(err, &reqErr) && reqErr.Parameter != nil {
		v.Field = reqErr.Parameter.In + " " + reqErr.Parameter.Name
	}
	// A response header that breaks its schema (a negative or non-numeric
	// Retry-After, say) must be reported as that header, not as the body.
	if errors.As(err, &respErr) {
		if name := responseHeaderName(respErr.Reason); name != "" {
			v.Field = "header " + name
		}
	}
	if errors.As(err, &schemaErr) {
		v.Value = describeValue(schemaErr.Value)
		ptr := schemaErr.JSONPointer()
		if v.Field == "" {
			v.Field = "/" + strings.Join(ptr, "/")
		} else if len(ptr) > 0 {
			v.Field += " /" + strings.Join(ptr, "/")
		}
		v.Rule = schemaErr.SchemaField
		v.Reason = schemaErr.Reason
		return
	}
	switch {
	case reqErr != nil:
		v.Reason = reqErr.Error()
		if reqErr.Parameter != nil {
			v.Rule = "parameter"
		} else if reqErr.RequestBody != nil {
			v.Field, v.Rule = "body", "requestBody"
		}
	case errors.As(err, &respErr):
		v.Reason = respErr.Reason
		if respErr.Err != nil && respErr.Reason == "" {
			v.Reason = respErr.Err.Error()
		}
		switch {
		case respErr.Reason == "status is not supported":
			v.Field, v.Rule, v.Value = "status", "status", strconv.Itoa(v.Status)
			v.Reason = fmt.Sprintf("status %d is not documented for this operation", v.Status)
		case strings.Contains(strings.ToLower(v.Reason), "content-type") || strings.Contains(strings.ToLower(v.Reason), "content type"):
			v.Field, v.Rule = "header Content-Type", "content-type"
		case strings.HasPrefix(v.Field, "header "), strings.HasPrefix(respErr.Reason, "response header"):
			v.Rule = "header"
		default:
			v.Field, v.Rule = "body", "responseBody"
		}
	default:
		v.Reason = err.Error()
	}
}

// responseHeaderName returns the name of the response header a kin-openapi
// ResponseError reason quotes, or "".
func responseHeaderName(reason string) string {
	for _, prefix := range []string{"unable to decode header ", "response header ", "unable to get header "} {
		rest, ok := strings.CutPrefix(reason, prefix)
		if !ok || !strings.HasPrefix(rest, `"`) {
			continue
		}
		if name, _, ok := strings.Cut(rest[1:], `"`); ok {
			return name
		}
	}
	return ""
}
