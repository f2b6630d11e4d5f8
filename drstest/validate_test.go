package drstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

type badRequest struct {
	name        string
	op          string
	body        string
	contentType string // application/json when empty
	language    string
	code, msg   string
}

func badRequests() []badRequest {
	eleven := make([]generated.PreCheckInfo, 11)
	ids := make([]string, 11)
	for i := range eleven {
		ids[i] = fmt.Sprint("job-", i)
		eleven[i] = generated.PreCheckInfo{JobId: ids[i], PrecheckMode: generated.PrecheckModeForStartJob}
	}
	elevenJobs, _ := json.Marshal(generated.BatchPrecheckReq{Jobs: eleven})
	elevenIDs, _ := json.Marshal(generated.BatchQueryPrecheckResultReq{Jobs: ids})
	const J, R = drstest.OpBatchCheckJobs, drstest.OpBatchCheckResults
	return []badRequest{
		{name: "empty jobs", op: J, body: `{"jobs":[]}`, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "no jobs", op: J, body: `{}`, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "no body", op: J, body: ``, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "blank body", op: R, body: " \n", code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "no job_id", op: J, body: `{"jobs":[{"precheck_mode":"forStartJob"}]}`, code: "DRS.M00201", msg: "Parameter job_id is empty."},
		{name: "empty job_id", op: J, body: `{"jobs":[{"job_id":"","precheck_mode":"forStartJob"}]}`, code: "DRS.M00201", msg: "Parameter job_id is empty."},
		{name: "no mode", op: J, body: `{"jobs":[{"job_id":"a"}]}`, code: "DRS.M00201", msg: "Parameter precheck_mode is empty."},
		{name: "bad mode", op: J, body: `{"jobs":[{"job_id":"a","precheck_mode":"forEver"}]}`, code: "DRS.M00202", msg: "The value of parameter precheck_mode is invalid."},
		{name: "numeric job_id", op: J, body: `{"jobs":[{"job_id":1,"precheck_mode":"forStartJob"}]}`, code: "DRS.M00202", msg: "The value of parameter job_id is invalid."},
		{name: "jobs not an array", op: J, body: `{"jobs":"a"}`, code: "DRS.M00202", msg: "The value of parameter jobs is invalid."},
		{name: "unknown field in job", op: J, body: `{"jobs":[{"job_id":"a","precheck_mode":"forStartJob","force":true}]}`, code: "DRS.M00202", msg: "The value of parameter force is invalid."},
		{name: "unknown top field", op: R, body: `{"jobs":["a"],"limit":1}`, code: "DRS.M00202", msg: "The value of parameter limit is invalid."},
		{name: "array body", op: J, body: `[{"job_id":"a"}]`, code: "DRS.M00202", msg: "The value of parameter body is invalid."},
		{name: "null body", op: R, body: `null`, code: "DRS.M00202", msg: "The value of parameter body is invalid."},
		{name: "invalid JSON", op: J, body: `{"jobs":[`, code: "DRS.M00202", msg: "The value of parameter body is invalid."},
		{name: "trailing garbage", op: R, body: `{"jobs":["a"]} x`, code: "DRS.M00202", msg: "The value of parameter body is invalid."},
		{name: "text/plain", op: J, body: `{"jobs":[{"job_id":"a","precheck_mode":"forStartJob"}]}`, contentType: "text/plain", code: "DRS.M00202", msg: "The value of parameter Content-Type is invalid."},
		{name: "bad X-Language", op: R, body: `{"jobs":["a"]}`, language: "fr-fr", code: "DRS.M00202", msg: "The value of parameter X-Language is invalid."},
		{name: "11 jobs", op: J, body: string(elevenJobs), code: "DRS.M00202", msg: "The value of parameter jobs is invalid."},
		{name: "11 job IDs", op: R, body: string(elevenIDs), code: "DRS.M00202", msg: "The value of parameter jobs is invalid."},
		{name: "duplicate job_id", op: J, body: `{"jobs":[{"job_id":"a","precheck_mode":"forStartJob"},{"job_id":"a","precheck_mode":"forRetryJob"}]}`, code: "DRS.M00301", msg: "Duplicate job_id in request."},
		{name: "duplicate job IDs", op: R, body: `{"jobs":["a","b","a"]}`, code: "DRS.M00301", msg: "Duplicate jobs in request."},
		{name: "empty job ID", op: R, body: `{"jobs":[""]}`, code: "DRS.M00201", msg: "Parameter jobs is empty."},
		{name: "numeric job ID", op: R, body: `{"jobs":[1]}`, code: "DRS.M00202", msg: "The value of parameter jobs is invalid."},
		{name: "empty job IDs", op: R, body: `{"jobs":[]}`, code: "DRS.M00201", msg: "Parameter jobs is empty."},
	}
}

func sendRaw(t *testing.T, c *generated.ClientWithResponses, project string, tc badRequest) answer {
	t.Helper()
	ct := tc.contentType
	if ct == "" {
		ct = "application/json"
	}
	ctx := context.Background()
	body := strings.NewReader(tc.body)
	if tc.op == drstest.OpBatchCheckJobs {
		var params *generated.BatchCheckJobsParams
		if tc.language != "" {
			params = &generated.BatchCheckJobsParams{XLanguage: generated.BatchCheckJobsParamsXLanguage(tc.language)}
		}
		return jobsAnswer(t)(c.BatchCheckJobsWithBodyWithResponse(ctx, project, params, ct, body))
	}
	var params *generated.BatchCheckResultsParams
	if tc.language != "" {
		params = &generated.BatchCheckResultsParams{XLanguage: generated.BatchCheckResultsParamsXLanguage(tc.language)}
	}
	return resultsAnswer(t)(c.BatchCheckResultsWithBodyWithResponse(ctx, project, params, ct, body))
}

func TestBadRequests(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "a"}))
	for _, via := range []string{"token", "aksk"} {
		edit := token(srv.Token)
		if via == "aksk" {
			edit = signed(drstestSigner(srv))
		}
		c := lenientClient(t, srv.URL, edit)
		for _, tc := range badRequests() {
			t.Run(via+"/"+tc.name, func(t *testing.T) {
				a := sendRaw(t, c, srv.ProjectID, tc)
				wantError(t, a, http.StatusBadRequest, tc.code)
				if a.body.ErrorMsg != tc.msg {
					t.Fatalf("error_msg %q, want %q", a.body.ErrorMsg, tc.msg)
				}
				if a.body.RequestId != "" {
					t.Fatalf("a DRS error with the gateway's request_id: %s", a.raw)
				}
				if got := a.header.Get("Content-Type"); got != "application/json" {
					t.Fatalf("Content-Type %q", got)
				}
			})
		}
	}
	// Nothing was started by the bad requests.
	c := strictClient(t, srv.URL, token(srv.Token))
	if r := results(t, c, srv.ProjectID, "a")[0]; r.ErrorCode != "DRS.M05003" {
		t.Fatalf("a bad request started a pre-check: %+v", r)
	}
	for _, r := range srv.Requests() {
		if r.Status == http.StatusBadRequest && r.ErrorCode == "" {
			t.Fatalf("request %d: no error code logged", r.Seq)
		}
	}
}

// Without the contract's validation (benchmarks), the simulator's own checks
// still answer the common mistakes with DRS codes.
func TestBadRequestsWithoutValidation(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithoutRequestValidation(), drstest.WithJobs(drstest.Job{ID: "a"}))
	c := lenientClient(t, srv.URL, token(srv.Token))
	skip := map[string]bool{ // what only the contract catches
		"unknown field in job": true, "unknown top field": true, "text/plain": true, "bad X-Language": true,
	}
	for _, tc := range badRequests() {
		if skip[tc.name] {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			a := sendRaw(t, c, srv.ProjectID, tc)
			wantError(t, a, http.StatusBadRequest, tc.code)
			if tc.code == "DRS.M00201" && tc.msg != a.body.ErrorMsg {
				t.Fatalf("error_msg %q, want %q", a.body.ErrorMsg, tc.msg)
			}
		})
	}
	start(t, strictClient(t, srv.URL, token(srv.Token)), srv.ProjectID, generated.PrecheckModeForStartJob, "a")
}

func TestUnknownRoute(t *testing.T) {
	srv := drstest.NewServer(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/v3/" + srv.ProjectID + "/jobs/batch-precheck"},
		{"POST", "/v3/" + srv.ProjectID + "/jobs/batch-precheck/"},
		{"POST", "/v3/" + srv.ProjectID + "/jobs"},
		{"POST", "/v2/" + srv.ProjectID + "/jobs/batch-precheck"},
		{"DELETE", "/"},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Auth-Token", srv.Token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var eb generated.ErrorBody
		if resp.StatusCode != http.StatusNotFound || json.Unmarshal(body, &eb) != nil || eb.ErrorCode != "APIGW.0101" ||
			eb.RequestId == "" || eb.RequestId != resp.Header.Get("X-Request-Id") {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, body)
		}
	}
}

func TestBodyTooLarge(t *testing.T) {
	srv := drstest.NewServer(t)
	// Over the gateway's 12 MB: refused before authentication and
	// validation, so the body need not be meaningful.
	big := `{"jobs":["` + strings.Repeat("x", 12<<20) + `"]}`
	c := lenientClient(t, srv.URL, token(srv.Token))
	a := resultsAnswer(t)(c.BatchCheckResultsWithBodyWithResponse(context.Background(), srv.ProjectID, nil, "application/json", strings.NewReader(big)))
	wantError(t, a, http.StatusRequestEntityTooLarge, "APIGW.0201")
}
