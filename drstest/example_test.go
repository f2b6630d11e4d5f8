package drstest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// A simulator served by httptest, driven by the generated client, with a
// manual clock to move the pre-check along without waiting.
func ExampleNew() {
	clock := drstest.NewManualClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	sim, err := drstest.New(
		drstest.WithScenario(drstest.DefaultScenario()),
		drstest.WithToken("my-iam-token"),
		drstest.WithClock(clock.Now),
	)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()

	client, err := generated.NewClientWithResponses(srv.URL,
		generated.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("X-Auth-Token", "my-iam-token")
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	started, err := client.BatchCheckJobsWithResponse(ctx, sim.ProjectID(), nil, generated.BatchPrecheckReq{
		Jobs: []generated.PreCheckInfo{{JobId: drstest.ExampleJobID, PrecheckMode: generated.PrecheckModeForStartJob}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("start:", started.StatusCode(), started.JSON200.Results[0].Status)

	query := generated.BatchQueryPrecheckResultReq{Jobs: []string{drstest.ExampleJobID}}
	for range 3 {
		res, err := client.BatchCheckResultsWithResponse(ctx, sim.ProjectID(), nil, query)
		if err != nil {
			log.Fatal(err)
		}
		r := res.JSON200.Results[0]
		fmt.Printf("process %s, %d items, passed: %v\n", r.Process, len(r.PrecheckResult), r.Result)
		clock.Advance(1500 * time.Millisecond) // the example job's pre-check takes 3s
	}
	// Output:
	// start: 200 success
	// process 0%, 0 items, passed: false
	// process 50%, 2 items, passed: false
	// process 100%, 4 items, passed: true
}

// A scenario in YAML, as a CLI or a test loads it.
func ExampleParseScenario() {
	sc, err := drstest.ParseScenario([]byte(`
jobs:
  - id: job-1
    duration: 20s
    items:
      - {item: srcDbConnection, group: network}
      - {item: dstDbCharacterSetCheck, group: db_params, result: ALARM, failed_reason: charsets differ}
faults:
  - kind: error
    status: 503
    operation: BatchCheckResults
    count: 1
`), "yaml")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sc.Jobs[0].ID, sc.Jobs[0].Duration, len(sc.Jobs[0].Items), sc.Faults[0].Kind, sc.Faults[0].Status)
	// Output: job-1 20s 2 error 503
}
