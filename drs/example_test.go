package drs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/generated"
)

// fakeDRS stands in for the DRS endpoint: it starts every job's pre-check
// except "no-such-job", which DRS does not know. check authenticates a request
// and returns false (after answering) when it must be refused.
func fakeDRS(check func(w http.ResponseWriter, r *http.Request, body []byte) bool) (*httptest.Server, *http.Client, func()) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req generated.BatchPrecheckReq
		body, _ := io.ReadAll(r.Body)
		if !check(w, r, body) {
			return
		}
		_ = json.Unmarshal(body, &req)
		var resp generated.BatchPrecheckResp
		for _, j := range req.Jobs {
			if j.JobId == "no-such-job" {
				resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: j.JobId, Status: generated.Failed,
					ErrorCode: "DRS.10000010", ErrorMsg: "Job does not exist, please check job ID."})
				continue
			}
			resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: j.JobId, Status: generated.Success, PrecheckId: j.JobId})
		}
		resp.Count = int32(len(resp.Results))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "example-request")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	// Your program would pass its own *http.Client, or none. This one checks
	// every request and answer against openapi.yaml, as all of this
	// package's tests do.
	base := &http.Transport{}
	tr, err := contract.NewTransport(base)
	if err != nil {
		panic(err)
	}
	return srv, &http.Client{Transport: tr}, func() { srv.Close(); base.CloseIdleConnections() }
}

// fakeSignedDRS is fakeDRS accepting only requests signed with the given
// access key and secret key: it verifies the signature as the API gateway
// does, and answers 401 APIGW.0301 otherwise.
func fakeSignedDRS(accessKey, secretKey string) (*httptest.Server, *http.Client, func()) {
	verifier := aksk.Verifier{Lookup: func(ak string) (string, bool) { return secretKey, ak == accessKey }}
	return fakeDRS(func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if _, err := verifier.Verify(r, body); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}`))
			return false
		}
		return true
	})
}

// An IAM token is sent as X-Auth-Token. In production, drs.WithRegion (or
// HUAWEICLOUD_SDK_REGION) chooses the endpoint; here it is a local stand-in.
func Example_token() {
	srv, httpClient, done := fakeDRS(func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Header.Get("X-Auth-Token") != "my-iam-token" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}`))
			return false
		}
		return true
	})
	defer done()

	c, err := drs.New(
		drs.WithoutEnvironment(), // only for the example: ignore HUAWEICLOUD_* variables
		drs.WithEndpoint(srv.URL),
		drs.WithProjectID("054ba152d480d55b2f5dc0069e7ddef0"),
		drs.WithToken("my-iam-token"),
		drs.WithHTTPClient(httpClient),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := c.Precheck(context.Background(), drs.ModeStartJob,
		"140b5236-88ad-43c8-811c-1268453jb101", "no-such-job")
	if err != nil {
		fmt.Println(err) // invalid input: nothing was sent
		return
	}
	for _, o := range report.Outcomes {
		if o.State == drs.Started {
			fmt.Println(o.JobID, "started, pre-check ID", o.PrecheckID)
			continue
		}
		fmt.Println(o.JobID, o.State, "-", o.Err)
	}
	if err := report.Err(); err != nil {
		fmt.Println("not found:", drs.IsJobNotFound(err))
	}
	// Output:
	// 140b5236-88ad-43c8-811c-1268453jb101 started, pre-check ID 140b5236-88ad-43c8-811c-1268453jb101
	// no-such-job refused - drs: job "no-such-job": pre-check refused: DRS.10000010: Job does not exist, please check job ID. (request ID example-request); check the job ID, the region and the project ID
	// not found: true
}

// With an access key and secret key, every attempt of every call is signed
// (SDK-HMAC-SHA256). The stand-in verifies the signature as the API gateway
// does.
func Example_aksk() {
	srv, httpClient, done := fakeSignedDRS("MYACCESSKEY", "my-secret-key")
	defer done()

	c, err := drs.New(
		drs.WithoutEnvironment(),
		drs.WithEndpoint(srv.URL),
		drs.WithProjectID("054ba152d480d55b2f5dc0069e7ddef0"),
		drs.WithAKSK("MYACCESSKEY", "my-secret-key"), // or HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK
		drs.WithHTTPClient(httpClient),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Printing the client never shows the secret key.
	fmt.Println(strings.Contains(fmt.Sprintf("%+v", c), "my-secret-key"))

	jobs := make([]string, 25)
	for i := range jobs {
		jobs[i] = fmt.Sprintf("job-%02d", i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	report, err := c.Precheck(ctx, drs.ModeStartJob, jobs...) // 3 calls of at most 10 jobs
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("started:", report.Count(drs.Started), "all:", report.AllStarted())
	// Output:
	// false
	// started: 25 all: true
}

// Programs that call the generated client directly (for example to see the
// raw answer) use the client's credentials through RequestEditor; each
// request the generated client builds is authenticated, and signed, afresh.
func ExampleClient_RequestEditor() {
	srv, httpClient, done := fakeSignedDRS("MYACCESSKEY", "my-secret-key")
	defer done()

	const project = "054ba152d480d55b2f5dc0069e7ddef0"
	c, err := drs.New(drs.WithoutEnvironment(), drs.WithEndpoint(srv.URL), drs.WithProjectID(project),
		drs.WithAKSK("MYACCESSKEY", "my-secret-key"))
	if err != nil {
		fmt.Println(err)
		return
	}
	gc, err := generated.NewClientWithResponses(srv.URL,
		generated.WithHTTPClient(httpClient),
		generated.WithRequestEditorFn(c.RequestEditor()))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := gc.BatchCheckJobsWithResponse(context.Background(), project, nil, generated.BatchPrecheckReq{
		Jobs: []generated.PreCheckInfo{{JobId: "job-1", PrecheckMode: generated.ForStartJob}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode(), resp.JSON200.Results[0].Id, resp.JSON200.Results[0].Status)
	// Output:
	// 200 job-1 success
}

// Errors are typed: a missing setting is a *ConfigError that says what to set.
func ExampleNew_configError() {
	_, err := drs.New(drs.WithoutEnvironment(), drs.WithRegion("cn-north-4"), drs.WithToken("t"))
	var cfgErr *drs.ConfigError
	if errors.As(err, &cfgErr) {
		fmt.Println(cfgErr.Setting)
		fmt.Println(err)
	}
	// Output:
	// WithProjectID
	// drs: configuration: WithProjectID: no project ID: use drs.WithProjectID or set the environment variable HUAWEICLOUD_SDK_PROJECT_ID (console: My Credentials > API Credentials)
}
