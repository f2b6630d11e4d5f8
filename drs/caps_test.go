package drs

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

// fiftyJobs are five batches' worth of job IDs.
var fiftyJobs = manyJobs(50)

// assertCut asserts that s was cut to its cap and says so.
func assertCut(t *testing.T, s string, what string) {
	t.Helper()
	assert.LessOrEqual(t, len(s), MaxTextBytes, what)
	assert.True(t, strings.HasSuffix(s, CutMark), "%s ends in the cut mark", what)
}

// TestHugeErrorMessageIsCappedAndShared proves that a huge error_msg for 50
// jobs is kept cut, once per call, shared by the call's jobs.
func TestHugeErrorMessageIsCappedAndShared(t *testing.T) {
	for _, status := range []int{400, 200} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			body := `{"error_code":"DRS.M01504","error_msg":"` + strings.Repeat("m", 16*MaxTextBytes) + `"}`
			var calls atomic.Int32
			c := answeringWith(t, status, []byte(body), &calls)
			rep, err := c.Precheck(bg, ModeStartJob, fiftyJobs)
			require.Error(t, err)
			assert.EqualValues(t, 5, calls.Load())
			var byCall []*APIError
			for i, v := range rep.Verdicts {
				apiErr := errAs[*APIError](t, v.Err)
				assertCut(t, apiErr.Message, "the message")
				if i%MaxBatchSize == 0 {
					byCall = append(byCall, apiErr)
				}
				assert.Same(t, byCall[i/MaxBatchSize], apiErr, "the jobs of one call share its error")
				assert.LessOrEqual(t, len(v.Summary()), MaxTextBytes)
			}
			assert.Less(t, len(err.Error()), 6*(MaxTextBytes+1024), "the report's error holds each call's error once")
		})
	}
}

// TestHugeEntryTextIsCapped proves that every string of an entry (a
// refusal's code and message, a check item's reason and data) is cut to
// MaxTextBytes, and that a summary of many long reasons is too.
func TestHugeEntryTextIsCapped(t *testing.T) {
	long := strings.Repeat("r", 16*MaxTextBytes)
	c, _, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) {
		if req.isStart() {
			resp := generated.BatchPrecheckResp{}
			for _, id := range req.Jobs {
				resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: id, Status: "failed", ErrorCode: long, ErrorMsg: long})
			}
			writeJSON(w, 200, resp)
			return
		}
		items := make([]generated.PrecheckResult, 3)
		for i := range items {
			items[i] = generated.PrecheckResult{Item: long, Result: generated.PrecheckItemResultFAILED, FailedReason: long, Data: long}
		}
		results(w, result(req.Jobs[0], "100%", false, items...))
	}, oneShot)
	rep, err := c.Precheck(bg, ModeStartJob, fiftyJobs[:5])
	require.NoError(t, err)
	for _, v := range rep.Verdicts {
		require.Equal(t, Refused, v.State)
		apiErr := errAs[*APIError](t, v.Err)
		assertCut(t, apiErr.Code, "the code")
		assertCut(t, apiErr.Message, "the message")
	}
	rep, err = c.Results(bg, []string{"job-1"})
	require.NoError(t, err)
	v := rep.Verdicts[0]
	require.Equal(t, Failed, v.State)
	for _, it := range v.Items {
		assertCut(t, it.Item, "the item")
		assertCut(t, it.FailedReason, "the reason")
		assertCut(t, it.Data, "the data")
	}
	assertCut(t, v.Summary(), "the summary")
}

// TestHugeRequestIDIsCapped proves that an X-Request-Id 16 times
// MaxTextBytes is kept cut to MaxTextBytes by every verdict of 50 jobs, and
// in their errors.
func TestHugeRequestIDIsCapped(t *testing.T) {
	rid := strings.Repeat("r", 16*MaxTextBytes)
	for _, status := range []int{200, 400} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			c, _, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, req recorded, _ int) {
				w.Header().Set("X-Request-Id", rid)
				if status != 200 {
					writeJSON(w, status, generated.ErrorBody{ErrorCode: "DRS.M00201", RequestId: rid})
					return
				}
				startAll(w, req)
			}, oneShot)
			rep, err := c.Precheck(bg, ModeStartJob, fiftyJobs)
			for _, v := range rep.Verdicts {
				assertCut(t, v.RequestID, "the request ID")
				var apiErr *APIError
				if errors.As(v.Err, &apiErr) {
					assertCut(t, apiErr.RequestID, "the error's request ID")
				}
			}
			if status == 200 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Less(t, len(err.Error()), 6*(MaxTextBytes+1024))
		})
	}
}

// TestCut proves that cut keeps text that fits, cuts on a character
// boundary, and marks what it cut.
func TestCut(t *testing.T) {
	assert.Equal(t, "short", cut("short", 16))
	assert.Equal(t, "abcdefghij", cut("abcdefghij", 10))
	assert.Equal(t, "abcd"+CutMark, cut("abcdefghijklmnop", 4+len(CutMark)))
	got := cut(strings.Repeat("é", 10), 3+len(CutMark)) // é is 2 bytes: one fits in 3
	assert.Equal(t, "é"+CutMark, got)
	assert.Equal(t, CutMark, cut("abcdef", 2), "a cap below the mark keeps only the mark")
}

const testCap = 1000

// endless writes x's until the client stops reading.
func endless(w http.ResponseWriter) {
	chunk := []byte(strings.Repeat("x", 4096))
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// TestBodyOverCapIsNotReadPast proves that an endless body, with or without a
// Content-Length, and in a 2xx or an error answer, is an unusable answer
// after reading at most cap+1 bytes (none when Content-Length says it is too
// big), counted at the handler.
func TestBodyOverCapIsNotReadPast(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		length   string
		wantRead int64
	}{
		{"endless 2xx", 200, "", testCap + 1},
		{"endless error", 502, "", testCap + 1},
		{"huge Content-Length", 200, "1099511627776", 0},
		{"Content-Length one over", 200, "1001", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rc, tr := memClient(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
				w.Header().Set("Content-Type", "application/json")
				if tc.length != "" {
					w.Header().Set("Content-Length", tc.length)
				}
				w.WriteHeader(tc.status)
				endless(w)
			}, newFakeClock(), WithMaxResponseBytes(testCap))
			rep, err := c.Precheck(bg, ModeStartJob, []string{"job-1"})
			require.NotNil(t, rep)
			respErr := errAs[*ResponseError](t, err)
			assert.Equal(t, "the body is over the 1000-byte cap", respErr.Reason)
			assert.Contains(t, err.Error(), "over the 1000-byte cap")
			assert.Equal(t, tc.status, respErr.StatusCode)
			assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
			tr.done()
			assert.Equal(t, tc.wantRead, tr.read.Load(), "body bytes the handler got to write")
			assert.Equal(t, 1, rc.count(), "an answer over the cap is not asked again")
		})
	}
}

// TestBodyAtCapIsRead proves the cap's boundary: a body of exactly the cap is
// an answer.
func TestBodyAtCapIsRead(t *testing.T) {
	body := `{"results":[{"id":"job-1","status":"success","precheck_id":"`
	body += strings.Repeat("p", testCap-len(body)-4) + `"}]}`
	require.Len(t, body, testCap)
	c, _, tr := memClient(t, raw(200, body), newFakeClock(), WithMaxResponseBytes(testCap))
	rep, err := c.Precheck(bg, ModeStartJob, []string{"job-1"})
	require.NoError(t, err)
	assert.Equal(t, InProgress, rep.Verdicts[0].State)
	tr.done()
	assert.Equal(t, int64(testCap), tr.read.Load())
}

// countingTransport counts the body bytes the client reads, after the
// transport's transparent gzip decoding.
type countingTransport struct {
	base http.RoundTripper
	read atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &t.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestGzipBombIsNotInflated proves that a gzip body that inflates without end
// is cut at the cap: the client decodes at most cap+1 bytes.
func TestGzipBombIsNotInflated(t *testing.T) {
	// One gzip member of 1 MiB of zeros, sent again and again: concatenated
	// members are one valid gzip stream that inflates without end.
	var member bytes.Buffer
	gz := gzip.NewWriter(&member)
	_, _ = gz.Write(make([]byte, 1<<20))
	require.NoError(t, gz.Close())
	var sent atomic.Int64
	rc, srv := serveHTTP(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		for {
			if _, err := w.Write(member.Bytes()); err != nil {
				return
			}
			sent.Add(1)
		}
	})
	tr := &countingTransport{base: srv.Client().Transport}
	c := newClient(t, srv.URL, &http.Client{Transport: tr}, newFakeClock(), WithMaxResponseBytes(testCap))
	rep, err := c.Results(bg, []string{"job-1"})
	require.NotNil(t, rep)
	respErr := errAs[*ResponseError](t, err)
	assert.Contains(t, respErr.Reason, "over the 1000-byte cap")
	assert.LessOrEqual(t, tr.read.Load(), int64(testCap+1), "inflated bytes read")
	assert.Equal(t, 1, rc.count())
	srv.Close() // returns once the handler stopped, which only the client hanging up makes it do
	assert.Positive(t, sent.Load())
}
