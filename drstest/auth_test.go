package drstest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// changeBody adds a space to the body after signing.
func changeBody(_ context.Context, req *http.Request) error {
	b, err := bodyOf(req)
	b = append(b, ' ')
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.ContentLength = int64(len(b))
	return err
}

// Tokens, signatures and temporary credentials (accepted only with their own
// security token, sent once and signed) are accepted or refused like the
// gateway does, for both operations, and logged as such; a refusal never
// quotes a credential or a signature.
func TestAuthentication(t *testing.T) {
	const ak, sk = "AKAUTHTEST0000000001", "auth-secret-key-DO-NOT-PRINT"
	const t1, t2, t3 = "t1-DO-NOT-PRINT", "t2-DO-NOT-PRINT", "t3-DO-NOT-PRINT"
	const p = "0123456789abcdef0123456789abcdef"
	skew := func(d time.Duration) generated.RequestEditorFn {
		return signed(aksk.Signer{Credentials: aksk.Credentials{AccessKey: ak, SecretKey: sk}, Now: func() time.Time { return time.Now().Add(d) }})
	}
	// The official SDK's headers; the path decides the project, not X-Project-Id.
	sdk := []generated.RequestEditorFn{header("X-Project-Id", "another-project"), header("X-Language", "en-us")}
	type edits = []generated.RequestEditorFn
	cases := []struct {
		name    string
		project string
		strict  bool // the request is valid per openapi.yaml
		edit    edits
		status  int
		code    string
		msg     string // in error_msg of a refusal
		ak      string // the access key logged for a signed success
	}{
		{"first token", p, true, edits{token(t1)}, 200, "", "", ""},
		{"second token", p, true, edits{token(t2)}, 200, "", "", ""},
		{"signed, with the SDK's headers", p, true, append(sdk, signedBy(ak, sk, "")), 200, "", "", ak},
		{"wrong token", p, true, edits{token(t3)}, 401, "APIGW.0301", "", ""},
		{"wrong token, wrong project", "other", true, edits{token(t3)}, 401, "APIGW.0301", "", ""},
		{"no credentials", p, false, nil, 401, "APIGW.0301", "", ""},
		{"wrong secret key", p, true, edits{signedBy(ak, lkWrongSK, "")}, 401, "APIGW.0301", "", ""},
		{"unknown access key", p, true, edits{signedBy("UNKNOWNAK", sk, "")}, 401, "APIGW.0301", "", ""},
		{"20 minutes slow", p, true, edits{skew(-20 * time.Minute)}, 401, "APIGW.0301", "", ""},
		{"20 minutes fast", p, true, edits{skew(20 * time.Minute)}, 401, "APIGW.0301", "", ""},
		{"body changed after signing", p, true, edits{signedBy(ak, sk, ""), changeBody}, 401, "APIGW.0301", "", ""},
		{"malformed Authorization", p, false, edits{header("Authorization", "Basic dXNlcjpwYXNz")}, 401, "APIGW.0301", "", ""},
		{"signed, wrong project", "another-project", true, edits{signedBy(ak, sk, "")}, 403, "DRS.M00261", "", ""},
		{"token, wrong project", "another-project", true, edits{token(t1)}, 403, "DRS.M00261", "", ""},
		{"temporary: right token, signed", p, true, edits{signedBy(lkTempAK, lkTempSK, lkTempST)}, 200, "", "", lkTempAK},
		{"temporary: token missing", p, true, edits{signedBy(lkTempAK, lkTempSK, "")}, 401, "APIGW.0301", "X-Security-Token header is missing", ""},
		{"temporary: wrong token, signed", p, true, edits{signedBy(lkTempAK, lkTempSK, lkWrongST)}, 401, "APIGW.0301", "not the one issued with this access key", ""},
		{"temporary: right token, not signed", p, true, edits{signedBy(lkTempAK, lkTempSK, ""), header("X-Security-Token", lkTempST)}, 401, "APIGW.0301", "X-Security-Token is not signed", ""},
		{"temporary: right token, signed, then a second one", p, true, edits{signedBy(lkTempAK, lkTempSK, lkTempST), addHeader("X-Security-Token", lkTempST)}, 401, "APIGW.0301", "verify aksk signature fail", ""},
		{"temporary: wrong secret key, right token", p, true, edits{signedBy(lkTempAK, lkWrongSK, lkTempST)}, 401, "APIGW.0301", "verify aksk signature fail", ""},
		{"permanent key with a token", p, true, edits{signedBy(ak, sk, lkPermanentST)}, 200, "", "", ak},
	}
	for _, tc := range cases {
		for _, op := range ops {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				srv := drstest.NewServer(t, drstest.WithProjectID(p), drstest.WithToken(t1, t2), drstest.WithAKSK(ak, sk),
					drstest.WithTemporaryAKSK(lkTempAK, lkTempSK, lkTempST), drstest.WithJobs(drstest.Job{ID: "j"}))
				c := lenientClient(t, srv.URL, tc.edit...)
				if tc.strict {
					c = strictClient(t, srv.URL, tc.edit...)
				}
				a := call(t, c, tc.project, op)
				if leaked(a) {
					t.Fatalf("the answer quotes a credential or a signature: %s", a.raw)
				}
				logged := srv.Requests()[0]
				if tc.status == 200 {
					wantAuth := drstest.AuthToken
					if tc.ak != "" {
						wantAuth = drstest.AuthAKSK
					}
					if a.status != 200 || logged.Auth != wantAuth || logged.AccessKey != tc.ak {
						t.Fatalf("status %d, logged as %q %q: %s", a.status, logged.Auth, logged.AccessKey, a.raw)
					}
					return
				}
				wantError(t, a, tc.status, tc.code)
				if got, msg, _ := authOutcome(a); tc.status == 401 && (got != lkRefused || !strings.Contains(msg, tc.msg) || logged.Auth != "" || logged.AccessKey != "") {
					t.Fatalf("%s: error_msg %q, logged as %q %q", got, msg, logged.Auth, logged.AccessKey)
				}
			})
		}
	}
}

// A simulator that accepts any token knows none in advance: the one each
// request carries is still masked wherever else the client put it.
func TestAcceptAnyToken(t *testing.T) {
	srv := drstest.NewServer(t, drstest.AcceptAnyToken(), drstest.WithAKSK("AK1", "SK1"), drstest.WithJobs(drstest.Job{ID: "j"}))
	results(t, strictClient(t, srv.URL, token("anything at all")), srv.ProjectID, "j")
	results(t, strictClient(t, srv.URL, signedBy("AK1", "SK1", "")), srv.ProjectID, "j")
	c := strictClient(t, srv.URL, signedBy("AK1", "SK2", ""))
	wantError(t, call(t, c, srv.ProjectID, drstest.OpBatchCheckResults), http.StatusUnauthorized, "APIGW.0301")

	c = lenientClient(t, srv.URL, token(logWrongToken), header("X-Request-Note", "sent "+logWrongToken))
	send(t, c, srv.ProjectID, request{op: drstest.OpBatchCheckJobs, body: `{"jobs":[{"job_id":"j","precheck_mode":"forStartJob"}],"echo":"` + logWrongToken + `"}`})
	r := srv.Requests()[3]
	if got := string(r.Body); !strings.HasSuffix(got, `"echo":"[REDACTED]"}`) {
		t.Errorf("body: %s", got)
	}
	if got := r.Header.Get("X-Request-Note"); got != "sent [REDACTED]" {
		t.Errorf("header: %q", got)
	}
}
