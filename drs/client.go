package drs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/drsclient/drs-precheck/generated"
)

const defaultUserAgent = "drs-precheck-go (+https://github.com/drsclient/drs-precheck)"

// Operation names, as in Huawei's API reference and SDKs.
const (
	OpBatchCheckJobs    = "BatchCheckJobs"
	OpBatchCheckResults = "BatchCheckResults"
)

// Client calls the DRS pre-check API. It is safe for concurrent use; create
// one per account and region and reuse it. Printing a Client (any fmt verb, or
// slog) never shows a secret.
type Client struct {
	opJobs           *opTemplate  // BatchCheckJobs, built by the generated builder in New
	opResults        *opTemplate  // BatchCheckResults, likewise
	httpClient       *http.Client // a copy of the user's
	endpoint         string
	projectID        string
	auth             authenticator
	language         string
	userAgent        string
	retry            RetryPolicy
	limiter          *rate.Limiter
	attemptTimeout   time.Duration
	maxResponseBytes int64
	batchSize        int
	concurrency      int
	logger           *slog.Logger
	clock            clock
	scrub            scrubber
}

// New builds a Client from options and, unless WithoutEnvironment is given,
// the environment (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_SECURITY_TOKEN, HUAWEICLOUD_IAM_TOKEN,
// HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_SDK_REGION); options win over the
// environment. A missing, invalid or contradictory setting fails here, with
// one *ConfigError per problem (joined) naming the option and the
// environment variable to set.
func New(opts ...Option) (*Client, error) {
	cfg := newConfig()
	for _, o := range opts {
		if o.apply != nil {
			o.apply(cfg)
		}
	}
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	c := &Client{
		endpoint:         s.endpoint,
		projectID:        s.projectID,
		auth:             s.auth,
		language:         s.language,
		userAgent:        s.userAgent,
		retry:            s.retry,
		limiter:          newLimiter(s.rateLimit, s.burst),
		attemptTimeout:   s.attemptTimeout,
		maxResponseBytes: s.maxResponseBytes,
		batchSize:        s.batchSize,
		concurrency:      s.concurrency,
		logger:           s.logger,
		clock:            s.clock,
		scrub:            newScrubber(s.auth.secrets()),
	}
	c.auth.setClock(c.clock.now)
	hc := *s.httpClient
	c.httpClient = &hc
	// The generated client is built only to normalise the endpoint the way
	// its request builders expect; requests are built from templates the
	// builders make once (see opTemplate).
	gc, err := generated.NewClient(c.endpoint)
	if err != nil {
		return nil, &ConfigError{Setting: "WithEndpoint", Reason: "the generated client rejects the endpoint: " + c.scrub.clean(err.Error())}
	}
	if err := c.buildTemplates(gc.Server); err != nil {
		return nil, &ConfigError{Setting: "WithEndpoint", Reason: "the generated request builder rejects the endpoint or project ID: " + c.scrub.clean(err.Error())}
	}
	return c, nil
}

// CloseIdleConnections closes the idle connections of the client's HTTP
// transport (see http.Client.CloseIdleConnections). The client stays usable.
func (c *Client) CloseIdleConnections() { c.httpClient.CloseIdleConnections() }

// Endpoint returns the endpoint URL the client calls.
func (c *Client) Endpoint() string { return c.endpoint }

// ProjectID returns the project ID the client uses.
func (c *Client) ProjectID() string { return c.projectID }

// String describes the client without revealing secrets.
func (c *Client) String() string {
	if c == nil {
		return "drs.Client(nil)"
	}
	return fmt.Sprintf("drs.Client{endpoint: %s, project: %s, auth: %s, attempts: %d, batch: %d, concurrency: %d}",
		c.endpoint, c.projectID, c.auth.mode(), c.retry.MaxAttempts, c.batchSize, c.concurrency)
}

// GoString implements fmt.GoStringer (%#v) without revealing secrets.
func (c *Client) GoString() string { return c.String() }

// Format implements fmt.Formatter: every verb prints String's redacted form.
func (c *Client) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String(), c.GoString()) }

// LogValue implements slog.LogValuer without revealing secrets.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("drs.Client(nil)")
	}
	return slog.GroupValue(
		slog.String("endpoint", c.endpoint),
		slog.String("project_id", c.projectID),
		slog.String("auth", c.auth.mode()),
	)
}

// BatchCheckJobs is the pass-through for one BatchCheckJobs call: exactly the
// given request (Huawei accepts at most 10 jobs), with authentication,
// retries, the rate limit and error mapping, but no batching and no check of
// the answer against the request. Most programs want Precheck instead.
func (c *Client) BatchCheckJobs(ctx context.Context, req generated.BatchPrecheckReq) (*generated.BatchPrecheckResp, error) {
	resp, _, err := c.batchCheckJobs(ctx, &req)
	return resp, err
}

func (c *Client) batchCheckJobs(ctx context.Context, req *generated.BatchPrecheckReq) (*generated.BatchPrecheckResp, answer, error) {
	return call[generated.BatchPrecheckResp](ctx, c, c.opJobs, req)
}

// BatchCheckResults is the pass-through for one BatchCheckResults call (the
// verdicts of pre-checks started earlier; at most 10 job IDs), with
// authentication, retries, the rate limit and error mapping.
func (c *Client) BatchCheckResults(ctx context.Context, req generated.BatchQueryPrecheckResultReq) (*generated.BatchQueryPrecheckResultResp, error) {
	resp, _, err := c.batchCheckResults(ctx, req)
	return resp, err
}

func (c *Client) batchCheckResults(ctx context.Context, req generated.BatchQueryPrecheckResultReq) (*generated.BatchQueryPrecheckResultResp, answer, error) {
	return call[generated.BatchQueryPrecheckResultResp](ctx, c, c.opResults, req)
}

// call encodes the request body (a generated model) once, runs the operation
// through do (every attempt sends, and signs, the same bytes) and decodes its
// 2xx JSON body into T (a generated model). The status and headers of every
// answer stay available for error mapping; the generated client's
// ...WithResponse wrappers would discard them for an answer whose body or
// Retry-After header they cannot parse, which is when they matter most.
func call[T any](ctx context.Context, c *Client, op *opTemplate, in any) (*T, answer, error) {
	var out T
	ans, err := c.callInto(ctx, op, in, &out)
	if err != nil {
		return nil, ans, err
	}
	return &out, ans, nil
}

// callInto is call, decoding into out (a pointer to a generated model) and
// returning the answer; out is only meaningful when the error is nil. On an
// error, the answer is the zero answer unless the 2xx body could not be
// decoded.
func (c *Client) callInto(ctx context.Context, op *opTemplate, in, out any) (answer, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return answer{}, c.transportError(op.name, err, ctx, ctx)
	}
	ans, err := c.do(ctx, op, newCallBody(b))
	if err != nil {
		return answer{}, err
	}
	if err := c.decode(op.name, &ans, out); err != nil {
		return ans, err
	}
	return ans, nil
}

// decode parses a 2xx body, which must be a JSON object with a JSON content
// type; anything else is a *ResponseError, never a zero value.
func (c *Client) decode(op string, ans *answer, dst any) error {
	contentType := ans.header.Get("Content-Type")
	fail := func(reason string, err error) error {
		e := &ResponseError{Operation: op, StatusCode: ans.status, RequestID: ans.requestID, ContentType: contentType, Reason: reason, Err: err}
		if len(ans.body) > 0 {
			e.Body = snippet(ans.body, contentType, c.scrub)
		}
		return e
	}
	if !isJSONMediaType(contentType) {
		if contentType == "" {
			return fail("no Content-Type; expected application/json", nil)
		}
		return fail("Content-Type is not application/json", nil)
	}
	body := bytes.TrimSpace(ans.body)
	if len(body) == 0 {
		return fail("the body is empty; expected a JSON object", nil)
	}
	if body[0] != '{' {
		return fail("the body is not a JSON object", nil)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var syntaxErr *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntaxErr):
			return fail(fmt.Sprintf("invalid JSON at byte %d", syntaxErr.Offset), err)
		case errors.As(err, &typeErr):
			return fail(fmt.Sprintf("field %q has JSON type %s, not the documented %s", typeErr.Field, typeErr.Value, typeErr.Type), err)
		}
		return fail("invalid JSON", err)
	}
	return nil
}

// isJSONMediaType reports whether a Content-Type is application/json or
// */*+json. The usual exact values are recognised without parsing (and
// without allocating); anything else goes through mime.ParseMediaType, as
// every value did before, with the same result.
func isJSONMediaType(contentType string) bool {
	if strings.EqualFold(contentType, jsonContentType) || strings.EqualFold(contentType, jsonContentType+"; charset=utf-8") {
		return true
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	return mediaType == jsonContentType || strings.HasSuffix(mediaType, "+json")
}

// logAttempt logs one attempt at debug level, with credential headers
// redacted and any secret scrubbed from the error text.
func (c *Client) logAttempt(ctx context.Context, op string, n int, req *http.Request, resp *http.Response, d time.Duration, err error) {
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("operation", op), slog.Int("attempt", n))
	if req != nil {
		attrs = append(attrs, slog.String("method", req.Method), slog.String("url", req.URL.Redacted()),
			slog.Any("headers", redactHeaders(req.Header)))
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode),
			slog.String("request_id", c.scrub.clean(resp.Header.Get(headerRequestID))))
	}
	attrs = append(attrs, slog.Duration("duration", d))
	if err != nil {
		attrs = append(attrs, slog.String("error", c.scrub.clean(err.Error())))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "drs: attempt", attrs...)
}

// redactHeaders returns the headers as a log value with credentials hidden.
func redactHeaders(h http.Header) slog.Value {
	attrs := make([]slog.Attr, 0, len(h))
	for _, name := range slices.Sorted(maps.Keys(h)) {
		v := strings.Join(h[name], ", ")
		switch http.CanonicalHeaderKey(name) {
		case headerAuthToken, headerSecurityToken, "Cookie", "Proxy-Authorization":
			v = redacted
		case headerAuthorization:
			v = redactSignatures(v)
			if !strings.HasPrefix(v, "SDK-HMAC-SHA256 ") {
				v = redacted
			}
		}
		attrs = append(attrs, slog.String(name, v))
	}
	return slog.GroupValue(attrs...)
}
