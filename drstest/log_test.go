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
	"github.com/drsclient/drs-precheck/generated"
)

func TestRequestLog(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithScenario(drstest.DefaultScenario()))
	p := srv.ProjectID
	tok := strictClient(t, srv.URL, token(srv.Token), header("X-Language", "en-us"))
	start(t, tok, p, generated.PrecheckModeForStartJob, drstest.ExampleJobID)
	results(t, strictClient(t, srv.URL, signed(aksk.Signer{Credentials: srv.Credentials()})), p, drstest.ExampleJobID)
	a := call(t, lenientClient(t, srv.URL, token("wrong-token-value")), p, drstest.OpBatchCheckResults)

	log := srv.Requests()
	if len(log) != 3 || srv.RequestCount() != 3 {
		t.Fatalf("%d requests logged, count %d", len(log), srv.RequestCount())
	}
	first, second, third := log[0], log[1], log[2]
	if first.Seq != 1 || first.Operation != drstest.OpBatchCheckJobs || first.Status != 200 || first.Auth != drstest.AuthToken ||
		first.Method != "POST" || first.Path != "/v3/"+p+"/jobs/batch-precheck" || !strings.Contains(string(first.Body), drstest.ExampleJobID) ||
		first.Header.Get("X-Language") != "en-us" || first.ID == "" || first.Time.IsZero() {
		t.Fatalf("first request: %+v", first)
	}
	if second.Operation != drstest.OpBatchCheckResults || second.Auth != drstest.AuthAKSK || second.AccessKey != srv.AccessKey || second.Status != 200 {
		t.Fatalf("second request: %+v", second)
	}
	if third.Status != 401 || third.ErrorCode != "APIGW.0301" || third.Auth != "" || third.ID != a.requestID {
		t.Fatalf("third request: %+v (answer %s)", third, a.requestID)
	}
	if first.Header.Get("X-Auth-Token") != "[REDACTED]" || second.Header.Get("Authorization") != "[REDACTED]" {
		t.Fatalf("credentials not shown as redacted: %v / %v", first.Header, second.Header)
	}
	// The log hands out copies.
	log[0].Header.Set("X-Auth-Token", "x")
	log[0].Body[0] = 'X'
	if again := srv.Requests()[0]; again.Header.Get("X-Auth-Token") != "[REDACTED]" || again.Body[0] != '{' {
		t.Fatal("Requests returns shared memory")
	}
}

func TestRequestLogLimit(t *testing.T) {
	for _, limit := range []int{0, 1, 3} {
		srv, c := jobServer(t, drstest.WithRequestLogLimit(limit))
		for range 10 {
			results(t, c, srv.ProjectID, "j")
		}
		log := srv.Requests()
		if len(log) != limit || srv.RequestCount() != 10 {
			t.Fatalf("limit %d: %d logged, count %d", limit, len(log), srv.RequestCount())
		}
		for i, r := range log {
			if want := uint64(10 - limit + 1 + i); r.Seq != want {
				t.Fatalf("limit %d: entry %d is request %d, want %d", limit, i, r.Seq, want)
			}
		}
	}
}

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
