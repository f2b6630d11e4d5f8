package drstest_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

func wantScenario() drstest.Scenario {
	return drstest.Scenario{
		ProjectID: "0123456789abcdef0123456789abcdef",
		Jobs: []drstest.Job{
			{
				ID: drstest.ExampleJobID, Duration: 20 * time.Second,
				RDSInstanceID: "e05a3679efe241d8b5dee80b17c1a863in01", Direction: drstest.DirectionUp,
				Progress: drstest.Progress{Shape: drstest.ProgressSteps, Steps: 4},
				Items: []drstest.CheckItem{
					{Item: "dstDbDiskSize", Group: "db_disk_size", Result: drstest.ResultPassed,
						Data: `{"diskSizeTimes":"1.5","dstVolumeSize":"37660000000","srcIndexSize":0,"size":"0","srcIndexAmount":0}`},
					{Item: "srcDbUserPrivilege", Group: "db_user_privilege", Result: drstest.ResultFailed,
						FailedReason: "missing REPLICATION SLAVE", RawErrorMsg: "Access denied",
						FailedSubJobs: []drstest.FailedSubJob{{ID: "s1", Name: "db1.t1", CheckResult: "FAILED"}}},
				},
			},
			{ID: "running-job", State: drstest.StateIncreTransferStarted, Duration: 90 * time.Second, Direction: drstest.DirectionNonDBS,
				Progress: drstest.Progress{Shape: drstest.ProgressStall, At: 40}},
		},
		Faults: []drstest.Fault{
			{Kind: drstest.FaultThrottle, Operation: drstest.OpBatchCheckResults, Rate: 0.25, Count: 3, RetryAfter: 2 * time.Second},
			{Kind: drstest.FaultLatency, Latency: 150 * time.Millisecond},
		},
	}
}

func TestLoadScenario(t *testing.T) {
	want := wantScenario()
	for _, name := range []string{"scenario.yaml", "scenario.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		must(t, err)
		other := filepath.Join(t.TempDir(), "scenario.txt") // the format guessed from the content
		must(t, os.WriteFile(other, data, 0o600))
		for _, path := range []string{filepath.Join("testdata", name), other} {
			if got, err := drstest.LoadScenario(path); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: %v\n got %+v\nwant %+v", path, err, got, want)
			}
		}
	}
	if _, err := drstest.LoadScenario(filepath.Join("testdata", "missing.yaml")); err == nil {
		t.Fatal("missing file: no error")
	}
	if sc, err := drstest.ParseScenario([]byte("# nothing\n"), "yaml"); err != nil || !reflect.DeepEqual(sc, drstest.Scenario{}) {
		t.Fatalf("empty YAML: %+v, %v", sc, err)
	}
}

// A scenario that does not decode is refused, and so is one New refuses (a
// job and a fault here; New's rules are TestNewErrors').
func TestParseScenarioErrors(t *testing.T) {
	cases := map[string]struct{ data, format string }{
		"unknown field":       {`{"jobs":[{"id":"a","colour":"red"}]}`, "json"},
		"unknown yaml field":  {"jobs:\n  - id: a\n    colour: red\n", "yaml"},
		"numeric duration":    {`{"jobs":[{"id":"a","duration":20}]}`, "json"},
		"bad duration":        {"jobs:\n  - id: a\n    duration: soon\n", "yaml"},
		"bad result":          {"jobs:\n  - id: a\n    items: [{item: x, result: OK}]\n", "yml"},
		"job without id":      {`{"jobs":[{"state":"CONFIGURATION"}]}`, "json"},
		"bad fault":           {"faults:\n  - kind: explode\n", "yaml"},
		"not a scenario":      {`[1,2]`, "json"},
		"trailing data":       {`{} {}`, "json"},
		"invalid yaml":        {"jobs: [\n", "yaml"},
		"unknown format":      {`{}`, "toml"},
		"unknown progress":    {`{"jobs":[{"id":"a","progress":{"shape":"steps","stps":4}}]}`, "json"},
		"string count":        {`{"faults":[{"kind":"throttle","count":"3"}]}`, "json"},
		"yaml list top level": {"- a\n- b\n", "yaml"},
	}
	for name, tc := range cases {
		if _, err := drstest.ParseScenario([]byte(tc.data), tc.format); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "drstest: ") {
			t.Errorf("%s: error without the package prefix: %v", name, err)
		}
	}
	// Unquoted YAML dates and odd keys do not crash the conversion.
	if _, err := drstest.ParseScenario([]byte("jobs:\n  - id: 2024-01-01\n"), "yaml"); err != nil {
		t.Errorf("date-like id: %v", err)
	}
}

// WithScenario applies the project, the jobs and the faults.
func TestWithScenario(t *testing.T) {
	sc := wantScenario()
	sc.Faults = []drstest.Fault{{Kind: drstest.FaultThrottle, Operation: drstest.OpBatchCheckJobs, Count: 1}}
	srv := drstest.NewServer(t, drstest.WithScenario(sc))
	if srv.ProjectID != sc.ProjectID || srv.Simulator.ProjectID() != sc.ProjectID {
		t.Fatalf("project %q", srv.ProjectID)
	}
	if len(srv.Faults()) != 1 {
		t.Fatalf("faults %+v", srv.Faults())
	}
	c := strictClient(t, srv.URL, token(srv.Token))
	wantError(t, call(t, c, srv.ProjectID, drstest.OpBatchCheckJobs), 429, "APIGW.0308")
	got := start(t, c, srv.ProjectID, generated.PrecheckModeForRetryJob, "running-job")
	if got[0].Status != generated.PrecheckStartStatusSuccess {
		t.Fatalf("running-job: %+v", got[0])
	}
	// A later WithProjectID wins.
	srv = drstest.NewServer(t, drstest.WithScenario(sc), drstest.WithProjectID("p2"))
	if srv.ProjectID != "p2" {
		t.Fatalf("project %q", srv.ProjectID)
	}
}
