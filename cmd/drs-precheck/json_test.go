package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// jsonDoc is the documented --output json document, declared independently
// of the CLI's own types so that a renamed field breaks this test.
type jsonDoc struct {
	Schema    string `json:"schema"`
	Command   string `json:"command"`
	Mode      string `json:"mode"`
	Waited    bool   `json:"waited"`
	AllPassed bool   `json:"all_passed"`
	Summary   struct {
		Total      int `json:"total"`
		Passed     int `json:"passed"`
		Failed     int `json:"failed"`
		Refused    int `json:"refused"`
		InProgress int `json:"in_progress"`
		NoAnswer   int `json:"no_answer"`
	} `json:"summary"`
	Jobs        []jsonJob         `json:"jobs"`
	Unsolicited []json.RawMessage `json:"unsolicited"`
}

type jsonJob struct {
	JobID       string     `json:"job_id"`
	Outcome     string     `json:"outcome"`
	PrecheckID  string     `json:"precheck_id"`
	Progress    *float64   `json:"progress"`
	PassedRate  *float64   `json:"passed_rate"`
	Summary     string     `json:"summary"`
	FailedItems []jsonItem `json:"failed_items"`
	Alarms      []jsonItem `json:"alarms"`
	Error       *struct {
		Status    int    `json:"status"`
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
		Remedy    string `json:"remedy"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

type jsonItem struct {
	Item          string `json:"item"`
	Group         string `json:"group"`
	Result        string `json:"result"`
	Reason        string `json:"reason"`
	FailedSubJobs []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		CheckResult string `json:"check_result"`
	} `json:"failed_sub_jobs"`
}

// parseJSONDoc parses stdout, which must be exactly one JSON document and
// nothing else: scripts pipe it into jq.
func parseJSONDoc(t *testing.T, stdout string) jsonDoc {
	t.Helper()
	require.True(t, strings.HasPrefix(stdout, "{"), "stdout must start with the JSON document:\n%s", stdout)
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc jsonDoc
	require.NoError(t, dec.Decode(&doc), "stdout:\n%s", stdout)
	_, err := dec.Token()
	require.True(t, errors.Is(err, io.EOF), "stdout holds more than the JSON document (%v):\n%s", err, stdout)
	require.True(t, json.Valid(bytes.TrimSpace([]byte(stdout))))
	return doc
}

// requestIDs returns the X-Request-Id values srv answered op with.
func requestIDs(srv *drstest.Server, op string) []string {
	var ids []string
	for _, r := range srv.Requests() {
		if r.Operation == op {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// With --validate every exchange is checked against openapi.yaml: refusals
// and failures of the simulator included, it passes.
func TestJSONOutputRunWait(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	ids := []string{drstest.ExampleJobID, drstest.AlarmJobID, drstest.FailingJobID, drstest.RunningJobID, "no-such-job"}
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--validate", "--output", "json"}, fastWait, jobArgs(ids...))...)
	expectExit(t, res, exitJobs)
	assertOnlyProgress(t, res.stderr) // no contract violation; progress goes to stderr, stdout is the document alone
	doc := parseJSONDoc(t, res.stdout)

	assert.Equal(t, "drs-precheck/v2", doc.Schema)
	assert.Equal(t, "run", doc.Command)
	assert.Equal(t, "forStartJob", doc.Mode)
	assert.True(t, doc.Waited)
	assert.False(t, doc.AllPassed)
	s := doc.Summary
	assert.Equal(t, [6]int{5, 2, 1, 2, 0, 0}, [6]int{s.Total, s.Passed, s.Failed, s.Refused, s.InProgress, s.NoAnswer},
		"total, passed, failed, refused, in_progress, no_answer")
	assert.Empty(t, doc.Unsolicited)
	require.Len(t, doc.Jobs, len(ids))
	for i, id := range ids {
		assert.Equal(t, id, doc.Jobs[i].JobID, "jobs are reported in input order")
		assert.NotEmpty(t, doc.Jobs[i].Summary, "every job has a summary")
	}
	startIDs, resultIDs := requestIDs(srv, drstest.OpBatchCheckJobs), requestIDs(srv, drstest.OpBatchCheckResults)
	require.Len(t, startIDs, 1)

	pass, alarm, fail, refused, unknown := doc.Jobs[0], doc.Jobs[1], doc.Jobs[2], doc.Jobs[3], doc.Jobs[4]

	assert.Contains(t, resultIDs, pass.RequestID, "request_id is the X-Request-Id of the answer the verdict came from")
	pass.Summary, pass.RequestID = "", "" // checked above
	assert.Equal(t, jsonJob{JobID: drstest.ExampleJobID, Outcome: "passed", PrecheckID: drstest.ExampleJobID, Progress: ptr(100), PassedRate: ptr(100)},
		pass, "no failed items, no alarms, no error")

	assert.Equal(t, "passed", alarm.Outcome, "an ALARM does not stop a job")
	require.Len(t, alarm.Alarms, 1)
	assert.Equal(t, jsonItem{Item: "dstDbCharacterSetCheck", Group: "db_params", Result: "ALARM",
		Reason: "The character sets of the source and destination databases differ (utf8 vs utf8mb4); check that the data is not garbled after migration."},
		alarm.Alarms[0])
	assert.Empty(t, alarm.FailedItems)

	assert.Equal(t, "failed", fail.Outcome)
	if assert.NotNil(t, fail.Progress) {
		assert.Equal(t, 100.0, *fail.Progress)
	}
	require.Len(t, fail.FailedItems, 2)
	assert.Equal(t, "srcDbUserPrivilege", fail.FailedItems[0].Item)
	assert.Equal(t, "FAILED", fail.FailedItems[0].Result)
	assert.Contains(t, fail.FailedItems[0].Reason, "REPLICATION SLAVE")
	assert.Equal(t, "srcTableEngineCheck", fail.FailedItems[1].Item)
	require.Len(t, fail.FailedItems[1].FailedSubJobs, 2)
	assert.Equal(t, "orders_db.legacy_events", fail.FailedItems[1].FailedSubJobs[1].Name)
	assert.Nil(t, fail.Error, "a failed pre-check is an answer, not an error")
	assert.Contains(t, resultIDs, fail.RequestID)

	for _, j := range []jsonJob{refused, unknown} {
		assert.Equal(t, "refused", j.Outcome, j.JobID)
		assert.Nil(t, j.Progress, "a refused job has no progress")
		assert.Equal(t, startIDs[0], j.RequestID, "the refusal came with the start call's answer")
		if assert.NotNil(t, j.Error, j.JobID) {
			assert.Equal(t, startIDs[0], j.Error.RequestID)
			assert.NotEmpty(t, j.Error.Message)
		}
	}
	assert.Equal(t, "DRS.M00304", refused.Error.Code)
	assert.Equal(t, "DRS.10000010", unknown.Error.Code)
}

func TestJSONOutputRunWithoutWait(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"--output", "json", "run", "--mode", "forRetryJob"}, jobArgs(drstest.RunningJobID, drstest.ExampleJobID))...)
	expectExit(t, res, exitJobs)
	doc := parseJSONDoc(t, res.stdout)
	assert.Equal(t, "run", doc.Command)
	assert.Equal(t, "forRetryJob", doc.Mode)
	assert.False(t, doc.Waited)
	assert.False(t, doc.AllPassed, "without --wait nobody knows yet whether the jobs may start")
	assert.Equal(t, 2, doc.Summary.Total)
	assert.Equal(t, 1, doc.Summary.InProgress)
	assert.Equal(t, 1, doc.Summary.Refused)
	require.Len(t, doc.Jobs, 2)
	assert.Equal(t, "in_progress", doc.Jobs[0].Outcome, "forRetryJob starts the pre-check of a running job")
	assert.Equal(t, drstest.RunningJobID, doc.Jobs[0].PrecheckID)
	assert.Equal(t, "refused", doc.Jobs[1].Outcome, "forRetryJob is refused for a job in CONFIGURATION")
	require.NotNil(t, doc.Jobs[1].Error)
	assert.Equal(t, "DRS.M00304", doc.Jobs[1].Error.Code)
}
