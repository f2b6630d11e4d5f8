package drs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

// resultsSetup starts f as a loopback server and returns a client for it
// (strict contract checking, fake clock).
func resultsSetup(t *testing.T, f *fakeDRS, opts ...Option) (*Client, *testServer, *fakeClock) {
	t.Helper()
	srv := newServer(t, f.handle)
	c, clk := testClient(t, srv, opts...)
	return c, srv, clk
}

func TestResultsVerdicts(t *testing.T) {
	f := newFakeDRS(t).
		add("passed", alarmResult()).
		add("failed", failedResult()).
		add("running", runningResult("40%")).
		add("garbled", generated.QueryPreCheckResp{Process: "abc%", Result: true}).
		add("gone", jobErrorResult("DRS.10000010", "Job does not exist, please check job ID."))
	c, _, _ := resultsSetup(t, f)

	ids := []string{"running", "passed", "gone", "failed", "garbled"}
	rep, err := c.Results(context.Background(), ids...)
	require.NoError(t, err)
	require.Len(t, rep.Verdicts, len(ids))
	for i, id := range ids {
		assert.Equal(t, id, rep.Verdicts[i].JobID, "verdicts are in input order")
		assert.Equal(t, id, rep.Verdicts[i].PrecheckID)
		assert.NotEmpty(t, rep.Verdicts[i].RequestID)
	}
	assert.Equal(t, [][]string{ids}, f.resultCalls())
	assert.Empty(t, rep.Unmatched)

	running := rep.Verdicts[0]
	assert.Equal(t, VerdictInProgress, running.State)
	assert.Equal(t, 40.0, running.Progress)

	passed := rep.Verdicts[1]
	assert.Equal(t, VerdictPassed, passed.State)
	assert.True(t, passed.MayStart, "ALARM does not block a start")
	require.Len(t, passed.Alarms, 1)
	assert.Equal(t, "not json {", passed.Alarms[0].Data)
	assert.Equal(t, "may start (1 alarm)", passed.Summary())

	gone := rep.Verdicts[2]
	assert.Equal(t, VerdictErrored, gone.State)
	assert.True(t, IsJobNotFound(gone.Err))
	assert.Equal(t, "DRS.10000010", gone.ErrorCode)

	failed := rep.Verdicts[3]
	assert.Equal(t, VerdictFailed, failed.State)
	assert.False(t, failed.MayStart)
	assert.InDelta(t, 66.67, failed.PassedRate, 1e-9)
	require.Len(t, failed.Failed, 2)
	assert.Len(t, failed.Failed[0].FailedSubJobs, 2)
	assert.Equal(t, "Access denied for user 'drs'", failed.Failed[1].Reason)
	groups := failed.ByGroup()
	require.Len(t, groups, 3)
	assert.Equal(t, []string{"network", "db_params", "db_user_privilege"}, []string{groups[0].Group, groups[1].Group, groups[2].Group})

	garbled := rep.Verdicts[4]
	assert.Equal(t, VerdictErrored, garbled.State)
	assert.False(t, garbled.MayStart)
	var pe *PercentError
	require.ErrorAs(t, garbled.Err, &pe)
	assert.Equal(t, `process "abc%" is not a percentage (unexpected character 'a')`, pe.Error())

	assert.False(t, rep.Complete())
	assert.False(t, rep.AllMayStart())
	err = rep.Err()
	require.Error(t, err)
	assert.True(t, IsJobNotFound(err))
	assert.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), `job "garbled": process "abc%"`)
}

func TestResultsBatches(t *testing.T) {
	f := newFakeDRS(t)
	var ids []string
	for i := range 23 {
		id := fmt.Sprintf("job-%02d", i)
		f.add(id, passedResult(""))
		ids = append(ids, id)
	}
	c, _, _ := resultsSetup(t, f, WithBatchSize(10), WithConcurrency(2))
	rep, err := c.Results(context.Background(), ids...)
	require.NoError(t, err)
	calls := f.resultCalls()
	require.Len(t, calls, 3)
	var sizes []int
	seen := map[string]int{}
	for _, call := range calls {
		sizes = append(sizes, len(call))
		for _, id := range call {
			seen[id]++
		}
	}
	assert.ElementsMatch(t, []int{10, 10, 3}, sizes)
	assert.Len(t, seen, 23, "every job asked about once")
	for i, v := range rep.Verdicts {
		assert.Equal(t, ids[i], v.JobID)
		assert.True(t, v.MayStart)
	}
	assert.True(t, rep.AllMayStart())
	assert.NoError(t, rep.Err())
}

func TestResultsRejectsBadInputBeforeSending(t *testing.T) {
	f := newFakeDRS(t)
	c, srv, _ := resultsSetup(t, f)
	for name, ids := range map[string][]string{
		"none":      nil,
		"empty":     {"a", ""},
		"padded":    {" a"},
		"duplicate": {"a", "b", "a"},
	} {
		rep, err := c.Results(context.Background(), ids...)
		assert.Nil(t, rep, name)
		var in *InputError
		require.ErrorAs(t, err, &in, name)
		assert.Equal(t, "Results", in.Operation, name)
	}
	assert.Zero(t, srv.count(), "nothing is sent for invalid input")
}

func TestResultsCallFailure(t *testing.T) {
	f := newFakeDRS(t).add("a", passedResult("")).add("b", passedResult(""))
	f.fail(http.StatusForbidden, "DRS.M00102", "Insufficient permissions")
	c, _, _ := resultsSetup(t, f)
	rep, err := c.Results(context.Background(), "a", "b")
	require.NoError(t, err, "only invalid input is an error of Results itself")
	for _, v := range rep.Verdicts {
		assert.Equal(t, VerdictErrored, v.State)
		assert.True(t, IsPermission(v.Err))
		var apiErr *APIError
		require.ErrorAs(t, v.Err, &apiErr)
		assert.Equal(t, "req-1", v.RequestID)
	}
	err = rep.Err()
	assert.True(t, IsPermission(err))
	assert.Equal(t, 1, strings.Count(err.Error(), "Insufficient permissions"), "one failed call is reported once: %v", err)
	assert.Contains(t, err.Error(), `jobs "a", "b"`)
}

func TestResultsServerMixUps(t *testing.T) {
	f := newFakeDRS(t).add("a", passedResult("")).add("b", passedResult("")).add("c", runningResult("10%"))
	// The server forgets b, answers c twice, and adds a job nobody asked about.
	f.rewrite = func(_ []string, results []generated.QueryPreCheckResp) []generated.QueryPreCheckResp {
		stray := passedResult("someone-else")
		second := runningResult("20%")
		second.PrecheckId = "c"
		return []generated.QueryPreCheckResp{results[0], results[2], second, stray}
	}
	c, _, _ := resultsSetup(t, f)
	rep, err := c.Results(context.Background(), "a", "b", "c")
	require.NoError(t, err)
	assert.Equal(t, VerdictPassed, rep.Verdicts[0].State)
	assert.ErrorIs(t, rep.Verdicts[1].Err, ErrNoResult)
	assert.ErrorIs(t, rep.Verdicts[2].Err, ErrDuplicateResult)
	require.Len(t, rep.Unmatched, 3)
	var ids []string
	for _, u := range rep.Unmatched {
		ids = append(ids, u.JobID+"/"+u.PrecheckID)
	}
	assert.Equal(t, []string{"/someone-else", "c/c", "c/c"}, ids)
	err = rep.Err()
	assert.ErrorIs(t, err, ErrNoResult)
	assert.Contains(t, err.Error(), `job "b"`)
}

func TestResultsPositionalWithoutPrecheckIDs(t *testing.T) {
	f := newFakeDRS(t).add("a", failedResult()).add("b", passedResult(""))
	f.rewrite = func(_ []string, results []generated.QueryPreCheckResp) []generated.QueryPreCheckResp {
		for i := range results {
			results[i].PrecheckId = ""
		}
		return results
	}
	c, _, _ := resultsSetup(t, f)
	rep, err := c.Results(context.Background(), "a", "b")
	require.NoError(t, err)
	assert.Equal(t, VerdictFailed, rep.Verdicts[0].State)
	assert.Equal(t, VerdictPassed, rep.Verdicts[1].State)
}

func TestResultsScrubsSecrets(t *testing.T) {
	f := newFakeDRS(t).add("a", jobErrorResult("DRS.M00100", "invalid token "+testToken))
	c, _, _ := resultsSetup(t, f)
	rep, err := c.Results(context.Background(), "a")
	require.NoError(t, err)
	v := rep.Verdicts[0]
	assert.NotContains(t, v.ErrorMsg, testToken)
	assert.NotContains(t, v.Err.Error(), testToken)
	assert.NotContains(t, v.Summary(), testToken)
	assert.True(t, IsAuthentication(v.Err))
}

func TestResultsContextCanceled(t *testing.T) {
	f := newFakeDRS(t).add("a", passedResult(""))
	c, srv, _ := resultsSetup(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := c.Results(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, VerdictErrored, rep.Verdicts[0].State)
	assert.True(t, errors.Is(rep.Verdicts[0].Err, context.Canceled))
	assert.Zero(t, srv.count())
}
