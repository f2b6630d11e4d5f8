package drstest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// Bad requests get DRS's 400 answers, signed or not; without the contract's
// validation (benchmarks) the simulator's own checks still answer the common
// mistakes with DRS codes. Nothing is started.
func TestBadRequests(t *testing.T) {
	ids := make([]string, 11)
	for i := range ids {
		ids[i] = fmt.Sprint("job-", i)
	}
	elevenJobs, _ := json.Marshal(startReq(generated.PrecheckModeForStartJob, ids...))
	elevenIDs, _ := json.Marshal(generated.BatchQueryPrecheckResultReq{Jobs: ids})
	const J, R = drstest.OpBatchCheckJobs, drstest.OpBatchCheckResults
	cases := []struct {
		name string
		request
		code, msg string
	}{
		{name: "empty jobs", request: request{op: J, body: `{"jobs":[]}`}, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "no jobs", request: request{op: J, body: `{}`}, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "no body", request: request{op: J, body: ``}, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "blank body", request: request{op: R, body: " \n"}, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "no job_id", request: request{op: J, body: `{"jobs":[{"precheck_mode":"forStartJob"}]}`}, code: "DRS.M00201", msg: "Parameter job_id is empty."},
		{name: "empty job_id", request: request{op: J, body: `{"jobs":[{"job_id":"","precheck_mode":"forStartJob"}]}`}, code: "DRS.M00201", msg: "Parameter job_id is empty."},
		{name: "no mode", request: request{op: J, body: `{"jobs":[{"job_id":"a"}]}`}, code: "DRS.M00201", msg: "Parameter precheck_mode is empty."},
		{name: "bad mode", request: request{op: J, body: `{"jobs":[{"job_id":"a","precheck_mode":"forEver"}]}`}, code: "DRS.M00202", msg: "The value of parameter precheck_mode is invalid."},
		{name: "numeric job_id", request: request{op: J, body: `{"jobs":[{"job_id":1,"precheck_mode":"forStartJob"}]}`}, code: "DRS.M00202", msg: "The value of parameter job_id is invalid."},
		{name: "jobs not an array", request: request{op: J, body: `{"jobs":"a"}`}, code: "DRS.M00202", msg: "The value of parameter jobs is invalid."},
		{name: "unknown field in job", request: request{op: J, body: `{"jobs":[{"job_id":"a","precheck_mode":"forStartJob","force":true}]}`}, code: "DRS.M00202", msg: "The value of parameter force is invalid."},
		{name: "unknown top field", request: request{op: R, body: `{"jobs":["a"],"limit":1}`}, code: "DRS.M00202", msg: "The value of parameter limit is invalid."},
		{name: "array body", request: request{op: J, body: `[{"job_id":"a"}]`}, code: "DRS.M00202", msg: "The value of parameter body is invalid."},
		{name: "null body", request: request{op: R, body: `null`}, code: "DRS.M00202", msg: "The value of parameter body is invalid."},
		{name: "invalid JSON", request: request{op: J, body: `{"jobs":[`}, code: "DRS.M00202", msg: "The value of parameter body is invalid."},
		{name: "trailing garbage", request: request{op: R, body: `{"jobs":["a"]} x`}, code: "DRS.M00202", msg: "The value of parameter body is invalid."},
		{name: "text/plain", request: request{op: J, body: `{"jobs":[{"job_id":"a","precheck_mode":"forStartJob"}]}`, contentType: "text/plain"}, code: "DRS.M00202", msg: "The value of parameter Content-Type is invalid."},
		{name: "bad X-Language", request: request{op: R, body: `{"jobs":["a"]}`, language: "fr-fr"}, code: "DRS.M00202", msg: "The value of parameter X-Language is invalid."},
		{name: "11 jobs", request: request{op: J, body: string(elevenJobs)}, code: "DRS.M00202", msg: "The value of parameter jobs is invalid."},
		{name: "11 job IDs", request: request{op: R, body: string(elevenIDs)}, code: "DRS.M00202", msg: "The value of parameter jobs is invalid."},
		{name: "duplicate job_id", request: request{op: J, body: `{"jobs":[{"job_id":"a","precheck_mode":"forStartJob"},{"job_id":"a","precheck_mode":"forRetryJob"}]}`}, code: "DRS.M00301", msg: "Duplicate job_id in request."},
		{name: "duplicate job IDs", request: request{op: R, body: `{"jobs":["a","b","a"]}`}, code: "DRS.M00301", msg: "Duplicate jobs in request."},
		{name: "empty job ID", request: request{op: R, body: `{"jobs":[""]}`}, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "numeric job ID", request: request{op: R, body: `{"jobs":[1]}`}, code: "DRS.M00202", msg: "The value of parameter jobs is invalid."},
		{name: "empty job IDs", request: request{op: R, body: `{"jobs":[]}`}, code: "DRS.M00201", msg: "Parameter jobs is empty."},
	}
	validated := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "a"}))
	unvalidated := drstest.NewServer(t, drstest.WithoutRequestValidation(), drstest.WithJobs(drstest.Job{ID: "a"}))
	contractOnly := map[string]bool{"unknown field in job": true, "unknown top field": true, "text/plain": true, "bad X-Language": true}
	for _, via := range []struct {
		name string
		srv  *drstest.Server
		edit generated.RequestEditorFn
	}{
		{"token", validated, token(validated.Token)},
		{"aksk", validated, signed(aksk.Signer{Credentials: validated.Credentials()})},
		{"unvalidated", unvalidated, token(unvalidated.Token)},
	} {
		c := lenientClient(t, via.srv.URL, via.edit)
		for _, tc := range cases {
			if via.srv == unvalidated && contractOnly[tc.name] {
				continue
			}
			t.Run(via.name+"/"+tc.name, func(t *testing.T) {
				a := send(t, c, via.srv.ProjectID, tc.request)
				wantError(t, a, http.StatusBadRequest, tc.code)
				if a.body.ErrorMsg != tc.msg && (via.srv == validated || tc.code == "DRS.M00201") {
					t.Fatalf("error_msg %q, want %q", a.body.ErrorMsg, tc.msg)
				}
				if a.body.RequestId != "" || a.header.Get("Content-Type") != "application/json" {
					t.Fatalf("Content-Type %q; a DRS error with the gateway's request_id? %s", a.header.Get("Content-Type"), a.raw)
				}
			})
		}
	}
	for _, srv := range []*drstest.Server{validated, unvalidated} {
		if r := results(t, strictClient(t, srv.URL, token(srv.Token)), srv.ProjectID, "a")[0]; r.ErrorCode != "DRS.M05003" {
			t.Fatalf("a bad request started a pre-check: %+v", r)
		}
		for _, r := range srv.Requests() {
			if r.Status == http.StatusBadRequest && r.ErrorCode == "" {
				t.Fatalf("request %d: no error code logged", r.Seq)
			}
		}
	}
}

// Unknown routes and bodies over the gateway's 12 MB get the gateway's
// answers, before authentication and validation; faults apply to unknown
// routes too.
func TestGatewayRefusals(t *testing.T) {
	srv := drstest.NewServer(t)
	jobs := "/v3/" + srv.ProjectID + "/jobs/batch-precheck"
	for _, tc := range []struct {
		method, path, body string
		fault              drstest.Fault
		status             int
		code, retryAfter   string // no code: a gateway page
	}{
		{"GET", jobs, "{}", drstest.Fault{}, 404, "APIGW.0101", ""},
		{"POST", jobs + "/", "{}", drstest.Fault{}, 404, "APIGW.0101", ""},
		{"POST", "/v3/" + srv.ProjectID + "/jobs", "{}", drstest.Fault{}, 404, "APIGW.0101", ""},
		{"POST", "/v2/" + srv.ProjectID + "/jobs/batch-precheck", "{}", drstest.Fault{}, 404, "APIGW.0101", ""},
		{"DELETE", "/", "{}", drstest.Fault{}, 404, "APIGW.0101", ""},
		{"POST", jobs + "-result", strings.Repeat("x", 12<<20+1), drstest.Fault{}, 413, "APIGW.0201", ""},
		{"GET", "/nowhere", "", drstest.Fault{Kind: drstest.FaultThrottle}, 429, "APIGW.0308", "1"},
		{"GET", "/nowhere", "", drstest.Fault{Kind: drstest.FaultError, Status: 503}, 503, "APIGW.0613", "1"},
		{"GET", "/nowhere", "", drstest.Fault{Kind: drstest.FaultGatewayPage, Status: 503}, 503, "", "1"},
		{"GET", "/nowhere", "", drstest.Fault{Kind: drstest.FaultGatewayText}, 502, "", ""},
	} {
		if tc.fault.Kind != "" {
			tc.fault.Count = 1
			_ = srv.InjectFault(tc.fault)
		}
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		must(t, err)
		req.Header.Set("X-Auth-Token", "not-"+srv.Token)
		resp, err := srv.Client().Do(req)
		must(t, err)
		a, err := readAnswer(resp)
		if err != nil || a.header.Get("Retry-After") != tc.retryAfter {
			t.Fatalf("%s %s: %v, Retry-After %q", tc.method, tc.path, err, a.header.Get("Retry-After"))
		}
		if tc.code == "" && (a.status != tc.status || a.requestID == "") {
			t.Fatalf("%s %s: %d %v", tc.method, tc.path, a.status, a.header)
		} else if tc.code != "" {
			wantError(t, a, tc.status, tc.code)
		}
	}
}
