package drs

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
