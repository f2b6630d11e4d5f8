package drstest

import (
	"strings"
	"testing"
	"time"
)

// TestProgressShapes proves what each shape reports along a pre-check of
// 100 s with 4 check items, and that every shape ends at exactly 100%.
func TestProgressShapes(t *testing.T) {
	t0 := time.Unix(0, 0)
	items := []CheckItem{{Item: "a"}, {Item: "b"}, {Item: "c"}, {Item: "d"}}
	at := []time.Duration{0, 10 * time.Second, 25 * time.Second, 49 * time.Second, 50 * time.Second, 75 * time.Second, 99 * time.Second, 100 * time.Second}
	for _, tc := range []struct {
		progress Progress
		want     []string
	}{
		{Progress{}, []string{"0%", "10%", "25%", "49%", "50%", "75%", "99%", "100%"}},
		{Progress{Shape: ProgressSteps}, []string{"0%", "0%", "25%", "25%", "50%", "75%", "75%", "100%"}},
		{Progress{Shape: ProgressSteps, Steps: 3}, []string{"0%", "0%", "0%", "33%", "33%", "66%", "66%", "100%"}},
		{Progress{Shape: ProgressStall, At: 40}, []string{"0%", "10%", "25%", "40%", "40%", "40%", "40%", "100%"}},
		{Progress{Shape: ProgressStall}, []string{"0%", "0%", "0%", "0%", "0%", "0%", "0%", "100%"}},
		{Progress{Shape: ProgressSlowdown}, []string{"0%", "18%", "45%", "88%", "90%", "95%", "99%", "100%"}},
		{Progress{Shape: ProgressSlowdown, At: 50}, []string{"0%", "10%", "25%", "49%", "50%", "75%", "99%", "100%"}},
	} {
		j, err := Job{ID: "j", Duration: 100 * time.Second, Items: items, Progress: tc.progress}.normalize()
		if err != nil {
			t.Fatalf("%+v: %v", tc.progress, err)
		}
		e := &jobEntry{Job: j, started: true, startedAt: t0}
		for k, d := range at {
			r := e.progress(t0.Add(d))
			if r.Process != tc.want[k] {
				t.Errorf("%+v at %s: %s, want %s", tc.progress, d, r.Process, tc.want[k])
			}
			if r.Result != (d == 100*time.Second) {
				t.Errorf("%+v at %s: result %v", tc.progress, d, r.Result)
			}
		}
	}
}

// TestProgressRefused proves that a shape or parameter out of range, a
// duration over the cap and too many items are refused by name.
func TestProgressRefused(t *testing.T) {
	for _, tc := range []struct {
		job  Job
		want string
	}{
		{Job{ID: "j", Progress: Progress{Shape: "wobbly"}}, `progress shape "wobbly"`},
		{Job{ID: "j", Progress: Progress{Shape: ProgressSteps, Steps: 101}}, "progress steps 101"},
		{Job{ID: "j", Progress: Progress{Shape: ProgressStall, At: 100}}, "stall at 100%"},
		{Job{ID: "j", Progress: Progress{Shape: ProgressSlowdown, At: -1}}, "slowdown at -1%"},
		{Job{ID: "j", Duration: MaxJobDuration + 1}, "is not 0 to 24h0m0s"},
		{Job{ID: "j", Items: make([]CheckItem, MaxItems+1)}, "more than 1000"},
	} {
		_, err := tc.job.normalize()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.job.Progress, err, tc.want)
		}
	}
}

// TestScenarioProgressRoundTrip proves that a scenario's progress shapes
// are read from YAML and written back to JSON unchanged.
func TestScenarioProgressRoundTrip(t *testing.T) {
	sc, err := ParseScenario([]byte(`
jobs:
  - {id: a, duration: 1m, progress: {shape: steps, steps: 4}}
  - {id: b, duration: 1m, progress: {shape: stall, at: 40}}
  - {id: c, duration: 1m}
`), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Progress{{Shape: ProgressSteps, Steps: 4}, {Shape: ProgressStall, At: 40}, {}}
	for i, j := range sc.Jobs {
		if j.Progress != want[i] {
			t.Errorf("job %s: %+v, want %+v", j.ID, j.Progress, want[i])
		}
	}
	b, err := sc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseScenario(b, "json")
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range back.Jobs {
		if j.Progress != want[i] {
			t.Errorf("after JSON, job %s: %+v, want %+v", j.ID, j.Progress, want[i])
		}
	}
	if _, err := ParseScenario([]byte(`{"jobs":[{"id":"a","progress":{"shape":"steps","stps":4}}]}`), "json"); err == nil {
		t.Error("an unknown progress field was accepted")
	}
}
