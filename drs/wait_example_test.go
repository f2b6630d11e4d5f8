package drs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/generated"
)

func ExampleClient_Wait() {
	c, done := exampleClient()
	defer done()

	// Bound the wait: a pre-check takes a minute or two.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	report, err := c.Wait(ctx, []string{"job-ready", "job-binlog"},
		// The defaults (first query after 20 s, then every 5 s up to 30 s)
		// suit DRS; this example's stand-in server answers at once.
		drs.WithFirstPollDelay(0), drs.WithPollInterval(time.Millisecond),
		drs.WithProgress(func(r drs.ResultsReport) {
			for _, v := range r.Verdicts {
				fmt.Printf("query %d: %s %s %g%%\n", r.Polls, v.JobID, v.State, v.Progress)
			}
		}))
	if err != nil { // the wait ended first: report has the last known verdicts
		log.Fatal(err)
	}
	for _, v := range report.Verdicts {
		fmt.Printf("%s may start: %t\n", v.JobID, v.MayStart)
	}
	// Output:
	// query 1: job-ready in_progress 40%
	// query 1: job-binlog in_progress 0%
	// query 2: job-ready passed 100%
	// query 2: job-binlog failed 100%
	// job-ready may start: true
	// job-binlog may start: false
}

func ExampleClient_PrecheckAndWait() {
	c, done := exampleClient()
	defer done()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	report, err := c.PrecheckAndWait(ctx, drs.ModeStartJob,
		[]string{"job-ready", "job-binlog", "job-unknown"},
		drs.WithFirstPollDelay(0), drs.WithPollInterval(time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range report.Verdicts {
		switch {
		case v.MayStart:
			fmt.Printf("%s: may start\n", v.JobID)
			for _, it := range v.Alarms { // warnings: worth a look, not a stop
				fmt.Printf("  alarm %s/%s: %s\n", it.Group, it.Item, it.Reason)
			}
		case v.State == drs.VerdictFailed:
			fmt.Printf("%s: pre-check failed\n", v.JobID)
			for _, g := range v.ByGroup() {
				for _, it := range g.Items {
					if it.Result == drs.ItemFailed {
						fmt.Printf("  %s/%s: %s (%d sub-jobs)\n", g.Group, it.Item, it.Reason, len(it.FailedSubJobs))
					}
				}
			}
		case v.Start != nil && v.Start.State == drs.Refused:
			fmt.Printf("%s: refused at start: %s %s\n", v.JobID, v.ErrorCode, v.ErrorMsg)
		default: // errored, or not complete when ctx ended
			fmt.Printf("%s: %s\n", v.JobID, v.Summary())
		}
	}
	// Output:
	// job-ready: may start
	//   alarm db_params/srcDbParamsCompare: innodb_buffer_pool_size differs between source and target
	// job-binlog: pre-check failed
	//   db_params/srcBinlogFormatCheck: binlog_format is STATEMENT; set it to ROW (1 sub-jobs)
	// job-unknown: refused at start: DRS.10000010 Job does not exist, please check job ID.
}

// exampleClient returns a client of a loopback stand-in for DRS, with every
// request and answer checked against openapi.yaml, and a function that shuts
// both down.
func exampleClient() (*drs.Client, func()) {
	srv := httptest.NewServer(exampleDRS())
	base := &http.Transport{}
	validating, err := contract.NewTransport(base)
	if err != nil {
		log.Fatal(err)
	}
	c, err := drs.New(
		drs.WithoutEnvironment(),
		drs.WithEndpoint(srv.URL), // in real use: drs.WithRegion("cn-north-4")
		drs.WithProjectID("054ba152d480d55b2f5dc0069e7ddef0"),
		drs.WithToken("example-iam-token"), // or drs.WithAKSK(ak, sk)
		drs.WithHTTPClient(&http.Client{Transport: validating}),
	)
	if err != nil {
		log.Fatal(err)
	}
	return c, func() { srv.Close(); base.CloseIdleConnections() }
}

// exampleDRS answers like DRS: job-ready passes at the second query with an
// ALARM, job-binlog fails, job-unknown does not exist.
func exampleDRS() http.Handler {
	var mu sync.Mutex
	queries := map[string]int{}
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "example-request")
		_ = json.NewEncoder(w).Encode(v)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/batch-precheck") {
			var req generated.BatchPrecheckReq
			_ = json.NewDecoder(r.Body).Decode(&req)
			resp := generated.BatchPrecheckResp{Count: int32(len(req.Jobs))}
			for _, j := range req.Jobs {
				a := generated.PostPreCheckResp{Id: j.JobId, Status: generated.Success, PrecheckId: j.JobId}
				if j.JobId == "job-unknown" {
					a = generated.PostPreCheckResp{Id: j.JobId, Status: generated.Failed,
						ErrorCode: "DRS.10000010", ErrorMsg: "Job does not exist, please check job ID."}
				}
				resp.Results = append(resp.Results, a)
			}
			reply(w, resp)
			return
		}
		var req generated.BatchQueryPrecheckResultReq
		_ = json.NewDecoder(r.Body).Decode(&req)
		resp := generated.BatchQueryPrecheckResultResp{Count: int32(len(req.Jobs))}
		for _, id := range req.Jobs {
			queries[id]++
			res := generated.QueryPreCheckResp{PrecheckId: id, Process: "100%", JobDirection: generated.Up}
			switch {
			case id == "job-ready" && queries[id] == 1:
				res.Process = "40%"
			case id == "job-ready":
				res.Result, res.TotalPassedRate = true, "100%"
				res.PrecheckResult = []generated.PrecheckResult{
					{Item: "srcDbConnection", Result: generated.PASSED, Group: "network"},
					{Item: "srcDbParamsCompare", Result: generated.ALARM, Group: "db_params",
						FailedReason: "innodb_buffer_pool_size differs between source and target"},
				}
			case queries[id] == 1:
				res.Process = "0%"
			default:
				res.TotalPassedRate = "50%"
				res.PrecheckResult = []generated.PrecheckResult{
					{Item: "srcDbConnection", Result: generated.PASSED, Group: "network"},
					{Item: "srcBinlogFormatCheck", Result: generated.FAILED, Group: "db_params",
						FailedReason:  "binlog_format is STATEMENT; set it to ROW",
						FailedSubJobs: []generated.PrecheckFailSubJobVO{{Id: "sub-1", Name: "orders", CheckResult: "FAILED"}}},
				}
			}
			resp.Results = append(resp.Results, res)
		}
		reply(w, resp)
	})
}
