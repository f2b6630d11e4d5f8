package drs_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// simulator serves a drstest simulator with three jobs whose pre-checks
// complete at once: one passes, one fails, and one is running (so DRS
// refuses a pre-check for a start).
func simulator() (*drstest.Simulator, *httptest.Server) {
	jobs := drstest.WithJobs(
		drstest.Job{ID: "job-ok", Items: []drstest.CheckItem{
			{Item: "srcDbConnection", Group: "network"},
			{Item: "dstDbCharacterSetCheck", Group: "db_params", Result: drstest.ResultAlarm, FailedReason: "charsets differ"},
		}},
		drstest.Job{ID: "job-bad", Items: []drstest.CheckItem{
			{Item: "srcBinlogFormatCheck", Group: "db_params", Result: drstest.ResultFailed, FailedReason: "binlog_format must be ROW"},
		}},
		drstest.Job{ID: "job-running", State: drstest.StateIncreTransferStarted},
	)
	sim, err := drstest.New(jobs, drstest.WithToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	return sim, httptest.NewServer(sim)
}

// simulated is the client of Example for simulator's server, and a function
// that closes both.
func simulated() (*drs.Client, func()) {
	sim, srv := simulator()
	client, err := drs.New(drs.WithEndpoint(srv.URL), drs.WithProjectID(sim.ProjectID()), drs.WithToken("example-token"), drs.WithoutEnvironment())
	if err != nil {
		log.Fatal(err)
	}
	return client, func() { client.CloseIdleConnections(); srv.Close() }
}

// Start the pre-checks of three jobs, wait for their verdicts and print
// them. Against Huawei Cloud, give WithRegion and real credentials instead of
// the simulator's endpoint and token.
func Example() {
	sim, srv := simulator()
	defer srv.Close()

	client, err := drs.New(
		drs.WithEndpoint(srv.URL),
		drs.WithProjectID(sim.ProjectID()),
		drs.WithToken("example-token"),
		drs.WithoutEnvironment(),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := client.PrecheckAndWait(ctx, drs.ModeStartJob, []string{"job-ok", "job-bad", "job-running"},
		drs.WithFirstPollDelay(10*time.Millisecond)) // the simulated pre-checks are instant
	if rep == nil {
		log.Fatal(err) // invalid input: nothing was sent
	}
	for _, v := range rep.Verdicts {
		fmt.Println(v.JobID, v.State, v.Summary())
	}
	if err != nil {
		log.Fatal(err) // some job got no usable answer
	}
	// Output:
	// job-ok passed may start (1 alarm)
	// job-bad failed pre-check failed: 1 item failed: db_params/srcBinlogFormatCheck: binlog_format must be ROW
	// job-running refused refused: DRS.M00304: This API cannot be called in the current task status.
}

// Read the verdicts of pre-checks started earlier, once, without waiting.
func ExampleClient_Results() {
	clock := drstest.NewManualClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	sim, err := drstest.New(drstest.WithToken("example-token"), drstest.WithClock(clock.Now),
		drstest.WithJobs(drstest.Job{ID: "job-1", Duration: 10 * time.Second}))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, err := drs.New(drs.WithEndpoint(srv.URL), drs.WithProjectID(sim.ProjectID()), drs.WithToken("example-token"), drs.WithoutEnvironment())
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()

	if _, err := client.Precheck(ctx, drs.ModeStartJob, []string{"job-1"}); err != nil {
		log.Fatal(err)
	}
	for range 2 {
		clock.Advance(5 * time.Second) // the simulated pre-check takes 10s
		rep, err := client.Results(ctx, []string{"job-1"})
		if err != nil {
			log.Fatal(err)
		}
		v := rep.Verdicts[0]
		fmt.Println(v.JobID, v.State, v.Summary())
	}
	// Output:
	// job-1 in_progress in progress (50%)
	// job-1 passed may start
}

// Call the generated client directly, authenticated by the client's
// RequestEditor (a token here; AK/SK signatures work the same way).
func ExampleClient_RequestEditor() {
	client, closeAll := simulated()
	defer closeAll()
	gen, err := generated.NewClientWithResponses(client.Endpoint(), generated.WithRequestEditorFn(client.RequestEditor()))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := gen.BatchCheckJobsWithResponse(context.Background(), client.ProjectID(), nil, generated.BatchPrecheckReq{
		Jobs: []generated.PreCheckInfo{{JobId: "job-ok", PrecheckMode: generated.PrecheckModeForStartJob}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode(), resp.JSON200.Results[0].Id, resp.JSON200.Results[0].Status)
	// Output:
	// 200 job-ok success
}

// Wait for pre-checks started earlier, reporting progress as it goes.
func ExampleClient_Wait() {
	client, closeAll := simulated()
	defer closeAll()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	jobs := []string{"job-ok", "job-bad"}
	if _, err := client.Precheck(ctx, drs.ModeStartJob, jobs); err != nil {
		log.Fatal(err)
	}

	rep, err := client.Wait(ctx, jobs, drs.WithFirstPollDelay(10*time.Millisecond),
		drs.WithProgress(func(r drs.Report) {
			fmt.Printf("after %d queries: %s %s\n", r.Polls, r.Verdicts[0].State, r.Verdicts[1].State)
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Verdicts[0].Summary())
	// Output:
	// after 0 queries: in_progress in_progress
	// after 1 queries: passed failed
	// may start (1 alarm)
}

// Gate a deployment on the pre-checks: every job may start, or none does.
func ExampleReport_AllPassed() {
	client, closeAll := simulated()
	defer closeAll()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	for _, jobs := range [][]string{{"job-ok"}, {"job-ok", "job-bad"}} {
		rep, _ := client.PrecheckAndWait(ctx, drs.ModeStartJob, jobs, drs.WithFirstPollDelay(10*time.Millisecond)) // AllPassed is false whenever err is not nil
		fmt.Println(jobs, "may all start:", rep.AllPassed())
	}
	// Output:
	// [job-ok] may all start: true
	// [job-ok job-bad] may all start: false
}
