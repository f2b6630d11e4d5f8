package drs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

func jobIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("140b5236-88ad-43c8-811c-%012djb", i)
	}
	return ids
}

func TestPrecheckThousandJobsInHundredCalls(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	start := startAll(t)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		cur := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if cur <= m || maxInFlight.CompareAndSwap(m, cur) {
				break
			}
		}
		start(w, r, body, n)
	})
	c, _ := testClient(t, srv, WithConcurrency(3))
	ids := jobIDs(1000)
	report, err := c.Precheck(context.Background(), ModeRetryJob, ids...)
	require.NoError(t, err)

	reqs := srv.requests()
	require.Len(t, reqs, 100)
	seen := map[string]int{}
	for _, r := range reqs {
		jobs := decodeJobs(t, r.Body)
		require.Len(t, jobs, 10)
		for _, j := range jobs {
			seen[j.JobId]++
			assert.Equal(t, generated.ForRetryJob, j.PrecheckMode)
		}
	}
	require.Len(t, seen, 1000)
	for id, n := range seen {
		require.Equal(t, 1, n, id)
	}
	assert.LessOrEqual(t, maxInFlight.Load(), int32(3))

	require.True(t, report.AllStarted(), "%v", report.Err())
	require.NoError(t, report.Err())
	assert.Equal(t, 1000, report.Count(Started))
	assert.Equal(t, ModeRetryJob, report.Mode)
	for i, o := range report.Outcomes {
		assert.Equal(t, ids[i], o.JobID)
		assert.Equal(t, "pc-"+ids[i], o.PrecheckID)
		assert.NotEmpty(t, o.RequestID)
	}
	assert.Equal(t, ids, report.JobIDs(Started))
}

func TestPrecheckBatchSize(t *testing.T) {
	srv := newServer(t, startAll(t))
	c, _ := testClient(t, srv, WithBatchSize(3), WithConcurrency(1))
	report, err := c.Precheck(context.Background(), ModeStartJob, jobIDs(10)...)
	require.NoError(t, err)
	assert.True(t, report.AllStarted())
	var sizes []int
	for _, r := range srv.requests() {
		sizes = append(sizes, len(decodeJobs(t, r.Body)))
	}
	assert.Equal(t, []int{3, 3, 3, 1}, sizes)
}

func TestPrecheckRejectsBadInputBeforeSending(t *testing.T) {
	srv := newServer(t, startAll(t))
	c, _ := testClient(t, srv)
	cases := []struct {
		name  string
		mode  Mode
		ids   []string
		wants []string
	}{
		{"empty", ModeStartJob, []string{"a", "", "b", ""}, []string{`empty job ID: job ID "" at indexes 1, 3`}},
		{"padded", ModeStartJob, []string{"a", " b", "c\t"}, []string{`white space: job ID " b" at index 1`, `job ID "c\t" at index 2`}},
		{"duplicate", ModeStartJob, []string{"a", "b", "a", "c", "a"}, []string{`duplicate job ID (given 3 times): job ID "a" at indexes 0, 2, 4`}},
		{"control", ModeStartJob, []string{"a\x00b"}, []string{`control character`}},
		{"unknown mode", Mode("forNothing"), []string{"a"}, []string{`unknown mode "forNothing"`, "drs.ModeStartJob"}},
		{"no IDs", ModeStartJob, nil, []string{"no job IDs"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			report, err := c.Precheck(context.Background(), tc.mode, tc.ids...)
			require.Error(t, err)
			assert.Nil(t, report)
			var inErr *InputError
			require.ErrorAs(t, err, &inErr)
			assert.Equal(t, "Precheck", inErr.Operation)
			for _, w := range tc.wants {
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, err.Error(), "nothing was sent")
		})
	}
	assert.Equal(t, 0, srv.count())

	var inErr *InputError
	_, err := c.Precheck(context.Background(), ModeStartJob, "x", "x", " y", "")
	require.ErrorAs(t, err, &inErr)
	require.Len(t, inErr.Problems, 3, "every problem is reported")
	assert.Equal(t, []int{0, 1}, inErr.Problems[0].Indexes)
}

func TestPrecheckOutcomes(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, http.StatusOK, generated.BatchPrecheckResp{Results: []generated.PostPreCheckResp{
			{Id: "started", Status: generated.Success, PrecheckId: "pc-1"},
			{Id: "refused", Status: generated.Failed, ErrorCode: "DRS.10000010", ErrorMsg: "Job does not exist, please check job ID."},
			{Id: "twice-same", Status: generated.Success, PrecheckId: "pc-2"},
			{Id: "twice-same", Status: generated.Success, PrecheckId: "pc-2"},
			{Id: "twice-diff", Status: generated.Success, PrecheckId: "pc-3"},
			{Id: "twice-diff", Status: generated.Failed, ErrorCode: "DRS.M00304"},
			{Id: "no-status", PrecheckId: "pc-4"},
			{Id: "odd-status", Status: "unknown", PrecheckId: "pc-5"},
			{Id: "ghost", Status: generated.Success, PrecheckId: "pc-6"},
		}})
	})
	c, _, v := testClientV(t, srv, true)
	ids := []string{"started", "refused", "missing", "twice-same", "twice-diff", "no-status", "odd-status"}
	report, err := c.Precheck(context.Background(), ModeStartJob, ids...)
	require.NoError(t, err)
	require.Len(t, report.Outcomes, len(ids))
	assert.NotEmpty(t, v.all(), `status "unknown" breaks the contract on purpose`)

	byID := map[string]Outcome{}
	for i, o := range report.Outcomes {
		assert.Equal(t, ids[i], o.JobID, "input order")
		assert.Equal(t, "req-OK", o.RequestID)
		byID[o.JobID] = o
	}

	assert.Equal(t, Started, byID["started"].State)
	assert.Equal(t, "pc-1", byID["started"].PrecheckID)
	assert.NoError(t, byID["started"].Err)

	refused := byID["refused"]
	assert.Equal(t, Refused, refused.State)
	var jobErr *JobError
	require.ErrorAs(t, refused.Err, &jobErr)
	assert.Equal(t, "DRS.10000010", jobErr.Code)
	assert.True(t, IsJobNotFound(refused.Err))

	assert.Equal(t, Errored, byID["missing"].State)
	assert.ErrorIs(t, byID["missing"].Err, ErrNotInResponse)
	var ansErr *AnswerError
	require.ErrorAs(t, byID["missing"].Err, &ansErr)
	assert.Equal(t, "missing", ansErr.JobID)

	assert.Equal(t, Started, byID["twice-same"].State, "identical answers count once")
	assert.Equal(t, "pc-2", byID["twice-same"].PrecheckID)

	assert.Equal(t, Errored, byID["twice-diff"].State)
	assert.ErrorIs(t, byID["twice-diff"].Err, ErrAnsweredTwice)
	assert.Contains(t, byID["twice-diff"].Err.Error(), `status "success"`)
	assert.Contains(t, byID["twice-diff"].Err.Error(), `status "failed"`)

	for _, id := range []string{"no-status", "odd-status"} {
		assert.Equal(t, Errored, byID[id].State, id)
		assert.ErrorIs(t, byID[id].Err, ErrUnexpectedStatus, id)
		assert.Empty(t, byID[id].PrecheckID, "never treated as started")
	}

	require.Len(t, report.Unsolicited, 1)
	assert.Equal(t, "ghost", report.Unsolicited[0].Answer.Id)

	assert.False(t, report.AllStarted())
	assert.Equal(t, 2, report.Count(Started))
	assert.Equal(t, 1, report.Count(Refused))
	assert.Equal(t, 4, report.Count(Errored))
	assert.Equal(t, []string{"refused"}, report.JobIDs(Refused))

	err = report.Err()
	require.Error(t, err)
	assert.True(t, IsJobNotFound(err))
	assert.ErrorIs(t, err, ErrNotInResponse)
	assert.ErrorIs(t, err, ErrAnsweredTwice)
	assert.ErrorIs(t, err, ErrUnexpectedStatus)
	assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 5)
}

func TestPrecheckCallErrorsAreGroupedInErr(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		jobs := decodeJobs(t, body)
		if jobs[0].JobId == "c" {
			writeError(w, http.StatusForbidden, "DRS.M00102", "Insufficient permissions.")
			return
		}
		startAll(t)(w, r, body, n)
	})
	c, _ := testClient(t, srv, WithBatchSize(2))
	report, err := c.Precheck(context.Background(), ModeStartJob, "a", "b", "c", "d", "e")
	require.NoError(t, err)
	assert.Equal(t, 3, report.Count(Started))
	assert.Equal(t, []string{"c", "d"}, report.JobIDs(Errored))
	err = report.Err()
	require.Error(t, err)
	assert.True(t, IsPermission(err))
	assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 1, "one failed call, reported once")
	assert.Contains(t, err.Error(), `jobs "c", "d": drs: BatchCheckJobs: HTTP 403`)
}

func TestPrecheckCancellation(t *testing.T) {
	inSecond := make(chan struct{})
	start := startAll(t)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if n == 1 {
			start(w, r, body, n)
			return
		}
		close(inSecond)
		<-r.Context().Done() // hang until the client goes away
	})
	c, _ := testClient(t, srv, WithConcurrency(1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-inSecond
		cancel()
	}()
	ids := jobIDs(30)
	report, err := c.Precheck(ctx, ModeStartJob, ids...)
	require.NoError(t, err)
	require.Len(t, report.Outcomes, 30)
	for i, o := range report.Outcomes {
		assert.Equal(t, ids[i], o.JobID)
		if i < 10 {
			assert.Equal(t, Started, o.State)
			continue
		}
		assert.Equal(t, Errored, o.State, "job %d", i)
		assert.ErrorIs(t, o.Err, context.Canceled, "job %d", i)
	}
	assert.Equal(t, 2, srv.count(), "nothing is sent after the cancellation")
	assert.ErrorIs(t, report.Err(), context.Canceled)
}

// TestPrecheckAccountsForEveryJob drives Precheck against a server that
// misbehaves at random (whole-call failures, omitted, duplicated, conflicting
// and unsolicited answers, unknown statuses, garbage bodies) and checks that
// every submitted job is accounted for exactly once, in input order, with the
// outcome the server's answer implies.
func TestPrecheckAccountsForEveryJob(t *testing.T) {
	const seed = 20251126
	rng := rand.New(rand.NewPCG(seed, 1))
	var mu sync.Mutex
	intn := func(n int) int {
		mu.Lock()
		defer mu.Unlock()
		return rng.IntN(n)
	}
	type sent struct {
		callFailed bool
		entries    []generated.PostPreCheckResp
	}
	var (
		sentMu      sync.Mutex
		sentFor     map[string]*sent
		unsolicited int
	)
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ int) {
		jobs := decodeJobs(t, body)
		record := func(id string) *sent {
			sentMu.Lock()
			defer sentMu.Unlock()
			s := &sent{}
			sentFor[id] = s
			return s
		}
		if intn(10) == 0 { // the whole call fails
			for _, j := range jobs {
				record(j.JobId).callFailed = true
			}
			switch intn(4) {
			case 0:
				writeError(w, http.StatusBadRequest, "DRS.M00201", "Parameter jobs is empty.")
			case 1:
				writeError(w, http.StatusInternalServerError, "DRS.M00004", "Internal error.")
			case 2:
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"results":[`))
			default:
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte("OK"))
			}
			return
		}
		var results []generated.PostPreCheckResp
		for _, j := range jobs {
			s := record(j.JobId)
			ok := generated.PostPreCheckResp{Id: j.JobId, Status: generated.Success, PrecheckId: "pc-" + j.JobId}
			refused := generated.PostPreCheckResp{Id: j.JobId, Status: generated.Failed, ErrorCode: "DRS.M00304", ErrorMsg: "wrong status"}
			var entries []generated.PostPreCheckResp
			switch intn(9) {
			case 0, 1, 2:
				entries = append(entries, ok)
			case 3:
				entries = append(entries, refused)
			case 4: // omitted
			case 5:
				entries = append(entries, ok, ok)
			case 6:
				entries = append(entries, ok, refused)
			case 7:
				entries = append(entries, generated.PostPreCheckResp{Id: j.JobId, PrecheckId: "pc"})
			default:
				entries = append(entries, generated.PostPreCheckResp{Id: j.JobId, Status: "unknown"})
			}
			s.entries = entries
			results = append(results, entries...)
		}
		if intn(4) == 0 {
			sentMu.Lock()
			unsolicited++
			sentMu.Unlock()
			results = append(results, generated.PostPreCheckResp{Id: "ghost-" + jobs[0].JobId, Status: generated.Success})
		}
		mu.Lock()
		rng.Shuffle(len(results), func(i, j int) { results[i], results[j] = results[j], results[i] })
		mu.Unlock()
		writeJSON(w, http.StatusOK, generated.BatchPrecheckResp{Results: results, Count: int32(len(results))})
	})

	for iter := range 60 {
		sentFor, unsolicited = map[string]*sent{}, 0
		n := 1 + intn(35)
		batch := 1 + intn(MaxBatchSize)
		conc := 1 + intn(4)
		c, _, _ := testClientV(t, srv, true, WithoutRetries(), WithBatchSize(batch), WithConcurrency(conc))
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("it%d-job%d", iter, i)
		}
		report, err := c.Precheck(context.Background(), ModeStartJob, ids...)
		require.NoError(t, err)
		require.Len(t, report.Outcomes, n, "seed %d iteration %d", seed, iter)
		counts := map[StartState]int{}
		for i, o := range report.Outcomes {
			where := fmt.Sprintf("seed %d iteration %d job %d", seed, iter, i)
			require.Equal(t, ids[i], o.JobID, where)
			counts[o.State]++
			s := sentFor[o.JobID]
			require.NotNil(t, s, where+": never sent")
			distinct := map[generated.PostPreCheckResp]bool{}
			for _, e := range s.entries {
				distinct[e] = true
			}
			switch {
			case s.callFailed:
				assert.Equal(t, Errored, o.State, where)
				var apiErr *APIError
				var respErr *ResponseError
				assert.True(t, errors.As(o.Err, &apiErr) || errors.As(o.Err, &respErr), where+": %v", o.Err)
			case len(distinct) == 0:
				assert.Equal(t, Errored, o.State, where)
				assert.ErrorIs(t, o.Err, ErrNotInResponse, where)
			case len(distinct) > 1:
				assert.Equal(t, Errored, o.State, where)
				assert.ErrorIs(t, o.Err, ErrAnsweredTwice, where)
			case s.entries[0].Status == generated.Success:
				assert.Equal(t, Started, o.State, where)
				assert.Equal(t, "pc-"+o.JobID, o.PrecheckID, where)
				assert.NoError(t, o.Err, where)
			case s.entries[0].Status == generated.Failed:
				assert.Equal(t, Refused, o.State, where)
				var jobErr *JobError
				assert.ErrorAs(t, o.Err, &jobErr, where)
			default:
				assert.Equal(t, Errored, o.State, where)
				assert.ErrorIs(t, o.Err, ErrUnexpectedStatus, where)
			}
			if o.State != Started {
				assert.Error(t, o.Err, where)
				assert.Empty(t, o.PrecheckID, where)
			}
		}
		assert.Equal(t, n, counts[Started]+counts[Refused]+counts[Errored], "every job exactly once")
		assert.Equal(t, counts[Started], report.Count(Started))
		assert.Len(t, report.Unsolicited, unsolicited)
		assert.Equal(t, report.AllStarted(), report.Err() == nil)
	}
}
