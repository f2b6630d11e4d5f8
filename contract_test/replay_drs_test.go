package contract_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drs"
)

// drsReading is what package drs must make of a recorded interaction: the
// state of each job asked about, in order, and the error code the first job's
// verdict carries ("" for none).
type drsReading struct {
	states []drs.State
	code   string
	// unmatched is how many answers match no job asked about.
	unmatched int
}

// drsReadings covers every recorded interaction: the code users run is held
// to the same recordings as the generated client.
var drsReadings = map[string]drsReading{
	"batchcheckjobs-200-job-not-found.json":        {states: []drs.State{drs.InProgress, drs.Refused}, code: ""},
	"batchcheckjobs-200-published-example.json":    {states: []drs.State{drs.InProgress}},
	"batchcheckjobs-200-top-level-error-code.json": {states: []drs.State{drs.NoAnswer, drs.NoAnswer}, code: "DRS.M01504"},
	"batchcheckjobs-202-drs-m01504.json":           {states: []drs.State{drs.NoAnswer}, code: "DRS.M01504"},
	"batchcheckjobs-400-code-message.json":         {states: []drs.State{drs.NoAnswer}, code: "APIG.0106"},
	"batchcheckjobs-400-error-msg-missing.json":    {states: []drs.State{drs.NoAnswer}, code: "DRS.M00007"},
	"batchcheckjobs-400-html-firewall.json":        {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-400-wrong-task-status.json":    {states: []drs.State{drs.NoAnswer}, code: "DRS.M00304"},
	"batchcheckjobs-401-apigw-0301.json":           {states: []drs.State{drs.NoAnswer}, code: "APIGW.0301"},
	"batchcheckjobs-403-invalid-project.json":      {states: []drs.State{drs.NoAnswer}, code: "DRS.M00261"},
	"batchcheckjobs-404-apig-0101.json":            {states: []drs.State{drs.NoAnswer}, code: "APIG.0101"},
	"batchcheckjobs-408-gateway.json":              {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-409-undocumented-status.json":  {states: []drs.State{drs.NoAnswer}, code: "DRS.M00304"},
	"batchcheckjobs-429-apigw-0308.json":           {states: []drs.State{drs.NoAnswer, drs.NoAnswer}, code: "APIGW.0308"},
	"batchcheckjobs-500-text.json":                 {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-503-html.json":                 {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-503-retry-after-date.json":     {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-504-empty.json":                {states: []drs.State{drs.NoAnswer}},
	"batchcheckresults-200-alarm-passed.json":      {states: []drs.State{drs.Passed}},
	"batchcheckresults-200-explicit-nulls.json":    {states: []drs.State{drs.InProgress}},
	"batchcheckresults-200-failed.json":            {states: []drs.State{drs.Failed}},
	"batchcheckresults-200-in-progress.json":       {states: []drs.State{drs.InProgress}},
	"batchcheckresults-200-item-result-null.json":  {states: []drs.State{drs.InProgress}},
	"batchcheckresults-200-item-skipped.json":      {states: []drs.State{drs.Passed}},
	"batchcheckresults-200-published-passed.json":  {states: []drs.State{drs.Passed}},
	"batchcheckresults-200-starting.json":          {states: []drs.State{drs.InProgress}},
	"batchcheckresults-400-job-not-found.json":     {states: []drs.State{drs.NoAnswer}, code: "DRS.10000010"},
	"batchcheckresults-403-html-firewall.json":     {states: []drs.State{drs.NoAnswer}},
	"batchcheckresults-403-nested-error.json":      {states: []drs.State{drs.NoAnswer}, code: "APIG.1009"},
	"batchcheckresults-404-drs-m00101.json":        {states: []drs.State{drs.NoAnswer}, code: "DRS.M00101"},
	"batchcheckresults-500-error-msg-null.json":    {states: []drs.State{drs.NoAnswer}, code: "DRS.M00004"},
}

// TestReplayThroughDRS serves every recorded answer to package drs (one
// attempt, so a recorded 5xx is read once) and checks its reading: the
// verdict of each job, the error code kept, err non-nil exactly when a job
// got no usable answer, and no job ever started or passed by an answer that
// does not say so.
func TestReplayThroughDRS(t *testing.T) {
	fixtures := loadFixtures(t)
	seen := map[string]bool{}
	for _, fx := range fixtures {
		t.Run(strings.TrimSuffix(fx.file, ".json"), func(t *testing.T) {
			want, ok := drsReadings[fx.file]
			require.True(t, ok, "%s has no expected drs reading in drsReadings: add one", fx.file)
			seen[fx.file] = true
			rep, err := replayDRS(t, fx)
			require.NotNil(t, rep)
			got := make([]drs.State, len(rep.Verdicts))
			for i, v := range rep.Verdicts {
				got[i] = v.State
			}
			assert.Equal(t, want.states, got)
			assert.Len(t, rep.Unmatched, want.unmatched)
			noAnswer := false
			for _, v := range rep.Verdicts {
				noAnswer = noAnswer || v.State == drs.NoAnswer
			}
			assert.Equal(t, noAnswer, err != nil, "err is non-nil exactly when a job got no usable answer: %v", err)
			if want.code != "" {
				var apiErr *drs.APIError
				require.ErrorAs(t, rep.Verdicts[0].Err, &apiErr)
				assert.Equal(t, want.code, apiErr.Code, "the code is kept")
			}
		})
	}
	for file := range drsReadings {
		assert.True(t, seen[file], "drsReadings names %s, which is not in %s", file, interactionsDir)
	}
}

// replayDRS answers every request of one drs call with the recorded response.
func replayDRS(t *testing.T, fx fixture) (*drs.Report, error) {
	t.Helper()
	resp := fx.in.Response
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(resp.Status)
		_, _ = w.Write(wireBody(resp.Body))
	}))
	t.Cleanup(srv.Close)
	c, err := drs.New(drs.WithoutEnvironment(), drs.WithEndpoint(srv.URL), drs.WithProjectID("054ba152d480d55b2f5dc0069e7ddef0"),
		drs.WithToken("replay-token"), drs.WithRetry(drs.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	ids, mode := recordedJobs(t, fx)
	if strings.HasSuffix(fx.in.Request.Path, "/batch-precheck") {
		return c.Precheck(t.Context(), mode, ids)
	}
	return c.Results(t.Context(), ids)
}

// recordedJobs returns the job IDs (and mode) of a recorded request.
func recordedJobs(t *testing.T, fx fixture) ([]string, drs.Mode) {
	t.Helper()
	var start struct {
		Jobs []struct {
			JobID string `json:"job_id"`
			Mode  string `json:"precheck_mode"`
		} `json:"jobs"`
	}
	if json.Unmarshal(wireBody(fx.in.Request.Body), &start) == nil && len(start.Jobs) > 0 && start.Jobs[0].JobID != "" {
		ids := make([]string, len(start.Jobs))
		for i, j := range start.Jobs {
			ids[i] = j.JobID
		}
		return ids, drs.Mode(start.Jobs[0].Mode)
	}
	var query struct {
		Jobs []string `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal(wireBody(fx.in.Request.Body), &query))
	return query.Jobs, drs.ModeStartJob
}
