package drs

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
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

// answering is a client whose every call is answered with body, in memory.
func answering(tb testing.TB, body []byte, opts ...Option) *Client {
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
	})
	return newClient(tb, "https://drs.test", &http.Client{Transport: rt}, newFakeClock(), append([]Option{oneShot}, opts...)...)
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
