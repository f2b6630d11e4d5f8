package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// hostileServer answers every call with body, as DRS would answer
// BatchCheckResults, whatever was asked.
func hostileServer(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-\u202eevil\u009b31m")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Server text reaches people harmless, in every output: on stdout, stderr
// (the annotations too) and in the step summary. Terminal control characters
// (ESC, BEL, CR, C1, bidi overrides) cannot rewrite the user's terminal (JSON
// keeps them as data, escaped by JSON), and nothing starts a command of
// GitHub's runner: not a reason holding "##[stop-commands]" (the legacy parser
// finds "##[" anywhere in a line), not a job ID beginning with "::" (a
// workflow command at the start of a table row).
func TestServerTextIsHarmless(t *testing.T) {
	t.Parallel()
	const evil = "\x1b[2J\x1b[H\rMAY START\x07\u009b31m\u202e"
	body := `{"results":[` +
		`{"precheck_id":"job-a","process":"100%","result":false,"total_passed_rate":"50%","precheck_result":[` +
		`{"item":"chk` + jsonEscape(evil) + `","group":"g` + jsonEscape(evil) + `","result":"FAILED","failed_reason":"` + jsonEscape(evil) + `"},` +
		`{"item":"chk","group":"##[group]g","result":"FAILED","failed_reason":"##[stop-commands]x"},` +
		`{"item":"alarm","result":"ALARM","failed_reason":"##[warning]w"}]},` +
		`{"precheck_id":"job-b","error_code":"DRS.1` + jsonEscape(evil) + `","error_msg":"` + jsonEscape(evil) + `"},` +
		`{"precheck_id":"::error::evil","error_code":"DRS.M00304","error_msg":"::set-output name=a::b ##[error]e"},` +
		`{"precheck_id":"::warning::nobody-asked","process":"100%","result":true,"total_passed_rate":"100%","precheck_result":[]}]}`
	srv := hostileServer(t, body)
	for _, output := range outputFormats {
		summary := filepath.Join(t.TempDir(), "summary.md")
		env := []string{"DRS_ENDPOINT=" + srv.URL, "HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef", "HUAWEICLOUD_IAM_TOKEN=a-token-value",
			"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + summary}
		res := runCLI(t, env, "", "results", "--output", output, "--job", "job-a", "--job", "job-b", "--job", "::error::evil")
		expectExit(t, res, exitJobs)
		assert.Contains(t, res.stdout, "job-a", output)
		assert.Contains(t, res.stdout, "evil", output)
		md, err := os.ReadFile(summary)
		require.NoError(t, err)
		for name, out := range map[string]string{"stdout": res.stdout, "stderr": res.stderr, "step summary": string(md)} {
			assert.Contains(t, out, "stop-commands", "%s %s holds the reason", output, name)
			for _, c := range []string{"\x1b", "\x07", "\r", "\u009b", "\u202e"} {
				if output != formatJSON || name != "stdout" {
					assert.NotContains(t, out, c, "%s %s holds control character %q:\n%s", output, name, c, out)
				}
			}
			for line := range strings.Lines(out) {
				assert.NotContains(t, line, "##[", "%s %s: a legacy command", output, name)
				if strings.HasPrefix(name, "std") && strings.HasPrefix(strings.TrimSpace(line), "::") {
					assert.Regexp(t, `^::(error|warning) title=drs-precheck(%3A job [^:]*)?::`, line, "%s %s: only our annotations are commands", output, name)
				}
			}
		}
	}
}

// jsonEscape writes s as the inside of a JSON string, every control
// character \u-escaped as a server may send it.
func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '"' || r == '\\' {
			b.WriteString(`\u00` + "0123456789abcdef"[r>>4:r>>4+1] + "0123456789abcdef"[r&15:r&15+1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// A 401 is no answer, with the remedy wherever the error is: every output
// and the stderr line.
func TestCredentialsRemedyPrinted(t *testing.T) {
	t.Parallel()
	srv := newSim(t, drstest.WithToken("the-only-good-token"))
	env := append(endpointEnv(srv), "HUAWEICLOUD_IAM_TOKEN=a-bad-token")
	const remedy = "check the credentials (an expired token, a wrong AK/SK, or a clock more than 15 minutes off)"
	for _, output := range outputFormats {
		res := runCLI(t, env, "", "results", "--output", output, "--job", drstest.ExampleJobID)
		expectExit(t, res, exitAPIError)
		assert.Contains(t, res.stdout, remedy, output)
		assert.Contains(t, res.stderr, "drs-precheck: 1 job got no answer (API or network error): APIGW.0301: ", output)
		assert.Contains(t, res.stderr, remedy, "%s: the stderr line", output)
		switch output {
		case formatTable:
			assert.Regexp(t, `(?m)^`+drstest.ExampleJobID+` +no_answer +- +HTTP 401 APIGW.0301: .*; `+regexp.QuoteMeta(remedy), res.stdout, "the table row")
		case formatJSON:
			doc := parseJSONDoc(t, res.stdout) // stderr names the problem; stdout stays pure JSON
			assert.Equal(t, 1, doc.Summary.NoAnswer)
			require.Len(t, doc.Jobs, 1)
			j := doc.Jobs[0]
			assert.Equal(t, "no_answer", j.Outcome)
			require.NotNil(t, j.Error)
			assert.Equal(t, 401, j.Error.Status)
			assert.Equal(t, "APIGW.0301", j.Error.Code)
			ids := requestIDs(srv, drstest.OpBatchCheckResults)
			assert.Equal(t, ids[len(ids)-1], j.Error.RequestID, "the answer's X-Request-Id")
			assert.Equal(t, credentialsRemedy, j.Error.Remedy, "what to do, apart from the server's message")
		}
	}
}

// A contract warning quotes the server's value on stderr: it starts no
// command of GitHub's runner either.
func TestDriftWarningCannotStartWorkflowCommands(t *testing.T) {
	t.Parallel()
	var w strings.Builder
	warn := driftPrinter(&w, redact.New().String)
	warn(&contract.Violation{Level: contract.Documented, Method: "POST", Path: "/p", Field: "/results/0/status",
		Value: "\"##[stop-commands]x\n::error::y\""})
	assert.Contains(t, w.String(), "stop-commands")
	assertNoCommands(t, w.String())
}

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
