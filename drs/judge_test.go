package drs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manyAnswersAboutOneJob is a BatchCheckResults body of n different results,
// all about job-1: a hostile server's cheapest way to make judging costly.
func manyAnswersAboutOneJob(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"results":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"precheck_id":"job-1","process":"100%%","result":true,"total_passed_rate":"100%%","precheck_result":[{"item":"item-%d","result":"PASSED","group":"db_params"}]}`, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// answering is a client whose every call is answered, in memory, with a 200
// and body.
func answering(tb testing.TB, body []byte) *Client {
	return answeringWith(tb, 200, body, nil)
}

// answeringWith is a client whose every call is answered, in memory, with
// status and a JSON body; calls counts them.
func answeringWith(tb testing.TB, status int, body []byte, calls *atomic.Int32) *Client {
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		_ = req.Body.Close()
		if calls != nil {
			calls.Add(1)
		}
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
	})
	return newClient(tb, "https://drs.test", &http.Client{Transport: rt}, newFakeClock(), oneShot)
}

// BenchmarkJudge8000AnswersAboutOneJob reads an answer of 8,000 different
// results about one job (1.2 MB).
func BenchmarkJudge8000AnswersAboutOneJob(b *testing.B) {
	body := manyAnswersAboutOneJob(8000)
	c := answering(b, body)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rep, _ := c.Results(bg, []string{"job-1"})
		if rep.Verdicts[0].State != NoAnswer || len(rep.Unmatched) != 8000 {
			b.Fatalf("want no answer and 8000 unmatched, got %v and %d", rep.Verdicts[0].State, len(rep.Unmatched))
		}
	}
}

// TestManyAnswersAboutOneJob proves what a large hostile answer (300
// entries about one job) comes to: different entries are no answer
// and each is reported unmatched; identical ones are one answer. The work is
// linear (BenchmarkJudge8000AnswersAboutOneJob measures it).
func TestManyAnswersAboutOneJob(t *testing.T) {
	t.Run("different results", func(t *testing.T) {
		rep, err := answering(t, manyAnswersAboutOneJob(300)).Results(bg, []string{"job-1"})
		require.Error(t, err)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
		assert.Contains(t, err.Error(), "300 different results")
		assert.Len(t, rep.Unmatched, 300)
	})
	same := func(entry string) []byte {
		return []byte(`{"results":[` + strings.TrimSuffix(strings.Repeat(entry+",", 300), ",") + `]}`)
	}
	t.Run("identical results", func(t *testing.T) {
		rep, err := answering(t, same(`{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"}`)).Results(bg, []string{"job-1"})
		require.NoError(t, err)
		assert.Equal(t, Passed, rep.Verdicts[0].State)
		assert.Empty(t, rep.Unmatched)
	})
	t.Run("identical starts", func(t *testing.T) {
		rep, err := answering(t, same(`{"id":"job-1","status":"success","precheck_id":"p1"}`)).Precheck(bg, ModeStartJob, []string{"job-1"})
		require.NoError(t, err)
		assert.Equal(t, InProgress, rep.Verdicts[0].State)
		assert.Empty(t, rep.Unmatched)
	})
}

// TestJudgingStopsWithTheContext proves that the work over an answer stops
// when the call's context ends: every job asked gets no answer, saying why,
// and a start that was answered is unknown, not lost.
func TestJudgingStopsWithTheContext(t *testing.T) {
	for _, op := range []string{opJobs, opResults} {
		t.Run(op, func(t *testing.T) {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			body := manyAnswersAboutOneJob(100)
			if op == opJobs {
				body = []byte(`{"results":[{"id":"job-1","status":"success","precheck_id":"p1"},{"id":"job-2","status":"success","precheck_id":"p2"}]}`)
			}
			rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
				_, _ = io.Copy(io.Discard, req.Body)
				_ = req.Body.Close()
				// The context ends as the answer's last byte is read.
				read := io.MultiReader(bytes.NewReader(body), readerFunc(func([]byte) (int, error) { cancel(); return 0, io.EOF }))
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(read), ContentLength: -1, Request: req}, nil
			})
			c := newClient(t, "https://drs.test", &http.Client{Transport: rt}, newFakeClock(), oneShot)
			rep, err := callOp(ctx, c, op, "job-1", "job-2")
			require.Error(t, err)
			assert.Empty(t, rep.Unmatched)
			for _, v := range rep.Verdicts {
				assert.Equal(t, NoAnswer, v.State)
				respErr := errAs[*ResponseError](t, v.Err)
				assert.Contains(t, respErr.Reason, "the context ended before the answer was read")
				if op == opJobs {
					assert.Contains(t, v.Err.Error(), "unknown whether the pre-checks started")
				}
			}
		})
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
