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

func drstestSigner(srv *drstest.Server) aksk.Signer {
	return aksk.Signer{Credentials: srv.Credentials()}
}

func TestAKSK(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "j"}))
	p := srv.ProjectID
	ctx := context.Background()
	body := generated.BatchQueryPrecheckResultReq{Jobs: []string{"j"}}

	// The right secret key is accepted, for both operations, with the
	// headers the official SDK sends.
	good := strictClient(t, srv.URL, header("X-Project-Id", p), header("X-Language", "en-us"), signed(drstestSigner(srv)))
	start(t, good, p, generated.PrecheckModeForStartJob, "j")
	results(t, good, p, "j")

	refused := map[string]aksk.Signer{
		"wrong secret key":   {Credentials: aksk.Credentials{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey + "x"}},
		"unknown access key": {Credentials: aksk.Credentials{AccessKey: "UNKNOWNAK", SecretKey: srv.SecretKey}},
		"20 minutes slow":    {Credentials: srv.Credentials(), Now: func() time.Time { return time.Now().Add(-20 * time.Minute) }},
		"20 minutes fast":    {Credentials: srv.Credentials(), Now: func() time.Time { return time.Now().Add(20 * time.Minute) }},
	}
	for name, signer := range refused {
		t.Run(name, func(t *testing.T) {
			c := strictClient(t, srv.URL, signed(signer))
			a := resultsAnswer(t)(c.BatchCheckResultsWithResponse(ctx, p, nil, body))
			wantError(t, a, http.StatusUnauthorized, "APIGW.0301")
			if !strings.HasPrefix(a.body.ErrorMsg, "Incorrect IAM authentication information: ") {
				t.Fatalf("error_msg %q", a.body.ErrorMsg)
			}
			if strings.Contains(string(a.raw), srv.SecretKey) {
				t.Fatal("the answer holds the secret key")
			}
		})
	}

	// A body changed after signing is refused.
	tamper := func(_ context.Context, req *http.Request) error {
		b := []byte(`{"jobs":["j","k"]}`)
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
		return nil
	}
	c := strictClient(t, srv.URL, signed(drstestSigner(srv)), tamper)
	wantError(t, resultsAnswer(t)(c.BatchCheckResultsWithResponse(ctx, p, nil, body)), http.StatusUnauthorized, "APIGW.0301")

	// The path decides the project, not X-Project-Id...
	c = strictClient(t, srv.URL, header("X-Project-Id", "another-project"), signed(drstestSigner(srv)))
	results(t, c, p, "j")
	// ...and a wrong one in the path is 403, signed or not.
	wantError(t, resultsAnswer(t)(c.BatchCheckResultsWithResponse(ctx, "another-project", nil, body)), http.StatusForbidden, "DRS.M00261")
	c = strictClient(t, srv.URL, token(srv.Token))
	wantError(t, jobsAnswer(t)(c.BatchCheckJobsWithResponse(ctx, "another-project", nil, startReq(generated.PrecheckModeForStartJob, "j"))), http.StatusForbidden, "DRS.M00261")

	// A malformed Authorization header.
	c = lenientClient(t, srv.URL, header("Authorization", "Basic dXNlcjpwYXNz"))
	wantError(t, resultsAnswer(t)(c.BatchCheckResultsWithResponse(ctx, p, nil, body)), http.StatusUnauthorized, "APIGW.0301")
}

func TestTokens(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithToken("t1", "t2"), drstest.WithJobs(drstest.Job{ID: "j"}))
	p := srv.ProjectID
	ctx := context.Background()
	body := generated.BatchQueryPrecheckResultReq{Jobs: []string{"j"}}
	for _, tok := range []string{"t1", "t2"} {
		results(t, strictClient(t, srv.URL, token(tok)), p, "j")
	}
	c := strictClient(t, srv.URL, token("t3"))
	a := resultsAnswer(t)(c.BatchCheckResultsWithResponse(ctx, p, nil, body))
	wantError(t, a, http.StatusUnauthorized, "APIGW.0301")
	if strings.Contains(string(a.raw), "t3") {
		t.Fatalf("the answer echoes the token: %s", a.raw)
	}
	// No credentials at all.
	c = lenientClient(t, srv.URL)
	wantError(t, jobsAnswer(t)(c.BatchCheckJobsWithResponse(ctx, p, nil, startReq(generated.PrecheckModeForStartJob, "j"))), http.StatusUnauthorized, "APIGW.0301")
	// Signed requests are refused when the pair is unknown, even though
	// tokens are configured.
	c = strictClient(t, srv.URL, signed(aksk.Signer{Credentials: aksk.Credentials{AccessKey: "AK", SecretKey: "SK"}}))
	wantError(t, resultsAnswer(t)(c.BatchCheckResultsWithResponse(ctx, p, nil, body)), http.StatusUnauthorized, "APIGW.0301")
	// Authentication comes before the project check: a bad token on a
	// wrong project is 401.
	c = strictClient(t, srv.URL, token("t3"))
	wantError(t, resultsAnswer(t)(c.BatchCheckResultsWithResponse(ctx, "other", nil, body)), http.StatusUnauthorized, "APIGW.0301")
}

func TestAcceptAnyToken(t *testing.T) {
	sim, err := drstest.New(drstest.AcceptAnyToken(), drstest.WithAKSK("AK1", "SK1"), drstest.WithJobs(drstest.Job{ID: "j"}))
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(t, sim)
	results(t, strictClient(t, srv, token("anything at all")), sim.ProjectID(), "j")
	results(t, strictClient(t, srv, signed(aksk.Signer{Credentials: aksk.Credentials{AccessKey: "AK1", SecretKey: "SK1"}})), sim.ProjectID(), "j")
	c := strictClient(t, srv, signed(aksk.Signer{Credentials: aksk.Credentials{AccessKey: "AK1", SecretKey: "SK2"}}))
	wantError(t, resultsAnswer(t)(c.BatchCheckResultsWithResponse(context.Background(), sim.ProjectID(), nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"j"}})), http.StatusUnauthorized, "APIGW.0301")
}
