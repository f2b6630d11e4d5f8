package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/drsclient/drs-precheck/aksk"
)

// bareResponse is the small struct the bare net/http baseline decodes into.
type bareResponse struct {
	Results []struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		PrecheckID string `json:"precheck_id"`
	} `json:"results"`
	Count int `json:"count"`
}

// bareCall is the baseline: what a hand-written call costs at the least. It
// POSTs the already encoded body (no encoding), with a fixed X-Auth-Token (no
// signing), no timeout, no retries, no validation, no request-ID or error
// handling beyond the status code. It reads the whole answer (io.ReadAll,
// which also lets the connection be reused) and json-decodes it
// (json.Unmarshal) into a small struct.
func bareCall(ctx context.Context, hc *http.Client, url string) error {
	return bareCallWith(ctx, hc, url, func(req *http.Request) error {
		req.Header["X-Auth-Token"] = []string{iamToken}
		return nil
	})
}

// bareSignedCall is the baseline for AK/SK: bareCall, with the request signed
// by signer (aksk.Signer, the cheapest signer we have: see BenchmarkSign)
// instead of carrying a token, and the headers ours-aksk sends and signs:
// X-Project-Id (which DRS asks for with AK/SK) and a
// User-Agent of the same length as drs's default. It is the least an
// AK/SK-authenticated call with those headers costs, against which ours-aksk
// is compared like for like.
func bareSignedCall(ctx context.Context, hc *http.Client, url string, signer *aksk.Signer) error {
	return bareCallWith(ctx, hc, url, func(req *http.Request) error {
		req.Header["X-Project-Id"] = []string{projectID}
		req.Header["User-Agent"] = []string{bareUserAgent}
		return signer.Sign(req, precheckRequest)
	})
}

// bareUserAgent has the length of drs's default User-Agent.
const bareUserAgent = "bare-nethttp-go"

// bareCallWith is bareCall with auth adding the credentials.
func bareCallWith(ctx context.Context, hc *http.Client, url string, auth func(*http.Request) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+precheckPath, bytes.NewReader(precheckRequest))
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
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var out bareResponse
	if err := json.Unmarshal(body, &out); err != nil {
		return err
	}
	if len(out.Results) != 1 || out.Results[0].Status != "success" || out.Results[0].PrecheckID != jobID {
		return fmt.Errorf("net/http: unexpected answer %+v", out)
	}
	return nil
}
