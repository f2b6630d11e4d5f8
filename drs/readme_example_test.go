package drs_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"time"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

// The README's example, run against a simulator: the project and the
// credentials come from the environment, as Huawei's SDKs read them.
func Example_readme() {
	sim, err := drstest.New(drstest.WithToken("readme-token"), drstest.WithJobs(drstest.Job{
		ID:    "140b5236-88ad-43c8-811c-1268453jb101",
		Items: []drstest.CheckItem{{Item: "srcDbConnection", Group: "network"}},
	}))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	defer setenv(map[string]string{
		drs.EnvProjectID: sim.ProjectID(), drs.EnvIAMToken: "readme-token",
		drs.EnvAccessKey: "", drs.EnvSecretKey: "", drs.EnvSecurityToken: "",
	})()
	// The first query comes halfway to the deadline when that is sooner
	// than its default delay: here after 250ms.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()

	// The README's code, but for the simulator's endpoint instead of the
	// region of HUAWEICLOUD_SDK_REGION:
	client, err := drs.New(drs.WithEndpoint(srv.URL)) // env: region/project/credentials
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	rep, err := client.PrecheckAndWait(ctx, drs.ModeStartJob, []string{"140b5236-88ad-43c8-811c-1268453jb101"})
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
	// 140b5236-88ad-43c8-811c-1268453jb101 passed may start
}

// setenv sets environment variables and returns a function that restores
// them.
func setenv(vars map[string]string) (restore func()) {
	prev := map[string]*string{}
	for name, value := range vars {
		if v, ok := os.LookupEnv(name); ok {
			prev[name] = &v
		} else {
			prev[name] = nil
		}
		_ = os.Setenv(name, value)
	}
	return func() {
		for name, v := range prev {
			if v == nil {
				_ = os.Unsetenv(name)
			} else {
				_ = os.Setenv(name, *v)
			}
		}
	}
}
