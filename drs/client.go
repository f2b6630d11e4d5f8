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
	api              generated.ClientInterface
	httpClient       *http.Client // a copy of the user's, with the body cap
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
	c.httpClient = limitClient(s.httpClient, s.maxResponseBytes)
	api, err := generated.NewClient(c.endpoint,
		generated.WithHTTPClient(c.httpClient),
		generated.WithRequestEditorFn(c.setHeaders),
		generated.WithRequestEditorFn(c.auth.edit), // last: signs what the others set
	)
	if err != nil {
		return nil, &ConfigError{Setting: "WithEndpoint", Reason: "the generated client rejects the endpoint: " + c.scrub.clean(err.Error())}
	}
	c.api = api
	return c, nil
}

// setHeaders sets the headers common to every request (before signing).
func (c *Client) setHeaders(_ context.Context, req *http.Request) error {
	req.Header.Set(headerUserAgent, c.userAgent)
	return nil
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
	resp, _, err := c.batchCheckJobs(ctx, req)
	return resp, err
}

func (c *Client) batchCheckJobs(ctx context.Context, req generated.BatchPrecheckReq) (*generated.BatchPrecheckResp, *answer, error) {
	params := &generated.BatchCheckJobsParams{XLanguage: generated.BatchCheckJobsParamsXLanguage(c.language)}
	if c.language == "" {
		params = nil
	}
	return call[generated.BatchPrecheckResp](ctx, c, OpBatchCheckJobs,
		func(ctx context.Context, editors ...generated.RequestEditorFn) (*http.Response, error) {
			return c.api.BatchCheckJobs(ctx, c.projectID, params, req, editors...)
		})
}

// BatchCheckResults is the pass-through for one BatchCheckResults call (the
// verdicts of pre-checks started earlier; at most 10 job IDs), with
// authentication, retries, the rate limit and error mapping.
func (c *Client) BatchCheckResults(ctx context.Context, req generated.BatchQueryPrecheckResultReq) (*generated.BatchQueryPrecheckResultResp, error) {
	resp, _, err := c.batchCheckResults(ctx, req)
	return resp, err
}

func (c *Client) batchCheckResults(ctx context.Context, req generated.BatchQueryPrecheckResultReq) (*generated.BatchQueryPrecheckResultResp, *answer, error) {
	params := &generated.BatchCheckResultsParams{XLanguage: generated.BatchCheckResultsParamsXLanguage(c.language)}
	if c.language == "" {
		params = nil
	}
	return call[generated.BatchQueryPrecheckResultResp](ctx, c, OpBatchCheckResults,
		func(ctx context.Context, editors ...generated.RequestEditorFn) (*http.Response, error) {
			return c.api.BatchCheckResults(ctx, c.projectID, params, req, editors...)
		})
}

// call runs an operation through do and decodes its 2xx JSON body into T. The
// generated client's raw methods are used, not its ...WithResponse wrappers:
// those discard the status and headers of an answer whose body or
// Retry-After header they cannot parse, which is when they matter most.
func call[T any](ctx context.Context, c *Client, op string, send sendFunc) (*T, *answer, error) {
	ans, err := c.do(ctx, op, send)
	if err != nil {
		return nil, nil, err
	}
	var out T
	if err := c.decode(op, ans, &out); err != nil {
		return nil, ans, err
	}
	return &out, ans, nil
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
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") {
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
