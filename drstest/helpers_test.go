package drstest_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// strictClient returns a generated client whose traffic goes through a
// contract.Transport: any request or response that breaks openapi.yaml fails
// the call.
func strictClient(t testing.TB, url string, editors ...generated.RequestEditorFn) *generated.ClientWithResponses {
	return newClient(t, url, &contract.Transport{Base: http.DefaultTransport}, editors...)
}

// lenientClient is for requests that break the contract on purpose: only a
// response that breaks openapi.yaml fails the test.
func lenientClient(t testing.TB, url string, editors ...generated.RequestEditorFn) *generated.ClientWithResponses {
	return newClient(t, url, &contract.Transport{Base: http.DefaultTransport, OnViolation: func(v *contract.Violation) {
		if v.Direction == contract.Response {
			t.Errorf("the simulator's response breaks the contract: %v", v)
		}
	}}, editors...)
}

func newClient(t testing.TB, url string, tr http.RoundTripper, editors ...generated.RequestEditorFn) *generated.ClientWithResponses {
	t.Helper()
	opts := []generated.ClientOption{generated.WithHTTPClient(&http.Client{Transport: tr, Timeout: time.Minute})}
	for _, e := range editors {
		opts = append(opts, generated.WithRequestEditorFn(e))
	}
	c, err := generated.NewClientWithResponses(url, opts...)
	must(t, err)
	return c
}

// jobServer serves job "j" to a strict client that sends the server's token.
func jobServer(t testing.TB, opts ...drstest.Option) (*drstest.Server, *generated.ClientWithResponses) {
	t.Helper()
	srv := drstest.NewServer(t, append(opts, drstest.WithJobs(drstest.Job{ID: "j"}))...)
	return srv, strictClient(t, srv.URL, token(srv.Token))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func token(tok string) generated.RequestEditorFn { return header("X-Auth-Token", tok) }

// signed signs the request with s, over the exact body.
func signed(s aksk.Signer) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		body, err := bodyOf(req)
		if err != nil {
			return err
		}
		return s.Sign(req, body)
	}
}

func bodyOf(req *http.Request) ([]byte, error) {
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

// signedBy signs with the given credentials (no security token if st is "").
func signedBy(ak, sk, st string) generated.RequestEditorFn {
	return signed(aksk.Signer{Credentials: aksk.Credentials{AccessKey: ak, SecretKey: sk, SecurityToken: st}})
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

// start starts pre-checks and returns the per-job answers of a 200.
func start(t testing.TB, c *generated.ClientWithResponses, project string, mode generated.PrecheckMode, ids ...string) []generated.PostPreCheckResp {
	t.Helper()
	resp, err := c.BatchCheckJobsWithResponse(context.Background(), project, nil, startReq(mode, ids...))
	if err != nil || resp.JSON200 == nil || int(resp.JSON200.Count) != len(ids) || len(resp.JSON200.Results) != len(ids) {
		t.Fatalf("BatchCheckJobs of %d jobs: %v %v", len(ids), err, resp)
	}
	return resp.JSON200.Results
}

// results queries pre-checks and returns the per-job answers of a 200.
func results(t testing.TB, c *generated.ClientWithResponses, project string, ids ...string) []generated.QueryPreCheckResp {
	t.Helper()
	resp, err := c.BatchCheckResultsWithResponse(context.Background(), project, nil, generated.BatchQueryPrecheckResultReq{Jobs: ids})
	if err != nil || resp.JSON200 == nil || int(resp.JSON200.Count) != len(ids) || len(resp.JSON200.Results) != len(ids) {
		t.Fatalf("BatchCheckResults of %d jobs: %v %v", len(ids), err, resp)
	}
	return resp.JSON200.Results
}

// request is one raw request; an empty content type is application/json.
type request struct{ op, body, contentType, language string }

// defaultReq is the request of op for job "j".
func defaultReq(op string) request {
	if op == drstest.OpBatchCheckJobs {
		return request{op: op, body: `{"jobs":[{"job_id":"j","precheck_mode":"forStartJob"}]}`}
	}
	return request{op: op, body: `{"jobs":["j"]}`}
}

// answer is what came back: the status, the ErrorBody of a JSON error, the
// X-Request-Id, the raw body and the headers.
type answer struct {
	status    int
	body      *generated.ErrorBody
	requestID string
	raw       []byte
	header    http.Header
}

// exchange sends rq through c; it does not stop the test, so that
// goroutines may call it.
func exchange(c *generated.ClientWithResponses, project string, rq request) (answer, error) {
	ctx, ct, body := context.Background(), cmp.Or(rq.contentType, "application/json"), strings.NewReader(rq.body)
	var edit []generated.RequestEditorFn
	if rq.language != "" {
		edit = append(edit, header("X-Language", rq.language))
	}
	var resp *http.Response
	var err error
	if rq.op == drstest.OpBatchCheckJobs {
		resp, err = c.BatchCheckJobsWithBody(ctx, project, nil, ct, body, edit...)
	} else {
		resp, err = c.BatchCheckResultsWithBody(ctx, project, nil, ct, body, edit...)
	}
	if err != nil {
		return answer{}, err
	}
	return readAnswer(resp)
}

func readAnswer(resp *http.Response) (a answer, err error) {
	defer resp.Body.Close()
	a = answer{status: resp.StatusCode, header: resp.Header, requestID: resp.Header.Get("X-Request-Id")}
	if a.raw, err = io.ReadAll(resp.Body); err != nil {
		return a, err
	}
	if a.status >= 400 && resp.Header.Get("Content-Type") == "application/json" {
		a.body = new(generated.ErrorBody)
		err = json.Unmarshal(a.raw, a.body)
	}
	return a, err
}

// send is exchange for the test's goroutine.
func send(t testing.TB, c *generated.ClientWithResponses, project string, rq request) answer {
	t.Helper()
	a, err := exchange(c, project, rq)
	if err != nil {
		t.Fatalf("%s: %v", rq.op, err)
	}
	return a
}

func call(t testing.TB, c *generated.ClientWithResponses, project, op string) answer {
	t.Helper()
	return send(t, c, project, defaultReq(op))
}

// wantError checks an error answer: status, code, a message, a request ID
// header, and the request ID in the body of gateway (APIGW) errors.
func wantError(t testing.TB, a answer, status int, code string) {
	t.Helper()
	must(t, errorOf(a, status, code))
}

// errorOf is wantError without stopping the test, for goroutines.
func errorOf(a answer, status int, code string) error {
	switch {
	case a.status != status || a.body == nil:
		return fmt.Errorf("status %d, want %d with a JSON ErrorBody; body %s", a.status, status, a.raw)
	case a.body.ErrorCode != code || a.body.ErrorMsg == "":
		return fmt.Errorf("error_code %q, want %q (error_msg %q)", a.body.ErrorCode, code, a.body.ErrorMsg)
	case a.requestID == "":
		return errors.New("no X-Request-Id")
	case strings.HasPrefix(code, "APIG") && a.body.RequestId != a.requestID:
		return fmt.Errorf("request_id %q, X-Request-Id %q", a.body.RequestId, a.requestID)
	}
	return nil
}
