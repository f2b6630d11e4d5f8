package drstest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/drstest"
)

// Secrets with characters URL and JSON encodings change, so that each
// encoding is a different string to look for.
const (
	logToken      = "MIIlog+token/value=&<DO-NOT-LOG>"
	logAK         = "AKLOGTEST00000000001"
	logSK         = "SK/log+secret=&DO-NOT-LOG"
	logST         = "ST<log>security&token/DO-NOT-LOG"
	logWrongToken = "wrong/token+value=DO-NOT-LOG"
	logWrongST    = "wrong<security>token/=DO-NOT-LOG"
)

// encodedForms is s raw, URL query- and path-escaped and JSON-escaped.
func encodedForms(s string) []string {
	js, _ := json.Marshal(s)
	return []string{s, url.QueryEscape(s), url.PathEscape(s), string(js[1 : len(js)-1]), strings.ReplaceAll(string(js[1:len(js)-1]), "/", `\/`)}
}

// TestRequestLogHoldsNoSecret: whatever a client sends, and wherever it puts
// a credential (path, body, another header, a header the simulator does not
// check), the request log and the simulator's printed forms hold none, in any
// encoding, whether the request passed or not.
func TestRequestLogHoldsNoSecret(t *testing.T) {
	t.Parallel()
	srv := drstest.NewServer(t, drstest.WithToken(logToken), drstest.WithTemporaryAKSK(logAK, logSK, logST))
	base := srv.URL + "/v3/" + srv.ProjectID + "/jobs/batch-precheck"
	// send puts the simulator's credentials, and those the request itself
	// carries (own), in the body raw, URL-encoded and JSON-escaped, and in
	// other headers; it signs with security token st unless st is "".
	send := func(path string, header http.Header, own, st string) {
		t.Helper()
		everything := logToken + " " + logSK + " " + logST + " " + own
		js, _ := json.Marshal(everything)
		body := []byte(`{"jobs":[{"job_id":"` + drstest.ExampleJobID + `","precheck_mode":"forStartJob"}],"echo":` + string(js) +
			`,"q":"` + url.QueryEscape(everything) + `","raw":"` + strings.ReplaceAll(everything, `"`, "") + `"}`)
		req, err := http.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		must(t, err)
		req.Header = header
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Debug", url.QueryEscape(everything))
		req.Header.Set("X-Echo", string(js))
		if st != "" {
			signer := aksk.Signer{Credentials: aksk.Credentials{AccessKey: logAK, SecretKey: logSK, SecurityToken: st}}
			must(t, signer.Sign(req, body))
		}
		resp, err := srv.Client().Do(req)
		must(t, err)
		_ = resp.Body.Close()
	}
	send(base, http.Header{"X-Auth-Token": {logToken}}, logToken, "")
	send(base, http.Header{"X-Auth-Token": {logWrongToken}}, logWrongToken, "")
	send(base, http.Header{}, logST, logST)
	send(srv.URL+"/v3/"+url.PathEscape(logToken)+"/jobs/batch-precheck", http.Header{"X-Auth-Token": {logToken}}, logToken, "")
	send(base+"?token="+url.QueryEscape(logSK), http.Header{"Authorization": {"Bearer " + logWrongToken}, "Cookie": {"s=" + logST}}, logWrongToken, "")
	send(base, http.Header{}, logWrongST, logWrongST)
	send(base, http.Header{"X-Security-Token": {logWrongST}}, logWrongST, "")

	log := srv.Requests()
	// The signed requests: one authenticated, one refused.
	if len(log) != 7 || log[2].Auth != drstest.AuthAKSK || log[5].Status != http.StatusUnauthorized {
		t.Fatalf("%d requests logged, want 7", len(log))
	}
	asJSON, err := json.Marshal(log)
	must(t, err)
	dump := fmt.Sprintf("%+v %#v %s %v %+v %#v", log, log, asJSON, srv, srv, srv.Simulator)
	for _, r := range log {
		dump += string(r.Body) // the formats above show it as numbers or base64
	}
	for _, s := range []string{logToken, logSK, logST, logWrongToken, logWrongST} {
		for _, f := range encodedForms(s) {
			if i := strings.Index(dump, f); i >= 0 {
				t.Errorf("the request log holds %q as %q: ...%s...", s, f, dump[max(0, i-80):min(len(dump), i+len(f)+20)])
			}
		}
	}
	if strings.Contains(dump, "Signature=") {
		t.Error("the request log holds a signature")
	}
	// What the log keeps: the shape of the body, the masks, the access key.
	for i, r := range log {
		if !bytes.Contains(r.Body, []byte(`"echo":"[REDACTED] [REDACTED] [REDACTED] [REDACTED]"`)) || !bytes.Contains(r.Body, []byte(drstest.ExampleJobID)) {
			t.Errorf("request %d: body %s", i, r.Body)
		}
		if got := r.Header.Get("X-Debug"); got != "[REDACTED]+[REDACTED]+[REDACTED]+[REDACTED]" {
			t.Errorf("request %d: X-Debug %q", i, got)
		}
	}
	if log[2].AccessKey != logAK || log[2].Header.Get("Authorization") != "[REDACTED]" {
		t.Errorf("signed request: %+v", log[2])
	}
	for _, i := range []int{2, 5, 6} {
		if got := log[i].Header.Values("X-Security-Token"); len(got) != 1 || got[0] != "[REDACTED]" {
			t.Errorf("request %d: X-Security-Token logged as %q", i, got)
		}
	}
	if log[3].Path != "/v3/[REDACTED]/jobs/batch-precheck" {
		t.Errorf("path: %q", log[3].Path)
	}
}
