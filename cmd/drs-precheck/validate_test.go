package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// With --validate, every exchange of a run is checked against openapi.yaml:
// a run against the simulator, refusals and failures included, passes.
func TestValidatePassesAgainstTheSimulator(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--validate"}, fastWait,
		jobArgs(drstest.ExampleJobID, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID, "no-such-job"))...)
	expectExit(t, res, exitJobs)
	assert.Contains(t, res.stdout, "2 of 5 jobs passed (may start); 1 failed; 2 refused.")
	assert.NotContains(t, res.output(), "contract violation")

	res = runCLI(t, tokenEnv(srv), "", argv([]string{"results", "--validate"}, jobArgs(drstest.ExampleJobID, drstest.AlarmJobID))...)
	expectExit(t, res, exitOK)
}

// breakDirection serves sim, but answers BatchCheckResults with a
// job_direction outside the documented enum: the client tolerates it, the
// contract does not.
func breakDirection(sim http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		body := bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"job_direction":"up"`), []byte(`"job_direction":"sideways"`))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// --validate really checks the answers: one that breaks the contract fails
// the run, while the same run without --validate passes.
func TestValidateCatchesAContractViolation(t *testing.T) {
	t.Parallel()
	sim, err := drstest.New(drstest.WithScenario(fastScenario()), drstest.AcceptAnyToken())
	require.NoError(t, err)
	srv := httptest.NewServer(breakDirection(sim))
	t.Cleanup(srv.Close)
	env := []string{"DRS_ENDPOINT=" + srv.URL, "HUAWEICLOUD_SDK_PROJECT_ID=" + sim.ProjectID(), "HUAWEICLOUD_IAM_TOKEN=any"}
	run := argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.ExampleJobID))

	res := runCLI(t, env, "", run...)
	expectExit(t, res, exitOK)

	res = runCLI(t, env, "", append(run, "--validate")...)
	expectExit(t, res, exitAPIError)
	assert.Contains(t, res.stderr, "contract violation in response")
	assert.Contains(t, res.stderr, "job_direction")

	res = runCLI(t, env, "", append(run, "--validate", "--output", "json")...)
	expectExit(t, res, exitAPIError)
	doc := parseJSONDoc(t, res.stdout)
	assert.Equal(t, 1, doc.Summary.NoAnswer)
	require.Len(t, doc.Jobs, 1)
	assert.Equal(t, "no_answer", doc.Jobs[0].Outcome, "the wait stopped on the violation: no answer, not a slow job")
	assert.Nil(t, doc.Jobs[0].Progress, "no progress for a job with no answer")
	require.NotNil(t, doc.Jobs[0].Error)
	assert.Contains(t, doc.Jobs[0].Error.Message, `field /results/0/job_direction breaks rule "enum"`)
}
