package drs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/drsclient/drs-precheck/credentials"
)

// Environment variables New reads unless WithoutEnvironment is given: those
// of Huawei's SDKs, plus HUAWEICLOUD_IAM_TOKEN. Options win.
const (
	EnvAccessKey     = credentials.EnvAccessKey
	EnvSecretKey     = credentials.EnvSecretKey
	EnvSecurityToken = credentials.EnvSecurityToken
	EnvProjectID     = credentials.EnvProjectID
	EnvRegion        = credentials.EnvRegion
	EnvIAMToken      = credentials.EnvIAMToken
)

// MaxBatchSize is the most jobs Huawei accepts in one call.
const MaxBatchSize = 10

// Option configures a Client. It holds no readable copy of a secret:
// printing one shows a function address.
type Option func(*settings)

// RetryPolicy says how often and how patiently a call is retried (see
// WithRetry). Zero fields take their defaults.
type RetryPolicy struct {
	MaxAttempts int // counting the first; 1 disables retries. Default 4.
	// BaseDelay is the backoff before the second attempt, doubled for each
	// further one; the wait is drawn uniformly from [0, backoff]. Default 500ms.
	BaseDelay     time.Duration
	MaxDelay      time.Duration // caps the backoff. Default 10s.
	MaxRetryAfter time.Duration // caps the wait a Retry-After asks for. Default 60s.
}

// settings is the one place every setting lives: options write it, New
// completes and checks it, and the Client keeps it without the secrets.
type settings struct {
	getenv    func(string) string
	ignoreEnv bool

	sources  []credentials.Source // of the chain; nil: all
	chainOff bool
	provider credentials.Provider // WithCredentials
	found    credentials.Found    // the credentials in use and where they came from
	// Tests route the metadata service and IAM in memory.
	metadataClient, iamClient *http.Client

	region, endpoint, projectID, language, userAgent string
	regionSet, endpointSet, projectIDSet             bool

	creds              credentials.Credentials // WithToken, WithAKSK, WithSecurityToken
	credsSet, tokenSet bool

	httpClient       *http.Client
	retry            RetryPolicy
	rateLimit        float64
	burst            int
	attemptTimeout   time.Duration
	maxResponseBytes int64
	concurrency      int

	// The clock of retries, polls and signatures (tests replace it).
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

var defaultRetry = RetryPolicy{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: 10 * time.Second, MaxRetryAfter: time.Minute}

// WithRegion selects a region's endpoint, e.g. "cn-north-4"
// (https://drs.cn-north-4.myhuaweicloud.com; eu-west-101 is under
// .myhuaweicloud.eu). Environment: HUAWEICLOUD_SDK_REGION. Not with WithEndpoint.
func WithRegion(region string) Option {
	return func(s *settings) { s.region, s.regionSet = region, true }
}

// WithEndpoint sets the endpoint URL, e.g. a proxy or a simulator: https,
// or http on loopback hosts. Credentials are only ever sent to it.
func WithEndpoint(endpoint string) Option {
	return func(s *settings) { s.endpoint, s.endpointSet = endpoint, true }
}

// WithProjectID sets the project ID. Environment: HUAWEICLOUD_SDK_PROJECT_ID.
func WithProjectID(projectID string) Option {
	return func(s *settings) { s.projectID, s.projectIDSet = projectID, true }
}

// WithToken authenticates with an IAM token (X-Auth-Token). Environment:
// HUAWEICLOUD_IAM_TOKEN.
func WithToken(token string) Option {
	return func(s *settings) { s.creds.Token, s.credsSet, s.tokenSet = token, true, true }
}

// WithAKSK authenticates with an access key and secret key, signing every
// request (SDK-HMAC-SHA256). Environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK.
func WithAKSK(accessKey, secretKey string) Option {
	return func(s *settings) { s.creds.AccessKey, s.creds.SecretKey, s.credsSet = accessKey, secretKey, true }
}

// WithSecurityToken adds the security token of temporary AK/SK credentials.
// Environment: HUAWEICLOUD_SDK_SECURITY_TOKEN.
func WithSecurityToken(securityToken string) Option {
	return func(s *settings) { s.creds.SecurityToken, s.credsSet = securityToken, true }
}

// WithCredentials authenticates with the credentials p hands out, asked
// before each request: for instance credentials.NewRefreshing around a
// credentials.Federation of your own. Not with WithToken or WithAKSK.
func WithCredentials(p credentials.Provider) Option { return func(s *settings) { s.provider = p } }

// WithEnvironment makes New read the environment through getenv instead of
// os.Getenv (nil reads nothing): a program that keeps its own environment
// passes it here. The profile file is found through it too.
func WithEnvironment(getenv func(string) string) Option {
	return func(s *settings) { s.getenv, s.ignoreEnv = getenv, false }
}

// WithoutEnvironment makes New use options only: no environment variable,
// no profile file, no instance metadata.
func WithoutEnvironment() Option { return func(s *settings) { s.ignoreEnv = true } }

// WithCredentialSource pins the credential chain to one source: the
// environment, the profile file or the instance metadata (see package
// credentials). Without it, New takes the first source that has
// credentials, in that order, as Huawei's SDKs do. Explicit credentials win.
func WithCredentialSource(src credentials.Source) Option {
	return func(s *settings) { s.sources, s.chainOff = []credentials.Source{src}, false }
}

// WithoutCredentialChain takes credentials from options only; the region and
// project ID may still come from the environment.
func WithoutCredentialChain() Option { return func(s *settings) { s.chainOff = true } }

// WithHTTPClient sends requests with a copy of hc that never follows redirects.
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.httpClient = hc } }

// WithLanguage sets the language of DRS's messages: "en-us" or "zh-cn".
func WithLanguage(lang string) Option { return func(s *settings) { s.language = lang } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(userAgent string) Option { return func(s *settings) { s.userAgent = userAgent } }

// WithRetry sets the retry policy of every call: exponential backoff with
// full jitter, honouring Retry-After, on throttling, 408/502/503/504 and
// transport failures other than a certificate, TLS or DNS failure; never on
// an authentication or validation failure.
func WithRetry(p RetryPolicy) Option {
	return func(s *settings) {
		s.retry = RetryPolicy{cmp.Or(p.MaxAttempts, defaultRetry.MaxAttempts), cmp.Or(p.BaseDelay, defaultRetry.BaseDelay),
			cmp.Or(p.MaxDelay, defaultRetry.MaxDelay), cmp.Or(p.MaxRetryAfter, defaultRetry.MaxRetryAfter)}
	}
}

// WithRateLimit limits the requests of all calls of the client to
// callsPerSecond on average, in bursts of up to burst. Huawei's gateway
// throttles at 200 calls per second per API.
func WithRateLimit(callsPerSecond float64, burst int) Option {
	return func(s *settings) { s.rateLimit, s.burst = callsPerSecond, burst }
}

// WithAttemptTimeout bounds each request: connecting, sending and reading the
// answer (default 30s; 0: only the context bounds it).
func WithAttemptTimeout(d time.Duration) Option { return func(s *settings) { s.attemptTimeout = d } }

// WithMaxResponseBytes caps a response body (default 12 MiB, the API
// gateway's limit); a larger answer is unusable, never read in part.
func WithMaxResponseBytes(n int64) Option { return func(s *settings) { s.maxResponseBytes = n } }

// WithConcurrency sets how many requests a call runs at once (default 4).
// The first request of each call goes alone, so that bad credentials fail
// one request, not many.
func WithConcurrency(n int) Option { return func(s *settings) { s.concurrency = n } }

// resolve applies opts to the defaults, merges the environment in and
// checks every setting, reporting each problem as a *ConfigError (joined).
// On success the endpoint is normalised and s.found holds the credentials.
func resolve(opts []Option) (settings, error) {
	s := settings{userAgent: "drs-precheck-go", retry: defaultRetry, attemptTimeout: 30 * time.Second,
		maxResponseBytes: 12 << 20, concurrency: 4, getenv: os.Getenv, now: time.Now, sleep: sleep}
	apply(&s, opts)
	var errs []error
	bad := func(option, env, format string, args ...any) {
		errs = append(errs, &ConfigError{Option: option, Env: env, Reason: fmt.Sprintf(format, args...)})
	}
	if s.ignoreEnv || s.getenv == nil {
		s.getenv = func(string) string { return "" }
	}
	env := s.getenv
	switch {
	case s.endpointSet && s.regionSet:
		bad("WithEndpoint", "", "both an endpoint and a region are given; give only one")
	case s.endpointSet:
		ep, err := parseEndpoint(s.endpoint)
		if err != nil {
			bad("WithEndpoint", "", "%v", err)
		}
		s.endpoint = ep
	case !s.regionSet && env(EnvRegion) == "":
		bad("WithRegion", EnvRegion, "no region and no endpoint: give a region such as cn-north-4, or an endpoint URL")
	default:
		region, from := s.region, ""
		if !s.regionSet {
			region, from = env(EnvRegion), EnvRegion
		}
		ep, err := regionEndpoint(region)
		if err != nil {
			bad("WithRegion", from, "%v", err)
		}
		s.endpoint = ep
	}
	if !s.projectIDSet {
		s.projectID = env(EnvProjectID)
	}
	if err := s.resolveCredentials(env); err != nil {
		errs = append(errs, err)
	}
	if reason := projectIDProblem(s.projectID); reason != "" {
		bad("WithProjectID", EnvProjectID, "%s", reason)
	}
	s.httpClient = cmp.Or(s.httpClient, http.DefaultClient)
	r := s.retry
	for _, c := range []struct {
		bad            bool
		option, reason string
	}{
		{s.language != "" && s.language != "en-us" && s.language != "zh-cn", "WithLanguage", fmt.Sprintf("language %q is not supported; use en-us or zh-cn", s.language)},
		{s.userAgent == "" || strings.ContainsFunc(s.userAgent, unicode.IsControl), "WithUserAgent", "the user agent must be printable text"},
		{r.MaxAttempts < 1 || r.BaseDelay < 0 || r.MaxDelay < r.BaseDelay || r.MaxRetryAfter < 0, "WithRetry",
			fmt.Sprintf("the retry policy needs at least 1 attempt and delays with 0 <= base <= max (got %d attempts, base %s, max %s)", r.MaxAttempts, r.BaseDelay, r.MaxDelay)},
		{s.rateLimit < 0 || (s.rateLimit > 0 && s.burst < 1), "WithRateLimit", fmt.Sprintf("the rate must be above 0 with a burst of at least 1 (got %g, %d)", s.rateLimit, s.burst)},
		{s.attemptTimeout < 0, "WithAttemptTimeout", "the attempt timeout must not be negative"},
		{s.maxResponseBytes < 1, "WithMaxResponseBytes", "the response size cap must be at least 1 byte"},
		{s.concurrency < 1, "WithConcurrency", fmt.Sprintf("the concurrency must be at least 1; got %d", s.concurrency)},
	} {
		if c.bad {
			bad(c.option, "", "%s", c.reason)
		}
	}
	return s, errors.Join(errs...)
}

// resolveCredentials picks the credentials: options first, then the chain
// of package credentials, which may also supply the profile file's project
// ID. Contradictions are errors, never silently resolved.
func (s *settings) resolveCredentials(env func(string) string) error {
	switch {
	case s.provider != nil && s.credsSet:
		return &ConfigError{Option: "WithCredentials", Reason: "a credentials provider and a token or AK/SK are both given; use one"}
	case s.provider != nil:
		s.found = credentials.Found{Provider: s.provider, Source: credentials.SourceOptions, Description: "options (a credentials provider)"}
	case s.tokenSet && s.creds.Token == "":
		return &ConfigError{Option: "WithToken", Reason: "the IAM token is empty or contains a control character"}
	case s.credsSet:
		s.creds.Source = "options"
		if err := s.creds.Validate(); err != nil {
			return credentialError(err)
		}
		s.found = credentials.Found{Provider: credentials.Static(s.creds), Source: credentials.SourceOptions, Description: "options"}
	case s.ignoreEnv || s.chainOff:
		return &ConfigError{Option: "WithToken", Env: anyCredentials, Reason: "no credentials: give an IAM token or an access key and secret key"}
	default:
		found, err := credentials.Resolve(credentials.Options{Getenv: env, Sources: s.sources, Now: s.now,
			HTTPClient: s.iamClient, MetadataClient: s.metadataClient})
		if err != nil {
			return credentialError(err)
		}
		s.found = found
		if !s.projectIDSet && s.projectID == "" {
			s.projectID = found.ProjectID
		}
	}
	return nil
}

const anyCredentials = EnvIAMToken + " or " + EnvAccessKey + ", " + EnvSecretKey

// credentialError is a *credentials.Error as a *ConfigError naming the
// option to use instead.
func credentialError(err error) error {
	e, ok := errors.AsType[*credentials.Error](err)
	if !ok {
		return err
	}
	option := map[string]string{"token": "WithToken", "access key": "WithAKSK", "security token": "WithSecurityToken"}[e.Setting]
	switch {
	case option != "":
		return &ConfigError{Option: option, Env: e.Env, Reason: e.Reason}
	case strings.HasPrefix(e.Reason, "no credentials"):
		return &ConfigError{Option: "WithToken", Env: anyCredentials, Reason: e.Reason}
	}
	return &ConfigError{Option: "WithCredentialSource", Env: e.Env, Reason: e.Reason}
}

var regionID = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)

// regionEndpoint returns the DRS endpoint of a region.
func regionEndpoint(region string) (string, error) {
	switch {
	case len(region) > 64 || !regionID.MatchString(region):
		return "", fmt.Errorf("%q is not a region ID; use one such as cn-north-4", region)
	case region == "eu-west-101":
		return "https://drs.eu-west-101.myhuaweicloud.eu", nil
	}
	return "https://drs." + region + ".myhuaweicloud.com", nil
}

// parseEndpoint checks an endpoint URL and returns it without a trailing
// slash. Errors never echo user information or a query, which may hold secrets.
func parseEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return "", errors.New("the endpoint is not an absolute URL such as https://drs.cn-north-4.myhuaweicloud.com")
	case u.User != nil:
		return "", errors.New("the endpoint contains user information; credentials do not go in the URL")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("the endpoint has a query or fragment; give scheme, host, port and an optional base path")
	}
	ip := net.ParseIP(u.Hostname())
	loopback := strings.EqualFold(u.Hostname(), "localhost") || ip != nil && ip.IsLoopback()
	switch {
	case u.Scheme == "http" && !loopback:
		return "", fmt.Errorf("the endpoint %s uses http; use https (http is allowed only on loopback hosts, for testing)", u.Redacted())
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("the endpoint %s has scheme %q; use https", u.Redacted(), u.Scheme)
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), ""
	return u.String(), nil
}

// projectIDProblem says why a project ID cannot be used in
// /v3/{project_id}/..., "" if it can.
func projectIDProblem(id string) string {
	switch {
	case id == "":
		return "no project ID: give the project ID of the region (console: My Credentials > API Credentials)"
	case id == "." || id == "..":
		return fmt.Sprintf("the project ID %q would change the request path", id)
	case len(id) > 128:
		return "the project ID is longer than 128 characters"
	case strings.ContainsFunc(id, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`/\?#%`, r)
	}):
		return "the project ID contains white space, a control character or one of / \\ ? # %"
	}
	return ""
}

// MinPollInterval is the floor of polling: no job is asked about again
// sooner than this after its previous query, whatever the options say, so
// that no setting can get an account throttled.
const MinPollInterval = time.Second

// DefaultFirstPollDelay is how long a wait waits before its first query
// unless WithFirstPollDelay says otherwise.
const DefaultFirstPollDelay = 5 * time.Second

// WaitOption tunes one call of Wait or PrecheckAndWait: it belongs to the
// call (two waits of one client may poll differently), and the compiler
// refuses it in New.
type WaitOption func(*waitSettings)

type waitSettings struct {
	firstPollDelay  time.Duration
	pollInterval    time.Duration
	maxPollInterval time.Duration
	progress        func(Report)
}

// newWaitSettings applies opts to the defaults and checks them: a bad value
// is a *ConfigError naming the option, never silently raised to the floor.
func newWaitSettings(opts []WaitOption) (waitSettings, error) {
	w := waitSettings{firstPollDelay: DefaultFirstPollDelay, pollInterval: 5 * time.Second, maxPollInterval: 30 * time.Second}
	apply(&w, opts)
	var errs []error
	if w.firstPollDelay < 0 {
		errs = append(errs, &ConfigError{Option: "WithFirstPollDelay", Reason: "the first poll delay must not be negative"})
	}
	if w.pollInterval < MinPollInterval {
		errs = append(errs, &ConfigError{Option: "WithPollInterval", Reason: fmt.Sprintf("the poll interval must be at least %s; got %s", MinPollInterval, w.pollInterval)})
	}
	if w.maxPollInterval < MinPollInterval {
		errs = append(errs, &ConfigError{Option: "WithMaxPollInterval", Reason: fmt.Sprintf("the maximum poll interval must be at least %s; got %s", MinPollInterval, w.maxPollInterval)})
	}
	w.maxPollInterval = max(w.maxPollInterval, w.pollInterval)
	return w, errors.Join(errs...)
}

// WithFirstPollDelay sets how long a wait waits before its first query
// (default 5s), or halfway to the context's deadline if that is sooner; 0
// asks at once.
func WithFirstPollDelay(d time.Duration) WaitOption {
	return func(w *waitSettings) { w.firstPollDelay = d }
}

// WithPollInterval sets how often a job whose progress tells nothing (none
// yet, or stalled) is asked about (default 5s, at least MinPollInterval),
// growing by half after each query that saw no job move, up to
// WithMaxPollInterval.
func WithPollInterval(d time.Duration) WaitOption {
	return func(w *waitSettings) { w.pollInterval = d }
}

// WithMaxPollInterval caps the time between two queries about a job whose
// progress says nothing (default 30s, at least MinPollInterval), and at 10
// times this about a job whose progress says when it will be done.
func WithMaxPollInterval(d time.Duration) WaitOption {
	return func(w *waitSettings) { w.maxPollInterval = d }
}

// WithProgress makes the wait call fn, on the waiting goroutine, when it
// begins and each time an answer lands, with a copy of the verdicts so far.
func WithProgress(fn func(Report)) WaitOption { return func(w *waitSettings) { w.progress = fn } }

// apply runs the options on t, skipping nil ones.
func apply[O ~func(*T), T any](t *T, opts []O) {
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return ctx.Err()
}
