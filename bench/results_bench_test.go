package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/generated"
	hwdrs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v3"
	hwmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/drs/v3/model"
)

// oursResults reads the one job's verdict with Results and checks it.
func oursResults(ctx context.Context, c *drs.Client) error {
	rep, err := c.Results(ctx, oneJob)
	if err != nil {
		return err
	}
	if len(rep.Verdicts) != 1 {
		return fmt.Errorf("ours: %d verdicts", len(rep.Verdicts))
	}
	v := rep.Verdicts[0]
	if v.State != drs.Passed || len(v.Items) != 4 || v.RequestID != requestID {
		return fmt.Errorf("ours: unexpected verdict %+v (%v)", v, v.Err)
	}
	return nil
}

// bareResults is the net/http baseline of BatchCheckResults: POST the
// encoded body with a token, read the answer, json.Unmarshal it into the
// generated model.
func bareResults(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+resultsPath, bytes.NewReader(resultsRequest))
	if err != nil {
		return err
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["X-Auth-Token"] = []string{iamToken}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("net/http: status %s", resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var out generated.BatchQueryPrecheckResultResp
	if err := json.Unmarshal(body, &out); err != nil {
		return err
	}
	if len(out.Results) != 1 || !out.Results[0].Result || out.Results[0].Process != "100%" {
		return fmt.Errorf("net/http: unexpected answer %+v", out)
	}
	return nil
}

// officialResults is BatchCheckResults with Huawei's SDK.
func officialResults(c *hwdrs.DrsClient) error {
	resp, err := c.BatchCheckResults(&hwmodel.BatchCheckResultsRequest{Body: &hwmodel.BatchQueryPrecheckResultReq{Jobs: []string{jobID}}})
	if err != nil {
		return err
	}
	if resp.Results == nil || len(*resp.Results) != 1 {
		return fmt.Errorf("official SDK: unexpected answer %v", resp)
	}
	r := (*resp.Results)[0]
	if r.Result == nil || !*r.Result || r.PrecheckResult == nil || len(*r.PrecheckResult) != 4 {
		return fmt.Errorf("official SDK: unexpected result %v", r)
	}
	return nil
}

// BenchmarkResultsCall reads the verdict of one job whose answer is Huawei's
// published results example: our Results (which turns the
// answer into a drs.Verdict: state, progress, items), a bare net/http
// POST decoding into the generated model, and the SDK's BatchCheckResults.
// Same setup as BenchmarkPrecheckCall. The difference between ours-token and
// nethttp bounds what parsing into verdicts (plus the client's machinery)
// costs; BenchmarkParseResults times the JSON decoding alone.
func BenchmarkResultsCall(b *testing.B) {
	srv := newResultsServer(b)
	ctx := context.Background()
	type setup func(b *testing.B) (call func() error, verify func(*http.Request, []byte) error)
	for _, v := range []struct {
		name  string
		setup setup
	}{
		{"client=ours-token", func(b *testing.B) (func() error, func(*http.Request, []byte) error) {
			c := newOursClient(b, srv.URL, drs.WithToken(iamToken), newTransport(b))
			return func() error { return oursResults(ctx, c) }, verifyToken
		}},
		{"client=nethttp", func(b *testing.B) (func() error, func(*http.Request, []byte) error) {
			hc := &http.Client{Transport: newTransport(b)}
			return func() error { return bareResults(ctx, hc, srv.URL) }, verifyToken
		}},
		{"client=official-sdk", func(b *testing.B) (func() error, func(*http.Request, []byte) error) {
			c := newOfficialClient(b, srv.URL, accessKey, secretKey, newTransport(b))
			return func() error { return officialResults(c) }, verifySignature
		}},
	} {
		b.Run(v.name, func(b *testing.B) {
			call, verify := v.setup(b)
			srv.expect(b, call, verify)
			timeCalls(b, call)
		})
	}
}

// TestResultsCallersAgree runs each client of BenchmarkResultsCall once.
func TestResultsCallersAgree(t *testing.T) {
	srv := newResultsServer(t)
	ctx := context.Background()
	c := newOursClient(t, srv.URL, drs.WithToken(iamToken), newTransport(t))
	srv.expect(t, func() error { return oursResults(ctx, c) }, verifyToken)
	hc := &http.Client{Transport: newTransport(t)}
	srv.expect(t, func() error { return bareResults(ctx, hc, srv.URL) }, verifyToken)
	sdk := newOfficialClient(t, srv.URL, accessKey, secretKey, newTransport(t))
	srv.expect(t, func() error { return officialResults(sdk) }, verifySignature)
}
