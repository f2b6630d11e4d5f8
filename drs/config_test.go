package drs

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clearEnv unsets (for the test) every variable New reads.
func clearEnv(t *testing.T) {
	for _, name := range []string{EnvAccessKey, EnvSecretKey, EnvSecurityToken, EnvProjectID, EnvRegion, EnvIAMToken} {
		t.Setenv(name, "")
	}
}

func TestRegionEndpoint(t *testing.T) {
	for region, want := range map[string]string{
		"cn-north-4":     "https://drs.cn-north-4.myhuaweicloud.com",
		"ap-southeast-1": "https://drs.ap-southeast-1.myhuaweicloud.com",
		"sa-brazil-1":    "https://drs.sa-brazil-1.myhuaweicloud.com",
		"eu-west-101":    "https://drs.eu-west-101.myhuaweicloud.eu",
	} {
		got, err := RegionEndpoint(region)
		require.NoError(t, err, region)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "cn", "CN-North-4", "cn north 4", "cn-north-4.", "-cn", "cn--4", "https://drs.cn-north-4.myhuaweicloud.com", "cn-north-4/x"} {
		_, err := RegionEndpoint(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestEndpointValidation(t *testing.T) {
	ok := map[string]string{
		"https://drs.cn-north-4.myhuaweicloud.com":  "https://drs.cn-north-4.myhuaweicloud.com",
		"https://drs.cn-north-4.myhuaweicloud.com/": "https://drs.cn-north-4.myhuaweicloud.com",
		"HTTPS://proxy.example.com:8443/drs/":       "https://proxy.example.com:8443/drs",
		"http://127.0.0.1:8080":                     "http://127.0.0.1:8080",
		"http://localhost:9000":                     "http://localhost:9000",
		"http://[::1]:9000":                         "http://[::1]:9000",
	}
	for in, want := range ok {
		got, err := parseEndpoint(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	bad := map[string]string{
		"":                                   "empty",
		"drs.cn-north-4.myhuaweicloud.com":   "absolute URL",
		"cn-north-4":                         "absolute URL",
		"http://drs.example.com":             "https",
		"http://10.0.0.1:8080":               "https",
		"ftp://drs.example.com":              "scheme",
		"https://user:pw-SECRET@example.com": "user information",
		"https://example.com/?token=abc":     "query",
		"https:///nohost":                    "absolute URL",
		"::garbage::":                        "absolute URL",
	}
	for in, want := range bad {
		_, err := parseEndpoint(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
		assert.NotContains(t, err.Error(), "pw-SECRET")
		assert.NotContains(t, err.Error(), "token=abc")
	}
}

func TestConfigErrors(t *testing.T) {
	base := []Option{WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject)}
	cases := []struct {
		name    string
		opts    []Option
		setting string
		wants   []string
	}{
		{"no credentials", []Option{WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject)}, "WithToken",
			[]string{"no credentials", "WithAKSK", "WithToken", EnvAccessKey, EnvSecretKey, EnvIAMToken}},
		{"token and AK/SK", append(base, WithToken(testToken), WithAKSK(testAK, testSK)), "WithToken", []string{"both WithToken and WithAKSK"}},
		{"AK without SK", append(base, WithAKSK(testAK, "")), "WithAKSK", []string{"no secret key", EnvSecretKey}},
		{"SK without AK", append(base, WithAKSK("", testSK)), "WithAKSK", []string{"no access key", EnvAccessKey}},
		{"security token alone", append(base, WithSecurityToken(testST)), "WithSecurityToken", []string{"no AK/SK", "WithAKSK"}},
		{"security token with IAM token", append(base, WithToken(testToken), WithSecurityToken(testST)), "WithSecurityToken", []string{"WithAKSK"}},
		{"empty token", append(base, WithToken("")), "WithToken", []string{"empty"}},
		{"no region", []Option{WithoutEnvironment(), WithProjectID(testProject), WithToken(testToken)}, "WithRegion",
			[]string{"no region and no endpoint", "WithEndpoint", EnvRegion}},
		{"region and endpoint", append(base, WithToken(testToken), WithEndpoint("https://x.example.com")), "WithEndpoint", []string{"only one"}},
		{"bad region", []Option{WithoutEnvironment(), WithRegion("Mars 1"), WithProjectID(testProject), WithToken(testToken)}, "WithRegion", []string{"not a region ID"}},
		{"bad endpoint", []Option{WithoutEnvironment(), WithEndpoint("http://drs.example.com"), WithProjectID(testProject), WithToken(testToken)}, "WithEndpoint", []string{"https"}},
		{"no project", []Option{WithoutEnvironment(), WithRegion("cn-north-4"), WithToken(testToken)}, "WithProjectID", []string{"no project ID", EnvProjectID}},
		{"bad project", append([]Option{}, WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID("a b"), WithToken(testToken)), "WithProjectID", []string{"white space"}},
		{"bad language", append(base, WithToken(testToken), WithLanguage("fr-fr")), "WithLanguage", []string{`"en-us" or "zh-cn"`}},
		{"batch size 0", append(base, WithToken(testToken), WithBatchSize(0)), "WithBatchSize", []string{"1 to 10"}},
		{"batch size 11", append(base, WithToken(testToken), WithBatchSize(11)), "WithBatchSize", []string{"1 to 10"}},
		{"concurrency 0", append(base, WithToken(testToken), WithConcurrency(0)), "WithConcurrency", []string{"at least 1"}},
		{"negative attempts", append(base, WithToken(testToken), WithRetry(RetryPolicy{MaxAttempts: -1})), "WithRetry", []string{"MaxAttempts"}},
		{"max below base", append(base, WithToken(testToken), WithRetry(RetryPolicy{BaseDelay: time.Second, MaxDelay: time.Millisecond})), "WithRetry", []string{"MaxDelay"}},
		{"rate 0", append(base, WithToken(testToken), WithRateLimit(0, 1)), "WithRateLimit", []string{"above 0"}},
		{"burst 0", append(base, WithToken(testToken), WithRateLimit(1, 0)), "WithRateLimit", []string{"burst"}},
		{"negative timeout", append(base, WithToken(testToken), WithAttemptTimeout(-time.Second)), "WithAttemptTimeout", []string{"negative"}},
		{"cap 0", append(base, WithToken(testToken), WithMaxResponseBytes(0)), "WithMaxResponseBytes", []string{"at least 1 byte"}},
		{"nil http client", append(base, WithToken(testToken), WithHTTPClient(nil)), "WithHTTPClient", []string{"nil"}},
		{"bad user agent", append(base, WithToken(testToken), WithUserAgent("a\nb")), "WithUserAgent", []string{"printable"}},
		{"AK with space", append(base, WithAKSK("AK X", testSK)), "WithAKSK", []string{"white space"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			var cfgErr *ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tc.setting, cfgErr.Setting)
			for _, w := range tc.wants {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestConfigErrorsAreAllReported(t *testing.T) {
	_, err := New(WithoutEnvironment(), WithBatchSize(0), WithLanguage("xx"))
	require.Error(t, err)
	var settings []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var cfgErr *ConfigError
		require.True(t, errors.As(e, &cfgErr))
		settings = append(settings, cfgErr.Setting)
	}
	assert.ElementsMatch(t, []string{"WithRegion", "WithProjectID", "WithToken", "WithLanguage", "WithBatchSize"}, settings)
}

func TestDefaults(t *testing.T) {
	c, err := New(WithoutEnvironment(), WithRegion("eu-west-101"), WithProjectID(testProject), WithToken(testToken))
	require.NoError(t, err)
	assert.Equal(t, "https://drs.eu-west-101.myhuaweicloud.eu", c.Endpoint())
	assert.Equal(t, testProject, c.ProjectID())
	assert.Equal(t, RetryPolicy{MaxAttempts: DefaultMaxAttempts, BaseDelay: DefaultBaseDelay, MaxDelay: DefaultMaxDelay, MaxRetryAfter: DefaultMaxRetryAfter}, c.retry)
	assert.Equal(t, DefaultAttemptTimeout, c.attemptTimeout)
	assert.Equal(t, int64(DefaultMaxResponseBytes), c.maxResponseBytes)
	assert.Equal(t, MaxBatchSize, c.batchSize)
	assert.Equal(t, DefaultConcurrency, c.concurrency)
	assert.Nil(t, c.limiter)
	assert.Empty(t, c.language)

	c, err = New(WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject), WithToken(testToken), WithoutRetries())
	require.NoError(t, err)
	assert.Equal(t, 1, c.retry.MaxAttempts)
}

func TestEnvironmentAKSK(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvAccessKey, testAK)
	t.Setenv(EnvSecretKey, testSK)
	t.Setenv(EnvSecurityToken, testST)
	t.Setenv(EnvProjectID, testProject)
	t.Setenv(EnvRegion, "ap-southeast-1")
	c, err := New()
	require.NoError(t, err)
	assert.Equal(t, "https://drs.ap-southeast-1.myhuaweicloud.com", c.Endpoint())
	assert.Equal(t, testProject, c.ProjectID())
	a, ok := c.auth.(*akskAuth)
	require.True(t, ok)
	assert.Equal(t, testAK, a.signer.get().AccessKey)
	assert.Equal(t, testSK, a.signer.get().SecretKey)
	assert.Equal(t, testST, a.signer.get().SecurityToken)
	assert.Equal(t, testProject, a.projectID)
}

func TestEnvironmentToken(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvIAMToken, testToken)
	t.Setenv(EnvProjectID, testProject)
	t.Setenv(EnvRegion, "cn-north-4")
	c, err := New()
	require.NoError(t, err)
	a, ok := c.auth.(*tokenAuth)
	require.True(t, ok)
	assert.Equal(t, testToken, a.token.get())
	assert.Contains(t, c.String(), EnvIAMToken)
}

func TestOptionsWinOverEnvironment(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvAccessKey, "ENVAK")
	t.Setenv(EnvSecretKey, "ENVSK-SECRET")
	t.Setenv(EnvSecurityToken, "ENVST-SECRET")
	t.Setenv(EnvProjectID, "envproject")
	t.Setenv(EnvRegion, "cn-east-3")

	// An explicit token replaces the environment's AK/SK and security token.
	c, err := New(WithToken(testToken), WithProjectID(testProject), WithRegion("cn-north-4"))
	require.NoError(t, err)
	_, isToken := c.auth.(*tokenAuth)
	assert.True(t, isToken)
	assert.Equal(t, testProject, c.ProjectID())
	assert.Equal(t, "https://drs.cn-north-4.myhuaweicloud.com", c.Endpoint())

	// Explicit AK/SK: the environment's security token belongs to the
	// environment's key, so it is not used.
	c, err = New(WithAKSK(testAK, testSK))
	require.NoError(t, err)
	a := c.auth.(*akskAuth)
	assert.Equal(t, testAK, a.signer.get().AccessKey)
	assert.Empty(t, a.signer.get().SecurityToken)
	assert.Equal(t, "envproject", c.ProjectID())
	assert.Equal(t, "https://drs.cn-east-3.myhuaweicloud.com", c.Endpoint())

	// An explicit endpoint wins over the environment's region.
	c, err = New(WithEndpoint("https://proxy.example.com"))
	require.NoError(t, err)
	assert.Equal(t, "https://proxy.example.com", c.Endpoint())

	// WithoutEnvironment ignores it all.
	_, err = New(WithoutEnvironment())
	require.Error(t, err)
}

func TestEnvironmentContradictions(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		setting string
		wants   []string
	}{
		{"token and AK/SK", map[string]string{EnvIAMToken: testToken, EnvAccessKey: testAK, EnvSecretKey: testSK}, "WithToken", []string{EnvIAMToken, EnvAccessKey, "unset one"}},
		{"AK without SK", map[string]string{EnvAccessKey: testAK}, "WithAKSK", []string{EnvSecretKey}},
		{"SK without AK", map[string]string{EnvSecretKey: testSK}, "WithAKSK", []string{EnvAccessKey}},
		{"security token alone", map[string]string{EnvSecurityToken: testST}, "WithSecurityToken", []string{EnvSecurityToken, EnvAccessKey}},
		{"bad region", map[string]string{EnvIAMToken: testToken, EnvRegion: "moon"}, "WithRegion", []string{EnvRegion, "not a region ID"}},
		{"bad project", map[string]string{EnvIAMToken: testToken, EnvProjectID: "a/b"}, "WithProjectID", []string{EnvProjectID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(EnvProjectID, testProject)
			t.Setenv(EnvRegion, "cn-north-4")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := New()
			require.Error(t, err)
			var cfgErr *ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tc.setting, cfgErr.Setting)
			for _, w := range tc.wants {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestWithSecurityTokenCompletesEnvironmentAKSK(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvAccessKey, testAK)
	t.Setenv(EnvSecretKey, testSK)
	c, err := New(WithSecurityToken(testST), WithProjectID(testProject), WithRegion("cn-north-4"))
	require.NoError(t, err)
	assert.Equal(t, testST, c.auth.(*akskAuth).signer.get().SecurityToken)
}

func TestHTTPClientDefaults(t *testing.T) {
	c, err := New(WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject), WithToken(testToken))
	require.NoError(t, err)
	assert.Equal(t, "https://drs.cn-north-4.myhuaweicloud.com/v3/"+testProject+"/jobs/batch-precheck", c.opJobs.url.String())
	assert.Nil(t, http.DefaultClient.Transport, "the default client is copied, not modified")
}
