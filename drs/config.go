package drs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"
)

// config collects the options and the environment before New validates them.
// It holds secrets: it is never printed except through its redacting methods,
// and never leaves the package.
type config struct {
	ignoreEnv bool
	getenv    func(string) string

	region        string
	regionSet     bool
	endpoint      string
	endpointSet   bool
	projectID     string
	projectIDSet  bool
	language      string
	languageSet   bool
	userAgent     string
	userAgentSet  bool
	httpClient    *http.Client
	httpClientSet bool

	token            string
	tokenSet         bool
	accessKey        string
	secretKey        string
	akskSet          bool
	securityToken    string
	securityTokenSet bool

	retry               RetryPolicy
	rateLimit           float64
	burst               int
	rateLimitSet        bool
	attemptTimeout      time.Duration
	attemptTimeoutSet   bool
	maxResponseBytes    int64
	maxResponseBytesSet bool
	batchSize           int
	batchSizeSet        bool
	concurrency         int
	concurrencySet      bool
	logger              *slog.Logger
	clock               clock
}

// String describes the configuration with every secret redacted.
func (c config) String() string {
	return fmt.Sprintf("drs.config{region:%q endpoint:%q projectID:%q token:%s accessKey:%q secretKey:%s securityToken:%s retry:%+v}",
		c.region, redactURL(c.endpoint), c.projectID, secretState(c.token), c.accessKey,
		secretState(c.secretKey), secretState(c.securityToken), c.retry)
}

// GoString implements fmt.GoStringer (%#v) with every secret redacted.
func (c config) GoString() string { return c.String() }

// Format implements fmt.Formatter so that no verb prints the raw fields.
func (c config) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String(), c.GoString()) }

// LogValue implements slog.LogValuer with every secret redacted.
func (c config) LogValue() slog.Value { return slog.StringValue(c.String()) }

const redacted = "[REDACTED]"

func secretState(s string) string {
	if s == "" {
		return "[NOT SET]"
	}
	return redacted
}

// settings is the validated configuration New builds a Client from.
type settings struct {
	endpoint         string
	projectID        string
	auth             authenticator
	language         string
	userAgent        string
	httpClient       *http.Client
	retry            RetryPolicy
	rateLimit        float64
	burst            int
	attemptTimeout   time.Duration
	maxResponseBytes int64
	batchSize        int
	concurrency      int
	logger           *slog.Logger
	clock            clock
}

// env returns the value of an environment variable, "" when the environment
// is ignored.
func (c *config) env(name string) string {
	if c.ignoreEnv {
		return ""
	}
	return c.getenv(name)
}

// resolve merges options and environment and validates the result. Every
// problem is reported (errors.Join of *ConfigError), not just the first.
func (c *config) resolve() (*settings, error) {
	var errs []error
	bad := func(setting, env, format string, args ...any) {
		errs = append(errs, &ConfigError{Setting: setting, Env: env, Reason: fmt.Sprintf(format, args...)})
	}
	s := &settings{clock: c.clock, logger: c.logger}

	// Endpoint: WithEndpoint, else WithRegion, else HUAWEICLOUD_SDK_REGION.
	switch {
	case c.endpointSet && c.regionSet:
		bad("WithEndpoint", "", "both WithEndpoint and WithRegion are given; give only one (the endpoint of a region is derived from it)")
	case c.endpointSet:
		ep, err := parseEndpoint(c.endpoint)
		if err != nil {
			bad("WithEndpoint", "", "%v", err)
		}
		s.endpoint = ep
	default:
		region, setting, env := c.region, "WithRegion", ""
		if !c.regionSet {
			region, env = c.env(EnvRegion), EnvRegion
		}
		if !c.regionSet && region == "" {
			bad("WithRegion", EnvRegion, "no region and no endpoint: use drs.WithRegion(\"cn-north-4\") or drs.WithEndpoint(url), or set the environment variable %s", EnvRegion)
			break
		}
		ep, err := RegionEndpoint(region)
		if err != nil {
			if env != "" {
				bad(setting, env, "the environment variable %s: %v", env, err)
			} else {
				bad(setting, env, "%v", err)
			}
		}
		s.endpoint = ep
	}

	// Project ID.
	projectID, env := c.projectID, ""
	if !c.projectIDSet {
		projectID, env = c.env(EnvProjectID), EnvProjectID
	}
	switch {
	case projectID == "" && c.projectIDSet:
		bad("WithProjectID", EnvProjectID, "the project ID is empty; pass the project ID of the region (console: My Credentials > API Credentials)")
	case projectID == "":
		bad("WithProjectID", EnvProjectID, "no project ID: use drs.WithProjectID or set the environment variable %s (console: My Credentials > API Credentials)", EnvProjectID)
	default:
		if reason := checkProjectID(projectID); reason != "" {
			from := "WithProjectID"
			if env != "" {
				from = "the environment variable " + env
			}
			bad("WithProjectID", EnvProjectID, "the project ID from %s %s", from, reason)
		}
	}
	s.projectID = projectID

	// Credentials.
	auth, err := c.resolveAuth(projectID)
	if err != nil {
		errs = append(errs, err)
	}
	s.auth = auth

	// Language and user agent.
	if c.languageSet {
		switch c.language {
		case "en-us", "zh-cn":
			s.language = c.language
		default:
			bad("WithLanguage", "", "language %q is not supported; use \"en-us\" or \"zh-cn\"", c.language)
		}
	}
	s.userAgent = defaultUserAgent
	if c.userAgentSet {
		if c.userAgent == "" || strings.ContainsFunc(c.userAgent, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			bad("WithUserAgent", "", "the user agent must be non-empty printable text")
		}
		s.userAgent = c.userAgent
	}

	// HTTP client.
	s.httpClient = http.DefaultClient
	if c.httpClientSet {
		if c.httpClient == nil {
			bad("WithHTTPClient", "", "the *http.Client is nil; pass a client or leave the option out")
		} else {
			s.httpClient = c.httpClient
		}
	}

	// Retries, limits, timeouts, batching.
	p := c.retry
	switch {
	case p.MaxAttempts < 0:
		bad("WithRetry", "", "RetryPolicy.MaxAttempts is %d; use 1 (no retries) or more, or 0 for the default %d", p.MaxAttempts, DefaultMaxAttempts)
	case p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0:
		bad("WithRetry", "", "RetryPolicy delays must not be negative")
	}
	s.retry = p.withDefaults()
	if s.retry.MaxDelay < s.retry.BaseDelay {
		bad("WithRetry", "", "RetryPolicy.MaxDelay (%s) is below BaseDelay (%s)", s.retry.MaxDelay, s.retry.BaseDelay)
	}
	if c.rateLimitSet {
		if !(c.rateLimit > 0) || c.burst < 1 {
			bad("WithRateLimit", "", "calls per second must be above 0 and burst at least 1 (got %g, %d)", c.rateLimit, c.burst)
		}
		s.rateLimit, s.burst = c.rateLimit, c.burst
	}
	s.attemptTimeout = DefaultAttemptTimeout
	if c.attemptTimeoutSet {
		if c.attemptTimeout < 0 {
			bad("WithAttemptTimeout", "", "the attempt timeout must not be negative (0 disables it)")
		}
		s.attemptTimeout = c.attemptTimeout
	}
	s.maxResponseBytes = DefaultMaxResponseBytes
	if c.maxResponseBytesSet {
		if c.maxResponseBytes < 1 {
			bad("WithMaxResponseBytes", "", "the response size cap must be at least 1 byte (got %d)", c.maxResponseBytes)
		}
		s.maxResponseBytes = c.maxResponseBytes
	}
	s.batchSize = MaxBatchSize
	if c.batchSizeSet {
		if c.batchSize < 1 || c.batchSize > MaxBatchSize {
			bad("WithBatchSize", "", "the batch size must be 1 to %d (Huawei accepts at most %d jobs per call); got %d", MaxBatchSize, MaxBatchSize, c.batchSize)
		}
		s.batchSize = c.batchSize
	}
	s.concurrency = DefaultConcurrency
	if c.concurrencySet {
		if c.concurrency < 1 {
			bad("WithConcurrency", "", "the concurrency must be at least 1; got %d", c.concurrency)
		}
		s.concurrency = c.concurrency
	}

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// resolveAuth picks the credentials: explicit options first, then the
// environment; contradictions are errors, never silently resolved.
func (c *config) resolveAuth(projectID string) (authenticator, error) {
	bad := func(setting, env, format string, args ...any) error {
		return &ConfigError{Setting: setting, Env: env, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.tokenSet && c.akskSet:
		return nil, bad("WithToken", "", "both WithToken and WithAKSK are given; authenticate with one of them")
	case c.tokenSet && c.securityTokenSet:
		return nil, bad("WithSecurityToken", "", "WithSecurityToken goes with AK/SK credentials (WithAKSK), not with an IAM token (WithToken)")
	case c.tokenSet:
		if c.token == "" {
			return nil, bad("WithToken", EnvIAMToken, "the IAM token is empty")
		}
		return newTokenAuth(c.token, "WithToken")
	case c.akskSet:
		st := ""
		if c.securityTokenSet {
			st = c.securityToken
		}
		return c.checkAKSK(c.accessKey, c.secretKey, st, "WithAKSK", "WithSecurityToken", projectID)
	}

	// From the environment. WithSecurityToken alone may complete an AK/SK
	// pair from the environment.
	token, ak, sk, st := c.env(EnvIAMToken), c.env(EnvAccessKey), c.env(EnvSecretKey), c.env(EnvSecurityToken)
	stFrom := "the environment variable " + EnvSecurityToken
	if c.securityTokenSet {
		st, stFrom = c.securityToken, "WithSecurityToken"
	}
	switch {
	case token != "" && (ak != "" || sk != ""):
		return nil, bad("WithToken", EnvIAMToken, "both %s and %s/%s are set; unset one, or choose explicitly with drs.WithToken or drs.WithAKSK", EnvIAMToken, EnvAccessKey, EnvSecretKey)
	case token != "" && st != "":
		return nil, bad("WithSecurityToken", EnvSecurityToken, "%s goes with AK/SK credentials, not with an IAM token (%s)", stFrom, EnvIAMToken)
	case token != "":
		return newTokenAuth(token, EnvIAMToken)
	case ak != "" || sk != "":
		return c.checkAKSK(ak, sk, st, EnvAccessKey+"/"+EnvSecretKey, stFrom, projectID)
	case st != "":
		return nil, bad("WithSecurityToken", EnvSecurityToken, "%s is set but no AK/SK: use drs.WithAKSK or set %s and %s", stFrom, EnvAccessKey, EnvSecretKey)
	}
	return nil, bad("WithToken", EnvIAMToken,
		"no credentials: use drs.WithAKSK(ak, sk) or drs.WithToken(token), or set the environment variables %s and %s (plus %s for temporary credentials), or %s",
		EnvAccessKey, EnvSecretKey, EnvSecurityToken, EnvIAMToken)
}

// checkAKSK validates an AK/SK pair (and security token) taken from "from"
// (an option, or the environment variables).
func (c *config) checkAKSK(ak, sk, st, from, stFrom, projectID string) (authenticator, error) {
	akEnv, skEnv := "", ""
	if !c.akskSet {
		akEnv, skEnv = EnvAccessKey, EnvSecretKey
	}
	switch {
	case ak == "" && sk == "":
		return nil, &ConfigError{Setting: "WithAKSK", Env: akEnv, Reason: "the access key and the secret key are empty"}
	case ak == "":
		return nil, &ConfigError{Setting: "WithAKSK", Env: akEnv, Reason: fmt.Sprintf("a secret key but no access key from %s: set the access key (%s) too", from, EnvAccessKey)}
	case sk == "":
		return nil, &ConfigError{Setting: "WithAKSK", Env: skEnv, Reason: fmt.Sprintf("an access key but no secret key from %s: set the secret key (%s) too", from, EnvSecretKey)}
	case c.securityTokenSet && st == "":
		return nil, &ConfigError{Setting: "WithSecurityToken", Reason: "the security token is empty; leave WithSecurityToken out for permanent AK/SK credentials"}
	}
	for i := 0; i < len(ak); i++ {
		if ch := ak[i]; ch <= ' ' || ch >= 0x7f || ch == ',' {
			return nil, &ConfigError{Setting: "WithAKSK", Env: akEnv, Reason: fmt.Sprintf("the access key from %s contains white space, a comma or a non-printable byte; check for a copy-paste error", from)}
		}
	}
	if strings.ContainsFunc(st, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) {
		return nil, &ConfigError{Setting: "WithSecurityToken", Env: EnvSecurityToken, Reason: fmt.Sprintf("the security token from %s contains a control character; check for a copy-paste error", stFrom)}
	}
	return newAKSKAuth(ak, sk, st, projectID), nil
}

// checkProjectID returns why a project ID is unusable, or "".
func checkProjectID(id string) string {
	switch {
	case len(id) > 128:
		return "is longer than 128 characters"
	case strings.ContainsFunc(id, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' || r == '?' || r == '#' || r == '%'
	}):
		return "contains white space, a control character or one of / ? # %; check for a copy-paste error"
	}
	return ""
}

// clock is time as the client sees it; tests replace it to avoid real waits.
type clock struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

func realClock() clock { return clock{now: time.Now, sleep: sleepContext} }

// sleepContext waits for d or until ctx ends, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newConfig() *config {
	return &config{getenv: os.Getenv, clock: realClock()}
}
