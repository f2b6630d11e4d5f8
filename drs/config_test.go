package drs

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// configErrors returns the options named by New's joined *ConfigErrors.
func configErrors(t *testing.T, err error) map[string]*ConfigError {
	t.Helper()
	out := map[string]*ConfigError{}
	for _, e := range errorsOf(err) {
		ce := errAs[*ConfigError](t, e)
		out[ce.Option] = ce
	}
	return out
}

// valid are the options of a client that New accepts.
func valid(extra ...Option) []Option {
	return append([]Option{WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject), WithToken(testToken)}, extra...)
}

// TestInvalidSettingsAreConfigErrors proves that each invalid setting is
// refused by New as a *ConfigError naming its option, with every problem
// reported at once.
func TestInvalidSettingsAreConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []Option
		option string
		reason string
	}{
		{"endpoint and region", []Option{WithEndpoint("https://drs.example.com")}, "WithEndpoint", "give only one"},
		{"region with capitals", []Option{WithRegion("CN-NORTH-4")}, "WithRegion", `"CN-NORTH-4" is not a region ID`},
		{"region with underscore", []Option{WithRegion("cn_north_4")}, "WithRegion", "is not a region ID"},
		{"region of one part", []Option{WithRegion("cn")}, "WithRegion", "is not a region ID"},
		{"empty region", []Option{WithRegion("")}, "WithRegion", `"" is not a region ID`},
		{"empty project ID", []Option{WithProjectID("")}, "WithProjectID", "no project ID"},
		{"project ID .", []Option{WithProjectID(".")}, "WithProjectID", "would change the request path"},
		{"project ID ..", []Option{WithProjectID("..")}, "WithProjectID", "would change the request path"},
		{"project ID with a slash", []Option{WithProjectID("a/b")}, "WithProjectID", "one of / \\ ? # %"},
		{"project ID with a space", []Option{WithProjectID("a b")}, "WithProjectID", "white space"},
		{"project ID too long", []Option{WithProjectID(strings.Repeat("a", 129))}, "WithProjectID", "longer than 128"},
		{"token and AK/SK", []Option{WithAKSK(testAK, testSK)}, "WithToken", "use one"},
		{"token with a control character", []Option{WithToken("tok\nen")}, "WithToken", "control character"},
		{"empty token", []Option{WithToken("")}, "WithToken", "empty"},
		{"token and security token", []Option{WithSecurityToken(testST)}, "WithSecurityToken", "goes with AK/SK"},
		{"AK without SK", []Option{withAKSK(testAK, "", "")}, "WithAKSK", "needs its secret key"},
		{"AK with a space", []Option{withAKSK("AK EY", testSK, "")}, "WithAKSK", "white space"},
		{"language", []Option{WithLanguage("fr-fr")}, "WithLanguage", `"fr-fr" is not supported`},
		{"empty user agent", []Option{WithUserAgent("")}, "WithUserAgent", "printable"},
		{"user agent with a newline", []Option{WithUserAgent("a\nb")}, "WithUserAgent", "printable"},
		{"negative attempts", []Option{WithRetry(RetryPolicy{MaxAttempts: -1})}, "WithRetry", "at least 1 attempt"},
		{"base over max delay", []Option{WithRetry(RetryPolicy{BaseDelay: time.Minute, MaxDelay: time.Second})}, "WithRetry", "0 <= base <= max"},
		{"negative Retry-After cap", []Option{WithRetry(RetryPolicy{MaxRetryAfter: -1})}, "WithRetry", "attempts"},
		{"negative rate", []Option{WithRateLimit(-1, 1)}, "WithRateLimit", "above 0"},
		{"rate without burst", []Option{WithRateLimit(1, 0)}, "WithRateLimit", "burst of at least 1"},
		{"negative attempt timeout", []Option{WithAttemptTimeout(-time.Second)}, "WithAttemptTimeout", "negative"},
		{"zero response cap", []Option{WithMaxResponseBytes(0)}, "WithMaxResponseBytes", "at least 1 byte"},
		{"no concurrency", []Option{WithConcurrency(0)}, "WithConcurrency", "at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(valid(tc.opts...)...)
			assert.Nil(t, c)
			errs := configErrors(t, err)
			require.Contains(t, errs, tc.option)
			assert.Len(t, errs, 1, "only the one problem")
			assert.Contains(t, errs[tc.option].Reason, tc.reason)
		})
	}

	_, err := New(WithoutEnvironment(), WithConcurrency(0), WithLanguage("x"))
	require.Len(t, errorsOf(err), 5, "region, project, credentials, concurrency, language: all at once")
	envs := map[string]string{}
	for option, ce := range configErrors(t, err) {
		envs[option] = ce.Env
		assert.NotContains(t, ce.Reason, "With", "the reason has no Go identifier")
		assert.True(t, strings.HasPrefix(ce.Error(), "drs: "+option+": "), ce.Error())
	}
	assert.Equal(t, map[string]string{"WithRegion": EnvRegion, "WithProjectID": EnvProjectID, "WithToken": EnvIAMToken + " or " + EnvAccessKey + ", " + EnvSecretKey,
		"WithConcurrency": "", "WithLanguage": ""}, envs)
	assert.Contains(t, err.Error(), "(environment variable "+EnvProjectID+")")
}

// TestEndpoints proves which endpoint URLs New accepts, how it normalises
// them, and that its errors never echo user information or a query.
func TestEndpoints(t *testing.T) {
	for _, tc := range []struct{ in, want, reason string }{
		{"https://drs.example.com", "https://drs.example.com", ""},
		{"HTTPS://drs.example.com/base/", "https://drs.example.com/base", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://localhost:8080/", "http://localhost:8080", ""},
		{"http://[::1]:8080", "http://[::1]:8080", ""},
		{"drs.example.com", "", "not an absolute URL"},
		{"https://", "", "not an absolute URL"},
		{"mailto:x@example.com", "", "not an absolute URL"},
		{"https://user:Secret_pw@drs.example.com", "", "contains user information"},
		{"https://drs.example.com/?token=" + testToken, "", "has a query or fragment"},
		{"https://drs.example.com/#" + testToken, "", "has a query or fragment"},
		{"http://drs.example.com", "", "uses http; use https"},
		{"ftp://127.0.0.1", "", `has scheme "ftp"`},
		{"https://drs.example.com/%zz", "", "not an absolute URL"},
	} {
		c, err := New(WithoutEnvironment(), WithEndpoint(tc.in), WithProjectID(testProject), WithToken(testToken))
		if tc.reason == "" {
			require.NoError(t, err, tc.in)
			assert.Equal(t, tc.want, c.s.endpoint)
			continue
		}
		errs := configErrors(t, err)
		require.Contains(t, errs, "WithEndpoint", tc.reason)
		assert.Contains(t, errs["WithEndpoint"].Reason, tc.reason)
		assertNotIn(t, testToken, err.Error(), "in a config error")
		assert.NotContains(t, err.Error(), "Secret_pw")
	}
	c, err := New(valid()...)
	require.NoError(t, err)
	assert.Equal(t, "https://drs.cn-north-4.myhuaweicloud.com", c.s.endpoint)
	c, err = New(WithoutEnvironment(), WithRegion("eu-west-101"), WithProjectID(testProject), WithToken(testToken))
	require.NoError(t, err)
	assert.Equal(t, "https://drs.eu-west-101.myhuaweicloud.eu", c.s.endpoint)
}

// TestBasePathIsKept proves that an endpoint's base path prefixes every
// request path.
func TestBasePathIsKept(t *testing.T) {
	rc, srv := serveHTTP(t, func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) { startAll(w, req) })
	c := newClient(t, srv.URL+"/proxy/drs/", srv.Client(), newFakeClock())
	_, err := c.Precheck(bg, ModeStartJob, []string{"j"})
	require.NoError(t, err)
	assert.Equal(t, "/proxy/drs/v3/"+testProject+"/jobs/batch-precheck", rc.requests()[0].Path)
}

// TestEnvironment proves that New reads Huawei's SDK variables, that options
// win over them, that contradictions are errors naming the variables, and
// that WithoutEnvironment ignores them.
func TestEnvironment(t *testing.T) {
	// setenv sets the variables to kv (name, value, ...), the others empty.
	setenv := func(t *testing.T, kv ...string) {
		for _, name := range []string{EnvAccessKey, EnvSecretKey, EnvSecurityToken, EnvIAMToken} {
			t.Setenv(name, "")
		}
		t.Setenv(EnvRegion, "cn-north-4")
		t.Setenv(EnvProjectID, testProject)
		for i := 0; i < len(kv); i += 2 {
			t.Setenv(kv[i], kv[i+1])
		}
	}
	t.Run("token", func(t *testing.T) {
		setenv(t, EnvRegion, "ap-southeast-1", EnvIAMToken, testToken)
		c, err := New()
		require.NoError(t, err)
		assert.Equal(t, "drs.Client{endpoint: https://drs.ap-southeast-1.myhuaweicloud.com, project: "+testProject+", auth: IAM token}", c.String())
		c, err = New(WithRegion("cn-north-4"), WithProjectID("other"))
		require.NoError(t, err, "options win")
		assert.Equal(t, "drs.Client{endpoint: https://drs.cn-north-4.myhuaweicloud.com, project: other, auth: IAM token}", c.String())
		_, err = New(WithoutEnvironment())
		assert.Len(t, errorsOf(err), 3, "nothing read from the environment")
	})
	t.Run("AK/SK and security token", func(t *testing.T) {
		setenv(t, EnvAccessKey, testAK, EnvSecretKey, testSK, EnvSecurityToken, testST)
		c, err := New()
		require.NoError(t, err)
		assert.Contains(t, c.String(), "auth: AK/SK "+testAK)
		c, err = New(WithToken(testToken))
		require.NoError(t, err, "the environment's security token belongs to its AK/SK, which the token option replaced")
		assert.Contains(t, c.String(), "auth: IAM token")
	})
	t.Run("contradictions", func(t *testing.T) {
		setenv(t, EnvIAMToken, testToken, EnvAccessKey, testAK)
		_, err := New()
		ce := configErrors(t, err)["WithToken"]
		require.NotNil(t, ce)
		assert.Equal(t, EnvIAMToken, ce.Env)
		assert.Contains(t, ce.Reason, "both an IAM token and an AK/SK are set")

		setenv(t, EnvIAMToken, testToken, EnvSecurityToken, testST)
		_, err = New()
		ce = configErrors(t, err)["WithSecurityToken"]
		require.NotNil(t, ce)
		assert.Equal(t, EnvSecurityToken, ce.Env)

		setenv(t, EnvSecurityToken, testST)
		_, err = New()
		ce = configErrors(t, err)["WithSecurityToken"]
		require.NotNil(t, ce)
		assert.Contains(t, ce.Reason, "without an access key and secret key")
	})
}

// TestNilOptionAndNilHTTPClient proves that a nil Option is ignored and a
// nil *http.Client means http.DefaultClient.
func TestNilOptionAndNilHTTPClient(t *testing.T) {
	c, err := New(append(valid(nil), WithHTTPClient(nil))...)
	require.NoError(t, err)
	assert.Equal(t, http.DefaultClient.Transport, c.s.httpClient.Transport)
	assert.NotSame(t, http.DefaultClient, c.s.httpClient, "a copy, with redirects off")
	assert.Nil(t, http.DefaultClient.CheckRedirect)
}
