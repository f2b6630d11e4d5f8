package drstest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

var epoch = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

func TestPrecheckProgress(t *testing.T) {
	clock := drstest.NewManualClock(epoch)
	srv := drstest.NewServer(t, drstest.WithScenario(drstest.DefaultScenario()), drstest.WithClock(clock.Now))
	c := strictClient(t, srv.URL, token(srv.Token))
	p := srv.ProjectID
	if p != drstest.DefaultProjectID {
		t.Fatalf("project %q: the scenario's project ID was not applied", p)
	}

	got := start(t, c, p, generated.PrecheckModeForStartJob, drstest.ExampleJobID, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID, "no-such-job")
	want := []generated.PostPreCheckResp{
		{Id: drstest.ExampleJobID, Status: generated.PrecheckStartStatusSuccess, PrecheckId: drstest.ExampleJobID},
		{Id: drstest.AlarmJobID, Status: generated.PrecheckStartStatusSuccess, PrecheckId: drstest.AlarmJobID},
		{Id: drstest.FailingJobID, Status: generated.PrecheckStartStatusSuccess, PrecheckId: drstest.FailingJobID},
		{Id: drstest.RunningJobID, Status: generated.PrecheckStartStatusFailed, ErrorCode: "DRS.M00304", ErrorMsg: "This API cannot be called in the current task status."},
		{Id: "no-such-job", Status: generated.PrecheckStartStatusFailed, ErrorCode: "DRS.10000010", ErrorMsg: "Job does not exist, please check job ID."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("start:\n got %+v\nwant %+v", got, want)
	}

	// Halfway, and done: Huawei's published example, item for item (the
	// shapes of progress along the way are TestProgressShapes').
	clock.Advance(1500 * time.Millisecond)
	if r := results(t, c, p, drstest.ExampleJobID)[0]; r.Process != "50%" || len(r.PrecheckResult) != 2 || r.Result || r.TotalPassedRate != "100%" {
		t.Fatalf("halfway: %+v", r)
	}
	clock.Advance(time.Hour)
	wantDone := generated.QueryPreCheckResp{
		PrecheckId: drstest.ExampleJobID, Process: "100%", TotalPassedRate: "100%", Result: true,
		RdsInstanceId: "e05a3679efe241d8b5dee80b17c1a863in01", JobDirection: generated.QueryPreCheckRespJobDirectionUp,
		PrecheckResult: []generated.PrecheckResult{
			{Item: "dstDbDiskSize", Result: generated.PrecheckItemResultPASSED, Group: "db_disk_size", Data: `{"diskSizeTimes":"1.5","dstVolumeSize":"37660000000","srcIndexSize":0,"size":"0","srcIndexAmount":0}`},
			{Item: "srcBinlogFormatCheck", Result: generated.PrecheckItemResultPASSED, Group: "db_params"},
			{Item: "dstStatusCheck", Result: generated.PrecheckItemResultPASSED, Group: "db_target_status"},
			{Item: "srcDbConnection", Result: generated.PrecheckItemResultPASSED, Group: "network"},
		},
	}
	if r := results(t, c, p, drstest.ExampleJobID)[0]; !reflect.DeepEqual(r, wantDone) {
		t.Fatalf("done:\n got %+v\nwant %+v", r, wantDone)
	}

	// The other jobs, finished.
	all := results(t, c, p, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID, "no-such-job")
	alarm, failing, running, unknown := all[0], all[1], all[2], all[3]
	if !alarm.Result || alarm.TotalPassedRate != "100%" || alarm.Process != "100%" {
		t.Fatalf("alarm job: %+v", alarm)
	}
	if !slices.ContainsFunc(alarm.PrecheckResult, func(i generated.PrecheckResult) bool {
		return i.Result == generated.PrecheckItemResultALARM && i.FailedReason != ""
	}) {
		t.Fatalf("alarm job has no ALARM item: %+v", alarm.PrecheckResult)
	}
	if failing.Result || failing.TotalPassedRate != "60%" || failing.Process != "100%" {
		t.Fatalf("failing job: %+v", failing)
	}
	for _, it := range failing.PrecheckResult {
		if it.Result == generated.PrecheckItemResultFAILED && (it.FailedReason == "" || it.Item == "srcTableEngineCheck" && len(it.FailedSubJobs) != 2) {
			t.Fatalf("FAILED item without a reason or sub-jobs: %+v", it)
		}
	}
	if running.ErrorCode != "DRS.M05003" || running.PrecheckId != drstest.RunningJobID || running.Process != "" {
		t.Fatalf("never pre-checked job: %+v", running)
	}
	if unknown.ErrorCode != "DRS.10000010" || unknown.ErrorMsg != "Job does not exist, please check job ID." || unknown.PrecheckId != "no-such-job" {
		t.Fatalf("unknown job: %+v", unknown)
	}

	// Restarting restarts the script.
	start(t, c, p, generated.PrecheckModeForStartJob, drstest.ExampleJobID)
	if r := results(t, c, p, drstest.ExampleJobID)[0]; r.Process != "0%" || r.Result || r.TotalPassedRate != "0%" || len(r.PrecheckResult) != 0 {
		t.Fatalf("after restart: %+v", r)
	}
}

func TestPrecheckModesAndStates(t *testing.T) {
	clock := drstest.NewManualClock(epoch)
	srv := drstest.NewServer(t, drstest.WithScenario(drstest.DefaultScenario()), drstest.WithClock(clock.Now),
		drstest.WithJobs(
			drstest.Job{ID: "instant"}, // defaults: CONFIGURATION, no items, zero duration
			drstest.Job{ID: "released", State: drstest.StateReleased},
		))
	c := strictClient(t, srv.URL, token(srv.Token))
	p := srv.ProjectID

	status := func(rs []generated.PostPreCheckResp) []string {
		var out []string
		for _, r := range rs {
			out = append(out, string(r.Status)+" "+r.ErrorCode)
		}
		return out
	}
	// forRetryJob: allowed while running, refused in CONFIGURATION.
	got := status(start(t, c, p, generated.PrecheckModeForRetryJob, drstest.RunningJobID, drstest.ExampleJobID, "released"))
	want := []string{"success ", "failed DRS.M00304", "failed DRS.M05004"}
	if !slices.Equal(got, want) {
		t.Fatalf("forRetryJob: %q, want %q", got, want)
	}
	clock.Advance(2 * time.Second)
	if r := results(t, c, p, drstest.RunningJobID)[0]; !r.Result || r.JobDirection != generated.QueryPreCheckRespJobDirectionDown {
		t.Fatalf("retried running job: %+v", r)
	}

	// A job moved out of CONFIGURATION cannot start, and back can.
	for _, step := range []struct{ state, want string }{{drstest.StateFullTransferStarted, "failed DRS.M00304"}, {drstest.StateConfiguration, "success "}} {
		must(t, srv.SetJobState(drstest.ExampleJobID, step.state))
		if got := status(start(t, c, p, generated.PrecheckModeForStartJob, drstest.ExampleJobID)); got[0] != step.want {
			t.Fatalf("forStartJob in %s: %q", step.state, got)
		}
	}
	if srv.SetJobState("nope", drstest.StateConfiguration) == nil || srv.SetJobState(drstest.ExampleJobID, "") == nil {
		t.Fatal("SetJobState of an unknown job or to an empty state: no error")
	}

	// A job without items and duration is done at once.
	start(t, c, p, generated.PrecheckModeForStartJob, "instant")
	if r := results(t, c, p, "instant")[0]; r.Process != "100%" || !r.Result || r.TotalPassedRate != "100%" {
		t.Fatalf("instant job: %+v", r)
	}

	// Jobs added, replaced and removed at run time.
	must(t, srv.AddJob(drstest.Job{ID: "late", Items: []drstest.CheckItem{{Item: "x", Result: drstest.ResultFailed}}}))
	start(t, c, p, generated.PrecheckModeForStartJob, "late")
	if r := results(t, c, p, "late")[0]; r.Result || r.TotalPassedRate != "0%" {
		t.Fatalf("late job: %+v", r)
	}
	must(t, srv.AddJob(drstest.Job{ID: "late"}))
	if r := results(t, c, p, "late")[0]; r.ErrorCode != "DRS.M05003" {
		t.Fatalf("replaced job keeps its pre-check: %+v", r)
	}
	if j, ok := srv.Job("late"); !ok || j.State != drstest.StateConfiguration {
		t.Fatalf("Job: %+v %v", j, ok)
	}
	if !srv.RemoveJob("late") || srv.RemoveJob("late") {
		t.Fatal("RemoveJob")
	}
	if r := results(t, c, p, "late")[0]; r.ErrorCode != "DRS.10000010" {
		t.Fatalf("removed job: %+v", r)
	}
}

// The job table is a deep copy: changing what was passed in changes nothing.
func TestJobIsCopied(t *testing.T) {
	job := drstest.Job{ID: "j", Items: []drstest.CheckItem{{Item: "a", Result: drstest.ResultPassed, FailedSubJobs: []drstest.FailedSubJob{{ID: "s"}}}}}
	srv := drstest.NewServer(t, drstest.WithJobs(job))
	job.Items[0].Result = drstest.ResultFailed
	job.Items[0].FailedSubJobs[0].ID = "changed"
	got, _ := srv.Job("j")
	if got.Items[0].Result != drstest.ResultPassed || got.Items[0].FailedSubJobs[0].ID != "s" {
		t.Fatalf("the table shares memory with the caller: %+v", got)
	}
	got.Items[0].Item = "changed"
	if again, _ := srv.Job("j"); again.Items[0].Item != "a" {
		t.Fatal("Job returns shared memory")
	}
}

func TestNewErrors(t *testing.T) {
	type opts = []drstest.Option
	anyToken := drstest.AcceptAnyToken()
	cases := map[string]struct {
		opts opts
		want string // in the error, when given
	}{
		"no credentials":                  {nil, ""},
		"project with /":                  {opts{anyToken, drstest.WithProjectID("a/b")}, ""},
		"empty project":                   {opts{anyToken, drstest.WithProjectID("")}, ""},
		"empty token":                     {opts{drstest.WithToken("")}, ""},
		"empty sk":                        {opts{drstest.WithAKSK("ak", "")}, ""},
		"ak with space":                   {opts{drstest.WithAKSK("a k", "sk")}, ""},
		"nil clock":                       {opts{anyToken, drstest.WithClock(nil)}, ""},
		"duplicate job":                   {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "a"}, drstest.Job{ID: "a"})}, ""},
		"job without ID":                  {opts{anyToken, drstest.WithJobs(drstest.Job{})}, ""},
		"bad direction":                   {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "a", Direction: "x"})}, ""},
		"negative duration":               {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "a", Duration: -time.Second})}, ""},
		"bad item result":                 {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "a", Items: []drstest.CheckItem{{Result: "MAYBE"}}})}, ""},
		"bad fault":                       {opts{anyToken, drstest.WithFaults(drstest.Fault{Kind: "boom"})}, ""},
		"negative log":                    {opts{anyToken, drstest.WithRequestLogLimit(-1)}, ""},
		"bad scenario job":                {opts{anyToken, drstest.WithScenario(drstest.Scenario{Jobs: []drstest.Job{{}}})}, ""},
		"temporary: empty security token": {opts{drstest.WithTemporaryAKSK("ak", "sk", "")}, ""},
		"temporary: empty sk":             {opts{drstest.WithTemporaryAKSK("ak", "", "st-DO-NOT-PRINT")}, ""},
		"temporary: ak with comma":        {opts{drstest.WithTemporaryAKSK("a,k", "sk", "st-DO-NOT-PRINT")}, ""},
		"temporary: token with newline":   {opts{drstest.WithTemporaryAKSK("ak", "sk", "st-DO-NOT-PRINT\n")}, ""},
		"temporary: token with space":     {opts{drstest.WithTemporaryAKSK("ak", "sk", " st-DO-NOT-PRINT")}, ""},
		"temporary and permanent ak":      {opts{drstest.WithAKSK("ak", "sk"), drstest.WithTemporaryAKSK("ak", "sk2", "st-DO-NOT-PRINT")}, ""},
		"temporary ak twice":              {opts{drstest.WithTemporaryAKSK("ak", "sk", "st-DO-NOT-PRINT"), drstest.WithTemporaryAKSK("ak", "sk", "st2-DO-NOT-PRINT")}, ""},
		"progress shape":                  {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "j", Progress: drstest.Progress{Shape: "wobbly"}})}, `progress shape "wobbly"`},
		"progress steps":                  {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "j", Progress: drstest.Progress{Shape: drstest.ProgressSteps, Steps: 101}})}, "progress steps 101"},
		"stall at 100":                    {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "j", Progress: drstest.Progress{Shape: drstest.ProgressStall, At: 100}})}, "stall at 100%"},
		"stall at -1":                     {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "j", Progress: drstest.Progress{Shape: drstest.ProgressStall, At: -1}})}, "stall at -1%"},
		"slowdown at -1":                  {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "j", Progress: drstest.Progress{Shape: drstest.ProgressSlowdown, At: -1}})}, "slowdown at -1%"},
		"duration over the cap":           {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "j", Duration: drstest.MaxJobDuration + 1})}, "is not 0 to 24h0m0s"},
		"too many items":                  {opts{anyToken, drstest.WithJobs(drstest.Job{ID: "j", Items: make([]drstest.CheckItem, drstest.MaxItems+1)})}, "more than 1000"},
	}
	for name, tc := range cases {
		_, err := drstest.New(tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "DO-NOT-PRINT") {
			t.Errorf("%s: the error quotes the security token", name)
		}
	}
	// Temporary credentials alone are enough.
	_, err := drstest.New(drstest.WithTemporaryAKSK("ak", "sk", "st"))
	must(t, err)
	sim, err := drstest.New(drstest.WithToken("t"))
	must(t, err)
	if sim.ProjectID() != drstest.DefaultProjectID {
		t.Fatalf("default project %q", sim.ProjectID())
	}
}

// Many clients, faults and job changes at once: run with -race.
func TestConcurrentUse(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithScenario(drstest.DefaultScenario()))
	c := strictClient(t, srv.URL, token(srv.Token))
	p := srv.ProjectID
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for k := range 10 {
				switch (i + k) % 4 {
				case 0:
					_, _ = c.BatchCheckJobsWithResponse(context.Background(), p, nil, startReq(generated.PrecheckModeForStartJob, drstest.ExampleJobID, drstest.AlarmJobID))
				case 1:
					_, _ = c.BatchCheckResultsWithResponse(context.Background(), p, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{drstest.ExampleJobID, drstest.FailingJobID}})
				case 2:
					_ = srv.InjectFault(drstest.Fault{Kind: drstest.FaultThrottle, Count: 1})
					_ = srv.SetJobState(drstest.AlarmJobID, drstest.StateConfiguration)
				case 3:
					srv.ClearFaults()
					_ = srv.AddJob(drstest.Job{ID: fmt.Sprint("job-", i)})
					_ = srv.Requests()
					_ = srv.Faults()
					_ = fmt.Sprint(srv.Simulator)
				}
			}
		})
	}
	wg.Wait()
	if n := srv.RequestCount(); n != 40 {
		t.Fatalf("RequestCount %d, want 40", n)
	}
}

func TestServerDoesNotPrintSecrets(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithAKSK("AKEXAMPLE", "sk-very-secret"), drstest.WithToken("tok-very-secret"))
	if srv.AccessKey != "AKEXAMPLE" || srv.SecretKey != "sk-very-secret" || srv.Token != "tok-very-secret" {
		t.Fatalf("credentials not taken from the options")
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, v := range []any{srv, *srv, srv.Simulator} {
			out := fmt.Sprintf(format, v)
			if strings.Contains(out, "very-secret") || strings.Contains(out, fmt.Sprintf("%x", "very-secret")) {
				t.Errorf("%s of %T prints a secret: %s", format, v, out)
			}
		}
	}
	if s := srv.String(); !strings.Contains(s, srv.URL) || !strings.Contains(s, "AKEXAMPLE") {
		t.Errorf("String lacks the URL or access key: %s", s)
	}
	if creds := srv.Credentials(); creds.AccessKey != "AKEXAMPLE" || creds.SecretKey != "sk-very-secret" {
		t.Errorf("Credentials: %v", creds)
	}
	if v := srv.LogValue().String(); strings.Contains(v, "very-secret") {
		t.Errorf("LogValue prints a secret: %s", v)
	}

	// Random credentials by default, different for each server.
	a, b := drstest.NewServer(t), drstest.NewServer(t)
	if a.Token == "" || a.SecretKey == "" || a.AccessKey == "" || a.ProjectID == "" ||
		a.Token == b.Token || a.SecretKey == b.SecretKey || a.ProjectID == b.ProjectID {
		t.Fatal("default credentials are not random")
	}
	if a.Client() == nil {
		t.Fatal("no client")
	}
}

// The simulator's own cost per BatchCheckJobs call, without the network:
// with the contract's request validation (the default) and without it
// (WithoutRequestValidation, for benchmarks of clients).
func BenchmarkServeHTTP(b *testing.B) {
	for _, name := range []string{"validated", "unvalidated"} {
		b.Run(name, func(b *testing.B) {
			opts := []drstest.Option{drstest.WithToken("t"), drstest.WithJobs(drstest.Job{ID: "j"}), drstest.WithRequestLogLimit(0)}
			if name == "unvalidated" {
				opts = append(opts, drstest.WithoutRequestValidation())
			}
			sim, err := drstest.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			const body = `{"jobs":[{"job_id":"j","precheck_mode":"forStartJob"}]}`
			path := "/v3/" + sim.ProjectID() + "/jobs/batch-precheck"
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Auth-Token", "t")
				rec := httptest.NewRecorder()
				sim.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
