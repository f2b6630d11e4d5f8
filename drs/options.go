package drs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/drsclient/drs-precheck/credentials"
)

// Environment variables read by New unless WithoutEnvironment is given; the
// same as Huawei's official SDKs, plus HUAWEICLOUD_IAM_TOKEN (the credentials
// package has the whole list). Options win.
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

// Option configures a Client; pass options to New. An Option holds no
// readable copy of a secret: printing one shows a function address.
type Option func(*settings)

// RetryPolicy says how often and how patiently one call is retried: on
// throttling, on 408/502/503/504 and on connections that broke or timed out
// before an answer; never on an authentication or validation failure. Zero
// fields take their defaults.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt; 1 disables retries. Default 4.
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt, doubled for each
	// further one; the wait is drawn uniformly from [0, backoff]. Default 500ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff. Default 10s.
	MaxDelay time.Duration
	// MaxRetryAfter caps the wait a Retry-After header asks for. Default 60s.
	MaxRetryAfter time.Duration
}

// settings is the one place every setting lives: options write it, New
// completes and checks it, the Client keeps it (without the secrets, which
// only the request editor and the redactor hold).
type settings struct {
	getenv    func(string) string
	ignoreEnv bool

	// The credential chain: sources (nil: the whole chain), or off.
	sources  []credentials.Source
	chainOff bool
	provider credentials.Provider // WithCredentials; after New, the one in use
	found    credentials.Found    // what the chain found, for CredentialSource
	// Tests route the metadata service and IAM in memory; nil in use.
	metadataClient, iamClient *http.Client

	region, endpoint, projectID, language, userAgent string
	regionSet, endpointSet, projectIDSet             bool

	token, accessKey, secretKey, securityToken string
	tokenSet, akskSet, securityTokenSet        bool

	httpClient       *http.Client
	retry            RetryPolicy
	rateLimit        float64
	burst            int
	attemptTimeout   time.Duration
	maxResponseBytes int64
	batchSize        int
	concurrency      int

	// The clock of retries, polls and signatures (tests replace it).
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

func defaultSettings() settings {
	return settings{
		userAgent:        "drs-precheck-go",
		retry:            RetryPolicy{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: 10 * time.Second, MaxRetryAfter: time.Minute},
		attemptTimeout:   30 * time.Second,
		maxResponseBytes: 12 << 20, // the API gateway's body limit
		batchSize:        MaxBatchSize,
		concurrency:      4,
		getenv:           os.Getenv,
		now:              time.Now,
		sleep:            sleep,
	}
}

// WithRegion selects a region's endpoint, e.g. "cn-north-4"
// (https://drs.cn-north-4.myhuaweicloud.com; eu-west-101 is served under
// .myhuaweicloud.eu). Environment: HUAWEICLOUD_SDK_REGION. Give either
// WithRegion or WithEndpoint.
func WithRegion(region string) Option {
	return func(s *settings) { s.region, s.regionSet = region, true }
}

// WithEndpoint sets the endpoint URL, e.g. a proxy or a simulator. It must be
// https, except on loopback hosts. Credentials are only ever sent to it.
func WithEndpoint(endpoint string) Option {
	return func(s *settings) { s.endpoint, s.endpointSet = endpoint, true }
}

// WithProjectID sets the project ID. Environment: HUAWEICLOUD_SDK_PROJECT_ID.
func WithProjectID(projectID string) Option {
	return func(s *settings) { s.projectID, s.projectIDSet = projectID, true }
}

// WithToken authenticates with an IAM token (X-Auth-Token). Environment:
// HUAWEICLOUD_IAM_TOKEN. Not with WithAKSK or WithCredentials.
func WithToken(token string) Option {
	return func(s *settings) { s.token, s.tokenSet = token, true }
}

// WithAKSK authenticates with an access key and secret key; every request is
// signed (SDK-HMAC-SHA256). Environment: HUAWEICLOUD_SDK_AK and
// HUAWEICLOUD_SDK_SK. Not with WithToken.
func WithAKSK(accessKey, secretKey string) Option {
	return func(s *settings) { s.accessKey, s.secretKey, s.akskSet = accessKey, secretKey, true }
}

// WithSecurityToken adds the security token of temporary AK/SK credentials.
// Environment: HUAWEICLOUD_SDK_SECURITY_TOKEN.
func WithSecurityToken(securityToken string) Option {
	return func(s *settings) { s.securityToken, s.securityTokenSet = securityToken, true }
}

// WithEnvironment makes New read the environment through getenv instead of
// os.Getenv: a program that keeps its own environment (a CLI under test)
// passes it here. nil reads nothing. The profile file is found through it
// too (HUAWEICLOUD_SDK_CREDENTIALS_FILE, else HOME or USERPROFILE).
func WithEnvironment(getenv func(string) string) Option {
	return func(s *settings) {
		if getenv == nil {
			getenv = func(string) string { return "" }
		}
		s.getenv, s.ignoreEnv = getenv, false
	}
}

// WithoutEnvironment makes New use options only: no environment variable,
// no profile file, no instance metadata.
func WithoutEnvironment() Option {
	return func(s *settings) { s.ignoreEnv = true }
}

// WithCredentials authenticates with the credentials p hands out, asked
// before each request: for instance credentials.NewRefreshing around a
// credentials.Federation of your own. Not with WithToken or WithAKSK.
func WithCredentials(p credentials.Provider) Option {
	return func(s *settings) { s.provider = p }
}

// WithCredentialSource pins the credential chain to one source: the
// environment, the profile file or the instance metadata (see the
// credentials package). Without it, New takes the first source that has
// credentials, in that order, as Huawei's SDKs do. Explicit credentials
// (WithToken, WithAKSK, WithCredentials) always win.
func WithCredentialSource(src credentials.Source) Option {
	return func(s *settings) { s.sources, s.chainOff = []credentials.Source{src}, false }
}

// WithoutCredentialChain takes credentials from options only; the region
// and project ID may still come from the environment.
func WithoutCredentialChain() Option {
	return func(s *settings) { s.chainOff = true }
}

// WithHTTPClient sends requests with a copy of hc. Redirects are never
// followed, whatever hc says: credentials stay with the endpoint.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) { s.httpClient = hc }
}

// WithLanguage sets the language of DRS's messages: "en-us" or "zh-cn".
func WithLanguage(lang string) Option {
	return func(s *settings) { s.language = lang }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(userAgent string) Option {
	return func(s *settings) { s.userAgent = userAgent }
}

// WithRetry sets the retry policy of every call (see RetryPolicy).
func WithRetry(p RetryPolicy) Option {
	return func(s *settings) {
		d := defaultSettings().retry
		s.retry = RetryPolicy{
			MaxAttempts:   orDefault(p.MaxAttempts, d.MaxAttempts),
			BaseDelay:     orDefault(p.BaseDelay, d.BaseDelay),
			MaxDelay:      orDefault(p.MaxDelay, d.MaxDelay),
			MaxRetryAfter: orDefault(p.MaxRetryAfter, d.MaxRetryAfter),
		}
	}
}

func orDefault[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// WithRateLimit limits the requests of all calls of the client to
// callsPerSecond on average, in bursts of up to burst. Huawei's gateway
// throttles at 200 calls per second per API.
func WithRateLimit(callsPerSecond float64, burst int) Option {
	return func(s *settings) { s.rateLimit, s.burst = callsPerSecond, burst }
}

// WithAttemptTimeout bounds each request: connecting, sending and reading the
// answer (default 30s; 0: only the context bounds it).
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) { s.attemptTimeout = d }
}

// WithMaxResponseBytes caps a response body (default 12 MB, the gateway's
// limit); a larger answer is unusable, never read in part.
func WithMaxResponseBytes(n int64) Option {
	return func(s *settings) { s.maxResponseBytes = n }
}

// WithBatchSize sets how many jobs go in one call of Precheck, Results, Wait
// and PrecheckAndWait: 1 to MaxBatchSize (the default).
func WithBatchSize(n int) Option {
	return func(s *settings) { s.batchSize = n }
}

// WithConcurrency sets how many calls Precheck, Results, Wait and
// PrecheckAndWait run at once (default 4). The first call of each always goes
// alone, so that bad credentials fail one request, not many.
func WithConcurrency(n int) Option {
	return func(s *settings) { s.concurrency = n }
}

// MinPollInterval is the floor of polling: no job is asked about again
// sooner than this after its previous query, whatever the options say, so
// that no setting can get an account throttled.
const MinPollInterval = time.Second

// DefaultFirstPollDelay is how long a wait waits before its first query
// unless WithFirstPollDelay says otherwise.
const DefaultFirstPollDelay = 5 * time.Second

// WaitOption tunes one call of Wait or PrecheckAndWait. It is a type of its
// own, not an Option, because it belongs to the call (two waits of one
// client may poll differently and report to different callbacks), and so
// that the compiler refuses it where it means nothing (in New).
type WaitOption func(*waitSettings)

// waitSettings are the settings of one wait.
type waitSettings struct {
	firstPollDelay  time.Duration
	pollInterval    time.Duration
	maxPollInterval time.Duration
	progress        func(Report)
}

// newWaitSettings applies opts to the defaults and checks them: a bad value
// is a *ConfigError naming the option, never silently raised to the floor
// (a caller asking for 1ns has a mistake worth hearing about).
func newWaitSettings(opts []WaitOption) (waitSettings, error) {
	w := waitSettings{firstPollDelay: DefaultFirstPollDelay, pollInterval: 5 * time.Second, maxPollInterval: 30 * time.Second}
	for _, o := range opts {
		if o != nil {
			o(&w)
		}
	}
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
// (default 5s: a pre-check can finish in seconds, and the first answer's
// progress tells when to ask again). When the context's deadline comes
// sooner, the first query is made halfway to it instead. 0 asks at once.
func WithFirstPollDelay(d time.Duration) WaitOption {
	return func(w *waitSettings) { w.firstPollDelay = d }
}

// WithPollInterval sets how often a job whose progress tells nothing (no
// percentage yet, or one that stopped moving) is asked about (default 5s,
// at least MinPollInterval). It grows by half after each query that saw no
// job move, up to WithMaxPollInterval. Jobs whose progress moves are asked
// about when it says they will be done instead.
func WithPollInterval(d time.Duration) WaitOption {
	return func(w *waitSettings) { w.pollInterval = d }
}

// WithMaxPollInterval caps the time between two queries about a job whose
// progress says nothing (default 30s, at least MinPollInterval); a job whose
// progress says when it will be done is asked about then, at most 10 times
// this after its previous query.
func WithMaxPollInterval(d time.Duration) WaitOption {
	return func(w *waitSettings) { w.maxPollInterval = d }
}

// WithProgress makes the wait call fn when it begins (after the start, for
// PrecheckAndWait) and each time an answer lands, with the verdicts so far
// (a copy fn may keep). fn runs on the waiting goroutine; the next answer is
// not taken in until it returns.
func WithProgress(fn func(Report)) WaitOption {
	return func(w *waitSettings) { w.progress = fn }
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
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
