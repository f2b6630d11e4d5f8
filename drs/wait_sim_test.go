package drs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// TestPrecheckAndWaitWithSimulator runs the whole workflow with Wait's
// default timing against the drstest simulator, whose pre-checks take
// simulated time: each sleep of the wait advances the simulator's clock
// instead of waiting.
func TestPrecheckAndWaitWithSimulator(t *testing.T) {
	clock := drstest.NewManualClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := drstest.NewServer(t, drstest.WithClock(clock.Now), drstest.WithJobs(
		drstest.Job{ID: "mysql-ok", Duration: 75 * time.Second, Direction: drstest.DirectionUp, Items: []drstest.CheckItem{
			{Item: "srcDbConnection", Group: "network"},
			{Item: "srcDbParamsCompare", Group: "db_params", Result: drstest.ResultAlarm, FailedReason: "sql_mode differs"},
		}},
		drstest.Job{ID: "mysql-binlog", Duration: 2 * time.Minute, Items: []drstest.CheckItem{
			{Item: "srcDbConnection", Group: "network"},
			{Item: "srcBinlogFormatCheck", Group: "db_params", Result: drstest.ResultFailed, FailedReason: "binlog_format is STATEMENT",
				FailedSubJobs: []drstest.FailedSubJob{{ID: "sub-1", Name: "orders", CheckResult: "FAILED"}}},
		}},
		drstest.Job{ID: "mysql-gone", State: drstest.StateReleased},
	))
	hc, _ := contractClient(t, false)
	c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(srv.ProjectID), WithToken(srv.Token), WithHTTPClient(hc))
	require.NoError(t, err)

	var waited []time.Duration
	log := &progressLog{}
	rep, err := c.PrecheckAndWait(context.Background(), ModeStartJob, []string{"mysql-ok", "mysql-binlog", "mysql-gone"},
		WithProgress(log.add),
		withWaitSleep(func(ctx context.Context, d time.Duration) error {
			waited = append(waited, d)
			clock.Advance(d)
			return ctx.Err()
		}))
	require.NoError(t, err)
	require.True(t, rep.Complete())

	ok := rep.Verdicts[0]
	assert.Equal(t, VerdictPassed, ok.State, "%s", ok.Summary())
	assert.True(t, ok.MayStart)
	require.Len(t, ok.Alarms, 1)
	assert.Equal(t, "sql_mode differs", ok.Alarms[0].Reason)

	binlog := rep.Verdicts[1]
	assert.Equal(t, VerdictFailed, binlog.State, "%s", binlog.Summary())
	require.Len(t, binlog.Failed, 1)
	assert.Equal(t, []SubJob{{ID: "sub-1", Name: "orders", CheckResult: "FAILED"}}, binlog.Failed[0].FailedSubJobs)

	gone := rep.Verdicts[2]
	assert.Equal(t, VerdictErrored, gone.State)
	assert.Equal(t, Refused, gone.Start.State)
	assert.True(t, IsJobNotFound(gone.Err), "%v", gone.Err)

	// The defaults: first query after 20 s, then every 5 s, growing while
	// nothing moves, never above 30 s.
	t.Logf("waits: %v; %d queries", waited, rep.Polls)
	require.NotEmpty(t, waited)
	assert.Equal(t, DefaultFirstPollDelay, waited[0])
	for _, d := range waited[1:] {
		assert.LessOrEqual(t, d, DefaultMaxPollInterval)
	}
	progress := log.progressOf("mysql-binlog")
	require.NotEmpty(t, progress)
	assert.Greater(t, progress[0], 0.0)
	assert.Less(t, progress[0], 100.0, "the first query sees the pre-check running")
	assert.Equal(t, 100.0, progress[len(progress)-1])
}
