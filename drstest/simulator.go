package drstest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
)

// DefaultProjectID is the project ID New serves unless told otherwise: the
// one of openapi.yaml's examples.
const DefaultProjectID = "054ba152d480d55b2f5dc0069e7ddef0"

const headerRequestID = "X-Request-Id"

// Simulator is the fake DRS service, an http.Handler. Create it with New (or
// NewServer, which also starts it); its methods are safe for concurrent use,
// also while it serves requests.
type Simulator struct {
	spec      *contract.Spec // nil with WithoutRequestValidation
	api       http.Handler   // the generated router and strict handler
	now       func() time.Time
	seed      int64
	projectID string
	creds     *credentials
	verifier  aksk.Verifier
	logLimit  int
	seq       atomic.Uint64

	mu          sync.Mutex
	jobs        map[string]*jobEntry
	faults      []*activeFault
	faultSerial uint64
	log         []*Request
}

// New returns a Simulator configured by the options. At least one way to
// authenticate is required: WithToken, WithAKSK, WithTemporaryAKSK or
// AcceptAnyToken.
func New(opts ...Option) (*Simulator, error) {
	cfg := config{projectID: DefaultProjectID, seed: 1, logLimit: 10000}
	for _, o := range opts {
		o(&cfg)
	}
	return newSimulator(&cfg)
}

func newSimulator(cfg *config) (*Simulator, error) {
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if len(cfg.tokens) == 0 && len(cfg.pairs) == 0 && len(cfg.tempPairs) == 0 && !cfg.acceptAny {
		return nil, errors.New("drstest: no credentials: use WithToken, WithAKSK, WithTemporaryAKSK or AcceptAnyToken")
	}
	s := &Simulator{
		now:       cfg.clock,
		seed:      cfg.seed,
		projectID: cfg.projectID,
		logLimit:  cfg.logLimit,
		jobs:      make(map[string]*jobEntry),
		creds: &credentials{
			tokens:    append([]string(nil), cfg.tokens...),
			keys:      make(map[string]*akskKey, len(cfg.pairs)+len(cfg.tempPairs)),
			acceptAny: cfg.acceptAny,
		},
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, p := range cfg.pairs {
		s.creds.keys[p.accessKey] = &akskKey{secretKey: p.secretKey}
	}
	for _, p := range cfg.tempPairs {
		// One key, one token: a permanent and a temporary pair with the
		// same access key would leave it unclear whether a token is due.
		if _, dup := s.creds.keys[p.accessKey]; dup {
			return nil, fmt.Errorf("drstest: access key %s is given to WithTemporaryAKSK twice, or also to WithAKSK", p.accessKey)
		}
		s.creds.keys[p.accessKey] = &akskKey{secretKey: p.secretKey, securityToken: p.securityToken}
	}
	// Signature freshness is checked against the wall clock, like the
	// gateway's (see WithClock).
	s.verifier = aksk.Verifier{Lookup: s.creds.lookup, MaxSkew: aksk.DefaultMaxSkew}
	if !cfg.skipValidation {
		spec, err := contract.Default()
		if err != nil {
			return nil, fmt.Errorf("drstest: %w", err)
		}
		s.spec = spec
	}
	for _, j := range cfg.jobs {
		if _, dup := s.jobs[j.ID]; dup {
			return nil, fmt.Errorf("drstest: job %s is given twice", j.ID)
		}
		if err := s.AddJob(j); err != nil {
			return nil, err
		}
	}
	for _, f := range cfg.faults {
		if err := s.InjectFault(f); err != nil {
			return nil, err
		}
	}
	strict := generated.NewStrictHandlerWithOptions(handlers{s}, nil, generated.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  s.requestError,
		ResponseErrorHandlerFunc: s.responseError,
	})
	s.api = generated.HandlerWithOptions(strict, generated.StdHTTPServerOptions{
		ErrorHandlerFunc: s.paramError,
	})
	return s, nil
}

// ProjectID returns the project ID the simulator serves.
func (s *Simulator) ProjectID() string { return s.projectID }

// String describes the simulator without its credentials.
func (s *Simulator) String() string {
	s.mu.Lock()
	jobs, faults := len(s.jobs), len(s.faults)
	s.mu.Unlock()
	return fmt.Sprintf("drstest.Simulator{ProjectID:%s Jobs:%d Faults:%d Requests:%d}", s.projectID, jobs, faults, s.RequestCount())
}

// Format makes every fmt verb print String, so that no verb (%#v, %+v)
// prints the fields.
func (s *Simulator) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// AddJob adds a job to the table, or replaces the job with the same ID
// (forgetting its pre-check).
func (s *Simulator) AddJob(j Job) error {
	j, err := j.normalize()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[j.ID] = &jobEntry{Job: j}
	return nil
}

// RemoveJob deletes a job from the table; it reports whether it was there.
func (s *Simulator) RemoveJob(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.jobs[id]
	delete(s.jobs, id)
	return ok
}

// SetJobState changes a job's state (see the State constants), e.g. to let
// a test move a job out of CONFIGURATION. Its pre-check is kept.
func (s *Simulator) SetJobState(id, state string) error {
	if state == "" {
		return errors.New("drstest: SetJobState: empty state")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.jobs[id]
	if !ok {
		return fmt.Errorf("drstest: SetJobState: no job %s", id)
	}
	e.State = state
	return nil
}

// Job returns a copy of a job of the table.
func (s *Simulator) Job(id string) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.jobs[id]
	if !ok {
		return Job{}, false
	}
	return e.Job.clone(), true
}

// InjectFault adds a fault; it applies from the next request on. See Fault.
func (s *Simulator) InjectFault(f Fault) error {
	f, err := f.normalize()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultSerial++
	s.faults = append(s.faults, &activeFault{Fault: f, serial: s.faultSerial, remaining: f.Count})
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
		out[i].Count = af.remaining
	}
	return out
}

// requestInfo travels with a request through the middleware and handlers.
type requestInfo struct {
	id  string
	op  string
	rec *Request // nil when the log is off
	// project is the project ID of the path (unescaped).
	project string
	// body is the request body, read once, up to one byte over the limit.
	body    []byte
	readErr error
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{id: newRequestID()}
}

// newRequestID returns 32 random hex digits, like the gateway's request IDs.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

// route finds the operation of a request the way the generated router does
// ("POST /v3/{project_id}/jobs/batch-precheck[-result]"), and the project ID.
func route(r *http.Request) (op, project string) {
	if r.Method != http.MethodPost {
		return "", ""
	}
	segs := strings.Split(r.URL.EscapedPath(), "/")
	if len(segs) != 5 || segs[0] != "" || segs[1] != "v3" || segs[3] != "jobs" {
		return "", ""
	}
	switch segs[4] {
	case "batch-precheck":
		op = OpBatchCheckJobs
	case "batch-precheck-result":
		op = OpBatchCheckResults
	default:
		return "", ""
	}
	project, err := url.PathUnescape(segs[2])
	if err != nil {
		return "", ""
	}
	return op, project
}

// ServeHTTP serves the DRS API. The middleware, in order: assign the request
// ID, record the request, apply injected faults, answer unknown routes,
// read the body, authenticate, check the project ID, validate the request;
// then the generated router and strict handler take over.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seq := s.seq.Add(1)
	id := newRequestID()
	w.Header().Set(headerRequestID, id)
	op, project := route(r)
	info := &requestInfo{id: id, op: op, project: project}
	info.rec = s.logStart(seq, id, op, r)
	sw := &statusWriter{ResponseWriter: w, s: s, info: info}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))

	// Read the body first: besides the checks that need it, this lets the
	// server notice a client that goes away during an injected delay.
	info.body, info.readErr = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if info.readErr == nil && len(info.body) > maxBodyBytes {
		// Drain (some of) the rest so that the client, still sending,
		// reads the answer rather than a reset connection.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 4*maxBodyBytes))
	} else if info.readErr == nil {
		s.update(info, func(rec *Request) { rec.Body = info.body })
	}

	delay, fault := s.pickFaults(op, seq)
	if delay > 0 {
		s.update(info, func(rec *Request) { rec.Delayed = true })
		if !sleepContext(r, delay) {
			return // the client went away
		}
	}
	if fault != nil {
		s.update(info, func(rec *Request) { rec.Fault = fault.Kind })
		s.applyFault(sw, r, info, fault)
		return
	}
	s.serveAPI(sw, r, info)
}

// serveAPI is the API gateway and DRS's request checks, then the generated
// handler.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, info *requestInfo) {
	if info.op == "" {
		s.writeError(w, info, http.StatusNotFound, codeNoAPI, msgNoAPI, 0)
		return
	}
	body := info.body
	if info.readErr != nil {
		return // the client went away mid-body
	}
	if len(body) > maxBodyBytes {
		s.writeError(w, info, http.StatusRequestEntityTooLarge, codeTooLarge, msgTooLarge, 0)
		return
	}

	method, ak, err := s.authenticate(r, body)
	if err != nil {
		s.writeError(w, info, http.StatusUnauthorized, codeAuth, err.Error(), 0)
		return
	}
	s.update(info, func(rec *Request) { rec.Auth, rec.AccessKey = method, ak })

	if info.project != s.projectID {
		s.writeError(w, info, http.StatusForbidden, codeBadProject, msgBadProject, 0)
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		s.writeError(w, info, http.StatusBadRequest, codeEmpty, msgEmpty("jobs"), 0)
		return
	}
	if !json.Valid(body) || bytes.TrimSpace(body)[0] != '{' { // both bodies are JSON objects
		s.writeError(w, info, http.StatusBadRequest, codeInvalid, msgInvalid("body"), 0)
		return
	}
	if s.spec != nil {
		if _, err := s.spec.ValidateRequest(r.Context(), r, body); err != nil {
			var v *contract.Violation
			if !errors.As(err, &v) {
				s.writeError(w, info, http.StatusBadRequest, codeInvalid, msgInvalid("body"), 0)
				return
			}
			status, code, msg := violationError(v)
			s.writeError(w, info, status, code, msg, 0)
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	s.api.ServeHTTP(w, r)
}

// paramError answers the generated router's parameter errors.
func (s *Simulator) paramError(w http.ResponseWriter, r *http.Request, err error) {
	field := "parameter"
	var format *generated.InvalidParamFormatError
	var many *generated.TooManyValuesForParamError
	switch {
	case errors.As(err, &format):
		field = format.ParamName
	case errors.As(err, &many):
		field = many.ParamName
	}
	s.writeError(w, infoFrom(r.Context()), http.StatusBadRequest, codeInvalid, msgInvalid(field), 0)
}

// requestError answers a body the strict handler cannot decode.
func (s *Simulator) requestError(w http.ResponseWriter, r *http.Request, _ error) {
	s.writeError(w, infoFrom(r.Context()), http.StatusBadRequest, codeInvalid, msgInvalid("body"), 0)
}

// responseError answers a failure of the strict handler, unless the answer
// was already (partly) sent.
func (s *Simulator) responseError(w http.ResponseWriter, r *http.Request, _ error) {
	if sw, ok := w.(*statusWriter); ok && sw.wrote {
		return
	}
	if bw, ok := w.(*bufferWriter); ok && bw.status != 0 {
		return
	}
	s.writeError(w, infoFrom(r.Context()), http.StatusInternalServerError, codeInternal, msgInternal, 0)
}
