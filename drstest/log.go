package drstest

import (
	"bytes"
	"net/http"
	"slices"
	"time"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// Request is one request the simulator received, as recorded for a test's
// assertions. It never holds a secret: the values of secret headers
// (Authorization, X-Auth-Token, X-Security-Token, cookies, ...; see
// redact.IsSecretHeader) are "[REDACTED]", and the simulator's credentials
// and the ones the request carried are "[REDACTED]" wherever else the client
// put them (path, body, other headers), raw or encoded.
type Request struct {
	Seq       uint64      // arrival number, from 1
	ID        string      // the X-Request-Id the simulator answered with
	Time      time.Time   // arrival, on the simulator's clock
	Method    string      // HTTP method
	Path      string      // URL path, secrets redacted
	Operation string      // OpBatchCheckJobs, OpBatchCheckResults, or "" for an unknown route
	Header    http.Header // request headers, secrets redacted
	Body      []byte      // request body, secrets redacted; nil if it was not read
	Auth      string      // AuthToken or AuthAKSK once authenticated, else ""
	AccessKey string      // the access key of an AK/SK request (not a secret)
	Status    int         // the status answered; 0 if none (dropped connection, client gone)
	ErrorCode string      // the error_code of an error answer
	Fault     FaultKind   // the injected fault that answered or broke the request, if any
	Delayed   bool        // whether a latency was injected

	// red scrubs the body when it arrives (see update); nil afterwards and
	// in the copies Requests returns.
	red *redact.Redactor
}

const redacted = redact.Mask

// redactor hides the simulator's credentials: every token, secret key and
// security token it accepts. Built once, on first use.
func (c *credentials) redactor() *redact.Redactor {
	c.redactOnce.Do(func() {
		secrets := slices.Clone(c.tokens)
		for _, k := range c.keys {
			secrets = append(secrets, k.secretKey, k.securityToken)
		}
		c.red = redact.New(secrets...)
	})
	return c.red
}

// redactHeader masks every secret header whole (a test reads AccessKey for
// the key that signed) and scrubs the others.
func redactHeader(red *redact.Redactor, h http.Header) http.Header {
	out := red.Header(h)
	for k, vs := range out {
		if redact.IsSecretHeader(k) {
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
	// The request's own credentials are secrets too, even those the
	// simulator does not accept (a wrong token, AcceptAnyToken).
	red := s.creds.redactor().With(redact.HeaderSecrets(r.Header)...)
	rec := &Request{
		Seq:       seq,
		ID:        id,
		Time:      s.now(),
		Method:    r.Method,
		Path:      red.String(r.URL.Path),
		Operation: op,
		Header:    redactHeader(red, r.Header),
		red:       red,
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
	if rec := info.rec; rec.red != nil && rec.Body != nil {
		rec.Body = []byte(rec.red.String(string(rec.Body)))
		rec.red = nil
	}
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
		out[i].red = nil
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
