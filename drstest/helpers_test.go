package drstest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// strictClient returns a generated client whose traffic goes through
// contract.NewTransport in strict mode: any request or response that breaks
// openapi.yaml fails the call.
func strictClient(t testing.TB, url string, editors ...generated.RequestEditorFn) *generated.ClientWithResponses {
	t.Helper()
	tr, err := contract.NewTransport(http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, url, tr, editors...)
}

// lenientClient is for requests that break the contract on purpose (bad
// bodies, missing credentials): request violations are let through, but a
// response that breaks openapi.yaml still fails the test.
func lenientClient(t testing.TB, url string, editors ...generated.RequestEditorFn) *generated.ClientWithResponses {
	t.Helper()
	spec, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	tr := &contract.Transport{Base: http.DefaultTransport, Spec: spec, OnViolation: func(v *contract.Violation) {
		if v.Direction == contract.Response {
			t.Errorf("the simulator's response breaks the contract: %v", v)
		}
	}}
	return newClient(t, url, tr, editors...)
}

func newClient(t testing.TB, url string, tr http.RoundTripper, editors ...generated.RequestEditorFn) *generated.ClientWithResponses {
	t.Helper()
	opts := []generated.ClientOption{generated.WithHTTPClient(&http.Client{Transport: tr, Timeout: time.Minute})}
	for _, e := range editors {
		opts = append(opts, generated.WithRequestEditorFn(e))
	}
	c, err := generated.NewClientWithResponses(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// token authenticates with an IAM token.
func token(tok string) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Auth-Token", tok)
		return nil
	}
}

// signed signs the request with an AK/SK pair, over the exact body.
func signed(s aksk.Signer) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		var body []byte
		if req.GetBody != nil {
			rc, err := req.GetBody()
			if err != nil {
				return err
			}
			defer rc.Close()
			if body, err = io.ReadAll(rc); err != nil {
				return err
			}
		}
		return s.Sign(req, body)
	}
}

func header(name, value string) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set(name, value)
		return nil
	}
}

func startReq(mode generated.PrecheckMode, ids ...string) generated.BatchPrecheckReq {
	var r generated.BatchPrecheckReq
	for _, id := range ids {
		r.Jobs = append(r.Jobs, generated.PreCheckInfo{JobId: id, PrecheckMode: mode})
	}
	return r
}

func start(t testing.TB, c *generated.ClientWithResponses, project string, mode generated.PrecheckMode, ids ...string) []generated.PostPreCheckResp {
	t.Helper()
	resp, err := c.BatchCheckJobsWithResponse(context.Background(), project, nil, startReq(mode, ids...))
	if err != nil {
		t.Fatalf("BatchCheckJobs: %v", err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("BatchCheckJobs: status %d: %s", resp.StatusCode(), resp.Body)
	}
	if int(resp.JSON200.Count) != len(resp.JSON200.Results) || len(resp.JSON200.Results) != len(ids) {
		t.Fatalf("BatchCheckJobs: count %d, %d results, %d jobs", resp.JSON200.Count, len(resp.JSON200.Results), len(ids))
	}
	return resp.JSON200.Results
}

func results(t testing.TB, c *generated.ClientWithResponses, project string, ids ...string) []generated.QueryPreCheckResp {
	t.Helper()
	resp, err := c.BatchCheckResultsWithResponse(context.Background(), project, nil, generated.BatchQueryPrecheckResultReq{Jobs: ids})
	if err != nil {
		t.Fatalf("BatchCheckResults: %v", err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("BatchCheckResults: status %d: %s", resp.StatusCode(), resp.Body)
	}
	if int(resp.JSON200.Count) != len(resp.JSON200.Results) || len(resp.JSON200.Results) != len(ids) {
		t.Fatalf("BatchCheckResults: count %d, %d results, %d jobs", resp.JSON200.Count, len(resp.JSON200.Results), len(ids))
	}
	return resp.JSON200.Results
}

// errorOf returns the status, ErrorBody and X-Request-Id of an answer.
type answer struct {
	status    int
	body      *generated.ErrorBody
	requestID string
	raw       []byte
	header    http.Header
}

func jobsAnswer(t testing.TB) func(*generated.BatchCheckJobsResponse, error) answer {
	return func(r *generated.BatchCheckJobsResponse, err error) answer {
		t.Helper()
		if err != nil {
			t.Fatalf("BatchCheckJobs: %v", err)
		}
		a := answer{status: r.StatusCode(), raw: r.Body, header: r.HTTPResponse.Header, requestID: r.HTTPResponse.Header.Get("X-Request-Id")}
		for _, b := range []*generated.ErrorBody{r.JSON400, r.JSON401, r.JSON403, r.JSON413, r.JSON422, r.JSON429, r.JSON500, r.JSON502, r.JSON503, r.JSON504} {
			if b != nil {
				a.body = b
			}
		}
		return a
	}
}

func resultsAnswer(t testing.TB) func(*generated.BatchCheckResultsResponse, error) answer {
	return func(r *generated.BatchCheckResultsResponse, err error) answer {
		t.Helper()
		if err != nil {
			t.Fatalf("BatchCheckResults: %v", err)
		}
		a := answer{status: r.StatusCode(), raw: r.Body, header: r.HTTPResponse.Header, requestID: r.HTTPResponse.Header.Get("X-Request-Id")}
		for _, b := range []*generated.ErrorBody{r.JSON400, r.JSON401, r.JSON403, r.JSON413, r.JSON422, r.JSON429, r.JSON500, r.JSON502, r.JSON503, r.JSON504} {
			if b != nil {
				a.body = b
			}
		}
		return a
	}
}

// wantError checks an error answer: status, code, a request ID header, and
// the request ID in the body for gateway (APIGW) errors.
func wantError(t testing.TB, a answer, status int, code string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.raw)
	}
	if a.body == nil {
		t.Fatalf("status %d: no JSON ErrorBody: %s", a.status, a.raw)
	}
	if a.body.ErrorCode != code {
		t.Fatalf("error_code %q, want %q (error_msg %q)", a.body.ErrorCode, code, a.body.ErrorMsg)
	}
	if a.body.ErrorMsg == "" {
		t.Fatal("empty error_msg")
	}
	if a.requestID == "" {
		t.Fatal("no X-Request-Id")
	}
	if len(code) > 4 && code[:4] == "APIG" && a.body.RequestId != a.requestID {
		t.Fatalf("request_id %q, X-Request-Id %q", a.body.RequestId, a.requestID)
	}
}

// newHTTPServer serves h on a loopback httptest.Server closed with the test.
func newHTTPServer(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func isViolation(err error) bool {
	var v *contract.Violation
	return errors.As(err, &v)
}
