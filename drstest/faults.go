package drstest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// FaultKind says what a Fault does to the requests it hits.
type FaultKind string

// Fault kinds. All answers are valid per openapi.yaml, except those of
// FaultDrop, FaultReset and FaultTruncate, which are broken on purpose.
const (
	// FaultLatency delays the request by Fault.Latency, then serves it
	// normally. (Every kind is delayed by Fault.Latency when set.)
	FaultLatency FaultKind = "latency"
	// FaultThrottle answers 429 APIGW.0308 with Retry-After (RetryAfter,
	// 1s by default), as the API gateway does over its rate limit.
	FaultThrottle FaultKind = "throttle"
	// FaultError answers a JSON ErrorBody with Status (500 by default; any
	// error status openapi.yaml documents: 400, 401, 403, 413, 422, 429,
	// 500, 502, 503, 504) and Code/Message (by default a realistic one for
	// the status, e.g. 502 APIGW.0202 "Backend unavailable."). 429 and 503
	// carry Retry-After.
	FaultError FaultKind = "error"
	// FaultGatewayPage answers an HTML error page (nginx style) with Status
	// 502 (default), 503 or 504, as a load balancer does.
	FaultGatewayPage FaultKind = "gateway_page"
	// FaultGatewayText is FaultGatewayPage as a text/plain page.
	FaultGatewayText FaultKind = "gateway_text"
	// FaultDrop reads the request, then closes the connection without
	// answering.
	FaultDrop FaultKind = "drop"
	// FaultReset serves the request, sends the status, the headers (with
	// the full Content-Length) and half the body, then closes the connection.
	FaultReset FaultKind = "reset"
	// FaultTruncate serves the request and sends the first half of the body
	// as a complete response: a well-formed HTTP answer with broken JSON.
	FaultTruncate FaultKind = "truncate"
)

// Fault is a failure injected into the simulator's answers.
//
// A fault hits the requests of its Operation (all operations when empty),
// each with probability Rate (every request when Rate is 0), until it has
// hit Count requests (no limit when Count is 0), after which it is removed.
// The requests a Rate picks depend only on the seed (WithSeed) and the
// request's arrival number, so a run is reproducible. When several faults
// hit a request, their latencies add up and the first (in injection order)
// of the other kinds answers it.
type Fault struct {
	Kind FaultKind
	// Operation restricts the fault to OpBatchCheckJobs or
	// OpBatchCheckResults; empty means every request, including those to
	// unknown paths.
	Operation string
	// Rate is the share of requests hit, in [0, 1]; 0 means all.
	Rate float64
	// Count is how many requests the fault hits before it is removed; 0
	// means no limit.
	Count int
	// Latency delays the answer, in wall-clock time (required for
	// FaultLatency). The delay ends early if the client goes away.
	Latency time.Duration
	// Status is the HTTP status of FaultError and the gateway pages.
	Status int
	// RetryAfter is sent, in whole seconds rounded up, with 429 and 503
	// answers; 1s by default.
	RetryAfter time.Duration
	// Code and Message override the ErrorBody of FaultThrottle and
	// FaultError.
	Code    string
	Message string
}

// normalize checks a fault and fills in the defaults.
func (f Fault) normalize() (Fault, error) {
	fail := func(format string, args ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("drstest: fault %q: "+format, append([]any{f.Kind}, args...)...)
	}
	switch f.Operation {
	case "", OpBatchCheckJobs, OpBatchCheckResults:
	default:
		return fail("operation %q is not %q or %q", f.Operation, OpBatchCheckJobs, OpBatchCheckResults)
	}
	if math.IsNaN(f.Rate) || f.Rate < 0 || f.Rate > 1 {
		return fail("rate %v is not in [0, 1]", f.Rate)
	}
	if f.Count < 0 {
		return fail("negative count %d", f.Count)
	}
	if f.Latency < 0 || f.RetryAfter < 0 {
		return fail("negative latency or retry-after")
	}
	if (f.Code != "" || f.Message != "") && f.Kind != FaultError && f.Kind != FaultThrottle {
		return fail("code and message apply only to %q and %q faults", FaultError, FaultThrottle)
	}
	if f.Status != 0 {
		switch f.Kind {
		case FaultError, FaultGatewayPage, FaultGatewayText:
		default:
			return fail("status applies only to %q, %q and %q faults", FaultError, FaultGatewayPage, FaultGatewayText)
		}
	}
	switch f.Kind {
	case FaultLatency:
		if f.Latency == 0 {
			return fail("no latency given")
		}
	case FaultThrottle:
		if f.Code == "" {
			f.Code = codeThrottled
		}
		if f.Message == "" {
			f.Message = msgThrottled
		}
	case FaultError:
		if f.Status == 0 {
			f.Status = http.StatusInternalServerError
		}
		if !documentedStatus(f.Status) {
			return fail("status %d is not an error status of openapi.yaml (400, 401, 403, 413, 422, 429, 500, 502, 503, 504)", f.Status)
		}
		code, msg := defaultError(f.Status)
		if f.Code == "" {
			f.Code = code
		}
		if f.Message == "" {
			f.Message = msg
		}
	case FaultGatewayPage, FaultGatewayText:
		if f.Status == 0 {
			f.Status = http.StatusBadGateway
		}
		if f.Status != 502 && f.Status != 503 && f.Status != 504 {
			return fail("status %d is not 502, 503 or 504", f.Status)
		}
	case FaultDrop, FaultReset, FaultTruncate:
	case "":
		return Fault{}, errors.New("drstest: fault without a kind")
	default:
		return fail("unknown kind (want latency, throttle, error, gateway_page, gateway_text, drop, reset or truncate)")
	}
	if f.RetryAfter == 0 {
		f.RetryAfter = time.Second
	}
	return f, nil
}

// activeFault is an injected fault and what is left of its Count.
type activeFault struct {
	Fault
	serial    uint64
	remaining int
}

// pickFaults decides which faults hit the seq-th request, to operation op.
func (s *Simulator) pickFaults(op string, seq uint64) (delay time.Duration, hit *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return 0, nil
	}
	exhausted := false
	for _, af := range s.faults {
		if af.Operation != "" && af.Operation != op {
			continue
		}
		terminal := af.Kind != FaultLatency
		if terminal && hit != nil {
			continue
		}
		if af.Rate > 0 && draw(s.seed, seq, af.serial) >= af.Rate {
			continue
		}
		if af.Count > 0 {
			af.remaining--
			exhausted = exhausted || af.remaining == 0
		}
		delay += af.Latency
		if terminal {
			f := af.Fault
			hit = &f
		}
	}
	if exhausted {
		kept := s.faults[:0]
		for _, af := range s.faults {
			if af.Count == 0 || af.remaining > 0 {
				kept = append(kept, af)
			}
		}
		clear(s.faults[len(kept):])
		s.faults = kept
	}
	return delay, hit
}

// draw returns a number in [0, 1) determined by the seed, the request's
// arrival number and the fault's serial number.
func draw(seed int64, seq, serial uint64) float64 {
	return rand.New(rand.NewPCG(uint64(seed), seq<<32^serial)).Float64()
}

// applyFault answers the request as the fault says.
func (s *Simulator) applyFault(w *statusWriter, r *http.Request, info *requestInfo, f *Fault) {
	switch f.Kind {
	case FaultThrottle:
		s.writeError(w, info, http.StatusTooManyRequests, f.Code, f.Message, f.RetryAfter)
	case FaultError:
		s.writeError(w, info, f.Status, f.Code, f.Message, f.RetryAfter)
	case FaultGatewayPage, FaultGatewayText:
		s.writeGatewayPage(w, info, f.Status, f.Kind == FaultGatewayPage, f.RetryAfter)
	case FaultDrop:
		closeConnection(w) // the body was read: the client is waiting for the answer
	case FaultReset, FaultTruncate:
		// Serve the request for real (its side effects happen, as when a
		// connection breaks after the server did the work), then break
		// the answer.
		buf := &bufferWriter{header: w.Header()}
		s.serveAPI(buf, r, info)
		body := buf.body.Bytes()
		half := body[:len(body)/2]
		status := buf.status
		if status == 0 {
			status = http.StatusOK
		}
		if f.Kind == FaultTruncate {
			w.Header().Set("Content-Length", strconv.Itoa(len(half)))
			w.WriteHeader(status)
			_, _ = w.Write(half)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(half)
		_ = http.NewResponseController(w).Flush()
		closeConnection(w)
	}
}

// closeConnection closes the request's connection without (further) answer.
func closeConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a ResponseRecorder: abort the response instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// sleepContext waits for d or until ctx is done; it reports whether d
// elapsed.
func sleepContext(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
