package drs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

func matchPassed(id string) generated.QueryPreCheckResp {
	return generated.QueryPreCheckResp{PrecheckId: id, Process: "100%", TotalPassedRate: "100%", Result: true}
}

func TestMatchResultsByPrecheckID(t *testing.T) {
	asked := refsOf([]string{"a", "b", "c"})
	// Out of order, one left out, one answered twice, one nobody asked about.
	results := []generated.QueryPreCheckResp{
		matchPassed("c"),
		matchPassed("a"),
		{PrecheckId: "c", Process: "50%"},
		matchPassed("zzz"),
	}
	v, unmatched := matchResults(asked, results, "req-1")
	require.Len(t, v, 3)
	assert.Equal(t, "a", v[0].JobID)
	assert.Equal(t, VerdictPassed, v[0].State)

	assert.Equal(t, "b", v[1].JobID)
	assert.Equal(t, VerdictErrored, v[1].State)
	assert.ErrorIs(t, v[1].Err, ErrNoResult)
	assert.Equal(t, "req-1", v[1].RequestID)

	assert.Equal(t, "c", v[2].JobID)
	assert.Equal(t, VerdictErrored, v[2].State)
	assert.ErrorIs(t, v[2].Err, ErrDuplicateResult)
	assert.Contains(t, v[2].Err.Error(), "2 results")

	require.Len(t, unmatched, 3, "the stray result and both answers about c are kept")
	assert.Equal(t, "", unmatched[0].JobID)
	assert.Equal(t, "zzz", unmatched[0].PrecheckID)
	assert.Equal(t, "c", unmatched[1].JobID)
	assert.Equal(t, "c", unmatched[2].JobID)
	assert.Equal(t, 50.0, unmatched[2].Progress)
}

func TestMatchResultsByKnownPrecheckID(t *testing.T) {
	asked := []jobRef{{jobID: "a", precheckID: "pc-a"}, {jobID: "b"}}
	results := []generated.QueryPreCheckResp{matchPassed("b"), matchPassed("pc-a")}
	v, unmatched := matchResults(asked, results, "")
	assert.Empty(t, unmatched)
	assert.Equal(t, VerdictPassed, v[0].State)
	assert.Equal(t, "pc-a", v[0].PrecheckID)
	assert.Equal(t, VerdictPassed, v[1].State)
}

func TestMatchResultsPositional(t *testing.T) {
	asked := refsOf([]string{"a", "b"})
	fail := generated.QueryPreCheckResp{Process: "100%", Result: false}
	ok := generated.QueryPreCheckResp{Process: "100%", Result: true}
	v, unmatched := matchResults(asked, []generated.QueryPreCheckResp{fail, ok}, "")
	assert.Empty(t, unmatched)
	assert.Equal(t, VerdictFailed, v[0].State, "one result per job and no precheck_id: taken in order")
	assert.Equal(t, VerdictPassed, v[1].State)

	// Not one per job: nothing can be told about which is whose.
	v, unmatched = matchResults(asked, []generated.QueryPreCheckResp{ok}, "")
	assert.ErrorIs(t, v[0].Err, ErrNoResult)
	assert.ErrorIs(t, v[1].Err, ErrNoResult)
	assert.Len(t, unmatched, 1)

	// One with a precheck_id, one without: only the identified one counts.
	withID := matchPassed("b")
	v, unmatched = matchResults(asked, []generated.QueryPreCheckResp{ok, withID}, "")
	assert.ErrorIs(t, v[0].Err, ErrNoResult)
	assert.Equal(t, VerdictPassed, v[1].State)
	assert.Len(t, unmatched, 1)
}

func TestMatchResultsEmptyAnswer(t *testing.T) {
	v, unmatched := matchResults(refsOf([]string{"a"}), nil, "")
	assert.Empty(t, unmatched)
	assert.ErrorIs(t, v[0].Err, ErrNoResult)
	assert.Equal(t, VerdictErrored, v[0].State)
}

func TestResultsReportHelpers(t *testing.T) {
	r := &ResultsReport{}
	assert.False(t, r.AllMayStart(), "no jobs: nothing may start")
	assert.True(t, r.Complete())
	assert.NoError(t, r.Err())

	r.Verdicts = []Verdict{{JobID: "a", State: VerdictPassed, MayStart: true}, {JobID: "b", State: VerdictInProgress}}
	assert.False(t, r.AllMayStart())
	assert.False(t, r.Complete())
	v, ok := r.Verdict("b")
	assert.True(t, ok)
	assert.Equal(t, "b", v.JobID)
	_, ok = r.Verdict("c")
	assert.False(t, ok)

	r.Verdicts[1] = Verdict{JobID: "b", State: VerdictPassed, MayStart: true}
	assert.True(t, r.AllMayStart())
	assert.True(t, r.Complete())
	assert.NoError(t, r.Err())
}
