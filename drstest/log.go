package drstest

import (
	"bytes"
	"net/http"
	"slices"
	"time"
)

// Request is one request the simulator received, as recorded for a test's
// assertions. It never holds a secret: the values of Authorization,
// X-Auth-Token, X-Security-Token and cookies are replaced by "[REDACTED]".
type Request struct {
	Seq       uint64      // arrival number, from 1
	ID        string      // the X-Request-Id the simulator answered with
	Time      time.Time   // arrival, on the simulator's clock
	Method    string      // HTTP method
	Path      string      // URL path
	Operation string      // OpBatchCheckJobs, OpBatchCheckResults, or "" for an unknown route
	Header    http.Header // request headers, secrets redacted
	Body      []byte      // request body; nil if it was not read
	Auth      string      // AuthToken or AuthAKSK once authenticated, else ""
	AccessKey string      // the access key of an AK/SK request (not a secret)
	Status    int         // the status answered; 0 if none (dropped connection, client gone)
	ErrorCode string      // the error_code of an error answer
	Fault     FaultKind   // the injected fault that answered or broke the request, if any
	Delayed   bool        // whether a latency was injected
}

const redacted = "[REDACTED]"

// secretHeaders are never recorded.
var secretHeaders = []string{"Authorization", "X-Auth-Token", "X-Security-Token", "Cookie", "Proxy-Authorization", "X-Subject-Token"}

func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	for k, vs := range out {
		// also catches non-canonical keys set by direct map assignment
		if slices.Contains(secretHeaders, http.CanonicalHeaderKey(k)) {
			out[k] = slices.Repeat([]string{redacted}, len(vs))
		}
	}
	return out
}

// logStart records a request as it arrives; it returns nil when the log is
// off.
func (s *Simulator) logStart(seq uint64, id, op string, r *http.Request) *Request {
	if s.logLimit == 0 {
		return nil
	}
	rec := &Request{
		Seq:       seq,
		ID:        id,
		Time:      s.now(),
		Method:    r.Method,
		Path:      r.URL.Path,
		Operation: op,
		Header:    redactHeader(r.Header),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.log) >= 2*s.logLimit {
		s.log = append(s.log[:0:0], s.log[len(s.log)-s.logLimit+1:]...)
	}
	s.log = append(s.log, rec)
	return rec
}

// update changes a log entry under the lock.
func (s *Simulator) update(info *requestInfo, f func(*Request)) {
	if info == nil || info.rec == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f(info.rec)
}

func (s *Simulator) noteError(info *requestInfo, code string) {
	s.update(info, func(r *Request) { r.ErrorCode = code })
}

// Requests returns the requests received so far, oldest first: all of them,
// or the latest ones when more than the log limit (WithRequestLogLimit)
// arrived. An entry is recorded before the answer is sent, so a client that
// got its answer finds its request here.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := s.log
	if len(log) > s.logLimit {
		log = log[len(log)-s.logLimit:]
	}
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = bytes.Clone(r.Body)
	}
	return out
}

// RequestCount returns how many requests the simulator received, recorded
// or not.
func (s *Simulator) RequestCount() int {
	return int(s.seq.Load())
}

// statusWriter records the answer's status in the log before it is sent.
type statusWriter struct {
	http.ResponseWriter
	s     *Simulator
	info  *requestInfo
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.s.update(w.info, func(r *Request) { r.Status = code })
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (Hijack, Flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bufferWriter holds an answer that a fault then breaks.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
