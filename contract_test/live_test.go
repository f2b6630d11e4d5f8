package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// Environment of the live contract test. The HUAWEICLOUD_SDK_* names are the
// ones Huawei's official SDKs read, so users already have them set.
const (
	envLive          = "DRS_CONTRACT_LIVE"              // must be 1
	envAK            = "HUAWEICLOUD_SDK_AK"             // AK/SK signing, with envSK
	envSK            = "HUAWEICLOUD_SDK_SK"             //
	envSecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN" // optional, temporary AK/SK
	envIAMToken      = "HUAWEICLOUD_IAM_TOKEN"          // instead of AK/SK
	envProjectID     = "HUAWEICLOUD_SDK_PROJECT_ID"     //
	envRegion        = "HUAWEICLOUD_SDK_REGION"         // optional, default cn-north-4
	envJobIDs        = "DRS_LIVE_JOB_IDS"               // comma-separated, at most 10
	envMode          = "DRS_LIVE_PRECHECK_MODE"         // optional, default forStartJob
	envResultsOnly   = "DRS_LIVE_RESULTS_ONLY"          // optional, 1: do not start pre-checks
	envEndpoint      = "DRS_LIVE_ENDPOINT"              // optional, overrides the regional endpoint

	defaultRegion = "cn-north-4"
	maxJobsPerOp  = 10
)

type liveConfig struct {
	AK, SK, SecurityToken string
	IAMToken              string
	ProjectID             string
	Region                string
	Endpoint              string
	JobIDs                []string
	Mode                  generated.PrecheckMode
	ResultsOnly           bool
}

// liveConfigFromEnv reads the live test's configuration. missing names the
// variables still to set (empty when the live test can run); err reports
// values that are set but unusable.
func liveConfigFromEnv(getenv func(string) string) (cfg liveConfig, missing []string, err error) {
	if getenv(envLive) != "1" {
		missing = append(missing, envLive+"=1")
	}
	cfg.AK, cfg.SK = getenv(envAK), getenv(envSK)
	cfg.SecurityToken, cfg.IAMToken = getenv(envSecurityToken), getenv(envIAMToken)
	switch {
	case cfg.AK != "" && cfg.SK != "":
		cfg.IAMToken = "" // AK/SK wins, as in the official SDKs
	case cfg.IAMToken != "":
		cfg.AK, cfg.SK, cfg.SecurityToken = "", "", ""
	default:
		missing = append(missing, envAK+" and "+envSK+" (or "+envIAMToken+")")
	}
	if cfg.ProjectID = getenv(envProjectID); cfg.ProjectID == "" {
		missing = append(missing, envProjectID)
	}
	if cfg.Region = getenv(envRegion); cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	cfg.Endpoint = getenv(envEndpoint)
	if cfg.Endpoint == "" {
		cfg.Endpoint = "https://drs." + cfg.Region + ".myhuaweicloud.com"
		if cfg.Region == "eu-west-101" {
			cfg.Endpoint = "https://drs.eu-west-101.myhuaweicloud.eu"
		}
	}
	for id := range strings.SplitSeq(getenv(envJobIDs), ",") {
		if id = strings.TrimSpace(id); id != "" {
			cfg.JobIDs = append(cfg.JobIDs, id)
		}
	}
	if len(cfg.JobIDs) == 0 {
		missing = append(missing, envJobIDs+" (comma-separated DRS job IDs)")
	}
	if len(cfg.JobIDs) > maxJobsPerOp {
		err = fmt.Errorf("%s holds %d job IDs; Huawei accepts at most %d per call", envJobIDs, len(cfg.JobIDs), maxJobsPerOp)
	}
	cfg.Mode = generated.PrecheckModeForStartJob
	if m := getenv(envMode); m != "" {
		cfg.Mode = generated.PrecheckMode(m)
		if !cfg.Mode.Valid() {
			err = errors.Join(err, fmt.Errorf("%s=%q is not forStartJob or forRetryJob", envMode, m))
		}
	}
	cfg.ResultsOnly = getenv(envResultsOnly) == "1"
	return cfg, missing, err
}

func liveSkipMessage(missing []string) string {
	return "live contract test skipped (it calls the real Huawei Cloud DRS API): set " +
		strings.Join(missing, ", ") +
		"; optional: " + envRegion + " (default " + defaultRegion + "), " + envSecurityToken +
		" (temporary AK/SK), " + envMode + ", " + envResultsOnly + "=1, " + envEndpoint
}

// secrets are the values Record must scrub from the recordings.
func (c liveConfig) secrets() []string {
	return []string{c.AK, c.SK, c.SecurityToken, c.IAMToken}
}

// authenticate signs the request with AK/SK (SDK-HMAC-SHA256) or sets the IAM
// token. It runs as a RequestEditorFn, after the generated client has set
// every other header, so they are all signed.
func (c liveConfig) authenticate(_ context.Context, req *http.Request) error {
	if c.AK == "" {
		req.Header.Set("X-Auth-Token", c.IAMToken)
		return nil
	}
	req.Header.Set("X-Project-Id", c.ProjectID)
	body, err := requestBody(req)
	if err != nil {
		return err
	}
	signer := aksk.Signer{Credentials: aksk.Credentials{AccessKey: c.AK, SecretKey: c.SK, SecurityToken: c.SecurityToken}}
	return signer.Sign(req, body)
}

// TestLiveContract calls the real API and records what it answers. It runs
// only when asked to (see liveSkipMessage), never in CI.
func TestLiveContract(t *testing.T) {
	cfg, missing, err := liveConfigFromEnv(os.Getenv)
	if len(missing) > 0 {
		t.Skip(liveSkipMessage(missing))
	}
	if os.Getenv("CI") != "" {
		t.Skip("live contract test skipped: CI is set, and the live test never runs in CI")
	}
	if testing.Short() {
		t.Skip("live contract test skipped: -short")
	}
	require.NoError(t, err)
	runLive(t, cfg, interactionsDir, http.DefaultTransport, func(line string) { t.Log(line) })
}

// runLive calls BatchCheckJobs (unless ResultsOnly) and BatchCheckResults for
// cfg.JobIDs with the generated client through a two-level contract.Transport,
// and records each exchange into dir as live-<op>-<timestamp>.json. The
// recording sits under the validator, so an exchange that breaks the contract
// is recorded too: the test fails on a compatible violation, and the fixture
// shows what the spec missed. Each documented drift goes to warn as a line
// naming the field and the value, with the credentials redacted; runLive
// returns the drift seen.
func runLive(t *testing.T, cfg liveConfig, dir string, base http.RoundTripper, warn func(string)) []*contract.Violation {
	t.Helper()
	spec, err := contract.Default()
	require.NoError(t, err)
	rec := &recorder{base: base, cfg: cfg, dir: dir, log: t.Logf}
	redactor := redact.New(cfg.secrets()...)
	var drift []*contract.Violation
	onDrift := func(v *contract.Violation) {
		drift = append(drift, v)
		warn("drift (warning): " + redactor.String(v.Warning()))
	}
	client, err := generated.NewClientWithResponses(cfg.Endpoint,
		generated.WithHTTPClient(&http.Client{Transport: &contract.Transport{Base: rec, Spec: spec, OnDrift: onDrift}, Timeout: time.Minute}),
		generated.WithRequestEditorFn(cfg.authenticate))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	if !cfg.ResultsOnly {
		jobs := make([]generated.PreCheckInfo, len(cfg.JobIDs))
		for i, id := range cfg.JobIDs {
			jobs[i] = generated.PreCheckInfo{JobId: id, PrecheckMode: cfg.Mode}
		}
		resp, err := client.BatchCheckJobsWithResponse(ctx, cfg.ProjectID,
			&generated.BatchCheckJobsParams{XLanguage: generated.BatchCheckJobsParamsXLanguageEnUs},
			generated.BatchPrecheckReq{Jobs: jobs})
		require.NoError(t, err, "BatchCheckJobs broke the contract (or failed)")
		t.Logf("BatchCheckJobs: %s, X-Request-Id %s", resp.Status(), resp.HTTPResponse.Header.Get("X-Request-Id"))
		if resp.JSON200 != nil {
			for _, r := range resp.JSON200.Results {
				t.Logf("  job %s: pre-check %s %s %s", r.Id, r.Status, r.ErrorCode, r.ErrorMsg)
			}
		}
	}

	resp, err := client.BatchCheckResultsWithResponse(ctx, cfg.ProjectID,
		&generated.BatchCheckResultsParams{XLanguage: generated.BatchCheckResultsParamsXLanguageEnUs},
		generated.BatchQueryPrecheckResultReq{Jobs: cfg.JobIDs})
	require.NoError(t, err, "BatchCheckResults broke the contract (or failed)")
	t.Logf("BatchCheckResults: %s, X-Request-Id %s", resp.Status(), resp.HTTPResponse.Header.Get("X-Request-Id"))
	if resp.JSON200 != nil {
		for _, r := range resp.JSON200.Results {
			t.Logf("  pre-check %s: process %s, passed %t, %d items %s", r.PrecheckId, r.Process, r.Result, len(r.PrecheckResult), r.ErrorCode)
		}
	}
	return drift
}

func requestBody(req *http.Request) ([]byte, error) {
	if req.GetBody == nil {
		return nil, nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// recorder is an http.RoundTripper that records each exchange it carries
// into dir as live-<op>-<timestamp>.json: the request as sent (signed) and
// the response as received, with the secrets removed, and checks the written
// file for them.
type recorder struct {
	base http.RoundTripper
	cfg  liveConfig
	dir  string
	log  func(format string, args ...any)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	op := "BatchCheckJobs"
	if strings.HasSuffix(req.URL.Path, "/batch-precheck-result") {
		op = "BatchCheckResults"
	}
	reqBody, err := requestBody(req)
	if err != nil {
		return nil, err
	}
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		r.log("%s: no response (%v), nothing recorded", op, err)
		return nil, err
	}
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	in := record(req, reqBody, resp, respBody, provenanceLiveRecorded,
		fmt.Sprintf("live call to %s by TestLiveContract (contract_test/live_test.go)", r.cfg.Endpoint),
		fmt.Sprintf("%s: live, %s, status %d", op, r.cfg.Region, resp.StatusCode), r.cfg.secrets())
	path := filepath.Join(r.dir, fmt.Sprintf("live-%s-%s.json", op, in.RecordedAt.Format("20060102T150405Z")))
	if err := in.writeFile(path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, s := range r.cfg.secrets() {
		if s != "" && bytes.Contains(data, []byte(s)) {
			_ = os.Remove(path)
			return nil, fmt.Errorf("%s: a secret survived recording; the file was removed", op)
		}
	}
	r.log("%s: recorded %s", op, path)
	return resp, nil
}

func TestParseLiveEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}

	_, missing, err := liveConfigFromEnv(env())
	require.NoError(t, err)
	assert.Equal(t, []string{
		"DRS_CONTRACT_LIVE=1",
		"HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HUAWEICLOUD_IAM_TOKEN)",
		"HUAWEICLOUD_SDK_PROJECT_ID",
		"DRS_LIVE_JOB_IDS (comma-separated DRS job IDs)",
	}, missing)
	msg := liveSkipMessage(missing)
	for _, name := range []string{envLive, envAK, envSK, envIAMToken, envProjectID, envJobIDs, envRegion} {
		assert.Contains(t, msg, name)
	}

	_, missing, _ = liveConfigFromEnv(env(envLive, "1", envAK, "ak", envProjectID, "p", envJobIDs, "j1"))
	assert.Equal(t, []string{"HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or HUAWEICLOUD_IAM_TOKEN)"}, missing, "an AK without SK is not enough")

	cfg, missing, err := liveConfigFromEnv(env(envLive, "1", envAK, "ak", envSK, "sk", envSecurityToken, "st", envIAMToken, "ignored",
		envProjectID, "p", envJobIDs, " j1, ,j2 ,"))
	require.NoError(t, err)
	assert.Empty(t, missing)
	assert.Equal(t, liveConfig{AK: "ak", SK: "sk", SecurityToken: "st", ProjectID: "p", Region: "cn-north-4",
		Endpoint: "https://drs.cn-north-4.myhuaweicloud.com", JobIDs: []string{"j1", "j2"}, Mode: generated.PrecheckModeForStartJob}, cfg)

	cfg, missing, err = liveConfigFromEnv(env(envLive, "1", envIAMToken, "tok", envSecurityToken, "ignored", envProjectID, "p", envJobIDs, "j1",
		envRegion, "eu-west-101", envMode, "forRetryJob", envResultsOnly, "1"))
	require.NoError(t, err)
	assert.Empty(t, missing)
	assert.Equal(t, liveConfig{IAMToken: "tok", ProjectID: "p", Region: "eu-west-101", Endpoint: "https://drs.eu-west-101.myhuaweicloud.eu",
		JobIDs: []string{"j1"}, Mode: generated.PrecheckModeForRetryJob, ResultsOnly: true}, cfg)

	_, _, err = liveConfigFromEnv(env(envLive, "1", envIAMToken, "tok", envProjectID, "p",
		envJobIDs, "1,2,3,4,5,6,7,8,9,10,11", envMode, "forNow"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "at most 10")
	assert.Contains(t, err.Error(), envMode)
}

// TestRecordLiveSessionOnLoopback runs the live code path (signing, strict
// validation, recording, scrubbing) against a loopback stand-in for DRS, and
// replays what it recorded. It never touches the network.
func TestRecordLiveSessionOnLoopback(t *testing.T) {
	const (
		ak       = "AKLOOPBACKDISTINCT0042"
		sk       = "SK/loopback+DISTINCT=secret0042"
		secToken = "STLOOPBACK-DISTINCT-security-token-0042"
		iamToken = "MIILOOPBACK-DISTINCT-iam-token-0042"
		cookie   = "HWWAFSESID-LOOPBACK-DISTINCT-0042"
	)
	jobIDs := []string{publishedJobID, "6d1e4f9a-3b2c-4d5e-8f70-91a2b3c4jb02"}

	for _, tc := range []struct {
		name, mode string
		// direction is the job_direction the stand-in answers: the security
		// token in the last case, as a careless server might.
		direction string
	}{
		{"aksk", "aksk", "up"},
		{"token", "token", "up"},
		{"aksk, drift echoing a secret", "aksk", secToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeDRS(t, tc.mode, ak, secToken, iamToken, cookie, generated.QueryPreCheckRespJobDirection(tc.direction))
			cfg := liveConfig{ProjectID: testProject, Region: "loopback", Endpoint: srv.URL, JobIDs: jobIDs, Mode: generated.PrecheckModeForStartJob}
			if tc.mode == "aksk" {
				cfg.AK, cfg.SK, cfg.SecurityToken = ak, sk, secToken
			} else {
				cfg.IAMToken = iamToken
			}
			dir := t.TempDir()
			var warnings []string
			drift := runLive(t, cfg, dir, srv.Client().Transport, func(line string) { warnings = append(warnings, line) })
			if tc.direction == secToken {
				require.Len(t, drift, 2, "one drift per job, and the run did not fail")
				require.Len(t, warnings, 2)
				for _, w := range warnings {
					assert.Contains(t, w, "field /results/")
					assert.Contains(t, w, "job_direction")
					assert.Contains(t, w, redact.Mask, "the value is shown, redacted")
					assertNoSecret(t, w, ak, sk, secToken, iamToken)
				}
			} else {
				assert.Empty(t, drift)
			}

			files, err := filepath.Glob(filepath.Join(dir, "live-*.json"))
			require.NoError(t, err)
			require.Len(t, files, 2)
			assert.Regexp(t, `live-BatchCheckJobs-\d{8}T\d{6}Z\.json$`, files[0])
			assert.Regexp(t, `live-BatchCheckResults-\d{8}T\d{6}Z\.json$`, files[1])
			for _, f := range files {
				data, err := os.ReadFile(f)
				require.NoError(t, err)
				assertNoSecret(t, string(data), ak, sk, secToken, iamToken, cookie)
				in, err := loadInteraction(f)
				require.NoError(t, err)
				assert.Equal(t, provenanceLiveRecorded, in.Provenance)
				assert.False(t, in.RecordedAt.IsZero())
				if tc.mode == "aksk" {
					assert.Regexp(t, authorizationPlaceholder, in.Request.Headers["Authorization"])
					assert.Regexp(t, `^\d{8}T\d{6}Z$`, in.Request.Headers["X-Sdk-Date"])
					assert.Equal(t, redact.Mask, in.Request.Headers["X-Security-Token"])
				} else {
					assert.Equal(t, redact.Mask, in.Request.Headers["X-Auth-Token"])
				}
				assert.Equal(t, redact.Mask, in.Response.Headers["Set-Cookie"])
				assert.Equal(t, redact.Mask, in.Response.Headers["X-Debug-Echo"], "an echoed secret is scrubbed from any header")
				// What was recorded replays like any fixture.
				resp, replayDrift := replay(t, in)
				if tc.direction != secToken {
					assert.Empty(t, replayDrift, "the stand-in answers at the documented level")
				}
				checkTyped(t, in, resp)
			}
		})
	}
}

// newFakeDRS is a loopback stand-in for DRS that checks the credentials'
// shape and leaks them back in a header and a cookie, as a careless server
// might, to prove the recording scrubs them.
func newFakeDRS(t *testing.T, mode, ak, secToken, iamToken, cookie string, direction generated.QueryPreCheckRespJobDirection) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo := iamToken
		if mode == "aksk" {
			assert.Regexp(t, `^SDK-HMAC-SHA256 Access=`+ak+`, SignedHeaders=[a-z0-9;-]*x-sdk-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$`, r.Header.Get("Authorization"))
			assert.Equal(t, secToken, r.Header.Get("X-Security-Token"))
			assert.Equal(t, testProject, r.Header.Get("X-Project-Id"))
			echo = secToken
		} else {
			assert.Equal(t, iamToken, r.Header.Get("X-Auth-Token"))
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("X-Request-Id", "5e4d3c2b1a0f4e9d8c7b6a5f4e3d2c1b")
		w.Header().Set("Set-Cookie", "HWWAFSESID="+cookie+"; path=/")
		w.Header().Set("X-Debug-Echo", echo)
		switch {
		case strings.HasSuffix(r.URL.Path, "/batch-precheck"):
			var req generated.BatchPrecheckReq
			assert.NoError(t, json.Unmarshal(body, &req))
			var resp generated.BatchPrecheckResp
			for _, j := range req.Jobs {
				resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: j.JobId, PrecheckId: j.JobId, Status: generated.PrecheckStartStatusSuccess})
			}
			resp.Count = int32(len(resp.Results))
			_ = json.NewEncoder(w).Encode(resp)
		case strings.HasSuffix(r.URL.Path, "/batch-precheck-result"):
			var req generated.BatchQueryPrecheckResultReq
			assert.NoError(t, json.Unmarshal(body, &req))
			var resp generated.BatchQueryPrecheckResultResp
			for _, id := range req.Jobs {
				resp.Results = append(resp.Results, generated.QueryPreCheckResp{PrecheckId: id, Process: "20%", JobDirection: direction,
					PrecheckResult: []generated.PrecheckResult{{Item: "srcDbConnection", Result: generated.PrecheckItemResultPASSED, Group: "network"}}})
			}
			resp.Count = int32(len(resp.Results))
			_ = json.NewEncoder(w).Encode(resp)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
