package credentials_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/credentials"
	"github.com/drsclient/drs-precheck/drstest"
)

// TestFederation proves the two IAM calls of federated identity and that
// each refusal says what to fix, never quoting the ID token or the
// federated token even when IAM echoes them.
func TestFederation(t *testing.T) {
	clk := newClock()
	svc, iam, _ := identity(t, drstest.IdentityConfig{Now: clk.Now, EchoSecrets: true, IDTokenExpires: clk.Now().Add(time.Hour)})
	tokenFile := writeFile(t, "id-token", svc.IDToken()+"\n")
	fed := func(mod func(*credentials.Federation)) *credentials.Federation {
		f := &credentials.Federation{IAMEndpoint: iam, IdentityProvider: svc.IdentityProvider(), IDTokenFile: tokenFile, Now: clk.Now, Origin: "environment"}
		if mod != nil {
			mod(f)
		}
		return f
	}

	c, err := fed(nil).Retrieve(context.Background())
	require.NoError(t, err)
	k := svc.Keys()[0]
	assert.Equal(t, k.AccessKey, c.AccessKey)
	assert.Equal(t, k.SecretKey, c.SecretKey)
	assert.Equal(t, k.SecurityToken, c.SecurityToken)
	assert.Equal(t, clk.Now().Add(6*time.Hour), c.Expires, "six hours asked")
	assert.Equal(t, `federation with identity provider ci-oidc (environment)`, c.Source)
	reqs := svc.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v3.0/OS-AUTH/id-token/tokens", reqs[0].Path)
	assert.Equal(t, "/v3.0/OS-CREDENTIAL/securitytokens", reqs[1].Path)

	cases := map[string]struct {
		mod  func(*credentials.Federation)
		want string
	}{
		"unknown identity provider": {func(f *credentials.Federation) { f.IdentityProvider = "nobody" },
			"HTTP 404: 404 Could not find identity provider: nobody: IAM does not know this identity provider"},
		"wrong ID token": {func(f *credentials.Federation) { f.IDTokenFile = writeFile(t, "other", "eyJ.wrong-token-value.sig") },
			"HTTP 401: 401 The ID token is invalid: [REDACTED]: IAM refused the ID token"},
		"missing ID token file": {func(f *credentials.Federation) { f.IDTokenFile = "/nonexistent/token" }, "the ID token file: open /nonexistent/token"},
		"empty ID token file":   {func(f *credentials.Federation) { f.IDTokenFile = writeFile(t, "empty", "\n") }, "is empty"},
		"http IAM endpoint":     {func(f *credentials.Federation) { f.IAMEndpoint = "http://iam.example.com" }, "is not https"},
		"IAM unreachable":       {func(f *credentials.Federation) { f.IAMEndpoint = deadURL(t) }, "exchanging the ID token at IAM: no answer from http://127.0.0.1:"},
		"no ID token file":      {func(f *credentials.Federation) { f.IDTokenFile = "" }, "no ID token file: set HUAWEICLOUD_SDK_ID_TOKEN_FILE"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := fed(tc.mod).Retrieve(context.Background())
			var ce *credentials.Error
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, ce.Source, "federation with identity provider")
			for _, s := range append(svc.Secrets(), "wrong-token-value") {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}
	t.Run("expired ID token", func(t *testing.T) {
		clk.Advance(2 * time.Hour)
		_, err := fed(nil).Retrieve(context.Background())
		require.ErrorContains(t, err, "The ID token has expired: [REDACTED]: IAM refused the ID token (expired, or not allowed by the identity provider's rules); have the CI write a fresh one to "+tokenFile)
		assert.NotContains(t, err.Error(), svc.IDToken())
	})
}

// TestFederationRefresh proves that federated keys are renewed before their
// six hours end, by a new exchange that reads the ID token file again, and
// that a refresh IAM refuses is an error naming the source.
func TestFederationRefresh(t *testing.T) {
	clk := newClock()
	svc, iam, _ := identity(t, drstest.IdentityConfig{Now: clk.Now})
	tokenFile := writeFile(t, "id-token", svc.IDToken())
	r := credentials.NewRefreshing(&credentials.Federation{IAMEndpoint: iam, IdentityProvider: svc.IdentityProvider(),
		IDTokenFile: tokenFile, Now: clk.Now, Origin: "profile file"}, clk.Now)
	ctx := context.Background()
	keys := svc.Keys()

	c, err := r.Retrieve(ctx)
	require.NoError(t, err)
	assert.Equal(t, keys[0].AccessKey, c.AccessKey)

	clk.Advance(6*time.Hour - credentials.RefreshBefore - time.Second)
	c, err = r.Retrieve(ctx)
	require.NoError(t, err)
	assert.Equal(t, keys[0].AccessKey, c.AccessKey)
	assert.Len(t, svc.Requests(), 2, "no call while the keys are fresh")

	clk.Advance(time.Second)
	require.NoError(t, os.WriteFile(tokenFile, []byte("eyJ.replaced-by-the-ci.sig"), 0o600))
	_, err = r.Retrieve(ctx)
	require.ErrorContains(t, err, "credentials from federation with identity provider ci-oidc (profile file): exchanging the ID token at IAM: HTTP 401")
	assert.NotContains(t, err.Error(), "replaced-by-the-ci")

	require.NoError(t, os.WriteFile(tokenFile, []byte(svc.IDToken()), 0o600))
	c, err = r.Retrieve(ctx)
	require.NoError(t, err)
	assert.Equal(t, keys[1].AccessKey, c.AccessKey, "renewed by a new exchange")
	assert.Equal(t, clk.Now().Add(6*time.Hour), c.Expires)
	assert.Len(t, svc.Requests(), 5, "two calls, a refused one, two calls")
}
