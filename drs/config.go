package drs

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/drsclient/drs-precheck/credentials"
)

// resolve merges the environment into s and checks every setting, reporting
// each problem as a *ConfigError (joined). On success s.endpoint is the
// normalised endpoint and the credentials are complete.
func (s *settings) resolve() error {
	var errs []error
	bad := func(option, env, format string, args ...any) {
		errs = append(errs, &ConfigError{Option: option, Env: env, Reason: fmt.Sprintf(format, args...)})
	}
	env := func(name string) string {
		if s.ignoreEnv || s.getenv == nil {
			return ""
		}
		return s.getenv(name)
	}

	switch {
	case s.endpointSet && s.regionSet:
		bad("WithEndpoint", "", "both an endpoint and a region are given; give only one")
	case s.endpointSet:
		ep, err := parseEndpoint(s.endpoint)
		if err != nil {
			bad("WithEndpoint", "", "%v", err)
		}
		s.endpoint = ep
	default:
		region, from := s.region, ""
		if !s.regionSet {
			region, from = env(EnvRegion), EnvRegion
		}
		if region == "" && !s.regionSet {
			bad("WithRegion", EnvRegion, "no region and no endpoint: give a region such as cn-north-4, or an endpoint URL")
			break
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

	if s.language != "" && s.language != "en-us" && s.language != "zh-cn" {
		bad("WithLanguage", "", "language %q is not supported; use en-us or zh-cn", s.language)
	}
	if s.userAgent == "" || strings.ContainsFunc(s.userAgent, unicode.IsControl) {
		bad("WithUserAgent", "", "the user agent must be printable text")
	}
	if s.httpClient == nil {
		s.httpClient = http.DefaultClient
	}
	r := s.retry
	if r.MaxAttempts < 1 || r.BaseDelay < 0 || r.MaxDelay < r.BaseDelay || r.MaxRetryAfter < 0 {
		bad("WithRetry", "", "the retry policy needs at least 1 attempt and delays with 0 <= base <= max (got %d attempts, base %s, max %s)", r.MaxAttempts, r.BaseDelay, r.MaxDelay)
	}
	if s.rateLimit < 0 || (s.rateLimit > 0 && s.burst < 1) {
		bad("WithRateLimit", "", "the rate must be above 0 with a burst of at least 1 (got %g, %d)", s.rateLimit, s.burst)
	}
	if s.attemptTimeout < 0 {
		bad("WithAttemptTimeout", "", "the attempt timeout must not be negative")
	}
	if s.maxResponseBytes < 1 {
		bad("WithMaxResponseBytes", "", "the response size cap must be at least 1 byte")
	}
	if s.batchSize < 1 || s.batchSize > MaxBatchSize {
		bad("WithBatchSize", "", "the batch size must be 1 to %d (Huawei's limit); got %d", MaxBatchSize, s.batchSize)
	}
	if s.concurrency < 1 {
		bad("WithConcurrency", "", "the concurrency must be at least 1; got %d", s.concurrency)
	}
	return errors.Join(errs...)
}

// resolveCredentials picks the credentials: options first, then the chain
// of the credentials package (environment, profile file, instance metadata),
// which also supplies the profile file's project ID. Contradictions are
// errors, never silently resolved.
func (s *settings) resolveCredentials(env func(string) string) error {
	if s.provider != nil {
		if s.tokenSet || s.akskSet || s.securityTokenSet {
			return &ConfigError{Option: "WithCredentials", Reason: "a credentials provider and a token or AK/SK are both given; use one"}
		}
		s.found = credentials.Found{Provider: s.provider, Source: credentials.SourceOptions, Description: "options (a credentials provider)"}
		return nil
	}
	if s.tokenSet || s.akskSet || s.securityTokenSet {
		c := credentials.Credentials{Token: s.token, AccessKey: s.accessKey, SecretKey: s.secretKey, SecurityToken: s.securityToken, Source: "options"}
		if s.tokenSet && s.token == "" {
			return &ConfigError{Option: "WithToken", Reason: "the IAM token is empty or contains a control character"}
		}
		if err := c.Validate(); err != nil {
			return credentialError(err)
		}
		s.found = credentials.Found{Provider: credentials.Static(c), Source: credentials.SourceOptions, Description: "options"}
		return nil
	}
	if s.ignoreEnv || s.chainOff {
		return &ConfigError{Option: "WithToken", Env: EnvIAMToken + " or " + EnvAccessKey + ", " + EnvSecretKey,
			Reason: "no credentials: give an IAM token or an access key and secret key"}
	}
	found, err := credentials.Resolve(credentials.Options{
		Getenv: env, Sources: s.sources, Now: s.now,
		HTTPClient: s.iamClient, MetadataClient: s.metadataClient,
	})
	if err != nil {
		return credentialError(err)
	}
	s.found = found
	if !s.projectIDSet && s.projectID == "" {
		s.projectID = found.ProjectID
	}
	return nil
}

// credentialError is a *credentials.Error as a *ConfigError naming the
// option to use instead.
func credentialError(err error) error {
	var e *credentials.Error
	if !errors.As(err, &e) {
		return err
	}
	option := map[string]string{"token": "WithToken", "access key": "WithAKSK", "security token": "WithSecurityToken"}[e.Setting]
	env := e.Env
	switch {
	case option != "":
	case strings.HasPrefix(e.Reason, "no credentials"):
		option, env = "WithToken", EnvIAMToken+" or "+EnvAccessKey+", "+EnvSecretKey
	default:
		option = "WithCredentialSource"
	}
	return &ConfigError{Option: option, Env: env, Reason: e.Reason}
}

// regionEndpoint returns the DRS endpoint of a region.
func regionEndpoint(region string) (string, error) {
	parts := strings.Split(region, "-")
	ok := len(parts) >= 2 && len(region) <= 64
	for _, p := range parts {
		ok = ok && p != "" && !strings.ContainsFunc(p, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') })
	}
	if !ok {
		return "", fmt.Errorf("%q is not a region ID; use one such as cn-north-4", region)
	}
	if region == "eu-west-101" {
		return "https://drs.eu-west-101.myhuaweicloud.eu", nil
	}
	return "https://drs." + region + ".myhuaweicloud.com", nil
}

// parseEndpoint checks an endpoint URL and returns it without a trailing
// slash. Errors never echo user information or a query, which may hold secrets.
func parseEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", errors.New("the endpoint is not an absolute URL such as https://drs.cn-north-4.myhuaweicloud.com")
	}
	switch {
	case u.User != nil:
		return "", errors.New("the endpoint contains user information; credentials do not go in the URL")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("the endpoint has a query or fragment; give scheme, host, port and an optional base path")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "", fmt.Errorf("the endpoint %s uses http; use https (http is allowed only on loopback hosts, for testing)", u.Redacted())
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("the endpoint %s has scheme %q; use https", u.Redacted(), u.Scheme)
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), ""
	return u.String(), nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback())
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
