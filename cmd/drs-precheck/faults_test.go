package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// Throttling and transient 5xx answers are retried (honouring Retry-After)
// and do not change the verdict. --validate checks the error answers too.
func TestFaultsRecoveredByRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fault  drstest.Fault
		status int
		code   string
	}{
		{"throttled start", drstest.Fault{Kind: drstest.FaultThrottle, Operation: drstest.OpBatchCheckJobs, Count: 2}, 429, "APIGW.0308"},
		{"throttled polls", drstest.Fault{Kind: drstest.FaultThrottle, Operation: drstest.OpBatchCheckResults, Count: 2}, 429, "APIGW.0308"},
		{"503 on start", drstest.Fault{Kind: drstest.FaultError, Status: 503, Operation: drstest.OpBatchCheckJobs, Count: 2}, 503, ""},
		{"503 on polls", drstest.Fault{Kind: drstest.FaultError, Status: 503, Operation: drstest.OpBatchCheckResults, Count: 2}, 503, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			require.NoError(t, srv.InjectFault(tc.fault))
			res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--validate", "--output", "json"}, fastWait,
				jobArgs(drstest.ExampleJobID, drstest.AlarmJobID))...)
			expectExit(t, res, exitOK)
			doc := parseJSONDoc(t, res.stdout)
			assert.True(t, doc.AllPassed)
			assert.Equal(t, 2, doc.Summary.Passed)

			faulted := countRequests(srv, tc.fault.Operation, func(r drstest.Request) bool {
				return r.Status == tc.status && r.Fault == tc.fault.Kind && (tc.code == "" || r.ErrorCode == tc.code)
			})
			assert.Equal(t, 2, faulted, "the simulator answered %d twice", tc.status)
			assert.Zero(t, len(srv.Faults()), "the fault was used up")
			if tc.fault.Operation == drstest.OpBatchCheckJobs {
				assert.Equal(t, 3, countRequests(srv, drstest.OpBatchCheckJobs, nil), "one start call, retried twice")
			} else {
				assert.Equal(t, 1, countRequests(srv, drstest.OpBatchCheckJobs, nil))
				assert.GreaterOrEqual(t, countRequests(srv, drstest.OpBatchCheckResults, nil), 3, "the polls were retried")
			}
		})
	}
}
