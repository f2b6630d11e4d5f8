package drs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
)

func TestBatchCheckResultsPassThrough(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, body []byte, n int) {
		var req generated.BatchQueryPrecheckResultReq
		require.NoError(t, json.Unmarshal(body, &req))
		if n == 1 {
			writeError(w, http.StatusServiceUnavailable, "APIGW.0613", "IAM is unavailable")
			return
		}
		resp := generated.BatchQueryPrecheckResultResp{Count: int32(len(req.Jobs))}
		for _, id := range req.Jobs {
			resp.Results = append(resp.Results, generated.QueryPreCheckResp{PrecheckId: id, Result: true, Process: "100%", TotalPassedRate: "100%"})
		}
		writeJSON(w, http.StatusOK, resp)
	})
	c, clk := testClient(t, srv, fastRetry, WithLanguage("en-us"))
	resp, err := c.BatchCheckResults(context.Background(), generated.BatchQueryPrecheckResultReq{Jobs: []string{"a", "b"}})
	require.NoError(t, err)
	require.Len(t, resp.Results, 2)
	assert.True(t, resp.Results[1].Result)
	assert.Len(t, clk.waits(), 1, "same retry plumbing as BatchCheckJobs")
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v3/"+testProject+"/jobs/batch-precheck-result", reqs[1].Path)
	assert.Equal(t, "en-us", reqs[1].Header.Get("X-Language"))
	assert.Equal(t, testToken, reqs[1].Header.Get("X-Auth-Token"))

	srv2 := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeError(w, http.StatusBadRequest, "DRS.10000010", "Job does not exist, please check job ID.")
	})
	c2, _ := testClient(t, srv2)
	_, err = c2.BatchCheckResults(context.Background(), generated.BatchQueryPrecheckResultReq{Jobs: []string{"a"}})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, OpBatchCheckResults, apiErr.Operation)
	assert.True(t, IsJobNotFound(err))
}

func TestDebugLogOfEachAttempt(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		w.Header().Set("X-Request-Id", fmt.Sprintf("rid-%d", n))
		if n == 1 {
			writeError(w, http.StatusTooManyRequests, "APIGW.0308", "The throttling threshold has been reached")
			return
		}
		startAll(t)(w, r, body, n)
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := testClient(t, srv, fastRetry, WithLogger(logger))
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)

	var attempts []map[string]any
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		if rec["msg"] == "drs: attempt" {
			attempts = append(attempts, rec)
		}
	}
	require.Len(t, attempts, 2)
	for i, rec := range attempts {
		assert.Equal(t, "DEBUG", rec["level"])
		assert.Equal(t, OpBatchCheckJobs, rec["operation"])
		assert.Equal(t, http.MethodPost, rec["method"])
		assert.Equal(t, srv.URL+"/v3/"+testProject+"/jobs/batch-precheck", rec["url"])
		assert.EqualValues(t, i+1, rec["attempt"])
		assert.Equal(t, fmt.Sprintf("rid-%d", i+1), rec["request_id"])
		assert.Contains(t, rec, "duration")
		headers := rec["headers"].(map[string]any)
		assert.Equal(t, redacted, headers["X-Auth-Token"])
	}
	assert.EqualValues(t, 429, attempts[0]["status"])
	assert.Contains(t, attempts[0]["error"], "APIGW.0308")
	assert.EqualValues(t, 200, attempts[1]["status"])
	assert.Contains(t, logs.String(), `"msg":"drs: retrying"`)
	assert.NotContains(t, logs.String(), testToken)

	// No logger, or a logger above debug level: nothing is logged.
	logs.Reset()
	c, _ = testClient(t, srv, WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	_, err = c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Empty(t, logs.String())
}

func TestPrintedForms(t *testing.T) {
	assert.Equal(t, "drs.WithToken([REDACTED])", WithToken(testToken).String())
	assert.Equal(t, `drs.WithAKSK("AK", [REDACTED])`, fmt.Sprint(WithAKSK("AK", testSK)))
	assert.Equal(t, `drs.WithBatchSize(5)`, fmt.Sprintf("%#v", WithBatchSize(5)))
	assert.Equal(t, "drs.Option(<nil>)", Option{}.String())
	assert.Equal(t, "started", Started.String())
	assert.Equal(t, "refused", Refused.String())
	assert.Equal(t, "errored", Errored.String())
	assert.Equal(t, "StartState(0)", StartState(0).String())

	var nilClient *Client
	assert.Equal(t, "drs.Client(nil)", nilClient.String())

	c, err := New(WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject), WithAKSK(testAK, testSK), WithSecurityToken(testST))
	require.NoError(t, err)
	assert.Equal(t, "drs.Client{endpoint: https://drs.cn-north-4.myhuaweicloud.com, project: "+testProject+
		", auth: AK/SK signature (access key "+testAK+", temporary), attempts: 4, batch: 10, concurrency: 4}", c.String())
	c.CloseIdleConnections()
}

func TestZeroOptionIsIgnored(t *testing.T) {
	_, err := New(Option{}, WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject), WithToken(testToken))
	require.NoError(t, err)
}

func TestLongErrorListsAreBounded(t *testing.T) {
	ids := make([]string, 30)
	for i := range ids {
		ids[i] = fmt.Sprintf(" padded-%d", i)
	}
	_, err := (&Client{batchSize: 10, concurrency: 1}).Precheck(context.Background(), ModeStartJob, ids...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "and 20 more")

	e := &callError{jobIDs: ids[:15], err: fmt.Errorf("boom")}
	assert.Contains(t, e.Error(), "and 5 more: boom")
}

func TestAnswerErrorText(t *testing.T) {
	e := &AnswerError{JobID: "j", RequestID: "r", Err: ErrNotInResponse}
	assert.Equal(t, `drs: job "j": job missing from the server's answer (request ID r); it is unknown whether its pre-check started: query its result or call Precheck again`, e.Error())
}

func TestResponseErrorText(t *testing.T) {
	e := &ResponseError{Operation: OpBatchCheckJobs, StatusCode: 200, ContentType: "text/plain", Reason: "Content-Type is not application/json", Body: "OK", RequestID: "r"}
	assert.Equal(t, `drs: BatchCheckJobs: unusable answer (HTTP 200, text/plain): Content-Type is not application/json: body "OK" (request ID r)`, e.Error())
}

// prefixTransport moves a base path out of the way of the contract check: it
// strips prefix before next (the contract transport routes on the spec's paths)
// and its base puts it back before the request goes out.
type prefixTransport struct {
	prefix string
	next   http.RoundTripper
}

func (p prefixTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if !strings.HasPrefix(r.URL.Path, p.prefix) {
		return nil, fmt.Errorf("path %q lacks the base path %q", r.URL.Path, p.prefix)
	}
	r.URL.Path = strings.TrimPrefix(r.URL.Path, p.prefix)
	return p.next.RoundTrip(r)
}

type addPrefix struct {
	prefix string
	base   http.RoundTripper
}

func (a addPrefix) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Path = a.prefix + r.URL.Path
	return a.base.RoundTrip(r)
}

func TestEndpointWithBasePath(t *testing.T) {
	srv := newServer(t, startAll(t))
	hc, _ := contractClient(t, false)
	ct := hc.Transport.(*contract.Transport)
	ct.Base = addPrefix{prefix: "/proxy", base: ct.Base}
	hc.Transport = prefixTransport{prefix: "/proxy", next: ct}
	c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL+"/proxy/"), WithProjectID(testProject), WithToken(testToken), WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Equal(t, "/proxy/v3/"+testProject+"/jobs/batch-precheck", srv.requests()[0].Path)
}
