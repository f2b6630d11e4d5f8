package drstest_test

import (
	"bytes"
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

var ops = []string{drstest.OpBatchCheckJobs, drstest.OpBatchCheckResults}

// Every fault answer meant to be valid is valid per openapi.yaml (the client
// goes through the strict contract transport), hits Count requests and is
// logged.
func TestFaultAnswersAreValid(t *testing.T) {
	cases := []struct {
		fault      drstest.Fault
		status     int
		code       string // "" for a gateway page
		retryAfter string
	}{
		{drstest.Fault{Kind: drstest.FaultThrottle}, 429, "APIGW.0308", "1"},
		{drstest.Fault{Kind: drstest.FaultThrottle, RetryAfter: 1500 * time.Millisecond}, 429, "APIGW.0308", "2"},
		{drstest.Fault{Kind: drstest.FaultThrottle, Code: "APIG.0308", Message: "too many"}, 429, "APIG.0308", "1"},
		{drstest.Fault{Kind: drstest.FaultError}, 500, "APIGW.9999", ""},
		{drstest.Fault{Kind: drstest.FaultError, Status: 400}, 400, "DRS.M01503", ""},
		{drstest.Fault{Kind: drstest.FaultError, Status: 401}, 401, "APIGW.0307", ""},
		{drstest.Fault{Kind: drstest.FaultError, Status: 403, Code: "DRS.M00102", Message: "Insufficient permissions."}, 403, "DRS.M00102", ""},
		{drstest.Fault{Kind: drstest.FaultError, Status: 413}, 413, "APIGW.0201", ""},
		{drstest.Fault{Kind: drstest.FaultError, Status: 422}, 422, "DRS.M00004", ""},
		{drstest.Fault{Kind: drstest.FaultError, Status: 429}, 429, "APIGW.0308", "1"},
		{drstest.Fault{Kind: drstest.FaultError, Status: 502}, 502, "APIGW.0202", ""},
		{drstest.Fault{Kind: drstest.FaultError, Status: 503, RetryAfter: 5 * time.Second}, 503, "APIGW.0613", "5"},
		{drstest.Fault{Kind: drstest.FaultError, Status: 504}, 504, "APIGW.0203", ""},
		{drstest.Fault{Kind: drstest.FaultGatewayPage}, 502, "", ""},
		{drstest.Fault{Kind: drstest.FaultGatewayPage, Status: 503}, 503, "", "1"},
		{drstest.Fault{Kind: drstest.FaultGatewayPage, Status: 504}, 504, "", ""},
		{drstest.Fault{Kind: drstest.FaultGatewayText}, 502, "", ""},
		{drstest.Fault{Kind: drstest.FaultGatewayText, Status: 503}, 503, "", "1"},
		{drstest.Fault{Kind: drstest.FaultGatewayText, Status: 504}, 504, "", ""},
	}
	for _, op := range ops {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/%s/%d/%s", op, tc.fault.Kind, tc.status, tc.fault.Code), func(t *testing.T) {
				srv, c := jobServer(t)
				f := tc.fault
				f.Operation, f.Count = op, 1
				must(t, srv.InjectFault(f))
				a := call(t, c, srv.ProjectID, op)
				if got := a.header.Get("Retry-After"); got != tc.retryAfter {
					t.Fatalf("Retry-After %q, want %q", got, tc.retryAfter)
				}
				if tc.code != "" {
					wantError(t, a, tc.status, tc.code)
					if f.Message != "" && a.body.ErrorMsg != f.Message {
						t.Fatalf("error_msg %q", a.body.ErrorMsg)
					}
				} else {
					ct, text := a.header.Get("Content-Type"), fmt.Sprintf("%d %s", tc.status, http.StatusText(tc.status))
					if a.status != tc.status || a.body != nil || a.requestID == "" ||
						f.Kind == drstest.FaultGatewayPage && (ct != "text/html" || !strings.Contains(string(a.raw), "<h1>"+text+"</h1>")) ||
						f.Kind == drstest.FaultGatewayText && (ct != "text/plain" || strings.TrimSpace(string(a.raw)) != text) {
						t.Fatalf("status %d, Content-Type %q, request ID %q, body %q", a.status, ct, a.requestID, a.raw)
					}
				}
				if a := call(t, c, srv.ProjectID, op); a.status != 200 {
					t.Fatalf("after the fault: %d %s", a.status, a.raw)
				}
				log := srv.Requests()
				if log[0].Fault != f.Kind || log[0].ID != a.requestID || log[0].Status != tc.status || log[0].ErrorCode != tc.code || log[1].Fault != "" || len(srv.Faults()) != 0 {
					t.Fatalf("log %+v, faults left %+v", log, srv.Faults())
				}
			})
		}
	}
}

// Faults that break the exchange on purpose: a drop closes the connection, a
// reset sends half the body and closes it short of its Content-Length, a
// truncation sends half the body as a complete answer. The request was
// served and logged under the X-Request-Id answered, and the server is fine
// afterwards.
func TestBrokenExchanges(t *testing.T) {
	for _, op := range ops {
		for _, kind := range []drstest.FaultKind{drstest.FaultDrop, drstest.FaultReset, drstest.FaultTruncate} {
			t.Run(op+"/"+string(kind), func(t *testing.T) {
				srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "j"}))
				c := newClient(t, srv.URL, http.DefaultTransport, token(srv.Token)) // raw answers
				full := send(t, c, srv.ProjectID, defaultReq(op))
				_ = srv.InjectFault(drstest.Fault{Kind: kind, Count: 1})
				a, err := exchange(c, srv.ProjectID, defaultReq(op))
				half := a.status == 200 && bytes.Equal(a.raw, full.raw[:len(full.raw)/2])
				if kind == drstest.FaultDrop && err == nil || kind == drstest.FaultReset && (!errors.Is(err, io.ErrUnexpectedEOF) || !half) ||
					kind == drstest.FaultTruncate && (err != nil || !half) {
					t.Fatalf("err %v, status %d, body %q of %q", err, a.status, a.raw, full.raw)
				}
				if again := send(t, c, srv.ProjectID, defaultReq(op)); again.status != 200 {
					t.Fatalf("after the fault: %d", again.status)
				}
				log := srv.Requests()
				if log[1].Fault != kind || (log[1].Status == 0) != (kind == drstest.FaultDrop) || log[2].Fault != "" ||
					kind != drstest.FaultDrop && (len(a.requestID) != 32 || a.requestID != log[1].ID || a.requestID == full.requestID) {
					t.Fatalf("X-Request-Id %q, log %+v", a.requestID, log)
				}
			})
		}
	}
}

func TestLatency(t *testing.T) {
	srv, c := jobServer(t)
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultLatency, Latency: time.Millisecond, Count: 1})
	results(t, c, srv.ProjectID, "j")
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
	srv, c := jobServer(t)
	p := srv.ProjectID
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: 503, Operation: drstest.OpBatchCheckResults, Count: 2})
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultThrottle, Count: 1})

	// BatchCheckJobs: only the unscoped throttle applies, once.
	wantError(t, call(t, c, p, drstest.OpBatchCheckJobs), 429, "APIGW.0308")
	start(t, c, p, generated.PrecheckModeForStartJob, "j")
	// BatchCheckResults: the 503 twice, then normal.
	wantError(t, call(t, c, p, drstest.OpBatchCheckResults), 503, "APIGW.0613")
	if fs := srv.Faults(); len(fs) != 1 || fs[0].Count != 1 {
		t.Fatalf("faults left: %+v", fs)
	}
	wantError(t, call(t, c, p, drstest.OpBatchCheckResults), 503, "APIGW.0613")
	results(t, c, p, "j")

	// Faults hit before authentication, like the gateway's throttling.
	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultThrottle, Count: 1})
	wantError(t, call(t, strictClient(t, srv.URL, token("wrong")), p, drstest.OpBatchCheckJobs), 429, "APIGW.0308")

	_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultError})
	srv.ClearFaults()
	start(t, c, p, generated.PrecheckModeForStartJob, "j") // after ClearFaults
}

// The requests a Rate picks depend only on the seed and arrival order.
func TestFaultRateIsDeterministic(t *testing.T) {
	pattern := func(seed int64) string {
		srv, c := jobServer(t, drstest.WithSeed(seed), drstest.WithFaults(drstest.Fault{Kind: drstest.FaultThrottle, Rate: 0.3}))
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
	if hits := strings.Count(a, "x"); a != b || a == other || hits == 0 || hits == len(a) {
		t.Fatalf("seed 7 twice and seed 8:\n%s\n%s\n%s", a, b, other)
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
