package drs

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/generated"
)

func TestTokenAuthSendsXAuthToken(t *testing.T) {
	srv := newServer(t, startAll(t))
	c, _ := testClient(t, srv, WithLanguage("zh-cn"), WithUserAgent("precheck-test/1"))

	resp, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	require.Len(t, resp.Results, 1)

	reqs := srv.requests()
	require.Len(t, reqs, 1)
	h := reqs[0].Header
	assert.Equal(t, testToken, h.Get("X-Auth-Token"))
	assert.Empty(t, h.Get("Authorization"), "token auth must not sign")
	assert.Equal(t, "zh-cn", h.Get("X-Language"))
	assert.Equal(t, "precheck-test/1", h.Get("User-Agent"))
	assert.Equal(t, "/v3/"+testProject+"/jobs/batch-precheck", reqs[0].Path)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
}

// akskServer verifies every request's signature like the API gateway does and
// answers 401 APIGW.0301 when it does not verify.
func akskServer(t *testing.T, next handlerFunc) *testServer {
	verifier := aksk.Verifier{Lookup: func(ak string) (string, bool) { return testSK, ak == testAK }}
	return newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		r.Body = http.NoBody
		if _, err := verifier.Verify(r, body); err != nil {
			t.Errorf("request %d: signature does not verify: %v", n, err)
			writeError(w, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information")
			return
		}
		next(w, r, body, n)
	})
}

func TestAKSKSignatureVerifies(t *testing.T) {
	srv := akskServer(t, startAll(t))
	hc, _ := contractClient(t, false)
	clk := newFakeClock()
	c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(testProject),
		WithAKSK(testAK, testSK), WithSecurityToken(testST), WithLanguage("en-us"),
		WithHTTPClient(hc), withClock(clk.now, clk.sleep))
	require.NoError(t, err)

	report, err := c.Precheck(context.Background(), ModeStartJob, "job-a", "job-b")
	require.NoError(t, err)
	require.True(t, report.AllStarted(), "%v", report.Err())

	reqs := srv.requests()
	require.Len(t, reqs, 1)
	h := reqs[0].Header
	assert.Equal(t, testProject, h.Get("X-Project-Id"))
	assert.Equal(t, testST, h.Get("X-Security-Token"))
	assert.Empty(t, h.Get("X-Auth-Token"))
	assert.Contains(t, h.Get("Authorization"), "SDK-HMAC-SHA256 Access="+testAK+", SignedHeaders=")
	assert.Contains(t, h.Get("Authorization"), "x-project-id")
	assert.Contains(t, h.Get("Authorization"), "x-sdk-date")
	assert.Contains(t, h.Get("Authorization"), "x-security-token")
	assert.Equal(t, clk.now().UTC().Format(aksk.DateFormat), h.Get("X-Sdk-Date"))
}

func TestAKSKRetryIsSignedAfresh(t *testing.T) {
	srv := akskServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			writeError(w, http.StatusTooManyRequests, "APIGW.0308", "The throttling threshold has been reached")
			return
		}
		startAll(t)(w, r, body, n)
	})
	hc, _ := contractClient(t, false)
	clk := newFakeClock()
	c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(testProject),
		WithAKSK(testAK, testSK), WithHTTPClient(hc), withClock(clk.now, clk.sleep),
		WithRetry(RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	require.NoError(t, err)

	_, err = c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)

	reqs := srv.requests()
	require.Len(t, reqs, 2)
	d1, d2 := reqs[0].Header.Get("X-Sdk-Date"), reqs[1].Header.Get("X-Sdk-Date")
	assert.NotEqual(t, d1, d2, "the retry must carry a new X-Sdk-Date")
	assert.NotEqual(t, reqs[0].Header.Get("Authorization"), reqs[1].Header.Get("Authorization"))
	assert.Equal(t, reqs[0].Body, reqs[1].Body, "both attempts send the same body")
	assert.Equal(t, []time.Duration{2 * time.Second}, clk.waits())
}

func TestSignFailureIsNotRetried(t *testing.T) {
	srv := newServer(t, startAll(t))
	hc, _ := contractClient(t, false)
	c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(testProject), WithAKSK(testAK, testSK), WithHTTPClient(hc))
	require.NoError(t, err)
	c.auth.(*akskAuth).signer.get().AccessKey = "" // unusable credentials: Sign fails
	_, err = c.BatchCheckJobs(context.Background(), generated.BatchPrecheckReq{Jobs: oneJob.Jobs})
	require.Error(t, err)
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	assert.False(t, IsRetryable(err))
	assert.ErrorIs(t, err, aksk.ErrInvalidCredentials)
	assert.Equal(t, 0, srv.count())
}
