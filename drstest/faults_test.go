package drstest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// call sends one request of an operation through c and returns the answer.
func call(t *testing.T, c *generated.ClientWithResponses, project, op string) answer {
	t.Helper()
	ctx := context.Background()
	if op == drstest.OpBatchCheckJobs {
		return jobsAnswer(t)(c.BatchCheckJobsWithResponse(ctx, project, nil, startReq(generated.PrecheckModeForStartJob, "j")))
	}
	return resultsAnswer(t)(c.BatchCheckResultsWithResponse(ctx, project, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"j"}}))
}

// callErr is call for faults that break the exchange: it returns the error.
func callErr(c *generated.ClientWithResponses, project, op string) error {
	ctx := context.Background()
	var err error
	if op == drstest.OpBatchCheckJobs {
		_, err = c.BatchCheckJobsWithResponse(ctx, project, nil, startReq(generated.PrecheckModeForStartJob, "j"))
	} else {
		_, err = c.BatchCheckResultsWithResponse(ctx, project, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"j"}})
	}
	return err
}

var ops = []string{drstest.OpBatchCheckJobs, drstest.OpBatchCheckResults}

// Every fault answer meant to be valid is valid per openapi.yaml: the client
// goes through the strict contract transport.
func TestFaultAnswersAreValid(t *testing.T) {
	type want struct {
		status     int
		code       string
		retryAfter string
	}
	cases := []struct {
		fault drstest.Fault
		want  want
	}{
		{drstest.Fault{Kind: drstest.FaultThrottle}, want{429, "APIGW.0308", "1"}},
		{drstest.Fault{Kind: drstest.FaultThrottle, RetryAfter: 1500 * time.Millisecond}, want{429, "APIGW.0308", "2"}},
		{drstest.Fault{Kind: drstest.FaultThrottle, Code: "APIG.0308", Message: "too many"}, want{429, "APIG.0308", "1"}},
		{drstest.Fault{Kind: drstest.FaultError}, want{500, "APIGW.9999", ""}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 400}, want{400, "DRS.M01503", ""}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 401}, want{401, "APIGW.0307", ""}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 403, Code: "DRS.M00102", Message: "Insufficient permissions."}, want{403, "DRS.M00102", ""}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 413}, want{413, "APIGW.0201", ""}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 422}, want{422, "DRS.M00004", ""}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 429}, want{429, "APIGW.0308", "1"}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 502}, want{502, "APIGW.0202", ""}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 503, RetryAfter: 5 * time.Second}, want{503, "APIGW.0613", "5"}},
		{drstest.Fault{Kind: drstest.FaultError, Status: 504}, want{504, "APIGW.0203", ""}},
	}
	for _, op := range ops {
		for _, tc := range cases {
			name := fmt.Sprintf("%s/%s/%d/%s", op, tc.fault.Kind, tc.want.status, tc.fault.Code)
			t.Run(name, func(t *testing.T) {
				srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "j"}))
				f := tc.fault
				f.Operation, f.Count = op, 1
				if err := srv.InjectFault(f); err != nil {
					t.Fatal(err)
				}
				c := strictClient(t, srv.URL, token(srv.Token))
				a := call(t, c, srv.ProjectID, op)
				wantError(t, a, tc.want.status, tc.want.code)
				if got := a.header.Get("Retry-After"); got != tc.want.retryAfter && tc.want.retryAfter != "" {
					t.Fatalf("Retry-After %q, want %q", got, tc.want.retryAfter)
				}
				if f.Message != "" && a.body.ErrorMsg != f.Message {
					t.Fatalf("error_msg %q", a.body.ErrorMsg)
				}
				// Count 1: the next request is served normally.
				if a := call(t, c, srv.ProjectID, op); a.status != 200 {
					t.Fatalf("after the fault: %d %s", a.status, a.raw)
				}
				log := srv.Requests()
				if log[0].Fault != f.Kind || log[0].Status != tc.want.status || log[0].ErrorCode != tc.want.code || log[1].Fault != "" {
					t.Fatalf("log: %+v", log)
				}
				if len(srv.Faults()) != 0 {
					t.Fatalf("spent fault still there: %+v", srv.Faults())
				}
			})
		}
	}
}

func TestGatewayPages(t *testing.T) {
	for _, op := range ops {
		for _, kind := range []drstest.FaultKind{drstest.FaultGatewayPage, drstest.FaultGatewayText} {
			for _, status := range []int{0, 502, 503, 504} {
				t.Run(fmt.Sprintf("%s/%s/%d", op, kind, status), func(t *testing.T) {
					srv := drstest.NewServer(t, drstest.WithFaults(drstest.Fault{Kind: kind, Status: status, Operation: op}))
					c := strictClient(t, srv.URL, token(srv.Token))
					a := call(t, c, srv.ProjectID, op)
					want := status
					if want == 0 {
						want = 502
					}
					if a.status != want || a.body != nil || a.requestID == "" {
						t.Fatalf("status %d, body %s, request ID %q", a.status, a.raw, a.requestID)
					}
					ct := a.header.Get("Content-Type")
					text := fmt.Sprintf("%d %s", want, http.StatusText(want))
					switch {
					case kind == drstest.FaultGatewayPage && (ct != "text/html" || !strings.Contains(string(a.raw), "<h1>"+text+"</h1>")),
						kind == drstest.FaultGatewayText && (ct != "text/plain" || strings.TrimSpace(string(a.raw)) != text):
						t.Fatalf("Content-Type %q, body %q", ct, a.raw)
					}
					if want == 503 && a.header.Get("Retry-After") != "1" {
						t.Fatalf("503 without Retry-After")
					}
				})
			}
		}
	}
}

// Faults that break the exchange on purpose: the client sees an error.
func TestBrokenExchanges(t *testing.T) {
	for _, op := range ops {
		for _, kind := range []drstest.FaultKind{drstest.FaultDrop, drstest.FaultReset, drstest.FaultTruncate} {
			t.Run(op+"/"+string(kind), func(t *testing.T) {
				srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "j"}), drstest.WithFaults(drstest.Fault{Kind: kind, Count: 1}))
				c := strictClient(t, srv.URL, token(srv.Token))
				err := callErr(c, srv.ProjectID, op)
				if err == nil {
					t.Fatal("no error")
				}
				switch kind {
				case drstest.FaultTruncate:
					// A complete HTTP answer whose JSON is cut: the contract
					// transport reports the invalid body.
					if !isViolation(err) {
						t.Fatalf("truncate: %v", err)
					}
				default:
					if isViolation(err) {
						t.Fatalf("%s: a contract violation instead of a transport error: %v", kind, err)
					}
				}
				// The server is fine afterwards.
				if a := call(t, c, srv.ProjectID, op); a.status != 200 {
					t.Fatalf("after the fault: %d", a.status)
				}
				first := srv.Requests()[0]
				if first.Fault != kind {
					t.Fatalf("log: %+v", first)
				}
				if kind == drstest.FaultDrop && first.Status != 0 || kind != drstest.FaultDrop && first.Status != 200 {
					t.Fatalf("logged status %d", first.Status)
				}
			})
		}
	}
}

// The truncated and reset answers, seen raw.
func TestBrokenBodiesRaw(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "j"}))
	post := func() (*http.Response, []byte, error) {
		req, _ := http.NewRequest("POST", srv.URL+"/v3/"+srv.ProjectID+"/jobs/batch-precheck-result", strings.NewReader(`{"jobs":["j"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", srv.Token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	_, full, err := post()
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultTruncate, Count: 1})
	resp, cut, err := post()
	if err != nil || resp.StatusCode != 200 || len(cut) != len(full)/2 || string(full[:len(cut)]) != string(cut) || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("truncate: %v, %q of %q", err, cut, full)
	}
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultReset, Count: 1})
	resp, part, err := post()
	if !errors.Is(err, io.ErrUnexpectedEOF) || resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") == "" || len(part) != len(full)/2 {
		t.Fatalf("reset: %v, status %v, %q", err, resp, part)
	}
}

func TestLatency(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "j"}))
	c := strictClient(t, srv.URL, token(srv.Token))
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultLatency, Latency: time.Millisecond, Count: 1})
	if a := call(t, c, srv.ProjectID, drstest.OpBatchCheckResults); a.status != 200 {
		t.Fatalf("status %d", a.status)
	}
	if r := srv.Requests()[0]; !r.Delayed || r.Fault != "" {
		t.Fatalf("log: %+v", r)
	}

	// A long delay ends when the client gives up; the handler returns (the
	// server's Close and goleak would notice otherwise).
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultLatency, Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.BatchCheckResultsWithResponse(ctx, srv.ProjectID, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"j"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want a deadline", err)
	}
	srv.ClearFaults()

	// Latency adds to another fault.
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultThrottle, Latency: time.Millisecond, Count: 1})
	wantError(t, call(t, c, srv.ProjectID, drstest.OpBatchCheckJobs), 429, "APIGW.0308")
	if r := srv.Requests()[2]; !r.Delayed || r.Fault != drstest.FaultThrottle {
		t.Fatalf("log: %+v", r)
	}
}

func TestFaultScopeAndCount(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "j"}))
	c := strictClient(t, srv.URL, token(srv.Token))
	p := srv.ProjectID
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: 503, Operation: drstest.OpBatchCheckResults, Count: 2})
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultThrottle, Count: 1})

	// BatchCheckJobs: only the unscoped throttle applies, once.
	wantError(t, call(t, c, p, drstest.OpBatchCheckJobs), 429, "APIGW.0308")
	if a := call(t, c, p, drstest.OpBatchCheckJobs); a.status != 200 {
		t.Fatalf("jobs: %d", a.status)
	}
	// BatchCheckResults: the 503 twice, then normal.
	wantError(t, call(t, c, p, drstest.OpBatchCheckResults), 503, "APIGW.0613")
	if fs := srv.Faults(); len(fs) != 1 || fs[0].Count != 1 {
		t.Fatalf("faults left: %+v", fs)
	}
	wantError(t, call(t, c, p, drstest.OpBatchCheckResults), 503, "APIGW.0613")
	if a := call(t, c, p, drstest.OpBatchCheckResults); a.status != 200 {
		t.Fatalf("results: %d", a.status)
	}

	// Faults hit before authentication, like the gateway's throttling.
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultThrottle, Count: 1})
	bad := strictClient(t, srv.URL, token("wrong"))
	wantError(t, call(t, bad, p, drstest.OpBatchCheckJobs), 429, "APIGW.0308")

	// ClearFaults removes everything.
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultError})
	srv.ClearFaults()
	if a := call(t, c, p, drstest.OpBatchCheckJobs); a.status != 200 {
		t.Fatalf("after ClearFaults: %d", a.status)
	}
}

// The requests a Rate picks depend only on the seed and arrival order.
func TestFaultRateIsDeterministic(t *testing.T) {
	pattern := func(seed int64) string {
		srv := drstest.NewServer(t, drstest.WithSeed(seed), drstest.WithJobs(drstest.Job{ID: "j"}),
			drstest.WithFaults(drstest.Fault{Kind: drstest.FaultThrottle, Rate: 0.3}))
		c := strictClient(t, srv.URL, token(srv.Token))
		var b strings.Builder
		for range 60 {
			if call(t, c, srv.ProjectID, drstest.OpBatchCheckResults).status == 429 {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b, other := pattern(7), pattern(7), pattern(8)
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == other {
		t.Fatalf("different seeds, same faults: %s", a)
	}
	hits := strings.Count(a, "x")
	if hits == 0 || hits == len(a) {
		t.Fatalf("rate 0.3 hit %d of %d", hits, len(a))
	}
}

func TestInvalidFaults(t *testing.T) {
	srv := drstest.NewServer(t)
	for _, f := range []drstest.Fault{
		{},
		{Kind: "boom"},
		{Kind: drstest.FaultLatency},
		{Kind: drstest.FaultLatency, Latency: -1},
		{Kind: drstest.FaultThrottle, Rate: 1.5},
		{Kind: drstest.FaultThrottle, Rate: -0.1},
		{Kind: drstest.FaultThrottle, Count: -1},
		{Kind: drstest.FaultThrottle, Operation: "ListJobs"},
		{Kind: drstest.FaultThrottle, Status: 500},
		{Kind: drstest.FaultError, Status: 418},
		{Kind: drstest.FaultError, Status: 200},
		{Kind: drstest.FaultGatewayPage, Status: 500},
		{Kind: drstest.FaultDrop, Code: "X"},
		{Kind: drstest.FaultThrottle, RetryAfter: -time.Second},
	} {
		if err := srv.InjectFault(f); err == nil {
			t.Errorf("InjectFault(%+v): no error", f)
		}
	}
	if len(srv.Faults()) != 0 {
		t.Fatal("an invalid fault was kept")
	}
}

// Every answer carries X-Request-Id, different for each request, and the log
// knows it.
func TestRequestIDs(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "j"}))
	seen := map[string]bool{}
	faults := []drstest.Fault{
		{}, // none
		{Kind: drstest.FaultThrottle},
		{Kind: drstest.FaultError, Status: 502},
		{Kind: drstest.FaultGatewayPage},
		{Kind: drstest.FaultTruncate},
	}
	for i, f := range faults {
		if f.Kind != "" {
			f.Count = 1
			_ = srv.InjectFault(f)
		}
		req, _ := http.NewRequest("POST", srv.URL+"/v3/"+srv.ProjectID+"/jobs/batch-precheck-result", strings.NewReader(`{"jobs":["j"]}`))
		req.Header.Set("X-Auth-Token", srv.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("X-Request-Id")
		if len(id) != 32 || seen[id] {
			t.Fatalf("answer %d: X-Request-Id %q", i, id)
		}
		seen[id] = true
		if logged := srv.Requests()[i].ID; logged != id {
			t.Fatalf("answer %d: logged ID %q, header %q", i, logged, id)
		}
	}
}
