package drs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/drsclient/drs-precheck/drs"
)

// answerWith is an http.RoundTripper that answers every request with the same
// status, content type and body, without any network.
type answerWith struct {
	status      int
	contentType string
	body        []byte
}

func (a answerWith) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	h := http.Header{}
	if a.contentType != "" {
		h.Set("Content-Type", a.contentType)
	}
	return &http.Response{StatusCode: a.status, Header: h, Body: io.NopCloser(bytes.NewReader(a.body)), Request: req}, nil
}

// FuzzPrecheckResponse: whatever the server answers (any status, any bytes),
// Precheck accounts for every job exactly once, in order, never panics, and
// reports a job Started only on a 2xx answer that said so; a non-2xx answer
// is an *APIError with that status.
func FuzzPrecheckResponse(f *testing.F) {
	seeds := []struct {
		status int
		ct     string
		body   string
	}{
		{200, "application/json", `{"results":[{"id":"job-a","status":"success","precheck_id":"p-a"},{"id":"job-b","status":"failed","error_code":"DRS.10000010","error_msg":"Job does not exist"}],"count":2}`},
		{200, "application/json", `{"results":[{"id":"job-a","status":"success"},{"id":"job-a","status":"success"},{"id":"job-x","status":"success"}],"count":"3"}`},
		{200, "application/json", `{"results":null}`},
		{200, "text/html", `<html>ok</html>`},
		{200, "application/json", `{"results":[{"id":"job-b","status":"maybe"}]`},
		{400, "application/json", `{"error_code":"DRS.M00201","error_msg":"Parameter jobs is empty."}`},
		{429, "application/json", `{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"r"}`},
		{503, "text/html", `<h1>503</h1>`},
		{204, "", ``},
	}
	for _, s := range seeds {
		f.Add(s.status, s.ct, []byte(s.body))
	}
	jobs := []string{"job-a", "job-b"}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 200 || status > 599 {
			return // net/http never hands a client a 1xx or out-of-range status as the final answer
		}
		c, err := drs.New(drs.WithoutEnvironment(), drs.WithEndpoint("http://127.0.0.1:9"), drs.WithProjectID("p"),
			drs.WithToken("fuzz-token"), drs.WithoutRetries(),
			drs.WithHTTPClient(&http.Client{Transport: answerWith{status, contentType, body}}))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := c.Precheck(context.Background(), drs.ModeStartJob, jobs...)
		if err != nil {
			t.Fatalf("valid input refused: %v", err)
		}
		if len(rep.Outcomes) != len(jobs) {
			t.Fatalf("%d outcomes for %d jobs", len(rep.Outcomes), len(jobs))
		}
		for i, o := range rep.Outcomes {
			if o.JobID != jobs[i] {
				t.Fatalf("outcome %d is for %q, want %q", i, o.JobID, jobs[i])
			}
			if (o.State == drs.Started) != (o.Err == nil) {
				t.Fatalf("job %s: state %v with error %v", o.JobID, o.State, o.Err)
			}
			if status >= 300 {
				var apiErr *drs.APIError
				if o.State == drs.Started || !errors.As(o.Err, &apiErr) || apiErr.StatusCode != status {
					t.Fatalf("job %s: status %d gave state %v, error %v", o.JobID, status, o.State, o.Err)
				}
			}
		}
	})
}
