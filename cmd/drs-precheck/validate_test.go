package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// rewriteResults serves the demo's scenario, accepting any token, but
// replaces old with new in the bodies of its BatchCheckResults answers. It
// returns the environment that points the CLI at it with token, and its
// project.
func rewriteResults(t *testing.T, old, new, token string) ([]string, string) {
	sim, err := drstest.New(drstest.WithScenario(demoScenario()), drstest.AcceptAnyToken())
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.HasSuffix(r.URL.Path, "/batch-precheck-result") {
			body = bytes.ReplaceAll(body, []byte(old), []byte(new))
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return []string{"DRS_ENDPOINT=" + srv.URL, "HUAWEICLOUD_SDK_PROJECT_ID=" + sim.ProjectID(), "HUAWEICLOUD_IAM_TOKEN=" + token}, sim.ProjectID()
}

// --validate reports drift from the documented contract (a job_direction
// outside the page's enum) as a warning naming the field and the value, once,
// and the run goes on.
func TestValidateReportsDrift(t *testing.T) {
	t.Parallel()
	env, project := rewriteResults(t, `"job_direction":"up"`, `"job_direction":"sideways"`, "any")
	run := argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.ExampleJobID))

	res := runCLI(t, env, "", append(run, "--validate")...)
	expectExit(t, res, exitOK)
	warning := `warning: contract drift in response of POST /v3/` + project + `/jobs/batch-precheck-result (BatchCheckResults), status 200: field /results/0/job_direction breaks rule "enum"`
	assert.Contains(t, res.stderr, warning)
	assert.Contains(t, res.stderr, `got "sideways"`)
	assert.Equal(t, 1, strings.Count(res.stderr, warning), "each drift is reported once per run")
	assert.NotContains(t, res.output(), "contract violation")

	// A server that echoes the token into a drifting field: the warning shows
	// the value redacted.
	const token = "MIIdrift-echo-token-0042"
	env, _ = rewriteResults(t, `"job_direction":"up"`, `"job_direction":"`+token+`"`, token)
	res = runCLI(t, env, "", append(run, "--validate")...)
	expectExit(t, res, exitOK)
	assert.Contains(t, res.stderr, "field /results/0/job_direction")
	assert.Contains(t, res.stderr, `got "[REDACTED]"`)
	assert.NotContains(t, res.output(), token)
}

// --validate really checks the answers: one no client can decode (a string
// count) fails the run with the field and the rule.
func TestValidateCatchesAContractViolation(t *testing.T) {
	t.Parallel()
	env, _ := rewriteResults(t, `"count":1,`, `"count":"1",`, "any")
	// The violation ends the wait as no_answer: a short --timeout proves the same.
	run := argv([]string{"run", "--wait", "--first-poll-delay", "100ms", "--poll-interval", "1s", "--timeout", "2s"}, jobArgs(drstest.ExampleJobID))

	res := runCLI(t, env, "", append(run, "--validate", "--output", "json")...)
	expectExit(t, res, exitAPIError)
	assert.Contains(t, res.stderr, "contract violation in response")
	assert.Contains(t, res.stderr, "/count")
	doc := parseJSONDoc(t, res.stdout)
	assert.Equal(t, 1, doc.Summary.NoAnswer)
	require.Len(t, doc.Jobs, 1)
	assert.Equal(t, "no_answer", doc.Jobs[0].Outcome, "the wait stopped on the violation: no answer, not a slow job")
	assert.Nil(t, doc.Jobs[0].Progress, "no progress for a job with no answer")
	require.NotNil(t, doc.Jobs[0].Error)
	assert.Contains(t, doc.Jobs[0].Error.Message, `field /count breaks rule "type"`)
}
