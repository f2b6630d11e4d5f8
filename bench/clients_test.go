package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/generated"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	hwdrs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v3"
	hwmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v3/model"
)

// caller is one client under test: setup builds it against url and returns
// one checked call, and the check the server applies to its untimed first
// request.
type caller struct {
	name  string
	setup func(tb testing.TB, url string) (call func(context.Context) error, verify verifier)
}

type verifier = func(r *http.Request, body []byte) error

// callers are the clients of BenchmarkPrecheckCall(Remote), each with its own
// transport of the same settings (newTransport).
var callers = []caller{
	ours("client=ours-token", oursCall, verifyToken, drs.WithToken(iamToken)),
	ours("client=ours-aksk", oursCall, verifySignature, drs.WithAKSK(accessKey, secretKey)),
	bare("client=nethttp", verifyToken, func(ctx context.Context, hc *http.Client, url string) error {
		return bareCall(ctx, hc, url, tokenAuth)
	}),
	{"client=nethttp-aksk", func(tb testing.TB, url string) (func(context.Context) error, verifier) {
		hc := &http.Client{Transport: newTransport(tb)}
		signer := &aksk.Signer{Credentials: aksk.Credentials{AccessKey: accessKey, SecretKey: secretKey}}
		// The headers ours-aksk sends and signs, with a User-Agent of the
		// length of drs's default: the floor of an AK/SK call, like for like.
		auth := func(req *http.Request) error {
			req.Header["X-Project-Id"] = []string{projectID}
			req.Header["User-Agent"] = []string{"bare-nethttp-go"}
			return signer.Sign(req, precheckRequest)
		}
		return func(ctx context.Context) error { return bareCall(ctx, hc, url, auth) }, verifySignature
	}},
	{"client=official-sdk", func(tb testing.TB, url string) (func(context.Context) error, verifier) {
		c := newOfficialClient(tb, url, secretKey)
		req := officialRequest()
		return func(context.Context) error { return officialCall(c, req) }, verifySignature
	}},
}

// resultsCallers are the clients of BenchmarkResultsCall.
var resultsCallers = []caller{
	ours("client=ours-token", oursResults, verifyToken, drs.WithToken(iamToken)),
	bare("client=nethttp", verifyToken, bareResults),
	{"client=official-sdk", func(tb testing.TB, url string) (func(context.Context) error, verifier) {
		c := newOfficialClient(tb, url, secretKey)
		return func(context.Context) error { return officialResults(c) }, verifySignature
	}},
}

// ours is our client built with opts (newOursClient), making call.
func ours(name string, call func(context.Context, *drs.Client) error, verify verifier, opts ...drs.Option) caller {
	return caller{name, func(tb testing.TB, url string) (func(context.Context) error, verifier) {
		c := newOursClient(tb, url, opts...)
		return func(ctx context.Context) error { return call(ctx, c) }, verify
	}}
}

// bare is a hand-written net/http call.
func bare(name string, verify verifier, call func(ctx context.Context, hc *http.Client, url string) error) caller {
	return caller{name, func(tb testing.TB, url string) (func(context.Context) error, verifier) {
		hc := &http.Client{Transport: newTransport(tb)}
		return func(ctx context.Context) error { return call(ctx, hc, url) }, verify
	}}
}

func verifyToken(r *http.Request, _ []byte) error {
	if r.Header.Get("X-Auth-Token") != iamToken {
		return errors.New("missing or wrong X-Auth-Token")
	}
	return nil
}

// verifySignature checks an AK/SK-signed request as the API gateway would.
func verifySignature(r *http.Request, body []byte) error {
	v := aksk.Verifier{Lookup: func(ak string) (string, bool) { return secretKey, ak == accessKey }}
	_, err := v.Verify(r, body)
	return err
}

// newOursClient builds our client with its own transport (newTransport) and
// one attempt per call, otherwise its defaults; opts come last and may
// replace these.
func newOursClient(tb testing.TB, endpoint string, opts ...drs.Option) *drs.Client {
	tb.Helper()
	c, err := drs.New(append([]drs.Option{
		drs.WithoutEnvironment(),
		drs.WithEndpoint(endpoint),
		drs.WithProjectID(projectID),
		drs.WithHTTPClient(&http.Client{Transport: newTransport(tb)}),
		drs.WithRetry(drs.RetryPolicy{MaxAttempts: 1}),
	}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// oneJob is built once, as a caller's list would be: the benchmarks time the
// call, not the slice.
var oneJob = []string{jobID}

// oursCall starts the one job's pre-check and checks the verdict.
func oursCall(ctx context.Context, c *drs.Client) error {
	rep, err := c.Precheck(ctx, drs.ModeStartJob, oneJob)
	if err != nil {
		return err
	}
	if v := rep.Verdicts[0]; v.State != drs.InProgress || v.PrecheckID != jobID || v.RequestID != requestID {
		return fmt.Errorf("ours: unexpected verdict %+v", v)
	}
	return nil
}

func oursResults(ctx context.Context, c *drs.Client) error {
	rep, err := c.Results(ctx, oneJob)
	if err != nil {
		return err
	}
	if len(rep.Verdicts) != 1 {
		return fmt.Errorf("ours: %d verdicts", len(rep.Verdicts))
	}
	if v := rep.Verdicts[0]; v.State != drs.Passed || len(v.Items) != 4 || v.RequestID != requestID {
		return fmt.Errorf("ours: unexpected verdict %+v (%v)", v, v.Err)
	}
	return nil
}

func tokenAuth(req *http.Request) error {
	req.Header["X-Auth-Token"] = []string{iamToken}
	return nil
}

// bareCall is the floor of a hand-written call: POST the already encoded
// body with auth's credentials, no timeout, retries or validation; read the
// whole answer (so the connection is reused) and json.Unmarshal it into a
// small struct.
func bareCall(ctx context.Context, hc *http.Client, url string, auth func(*http.Request) error) error {
	var out struct {
		Results []struct {
			ID         string `json:"id"`
			Status     string `json:"status"`
			PrecheckID string `json:"precheck_id"`
		} `json:"results"`
		Count int `json:"count"`
	}
	if err := barePost(ctx, hc, url+precheckPath, precheckRequest, auth, &out); err != nil {
		return err
	}
	if len(out.Results) != 1 || out.Results[0].Status != "success" || out.Results[0].PrecheckID != jobID {
		return fmt.Errorf("net/http: unexpected answer %+v", out)
	}
	return nil
}

// bareResults is the net/http floor of BatchCheckResults, decoding into the
// generated model.
func bareResults(ctx context.Context, hc *http.Client, url string) error {
	var out generated.BatchQueryPrecheckResultResp
	if err := barePost(ctx, hc, url+resultsPath, resultsRequest, tokenAuth, &out); err != nil {
		return err
	}
	if len(out.Results) != 1 || !out.Results[0].Result || out.Results[0].Process != "100%" {
		return fmt.Errorf("net/http: unexpected answer %+v", out)
	}
	return nil
}

func barePost(ctx context.Context, hc *http.Client, url string, body []byte, auth func(*http.Request) error, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header["Content-Type"] = []string{"application/json"}
	if err := auth(req); err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("net/http: status %s", resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

// newOfficialClient builds Huawei's DRS v3 client for endpoint (http:// kept
// as given) signing with accessKey and sk, retries off, with its own
// transport (newTransport). Building one writes
// ~/.huaweicloud/application_id: TestMain points HOME at a temporary
// directory.
func newOfficialClient(tb testing.TB, endpoint, sk string) *hwdrs.DrsClient {
	tb.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(accessKey).WithSk(sk).WithProjectId(projectID).SafeBuild()
	if err != nil {
		tb.Fatal(err)
	}
	hc, err := hwdrs.DrsClientBuilder().
		WithEndpoint(endpoint).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithRetries(0).WithIgnoreSSLVerification(true).WithHttpTransport(newTransport(tb))).
		SafeBuild()
	if err != nil {
		tb.Fatal(err)
	}
	return hwdrs.NewDrsClient(hc)
}

// officialRequest is the one-job BatchCheckJobs request in the SDK's model.
func officialRequest() *hwmodel.BatchCheckJobsRequest {
	mode := hwmodel.GetPreCheckInfoPrecheckModeEnum().FOR_START_JOB
	return &hwmodel.BatchCheckJobsRequest{Body: &hwmodel.BatchPrecheckReq{Jobs: []hwmodel.PreCheckInfo{{JobId: jobID, PrecheckMode: mode}}}}
}

func officialCall(c *hwdrs.DrsClient, req *hwmodel.BatchCheckJobsRequest) error {
	resp, err := c.BatchCheckJobs(req)
	if err != nil {
		return err
	}
	if resp.HttpStatusCode != http.StatusOK || resp.Results == nil || len(*resp.Results) != 1 {
		return fmt.Errorf("official SDK: unexpected answer %v", resp)
	}
	if r := (*resp.Results)[0]; r.Status == nil || r.Status.Value() != "success" || r.PrecheckId == nil || *r.PrecheckId != jobID {
		return fmt.Errorf("official SDK: unexpected result %v", r)
	}
	return nil
}

func officialResults(c *hwdrs.DrsClient) error {
	resp, err := c.BatchCheckResults(&hwmodel.BatchCheckResultsRequest{Body: &hwmodel.BatchQueryPrecheckResultReq{Jobs: []string{jobID}}})
	if err != nil {
		return err
	}
	if resp.Results == nil || len(*resp.Results) != 1 {
		return fmt.Errorf("official SDK: unexpected answer %v", resp)
	}
	if r := (*resp.Results)[0]; r.Result == nil || !*r.Result || r.PrecheckResult == nil || len(*r.PrecheckResult) != 4 {
		return fmt.Errorf("official SDK: unexpected result %v", r)
	}
	return nil
}
