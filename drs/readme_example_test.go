package drs_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

// Example_readme is the README's program, run against the drstest simulator
// instead of Huawei Cloud: the environment variables it would read are given
// here as options.
func Example_readme() {
	sim, err := drstest.New(drstest.WithToken("my-iam-token"), drstest.WithJobs(drstest.Job{
		ID: "140b5236-88ad-43c8-811c-1268453jb101", State: drstest.StateConfiguration, Duration: 50 * time.Millisecond,
		Items: []drstest.CheckItem{{Item: "srcDbConnection", Group: "network", Result: drstest.ResultPassed}},
	}))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()

	client, err := drs.New(
		drs.WithoutEnvironment(),
		drs.WithEndpoint(srv.URL), // in real use: HUAWEICLOUD_SDK_REGION or drs.WithRegion("cn-north-4")
		drs.WithProjectID(sim.ProjectID()),
		drs.WithToken("my-iam-token"), // or HUAWEICLOUD_SDK_AK/SK, drs.WithAKSK(ak, sk)
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	report, err := client.PrecheckAndWait(ctx, drs.ModeStartJob, []string{"140b5236-88ad-43c8-811c-1268453jb101"},
		drs.WithFirstPollDelay(60*time.Millisecond), drs.WithPollInterval(20*time.Millisecond)) // defaults suit real DRS: 20s, 5s
	if report == nil {
		log.Fatal(err) // bad input: nothing was sent
	}
	for _, v := range report.Verdicts { // one per job, in input order
		fmt.Println(v.JobID, v.MayStart, v.Summary())
	}
	// Output:
	// 140b5236-88ad-43c8-811c-1268453jb101 true may start
}
