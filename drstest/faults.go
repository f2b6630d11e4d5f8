package drstest

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// FaultKind says what a Fault does to the requests it hits.
type FaultKind string

// Fault kinds. Every answer is valid per openapi.yaml except those of
// FaultDrop, FaultReset and FaultTruncate, broken on purpose.
const (
	FaultLatency  FaultKind = "latency"  // only delays (every kind is delayed by Fault.Latency)
	FaultThrottle FaultKind = "throttle" // 429 APIGW.0308 with Retry-After, as the gateway over its rate limit
	// FaultError answers a JSON ErrorBody with Status (default 500, any
	// error status of openapi.yaml), Code and Message (by default the
	// status's usual one, e.g. 502 APIGW.0202).
	FaultError       FaultKind = "error"
	FaultGatewayPage FaultKind = "gateway_page" // a load balancer's HTML page, Status 502 (default), 503 or 504
	FaultGatewayText FaultKind = "gateway_text" // FaultGatewayPage as text/plain
	FaultDrop        FaultKind = "drop"         // reads the request, then closes the connection
	FaultReset       FaultKind = "reset"        // serves, sends the full Content-Length and half the body, closes
	FaultTruncate    FaultKind = "truncate"     // serves, sends half the body as a complete answer
)

// Fault is a failure injected into the simulator's answers. It hits the
// requests of its Operation, each with probability Rate, until it has hit
// Count of them, then it is removed. Which requests a Rate hits depends only
// on the seed (WithSeed) and their arrival numbers. When several faults hit
// a request, their latencies add up and the first other one answers it.
type Fault struct {
	Kind      FaultKind `yaml:"kind"`
	Operation string    `yaml:"operation"` // OpBatchCheckJobs, OpBatchCheckResults, or "" for every request
	Rate      float64   `yaml:"rate"`      // in [0, 1]; 0 means every request
	Count     int       `yaml:"count"`     // 0 means no limit
	// Latency delays the answer in wall-clock time (less if the client
	// goes away).
	Latency    time.Duration `yaml:"latency"`
	Status     int           `yaml:"status"`      // of FaultError and the gateway pages
	RetryAfter time.Duration `yaml:"retry_after"` // with 429 and 503 answers; default 1s
	Code       string        `yaml:"code"`        // of FaultThrottle and FaultError
	Message    string        `yaml:"message"`     // of FaultThrottle and FaultError
}

// normalize checks a fault and fills in the defaults.
func (f Fault) normalize() (Fault, error) {
	fail := func(format string, args ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("drstest: fault %q: "+format, append([]any{f.Kind}, args...)...)
	}
	isError, isPage := f.Kind == FaultError, f.Kind == FaultGatewayPage || f.Kind == FaultGatewayText
	switch {
	case f.Kind == "":
		return Fault{}, errors.New("drstest: fault without a kind")
	case f.Operation != "" && f.Operation != OpBatchCheckJobs && f.Operation != OpBatchCheckResults:
		return fail("operation %q is not %s or %s", f.Operation, OpBatchCheckJobs, OpBatchCheckResults)
	case math.IsNaN(f.Rate) || f.Rate < 0 || f.Rate > 1:
		return fail("rate %v is not in [0, 1]", f.Rate)
	case f.Count < 0 || f.Latency < 0 || f.RetryAfter < 0:
		return fail("negative count, latency or retry-after")
	case (f.Code != "" || f.Message != "") && !isError && f.Kind != FaultThrottle:
		return fail("code and message apply only to error and throttle faults")
	case f.Status != 0 && !isError && !isPage:
		return fail("status applies only to error and gateway page faults")
	}
	switch f.Kind {
	case FaultLatency:
		if f.Latency == 0 {
			return fail("no latency given")
		}
	case FaultThrottle:
		f.Code, f.Message = cmp.Or(f.Code, codeThrottled), cmp.Or(f.Message, msgThrottled)
	case FaultError:
		f.Status = cmp.Or(f.Status, http.StatusInternalServerError)
		def, ok := defaultErrors[f.Status]
		if !ok {
			return fail("status %d is not an error status of openapi.yaml (400, 401, 403, 413, 422, 429, 500, 502, 503, 504)", f.Status)
		}
		f.Code, f.Message = cmp.Or(f.Code, def[0]), cmp.Or(f.Message, def[1])
	case FaultGatewayPage, FaultGatewayText:
		f.Status = cmp.Or(f.Status, http.StatusBadGateway)
		if f.Status != 502 && f.Status != 503 && f.Status != 504 {
			return fail("status %d is not 502, 503 or 504", f.Status)
		}
	case FaultDrop, FaultReset, FaultTruncate:
	default:
		return fail("unknown kind (want latency, throttle, error, gateway_page, gateway_text, drop, reset or truncate)")
	}
	f.RetryAfter = cmp.Or(f.RetryAfter, time.Second)
	return f, nil
}

// activeFault is an injected fault, its Count counting down what is left.
type activeFault struct {
	Fault
	serial uint64 // the order of injection, which seeds its draws
}

// InjectFault adds a fault; it applies from the next request on.
func (s *Simulator) InjectFault(f Fault) error {
	f, err := f.normalize()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultSerial++
	s.faults = append(s.faults, &activeFault{Fault: f, serial: s.faultSerial})
	return nil
}

// ClearFaults removes every fault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults returns the faults in effect, with what is left of their Count.
func (s *Simulator) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, af := range s.faults {
		out[i] = af.Fault
	}
	return out
}

// pickFaults decides which faults hit the seq-th request, to operation op.
func (s *Simulator) pickFaults(op string, seq uint64) (delay time.Duration, hit *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.faults[:0]
	for _, af := range s.faults {
		terminal := af.Kind != FaultLatency
		// A seeded generator per request and fault: the same draw whatever
		// the other requests and faults.
		if (af.Operation == "" || af.Operation == op) && !(terminal && hit != nil) &&
			(af.Rate == 0 || rand.New(rand.NewPCG(uint64(s.seed), seq<<32^af.serial)).Float64() < af.Rate) {
			delay += af.Latency
			if terminal {
				f := af.Fault
				hit = &f
			}
			if af.Count == 1 {
				continue // its last hit: removed
			}
			af.Count = max(af.Count-1, 0) // 0, no limit, stays 0
		}
		kept = append(kept, af)
	}
	clear(s.faults[len(kept):])
	s.faults = kept
	return delay, hit
}

// applyFault answers the request as the fault says.
func (s *Simulator) applyFault(w http.ResponseWriter, r *http.Request, info *requestInfo, f *Fault) {
	switch f.Kind {
	case FaultThrottle:
		s.writeError(w, info, http.StatusTooManyRequests, f.Code, f.Message, f.RetryAfter)
	case FaultError:
		s.writeError(w, info, f.Status, f.Code, f.Message, f.RetryAfter)
	case FaultGatewayPage, FaultGatewayText:
		writeGatewayPage(w, f.Status, f.Kind == FaultGatewayPage, f.RetryAfter)
	case FaultDrop:
		closeConnection(w)
	case FaultReset, FaultTruncate:
		// Serve the request for real (its side effects happen, as when a
		// connection breaks after the server did the work), then break
		// the answer.
		rec := httptest.NewRecorder()
		s.serveAPI(rec, r, info) // w logs the status when it writes it
		body := rec.Body.Bytes()
		half, length := body[:len(body)/2], len(body)
		if f.Kind == FaultTruncate {
			length = len(half)
		}
		maps.Copy(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(length))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(half)
		if f.Kind == FaultReset {
			_ = http.NewResponseController(w).Flush()
			closeConnection(w)
		}
	}
}

// closeConnection closes the request's connection without (further) answer.
func closeConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort instead
	}
	_ = conn.Close()
}
