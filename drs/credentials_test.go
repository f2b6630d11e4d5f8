package drs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/credentials"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// withIdentityClients routes the metadata service and IAM through the
// test's clients (the addresses stay those of production).
func withIdentityClients(metadata, iam *http.Client) Option {
	return func(s *settings) { s.metadataClient, s.iamClient = metadata, iam }
}

// identityServer serves an identity service over loopback, and returns it,
// its URL, and a client that sends every request (to any host) there.
func identityServer(t *testing.T, cfg drstest.IdentityConfig) (*drstest.IdentityService, string, *http.Client) {
	ids := drstest.NewIdentityService(cfg)
	srv := httptest.NewServer(ids)
	t.Cleanup(srv.Close)
	return ids, srv.URL, &http.Client{Transport: toServer{srv.URL}}
}

// toServer sends every request, whatever its host, to a loopback server.
type toServer struct{ url string }

func (t toServer) RoundTrip(req *http.Request) (*http.Response, error) {
	u, _ := url.Parse(t.url)
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = u.Scheme, u.Host, u.Host
	return http.DefaultTransport.RoundTrip(out)
}

func envOf(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

// TestEachSourceSigns proves that keys from every source of the chain sign
// requests the simulator verifies, that the client says which source it
// used, and that no secret shows in that description.
func TestEachSourceSigns(t *testing.T) {
	ids, idURL, metadata := identityServer(t, drstest.IdentityConfig{})
	const fileAK, fileSK = "FILEAK00000000000001", "file/secret+key_value"
	sim := drstest.NewServer(t, append(ids.SimulatorOptions(), drstest.WithAKSK(testAK, testSK), drstest.WithAKSK(fileAK, fileSK))...)
	home := t.TempDir()
	profile := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(profile, []byte("[basic]\nak = "+fileAK+"\nsk = "+fileSK+"\nproject_id = "+sim.ProjectID+"\n"), 0o600))
	tokenFile := filepath.Join(t.TempDir(), "id-token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(ids.IDToken()), 0o600))

	cases := []struct {
		name   string
		env    map[string]string
		ak     string
		source string
		secret string
	}{
		{"environment", map[string]string{"HOME": home, EnvAccessKey: testAK, EnvSecretKey: testSK, EnvProjectID: sim.ProjectID}, testAK, "environment (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK)", testSK},
		{"profile file, with its project ID", map[string]string{credentials.EnvCredentialsFile: profile}, fileAK, "profile file " + profile, fileSK},
		{"instance metadata", map[string]string{"HOME": home, EnvProjectID: sim.ProjectID}, ids.Keys()[0].AccessKey,
			"instance metadata (the IAM agency of this ECS instance or CCE node); tried before: environment: none of", ids.Keys()[0].SecretKey},
		{"federation", map[string]string{EnvProjectID: sim.ProjectID, credentials.EnvIdentityProvider: ids.IdentityProvider(),
			credentials.EnvIDTokenFile: tokenFile, credentials.EnvIAMEndpoint: idURL}, ids.Keys()[1].AccessKey,
			"federation with identity provider ci-oidc (environment)", ids.Keys()[1].SecretKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(WithEndpoint(sim.URL), WithEnvironment(envOf(tc.env)), WithHTTPClient(sim.Client()), withIdentityClients(metadata, nil))
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(c.CredentialSource(), tc.source), c.CredentialSource())
			before := len(sim.Requests())
			_, err = c.Results(bg, []string{drstest.ExampleJobID})
			require.NoError(t, err)
			reqs := sim.Requests()[before:]
			require.Len(t, reqs, 1)
			assert.Equal(t, drstest.AuthAKSK, reqs[0].Auth, "verified by the simulator")
			assert.Equal(t, tc.ak, reqs[0].AccessKey)
			assert.Equal(t, http.StatusOK, reqs[0].Status)
			for _, s := range []string{c.String(), fmt.Sprintf("%+v", c), c.CredentialSource()} {
				assert.NotContains(t, s, tc.secret)
			}
		})
	}
}

// TestCredentialFailuresNameTheSource proves that a source that cannot give
// keys fails the call (and CheckCredentials) with an error naming it and
// what was tried, sends nothing to DRS, and prints no secret even when IAM
// echoes it.
func TestCredentialFailuresNameTheSource(t *testing.T) {
	sim := drstest.NewServer(t)
	cases := map[string]struct {
		cfg  drstest.IdentityConfig
		env  func(iam, tokenFile string) map[string]string
		want []string
	}{
		"no agency": {drstest.IdentityConfig{NoAgency: true}, func(string, string) map[string]string { return map[string]string{} },
			[]string{"credentials from instance metadata: HTTP 404", "attach an IAM agency", "tried before: environment: none of", "profile file: no home directory"}},
		"wrong ID token": {drstest.IdentityConfig{EchoSecrets: true, IDToken: "eyJ.expected.sig"}, func(iam, file string) map[string]string {
			return map[string]string{credentials.EnvIdentityProvider: "ci-oidc", credentials.EnvIDTokenFile: file, credentials.EnvIAMEndpoint: iam}
		}, []string{"credentials from federation with identity provider ci-oidc (environment): exchanging the ID token at IAM: HTTP 401", "[REDACTED]"}},
		"unknown identity provider": {drstest.IdentityConfig{}, func(iam, file string) map[string]string {
			return map[string]string{credentials.EnvIdentityProvider: "other-idp", credentials.EnvIDTokenFile: file, credentials.EnvIAMEndpoint: iam}
		}, []string{"HTTP 404", "IAM does not know this identity provider"}},
	}
	const presented = "eyJ.presented-id-token.sig"
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ids, idURL, metadata := identityServer(t, tc.cfg)
			tokenFile := filepath.Join(t.TempDir(), "id-token")
			require.NoError(t, os.WriteFile(tokenFile, []byte(presented), 0o600))
			env := tc.env(idURL, tokenFile)
			env[EnvProjectID] = sim.ProjectID
			c, err := New(WithEndpoint(sim.URL), WithEnvironment(envOf(env)), WithHTTPClient(sim.Client()),
				withIdentityClients(metadata, nil), WithRetry(RetryPolicy{MaxAttempts: 3}))
			require.NoError(t, err)
			_, cerr := c.CheckCredentials(bg)
			rep, err := c.Results(bg, []string{drstest.ExampleJobID})
			for _, e := range []error{cerr, err} {
				require.Error(t, e)
				for _, w := range tc.want {
					assert.Contains(t, e.Error(), w)
				}
				assert.NotContains(t, e.Error(), presented)
				assert.NotContains(t, e.Error(), ids.IDToken())
			}
			assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
			assert.NotContains(t, fmt.Sprint(rep.Verdicts[0].Err), presented)
			assert.Zero(t, sim.RequestCount(), "nothing reaches DRS without credentials")
		})
	}
}

// TestConfigErrorsNameTheProfileFile proves that an unparsable profile file
// fails New with an error naming the file and line.
func TestConfigErrorsNameTheProfileFile(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(profile, []byte("[basic]\nak = AK0000000000001\nsk "+testSK+"\n"), 0o600))
	_, err := New(WithRegion("cn-north-4"), WithProjectID(testProject), WithEnvironment(envOf(map[string]string{credentials.EnvCredentialsFile: profile})))
	ce := configErrors(t, err)["WithCredentialSource"]
	require.NotNil(t, ce)
	assert.Equal(t, profile+":3: expected key = value, a [section] or a comment", ce.Reason)
	assert.Equal(t, credentials.EnvCredentialsFile, ce.Env)
	assert.NotContains(t, err.Error(), testSK)
	assert.NotContains(t, err.Error(), testSK[:6], "not even part of the line")
}

// TestEnvironmentSeam proves that New reads nothing but the environment it
// is given: the process's variables are ignored once WithEnvironment is
// set, and WithoutCredentialChain keeps the region and project but not the
// credentials.
func TestEnvironmentSeam(t *testing.T) {
	t.Setenv(EnvIAMToken, testToken)
	t.Setenv(EnvRegion, "cn-north-4")
	t.Setenv(EnvProjectID, testProject)
	_, err := New(WithEnvironment(envOf(map[string]string{EnvRegion: "cn-north-4", EnvProjectID: testProject})), WithCredentialSource(credentials.SourceEnvironment))
	ce := configErrors(t, err)["WithToken"]
	require.NotNil(t, ce, "the process's token is not read")
	assert.Contains(t, ce.Reason, "no credentials (tried environment: none of")

	c, err := New()
	require.NoError(t, err, "by default, the process's environment")
	assert.Equal(t, "environment (HUAWEICLOUD_IAM_TOKEN)", c.CredentialSource())

	_, err = New(WithoutCredentialChain())
	errs := configErrors(t, err)
	require.Len(t, errs, 1, "region and project still from the environment")
	assert.Contains(t, errs["WithToken"].Reason, "no credentials")

	_, err = New(WithCredentialSource("keychain"))
	require.Contains(t, configErrors(t, err)["WithCredentialSource"].Reason, "unknown credential source \"keychain\"; use environment, profile or metadata")

	_, err = New(WithCredentials(credentials.Static{Token: testToken}), WithToken(testToken))
	require.NotNil(t, configErrors(t, err)["WithCredentials"])
}

// TestEchoedTemporaryKeysAreRedacted proves that the client's redaction
// learns the keys a provider hands out: a server echoing the temporary
// secret key and security token shows neither.
func TestEchoedTemporaryKeysAreRedacted(t *testing.T) {
	ids, _, metadata := identityServer(t, drstest.IdentityConfig{})
	k := ids.Keys()[0]
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error_code":"DRS.M00007","error_msg":"bad %s and %s and %s"}`, k.SecretKey, url.QueryEscape(k.SecurityToken), r.Header.Get("X-Security-Token"))
	}))
	defer echo.Close()
	c, err := New(WithEndpoint(echo.URL), WithEnvironment(envOf(map[string]string{EnvProjectID: testProject})),
		WithCredentialSource(credentials.SourceMetadata), withIdentityClients(metadata, nil))
	require.NoError(t, err)
	rep, err := c.Results(bg, []string{"a"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DRS.M00007")
	for _, s := range []string{err.Error(), fmt.Sprint(rep.Verdicts[0].Err)} {
		assert.NotContains(t, s, k.SecretKey)
		assert.NotContains(t, s, k.SecurityToken)
		assert.NotContains(t, s, url.QueryEscape(k.SecurityToken))
	}
}

// newRefreshWait builds, in a synctest bubble, a client whose keys come from
// ids's metadata service and a simulator that accepts them, with a job whose
// pre-check takes three hours.
func newRefreshWait(t *testing.T, ids *drstest.IdentityService) (*Client, *drstest.Simulator, *handlerTransport) {
	t.Helper()
	// Progress that says nothing until the end: the wait polls on its
	// fixed schedule, every 10 minutes (refreshWait).
	job := drstest.Job{ID: "long-job", Duration: 3 * time.Hour, Items: []drstest.CheckItem{{Item: "a"}, {Item: "b"}},
		Progress: drstest.Progress{Shape: drstest.ProgressStall}}
	sim, err := drstest.New(append(ids.SimulatorOptions(), drstest.WithJobs(job))...)
	require.NoError(t, err)
	tr := &handlerTransport{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "169.254.169.254" {
			ids.ServeHTTP(w, r)
			return
		}
		sim.ServeHTTP(w, r)
	})}
	hc := &http.Client{Transport: tr}
	c, err := New(WithEndpoint("https://drs.test"), WithEnvironment(envOf(map[string]string{EnvProjectID: sim.ProjectID()})),
		WithHTTPClient(hc), withIdentityClients(hc, nil))
	require.NoError(t, err)
	return c, sim, tr
}

// refreshWait polls every 10 minutes.
var refreshWait = []WaitOption{WithFirstPollDelay(10 * time.Minute), WithPollInterval(10 * time.Minute), WithMaxPollInterval(10 * time.Minute)}

// TestWaitEndsWhenRefreshFails proves that a refresh that fails ends the
// wait at once, with an error naming the source, and sends nothing with the
// old keys.
func TestWaitEndsWhenRefreshFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ids := drstest.NewIdentityService(drstest.IdentityConfig{MetadataTTL: time.Hour, Keys: 1})
		c, sim, tr := newRefreshWait(t, ids)
		start := time.Now()
		rep, err := c.PrecheckAndWait(context.Background(), ModeStartJob, []string{"long-job"}, refreshWait...)
		tr.done()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "credentials from instance metadata: HTTP 500")
		assert.NotContains(t, err.Error(), "agency", "the service failed: no agency is missing")
		// Polls every 10 minutes; the keys are due for renewal at 55: the
		// sixth poll's refresh fails and ends the wait.
		assert.Contains(t, err.Error(), "the wait stopped after 6 polls")
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
		assert.Equal(t, time.Hour, time.Since(start), "on the simulated clock")
		for _, r := range sim.Requests() {
			assert.True(t, r.Time.Before(ids.Issued()[0].Expires.Add(-credentials.RefreshBefore+time.Second)), "request %d with keys about to expire", r.Seq)
		}
	})
}

// TestWaitAcrossRefresh proves that a wait longer than the keys' life
// refreshes them before they expire: every request to DRS carries keys
// valid at its arrival, none fails (so none counts towards the AK/SK
// lockout), and each refresh is one call to the metadata service.
func TestWaitAcrossRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ids := drstest.NewIdentityService(drstest.IdentityConfig{MetadataTTL: time.Hour})
		c, sim, tr := newRefreshWait(t, ids)
		rep, err := c.PrecheckAndWait(context.Background(), ModeStartJob, []string{"long-job"}, refreshWait...)
		require.NoError(t, err)
		assert.Equal(t, Passed, rep.Verdicts[0].State)
		tr.done()

		expires := map[string]time.Time{}
		for _, k := range ids.Issued() {
			expires[k.AccessKey] = k.Expires
		}
		assert.GreaterOrEqual(t, len(expires), 4, "three hours and more of one-hour keys")
		var metadataCalls int
		for _, r := range ids.Requests() {
			if r.Path == "/openstack/latest/securitykey" {
				metadataCalls++
			}
		}
		assert.Equal(t, len(ids.Issued()), metadataCalls, "one call per refresh")
		reqs := sim.Requests()
		require.Greater(t, len(reqs), 18, "a start and a poll every 10 minutes for 3 hours")
		for _, r := range reqs {
			exp, ok := expires[r.AccessKey]
			require.True(t, ok, "request %d signed with keys the service handed out", r.Seq)
			assert.True(t, r.Time.Before(exp.Add(-credentials.RefreshBefore+time.Second)), "request %d at %s with keys expiring %s", r.Seq, r.Time, exp)
			assert.Equal(t, http.StatusOK, r.Status, "request %d", r.Seq)
		}
	})
}

// lockoutServer is a simulator with one real job; its AK/SK lockout (more
// than 5 consecutive failed signatures lock the key) is always on.
func lockoutServer(t *testing.T) *drstest.Server {
	return drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "real-job"}))
}

// akskClient signs with srv's access key and sk, on the wall clock (the
// simulator checks X-Sdk-Date against it) with sleeps that return at once.
func akskClient(t *testing.T, srv *drstest.Server, sk string, opts ...Option) *Client {
	clk := newFakeClock()
	base := []Option{WithProjectID(srv.ProjectID), withAKSK(srv.AccessKey, sk, ""), withClock(time.Now, clk.sleep)}
	return newClient(t, srv.URL, srv.Client(), nil, append(base, opts...)...)
}

func manyJobs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("job-%02d", i)
	}
	return ids
}

// TestBadCredentialsNeverLockTheKey proves that a wrong secret key costs one
// request per call of 60 jobs, every job NoAnswer with ErrAuthentication (a
// wait stops at once and says why), and leaves the key unlocked.
func TestBadCredentialsNeverLockTheKey(t *testing.T) {
	jobs := manyJobs(60)
	calls := map[string]func(c *Client) (*Report, error){
		"Precheck":        func(c *Client) (*Report, error) { return c.Precheck(bg, ModeStartJob, jobs) },
		"Results":         func(c *Client) (*Report, error) { return c.Results(bg, jobs) },
		"Wait":            func(c *Client) (*Report, error) { return c.Wait(bg, jobs, WithFirstPollDelay(0)) },
		"PrecheckAndWait": func(c *Client) (*Report, error) { return c.PrecheckAndWait(bg, ModeStartJob, jobs) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			srv := lockoutServer(t)
			bad := akskClient(t, srv, "wrong-"+srv.SecretKey)
			rep, err := call(bad)
			require.NotNil(t, rep)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrAuthentication)
			assert.Equal(t, 1, srv.RequestCount(), "one request, which fails authentication")
			require.Len(t, rep.Verdicts, len(jobs))
			notSent := 0
			for _, v := range rep.Verdicts {
				assert.Equal(t, NoAnswer, v.State, v.JobID)
				assert.ErrorIs(t, v.Err, ErrAuthentication, v.JobID)
				var tErr *TransportError
				if errors.As(v.Err, &tErr) {
					assert.Zero(t, tErr.Attempts)
					assert.Contains(t, tErr.Error(), "not sent")
					notSent++
				}
			}
			assert.Equal(t, len(jobs)-MaxBatchSize, notSent, "every batch but the first was not sent")
			if name == "Wait" {
				assert.Equal(t, 1, rep.Polls)
				assert.Contains(t, err.Error(), "the wait stopped after 1 poll: ", "the wait stops at once and says why")
			}

			good := akskClient(t, srv, srv.SecretKey)
			rep, err = good.Precheck(bg, ModeStartJob, []string{"real-job"})
			require.NoError(t, err, "the key is not locked")
			assert.Equal(t, InProgress, rep.Verdicts[0].State)
		})
	}
}

// TestLockoutIsReal checks the measure the test above relies on: six calls
// of one failed request each do lock the key, so one failed request per call
// is what keeps it usable.
func TestLockoutIsReal(t *testing.T) {
	srv := lockoutServer(t)
	bad := akskClient(t, srv, "wrong-"+srv.SecretKey)
	for range 6 {
		_, err := bad.Results(bg, []string{"real-job"})
		require.ErrorIs(t, err, ErrAuthentication)
	}
	assert.Equal(t, 6, srv.RequestCount())
	good := akskClient(t, srv, srv.SecretKey)
	_, err := good.Results(bg, []string{"real-job"})
	assert.ErrorIs(t, err, ErrAuthentication, "the key is locked after more than 5 failures")
}

// TestRequestEditorAuthenticatesTheGeneratedClient proves that the editor
// RequestEditor hands out makes the generated client's calls pass the
// simulator's authentication: token, AK/SK, and AK/SK with a security token.
func TestRequestEditorAuthenticatesTheGeneratedClient(t *testing.T) {
	const tempAK, tempSK = "TEMPAKTEST000000001", "temp-secret-key-0001"
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "real-job"}),
		drstest.WithTemporaryAKSK(tempAK, tempSK, testST))
	for _, tc := range []struct {
		name string
		auth Option
		want string
	}{
		{"token", WithToken(srv.Token), drstest.AuthToken},
		{"AK/SK", withAKSK(srv.AccessKey, srv.SecretKey, ""), drstest.AuthAKSK},
		{"AK/SK with a security token", withAKSK(tempAK, tempSK, testST), drstest.AuthAKSK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, srv.URL, srv.Client(), nil, WithProjectID(srv.ProjectID), tc.auth, WithUserAgent("editor-test/1"))
			gen, err := generated.NewClientWithResponses(srv.URL, generated.WithHTTPClient(srv.Client()), generated.WithRequestEditorFn(c.RequestEditor()))
			require.NoError(t, err)
			before := srv.RequestCount()
			started, err := gen.BatchCheckJobsWithResponse(bg, srv.ProjectID, nil, generated.BatchPrecheckReq{
				Jobs: []generated.PreCheckInfo{{JobId: "real-job", PrecheckMode: generated.PrecheckModeForStartJob}},
			})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, started.StatusCode(), string(started.Body))
			res, err := gen.BatchCheckResultsWithResponse(bg, srv.ProjectID, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"real-job"}})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode(), string(res.Body))
			reqs := srv.Requests()[before:]
			require.Len(t, reqs, 2)
			for _, r := range reqs {
				assert.Equal(t, tc.want, r.Auth)
				assert.Equal(t, "editor-test/1", r.Header.Get("User-Agent"))
			}
		})
	}
}

// TestRequestEditorSignsABodyWithoutGetBody proves that the editor signs a
// hand-made request whose body can be read only once, and leaves it
// sendable.
func TestRequestEditorSignsABodyWithoutGetBody(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "real-job"}))
	c := newClient(t, srv.URL, srv.Client(), nil, WithProjectID(srv.ProjectID), withAKSK(srv.AccessKey, srv.SecretKey, ""))
	const body = `{"jobs":["real-job"]}`
	req, err := http.NewRequestWithContext(bg, http.MethodPost, srv.URL+"/v3/"+srv.ProjectID+"/jobs/batch-precheck-result", nil)
	require.NoError(t, err)
	req.Body, req.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, c.RequestEditor()(bg, req))
	require.NotNil(t, req.GetBody, "the body can be sent again")
	again, err := req.GetBody()
	require.NoError(t, err)
	b, err := io.ReadAll(again)
	require.NoError(t, err)
	assert.Equal(t, body, string(b))
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestRequestEditorRefusesOtherHosts proves that the editor authenticates no
// request to another host or scheme: it sets no header and the generated
// client sends nothing.
func TestRequestEditorRefusesOtherHosts(t *testing.T) {
	other, otherSrv := serveHTTP(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) { writeRaw(w, 200, `{}`) })
	for _, auth := range []Option{WithToken(testToken), withAKSK(testAK, testSK, testST)} {
		c := newClient(t, "http://127.0.0.1:9", nil, nil, auth)
		for _, target := range []string{otherSrv.URL, "https://127.0.0.1:9", "http://localhost:9"} {
			req, err := http.NewRequestWithContext(bg, http.MethodPost, target+"/v3/x/jobs/batch-precheck", strings.NewReader(`{}`))
			require.NoError(t, err)
			err = c.RequestEditor()(bg, req)
			require.Error(t, err, target)
			assert.Contains(t, err.Error(), "refusing to send credentials to")
			assert.Contains(t, err.Error(), "which is not the configured endpoint")
			assert.Empty(t, req.Header, "no header set for %s", target)
		}
		gen, err := generated.NewClient(otherSrv.URL, generated.WithHTTPClient(otherSrv.Client()), generated.WithRequestEditorFn(c.RequestEditor()))
		require.NoError(t, err)
		_, err = gen.BatchCheckResults(bg, testProject, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"j"}})
		require.Error(t, err)
	}
	assert.Zero(t, other.count(), "nothing reached the other host")
}

// TestSignaturesUseTheClientsClock proves that AK/SK signatures are dated by
// the client's clock: a clock far off the simulator's wall clock is refused.
func TestSignaturesUseTheClientsClock(t *testing.T) {
	srv := drstest.NewServer(t)
	skewed := withClock(func() time.Time { return time.Now().Add(-time.Hour) }, newFakeClock().sleep)
	c := newClient(t, srv.URL, srv.Client(), nil, WithProjectID(srv.ProjectID), withAKSK(srv.AccessKey, srv.SecretKey, ""), skewed)
	_, err := c.Results(bg, []string{"j"})
	assert.ErrorIs(t, err, ErrAuthentication)
	assert.Contains(t, err.Error(), "a clock more than 15 minutes off")
}

// TestEditorReportsAnUnreadableBody proves that a body that cannot be read
// for signing is an error, not an unsigned request.
func TestEditorReportsAnUnreadableBody(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:9", nil, nil, withAKSK(testAK, testSK, ""))
	req, err := http.NewRequestWithContext(bg, http.MethodPost, "http://127.0.0.1:9/v3/p/jobs/batch-precheck", strings.NewReader("{}"))
	require.NoError(t, err)
	req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("gone") }
	err = c.RequestEditor()(bg, req)
	assert.EqualError(t, err, "drs: read the request body to sign it: gone")
	assert.Empty(t, req.Header.Get("Authorization"))

	req.GetBody, req.Body = nil, io.NopCloser(iotest.ErrReader(errors.New("unreadable")))
	err = c.RequestEditor()(bg, req)
	assert.ErrorContains(t, err, "drs: read the request body to sign it")

	req.Body = http.NoBody
	require.NoError(t, c.RequestEditor()(bg, req), "no body: signed over nothing")
	assert.NotEmpty(t, req.Header.Get("Authorization"))
}
