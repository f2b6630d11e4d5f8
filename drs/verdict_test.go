package drs

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

func TestVerdictFromInProgress(t *testing.T) {
	for _, process := range []string{"", "0%", "40%", "99.9%"} {
		r := generated.QueryPreCheckResp{PrecheckId: "job-1", Process: process, Result: true}
		v := verdictFrom("job-1", "", "req-1", &r)
		assert.Equal(t, VerdictInProgress, v.State, "process %q", process)
		assert.False(t, v.MayStart, "process %q: result true means nothing before 100%%", process)
		assert.False(t, v.Complete())
		assert.NoError(t, v.Err)
		assert.Equal(t, "req-1", v.RequestID)
	}
}

func TestVerdictFromPassedWithAlarms(t *testing.T) {
	r := generated.QueryPreCheckResp{
		PrecheckId: "job-1", Process: "100%", TotalPassedRate: "100%", Result: true,
		RdsInstanceId: "rds-1", JobDirection: generated.Up,
		PrecheckResult: []generated.PrecheckResult{
			{Item: "srcDbConnection", Result: generated.PASSED, Group: "network"},
			{Item: "paramsCompare", Result: generated.ALARM, Group: "db_params", FailedReason: "innodb_buffer_pool_size differs", Data: `{"src":"1G"`},
			{Item: "charsetCheck", Result: generated.ALARM, Group: "db_params", RawErrorMsg: "latin1 on source"},
		},
	}
	v := verdictFrom("job-1", "", "", &r)
	assert.Equal(t, VerdictPassed, v.State)
	assert.True(t, v.MayStart, "ALARM items are warnings: the pre-check passed")
	assert.True(t, v.Complete())
	assert.Equal(t, 100.0, v.Progress)
	assert.Equal(t, 100.0, v.PassedRate)
	assert.Empty(t, v.Failed)
	require.Len(t, v.Alarms, 2)
	assert.Equal(t, "innodb_buffer_pool_size differs", v.Alarms[0].Reason)
	assert.Equal(t, `{"src":"1G"`, v.Alarms[0].Data, "data is kept as sent, even when it is not valid JSON")
	assert.Equal(t, "latin1 on source", v.Alarms[1].Reason, "reason falls back to raw_error_msg")
	assert.Len(t, v.Items, 3)
	assert.Equal(t, "rds-1", v.RDSInstanceID)
	assert.Equal(t, "up", v.Direction)
	assert.Equal(t, "may start (2 alarms)", v.Summary())

	groups := v.ByGroup()
	require.Len(t, groups, 2)
	assert.Equal(t, "network", groups[0].Group)
	assert.Equal(t, "db_params", groups[1].Group)
	assert.Len(t, groups[1].Items, 2)
}

func TestVerdictFromFailedWithSubJobs(t *testing.T) {
	r := generated.QueryPreCheckResp{
		PrecheckId: "job-1", Process: "100%", TotalPassedRate: "50%", Result: false,
		PrecheckResult: []generated.PrecheckResult{
			{Item: "srcDbConnection", Result: generated.PASSED, Group: "network"},
			{Item: "srcBinlogFormatCheck", Result: generated.FAILED, Group: "db_params", FailedReason: "binlog_format is STATEMENT",
				FailedSubJobs: []generated.PrecheckFailSubJobVO{{Id: "sub-1", Name: "db1", CheckResult: "FAILED"}}},
		},
	}
	v := verdictFrom("job-1", "", "", &r)
	assert.Equal(t, VerdictFailed, v.State)
	assert.False(t, v.MayStart)
	assert.Equal(t, 50.0, v.PassedRate)
	require.Len(t, v.Failed, 1)
	assert.Equal(t, []SubJob{{ID: "sub-1", Name: "db1", CheckResult: "FAILED"}}, v.Failed[0].FailedSubJobs)
	assert.Equal(t, "pre-check failed: 1 item failed: db_params/srcBinlogFormatCheck: binlog_format is STATEMENT", v.Summary())

	// Failed without any item saying why: still failed, and the summary says so.
	r = generated.QueryPreCheckResp{Process: "100%"}
	v = verdictFrom("job-2", "", "", &r)
	assert.Equal(t, VerdictFailed, v.State)
	assert.Contains(t, v.Summary(), "no failed item reported")
}

func TestVerdictFromPerJobError(t *testing.T) {
	r := generated.QueryPreCheckResp{PrecheckId: "job-1", ErrorCode: "DRS.10000010", ErrorMsg: "Job does not exist, please check job ID."}
	v := verdictFrom("job-1", "", "req-9", &r)
	assert.Equal(t, VerdictErrored, v.State)
	assert.True(t, v.Complete())
	assert.False(t, v.MayStart)
	assert.Equal(t, "DRS.10000010", v.ErrorCode)
	assert.True(t, IsJobNotFound(v.Err), "per-job error codes work with the package's predicates: %v", v.Err)
	assert.False(t, IsRetryable(v.Err))
	var re *ResultError
	require.ErrorAs(t, v.Err, &re)
	assert.Equal(t, ResultError{JobID: "job-1", Code: "DRS.10000010", Message: "Job does not exist, please check job ID.", RequestID: "req-9"}, *re)
	assert.Contains(t, v.Err.Error(), `job "job-1"`)
	assert.Contains(t, v.Err.Error(), "req-9")
	assert.True(t, strings.HasPrefix(v.Summary(), "errored: "), v.Summary())

	// An error code wins over a result that claims to have passed.
	r = generated.QueryPreCheckResp{Process: "100%", Result: true, ErrorCode: "DRS.M00004", ErrorMsg: "service abnormal"}
	v = verdictFrom("job-1", "", "", &r)
	assert.Equal(t, VerdictErrored, v.State)
	assert.False(t, v.MayStart)

	// Throttling per job is recognised as such.
	r = generated.QueryPreCheckResp{ErrorCode: "DRS.M01503", ErrorMsg: "too frequent"}
	v = verdictFrom("job-1", "", "", &r)
	assert.True(t, IsThrottled(v.Err))
}

func TestVerdictFromMalformedPercent(t *testing.T) {
	r := generated.QueryPreCheckResp{PrecheckId: "job-1", Process: "abc%", Result: true}
	v := verdictFrom("job-1", "", "", &r)
	assert.Equal(t, VerdictErrored, v.State, "a malformed progress is neither 0 nor 100")
	assert.False(t, v.MayStart)
	var pe *PercentError
	require.ErrorAs(t, v.Err, &pe)
	assert.Equal(t, "process", pe.Field)
	assert.Equal(t, "abc%", pe.Value)
	assert.Contains(t, v.Summary(), `process "abc%" is not a percentage`)

	r = generated.QueryPreCheckResp{Process: "100%", TotalPassedRate: "1000%", Result: true}
	v = verdictFrom("job-1", "", "", &r)
	assert.Equal(t, VerdictErrored, v.State)
	require.ErrorAs(t, v.Err, &pe)
	assert.Equal(t, "total_passed_rate", pe.Field)

	// Both problems at once: both are reported.
	r = generated.QueryPreCheckResp{Process: "x", TotalPassedRate: "y", ErrorCode: "DRS.M00004"}
	v = verdictFrom("job-1", "", "", &r)
	for _, want := range []string{"DRS.M00004", `process "x"`, `total_passed_rate "y"`} {
		assert.Contains(t, v.Err.Error(), want)
	}
}

func TestVerdictFromUnknownItemResult(t *testing.T) {
	r := generated.QueryPreCheckResp{Process: "100%", Result: true, PrecheckResult: []generated.PrecheckResult{{Item: "x", Result: "SKIPPED"}}}
	v := verdictFrom("job-1", "", "", &r)
	assert.Equal(t, VerdictPassed, v.State)
	assert.Len(t, v.Items, 1, "an unknown item result is kept")
	assert.Empty(t, v.Failed)
	assert.Empty(t, v.Alarms)
}

func TestVerdictFromKeepsKnownPrecheckID(t *testing.T) {
	r := generated.QueryPreCheckResp{Process: "10%"}
	v := verdictFrom("job-1", "pc-1", "", &r)
	assert.Equal(t, "pc-1", v.PrecheckID)
}

func TestVerdictStateText(t *testing.T) {
	for s, name := range map[VerdictState]string{VerdictInProgress: "in_progress", VerdictPassed: "passed", VerdictFailed: "failed", VerdictErrored: "errored"} {
		assert.Equal(t, name, s.String())
		text, err := s.MarshalText()
		require.NoError(t, err)
		var back VerdictState
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, s, back)
	}
	assert.Equal(t, "VerdictState(9)", VerdictState(9).String())
	_, err := VerdictState(9).MarshalText()
	assert.Error(t, err)
	var s VerdictState
	assert.Error(t, s.UnmarshalText([]byte("done")))

	out, err := json.Marshal(Verdict{JobID: "j", State: VerdictPassed, MayStart: true, Progress: 100, Err: errors.New("boom")})
	require.NoError(t, err)
	assert.JSONEq(t, `{"job_id":"j","state":"passed","may_start":true,"progress":100,"passed_rate":0,"error":"boom"}`, string(out))

	v := verdictFrom("job-1", "", "req-1", &generated.QueryPreCheckResp{Process: "100%", Result: false,
		PrecheckResult: []generated.PrecheckResult{{Item: "x", Group: "g", Result: generated.FAILED, FailedReason: "why",
			FailedSubJobs: []generated.PrecheckFailSubJobVO{{Id: "s", Name: "n", CheckResult: "FAILED"}}}}})
	out, err = json.Marshal(&v)
	require.NoError(t, err)
	item := `{"item":"x","group":"g","result":"FAILED","reason":"why","failed_sub_jobs":[{"id":"s","name":"n","check_result":"FAILED"}]}`
	assert.JSONEq(t, `{"job_id":"job-1","state":"failed","may_start":false,"progress":100,"passed_rate":0,"request_id":"req-1",
		"items":[`+item+`],"failed":[`+item+`]}`, string(out))
}

func TestVerdictSummaryInProgress(t *testing.T) {
	v := Verdict{Progress: 40}
	assert.Equal(t, "in progress (40%)", v.Summary())
	v.Err = ErrWaitTimedOut
	assert.Equal(t, "not complete (40%): "+ErrWaitTimedOut.Error(), v.Summary())
}
