package drs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Environment variables read by New (unless WithoutEnvironment is given).
// Options always win over the environment.
const (
	// EnvAccessKey holds the access key (AK); Huawei's official SDKs read it too.
	EnvAccessKey = "HUAWEICLOUD_SDK_AK"
	// EnvSecretKey holds the secret key (SK).
	EnvSecretKey = "HUAWEICLOUD_SDK_SK"
	// EnvSecurityToken holds the security token of temporary AK/SK credentials.
	EnvSecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
	// EnvProjectID holds the project ID.
	EnvProjectID = "HUAWEICLOUD_SDK_PROJECT_ID"
	// EnvRegion holds the region ID, for example cn-north-4.
	EnvRegion = "HUAWEICLOUD_SDK_REGION"
	// EnvIAMToken holds an IAM user token (sent as X-Auth-Token).
	EnvIAMToken = "HUAWEICLOUD_IAM_TOKEN"
)

// Defaults used by New.
const (
	// DefaultMaxAttempts is the number of attempts per call, the first included.
	DefaultMaxAttempts = 4
	// DefaultBaseDelay is the backoff before the second attempt (before jitter).
	DefaultBaseDelay = 500 * time.Millisecond
	// DefaultMaxDelay caps the exponential backoff between two attempts.
	DefaultMaxDelay = 10 * time.Second
	// DefaultMaxRetryAfter caps how long a Retry-After header can make a call wait.
	DefaultMaxRetryAfter = 60 * time.Second
	// DefaultAttemptTimeout bounds one attempt: connecting, sending, and reading the answer.
	DefaultAttemptTimeout = 30 * time.Second
	// DefaultMaxResponseBytes is the API gateway's 12 MB body limit.
	DefaultMaxResponseBytes = 12 << 20
	// MaxBatchSize is the most jobs Huawei accepts in one BatchCheckJobs call.
	MaxBatchSize = 10
	// DefaultConcurrency is how many BatchCheckJobs calls Precheck runs at once.
	DefaultConcurrency = 4
)

// Option configures a Client; pass options to New. Printing an Option (any fmt
// verb, or slog) shows its name, never a secret it carries.
type Option struct {
	name  string
	apply func(*config)
}

// String returns the option's name, for example "drs.WithToken([REDACTED])".
func (o Option) String() string {
	if o.name == "" {
		return "drs.Option(<nil>)"
	}
	return "drs." + o.name
}

// GoString implements fmt.GoStringer (%#v) without revealing secrets.
func (o Option) GoString() string { return o.String() }

// Format implements fmt.Formatter so that every verb prints the redacted name.
func (o Option) Format(f fmt.State, verb rune) { formatRedacted(f, verb, o.String(), o.GoString()) }

// LogValue implements slog.LogValuer.
func (o Option) LogValue() slog.Value { return slog.StringValue(o.String()) }

func option(name string, apply func(*config)) Option { return Option{name: name, apply: apply} }

// RetryPolicy says how often and how patiently a call is retried. The zero
// value of each field selects its default. A call is retried only on throttling
// (429, APIGW.0308, DRS.M01503), on 502/503/504, and on a connection that broke
// or timed out; never on an authentication or validation failure.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts per call, the first included; 1
	// disables retries. Zero means DefaultMaxAttempts.
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt; each further attempt
	// doubles it, and the actual wait is drawn uniformly from [0, backoff]
	// ("full jitter"). Zero means DefaultBaseDelay.
	BaseDelay time.Duration
	// MaxDelay caps the backoff. Zero means DefaultMaxDelay.
	MaxDelay time.Duration
	// MaxRetryAfter caps the wait a server's Retry-After header asks for. Zero
	// means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// WithRegion selects the endpoint of a Huawei Cloud region, for example
// "cn-north-4" (https://drs.cn-north-4.myhuaweicloud.com). Environment:
// HUAWEICLOUD_SDK_REGION. Give either WithRegion or WithEndpoint.
func WithRegion(region string) Option {
	return option("WithRegion("+strconv.Quote(region)+")", func(c *config) {
		c.region, c.regionSet = region, true
	})
}

// WithEndpoint sets the endpoint URL explicitly, for example a proxy or a
// simulator. It must be https, except for loopback hosts (http://127.0.0.1:8080,
// http://localhost:8080), which may use http for testing.
func WithEndpoint(endpoint string) Option {
	return option("WithEndpoint(...)", func(c *config) {
		c.endpoint, c.endpointSet = endpoint, true
	})
}

// WithProjectID sets the project ID of the tenant in the region. Environment:
// HUAWEICLOUD_SDK_PROJECT_ID.
func WithProjectID(projectID string) Option {
	return option("WithProjectID("+strconv.Quote(projectID)+")", func(c *config) {
		c.projectID, c.projectIDSet = projectID, true
	})
}

// WithToken authenticates with an IAM token, sent as X-Auth-Token.
// Environment: HUAWEICLOUD_IAM_TOKEN. It cannot be combined with WithAKSK.
func WithToken(token string) Option {
	return option("WithToken("+redacted+")", func(c *config) {
		c.token, c.tokenSet = token, true
	})
}

// WithAKSK authenticates with an access key and secret key: every attempt of
// every call is signed with SDK-HMAC-SHA256. Environment: HUAWEICLOUD_SDK_AK
// and HUAWEICLOUD_SDK_SK. It cannot be combined with WithToken.
func WithAKSK(accessKey, secretKey string) Option {
	return option("WithAKSK("+strconv.Quote(accessKey)+", "+redacted+")", func(c *config) {
		c.accessKey, c.secretKey, c.akskSet = accessKey, secretKey, true
	})
}

// WithSecurityToken adds the security token of temporary AK/SK credentials
// (sent as X-Security-Token). Environment: HUAWEICLOUD_SDK_SECURITY_TOKEN. It
// needs WithAKSK (or the AK/SK environment variables).
func WithSecurityToken(securityToken string) Option {
	return option("WithSecurityToken("+redacted+")", func(c *config) {
		c.securityToken, c.securityTokenSet = securityToken, true
	})
}

// WithoutEnvironment makes New ignore the environment: every setting must come
// from an option. Tests and programs that manage several accounts use it.
func WithoutEnvironment() Option {
	return option("WithoutEnvironment()", func(c *config) { c.ignoreEnv = true })
}

// WithHTTPClient sends requests with a copy of hc (hc itself is not modified).
// WithMaxResponseBytes is enforced while the client reads each answer.
func WithHTTPClient(hc *http.Client) Option {
	return option("WithHTTPClient(...)", func(c *config) {
		c.httpClient, c.httpClientSet = hc, true
	})
}

// WithLanguage sets the language of the server's messages, sent as X-Language:
// "en-us" or "zh-cn". Without it no X-Language is sent and the server answers
// in English.
func WithLanguage(lang string) Option {
	return option("WithLanguage("+strconv.Quote(lang)+")", func(c *config) {
		c.language, c.languageSet = lang, true
	})
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(userAgent string) Option {
	return option("WithUserAgent("+strconv.Quote(userAgent)+")", func(c *config) {
		c.userAgent, c.userAgentSet = userAgent, true
	})
}

// WithRetry sets the retry policy; see RetryPolicy for its defaults.
func WithRetry(p RetryPolicy) Option {
	return option(fmt.Sprintf("WithRetry(%+v)", p), func(c *config) { c.retry = p })
}

// WithoutRetries makes every call a single attempt (RetryPolicy{MaxAttempts: 1}).
func WithoutRetries() Option {
	return option("WithoutRetries()", func(c *config) { c.retry = RetryPolicy{MaxAttempts: 1} })
}

// WithRateLimit limits the client to callsPerSecond attempts per second on
// average, with bursts of up to burst attempts, shared by all calls of the
// client (retries included). Waiting for the limiter respects the context.
// Huawei's gateway throttles at 200 calls per second per API by default.
func WithRateLimit(callsPerSecond float64, burst int) Option {
	return option(fmt.Sprintf("WithRateLimit(%g, %d)", callsPerSecond, burst), func(c *config) {
		c.rateLimit, c.burst, c.rateLimitSet = callsPerSecond, burst, true
	})
}

// WithAttemptTimeout bounds each attempt (connect, send, read the answer);
// zero means no per-attempt bound (the context still applies). Default
// DefaultAttemptTimeout. An attempt that times out is retried.
func WithAttemptTimeout(d time.Duration) Option {
	return option("WithAttemptTimeout("+d.String()+")", func(c *config) {
		c.attemptTimeout, c.attemptTimeoutSet = d, true
	})
}

// WithMaxResponseBytes caps the size of a response body; a larger body fails
// the call with a *ResponseError (errors.Is ErrResponseTooLarge) instead of
// being parsed in part. Default DefaultMaxResponseBytes (12 MB).
func WithMaxResponseBytes(n int64) Option {
	return option("WithMaxResponseBytes("+strconv.FormatInt(n, 10)+")", func(c *config) {
		c.maxResponseBytes, c.maxResponseBytesSet = n, true
	})
}

// WithBatchSize sets how many jobs Precheck puts in one BatchCheckJobs call:
// 1 to MaxBatchSize (10, Huawei's limit and the default).
func WithBatchSize(n int) Option {
	return option("WithBatchSize("+strconv.Itoa(n)+")", func(c *config) {
		c.batchSize, c.batchSizeSet = n, true
	})
}

// WithConcurrency sets how many calls Precheck runs at once (default
// DefaultConcurrency).
func WithConcurrency(n int) Option {
	return option("WithConcurrency("+strconv.Itoa(n)+")", func(c *config) {
		c.concurrency, c.concurrencySet = n, true
	})
}

// WithLogger logs every attempt at debug level: operation, method, URL,
// status, request ID, attempt number, duration, and the request headers with
// credentials redacted. Nil disables logging (the default).
func WithLogger(l *slog.Logger) Option {
	return option("WithLogger(...)", func(c *config) { c.logger = l })
}

// withClock replaces the clock and the sleep between attempts (tests).
func withClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return option("withClock(...)", func(c *config) {
		if now != nil {
			c.clock.now = now
		}
		if sleep != nil {
			c.clock.sleep = sleep
		}
	})
}

// formatRedacted prints plain with the caller's verb and flags, or goSyntax
// for %#v.
func formatRedacted(f fmt.State, verb rune, plain, goSyntax string) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, goSyntax)
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), plain)
}
