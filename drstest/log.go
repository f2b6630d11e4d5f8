package drstest

import (
	"bytes"
	"net/http"
	"slices"
	"time"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// Request is one request the simulator received. It holds no secret: secret
// headers (redact.IsSecretHeader) are "[REDACTED]" whole, and the
// simulator's credentials and those the request carried are "[REDACTED]"
// wherever else the client put them (path, body, other headers), raw or
// encoded.
type Request struct {
	Seq       uint64    // arrival number, from 1
	ID        string    // the X-Request-Id answered
	Time      time.Time // arrival, on the simulator's clock
	Method    string
	Path      string
	Operation string // OpBatchCheckJobs, OpBatchCheckResults, or "" for an unknown route
	Header    http.Header
	Body      []byte    // nil if it was not read
	Auth      string    // AuthToken or AuthAKSK once authenticated
	AccessKey string    // of an AK/SK request (not a secret)
	Status    int       // 0 if none was sent
	ErrorCode string    // of an error answer
	Fault     FaultKind // the injected fault that answered or broke the request
	Delayed   bool      // whether a latency was injected
}

// logStart records a request as it arrives (info.rec), unless the log is off.
func (s *Simulator) logStart(seq uint64, info *requestInfo, r *http.Request) {
	if s.logLimit == 0 {
		return
	}
	// The request's own credentials are secrets too, even those the
	// simulator does not accept.
	info.red = s.creds.red.With(redact.HeaderSecrets(r.Header)...)
	rec := &Request{Seq: seq, ID: info.id, Time: s.now(), Method: r.Method, Path: info.red.String(r.URL.Path),
		Operation: info.op, Header: info.red.Header(r.Header)}
	for k, vs := range rec.Header {
		if redact.IsSecretHeader(k) {
			rec.Header[k] = slices.Repeat([]string{redact.Mask}, len(vs))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.log) >= 2*s.logLimit { // trimmed in bulk: amortised O(1)
		s.log = slices.Clone(s.log[len(s.log)-s.logLimit+1:])
	}
	s.log = append(s.log, rec)
	info.rec = rec
}

// update changes a log entry under the lock.
func (s *Simulator) update(info *requestInfo, f func(*Request)) {
	if info.rec == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f(info.rec)
}

// Requests returns the latest requests (up to WithRequestLogLimit), oldest
// first. An entry is recorded before its answer is sent.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := s.log[max(0, len(s.log)-s.logLimit):]
	out := make([]Request, len(log))
	for i, r := range log {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = bytes.Clone(r.Body)
	}
	return out
}

// RequestCount returns how many requests the simulator received, logged or
// not.
func (s *Simulator) RequestCount() int { return int(s.seq.Load()) }

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
