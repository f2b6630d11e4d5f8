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
	rc, err := req.GetBody()
	if err != nil {
		return err
	}
	b, err := io.ReadAll(rc)
	b = append(b, ' ')
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.ContentLength = int64(len(b))
	return err
}

// Tokens and signatures are accepted or refused like the gateway does, for
// both operations; a refusal never quotes the credentials.
func TestAuthentication(t *testing.T) {
	const ak, sk = "AKAUTHTEST0000000001", "auth-secret-key"
	const p = "0123456789abcdef0123456789abcdef"
	skew := func(d time.Duration) func() time.Time { return func() time.Time { return time.Now().Add(d) } }
	// The official SDK's headers; the path decides the project, not X-Project-Id.
	sdk := []generated.RequestEditorFn{header("X-Project-Id", "another-project"), header("X-Language", "en-us")}
	cases := []struct {
		name    string
		project string
		strict  bool // the request is valid per openapi.yaml
		edit    []generated.RequestEditorFn
		status  int
		code    string
	}{
		{"first token", p, true, []generated.RequestEditorFn{token("t1")}, 200, ""},
		{"second token", p, true, []generated.RequestEditorFn{token("t2")}, 200, ""},
		{"signed, with the SDK's headers", p, true, append(sdk, signedBy(ak, sk, "")), 200, ""},
		{"wrong token", p, true, []generated.RequestEditorFn{token("t3")}, 401, "APIGW.0301"},
		{"wrong token, wrong project", "other", true, []generated.RequestEditorFn{token("t3")}, 401, "APIGW.0301"},
		{"no credentials", p, false, nil, 401, "APIGW.0301"},
		{"wrong secret key", p, true, []generated.RequestEditorFn{signedBy(ak, sk+"x", "")}, 401, "APIGW.0301"},
		{"unknown access key", p, true, []generated.RequestEditorFn{signedBy("UNKNOWNAK", sk, "")}, 401, "APIGW.0301"},
		{"20 minutes slow", p, true, []generated.RequestEditorFn{signed(aksk.Signer{Credentials: aksk.Credentials{AccessKey: ak, SecretKey: sk}, Now: skew(-20 * time.Minute)})}, 401, "APIGW.0301"},
		{"20 minutes fast", p, true, []generated.RequestEditorFn{signed(aksk.Signer{Credentials: aksk.Credentials{AccessKey: ak, SecretKey: sk}, Now: skew(20 * time.Minute)})}, 401, "APIGW.0301"},
		{"body changed after signing", p, true, []generated.RequestEditorFn{signedBy(ak, sk, ""), changeBody}, 401, "APIGW.0301"},
		{"malformed Authorization", p, false, []generated.RequestEditorFn{header("Authorization", "Basic dXNlcjpwYXNz")}, 401, "APIGW.0301"},
		{"signed, wrong project", "another-project", true, []generated.RequestEditorFn{signedBy(ak, sk, "")}, 403, "DRS.M00261"},
		{"token, wrong project", "another-project", true, []generated.RequestEditorFn{token("t1")}, 403, "DRS.M00261"},
	}
	for _, tc := range cases {
		for _, op := range ops {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				srv := drstest.NewServer(t, drstest.WithProjectID(p), drstest.WithToken("t1", "t2"), drstest.WithAKSK(ak, sk), drstest.WithJobs(drstest.Job{ID: "j"}))
				c := lenientClient(t, srv.URL, tc.edit...)
				if tc.strict {
					c = strictClient(t, srv.URL, tc.edit...)
				}
				a := call(t, c, tc.project, op)
				if tc.status == 200 {
					if a.status != 200 {
						t.Fatalf("status %d: %s", a.status, a.raw)
					}
					return
				}
				wantError(t, a, tc.status, tc.code)
				if tc.status == 401 && !strings.HasPrefix(a.body.ErrorMsg, "Incorrect IAM authentication information: ") {
					t.Fatalf("error_msg %q", a.body.ErrorMsg)
				}
				if strings.Contains(string(a.raw), sk) || strings.Contains(string(a.raw), "t3") {
					t.Fatalf("the answer quotes a credential: %s", a.raw)
				}
			})
		}
	}
}

func TestAcceptAnyToken(t *testing.T) {
	srv := drstest.NewServer(t, drstest.AcceptAnyToken(), drstest.WithAKSK("AK1", "SK1"), drstest.WithJobs(drstest.Job{ID: "j"}))
	results(t, strictClient(t, srv.URL, token("anything at all")), srv.ProjectID, "j")
	results(t, strictClient(t, srv.URL, signedBy("AK1", "SK1", "")), srv.ProjectID, "j")
	c := strictClient(t, srv.URL, signedBy("AK1", "SK2", ""))
	wantError(t, call(t, c, srv.ProjectID, drstest.OpBatchCheckResults), http.StatusUnauthorized, "APIGW.0301")
}
