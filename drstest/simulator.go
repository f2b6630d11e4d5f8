package drstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// DefaultProjectID is the project ID New serves unless told otherwise: the
// one of openapi.yaml's examples.
const DefaultProjectID = "054ba152d480d55b2f5dc0069e7ddef0"

// Simulator is the fake DRS service, an http.Handler. Its methods are safe
// for concurrent use, also while it serves requests.
type Simulator struct {
	spec      *contract.Spec // nil with WithoutRequestValidation
	api       http.Handler   // the generated router and strict handler
	now       func() time.Time
	seed      int64
	projectID string
	creds     *credentials // behind a pointer so that printing shows no secret
	logLimit  int
	seq       atomic.Uint64

	mu          sync.Mutex
	jobs        map[string]*jobEntry
	faults      []*activeFault
	faultSerial uint64
	log         []*Request
}

// New returns a Simulator configured by the options; at least one of
// WithToken, WithAKSK, WithTemporaryAKSK or AcceptAnyToken is required.
func New(opts ...Option) (*Simulator, error) {
	cfg := newConfig(DefaultProjectID, opts)
	return newSimulator(&cfg)
}

func newSimulator(cfg *config) (*Simulator, error) {
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if len(cfg.tokens) == 0 && len(cfg.pairs) == 0 && !cfg.acceptAny {
		return nil, errors.New("drstest: no credentials: use WithToken, WithAKSK, WithTemporaryAKSK or AcceptAnyToken")
	}
	s := &Simulator{
		now:       cfg.clock,
		seed:      cfg.seed,
		projectID: cfg.projectID,
		logLimit:  cfg.logLimit,
		jobs:      make(map[string]*jobEntry),
		creds:     &credentials{tokens: cfg.tokens, keys: make(map[string]*akskKey), acceptAny: cfg.acceptAny},
	}
	secrets := slices.Clone(cfg.tokens)
	for _, p := range cfg.pairs {
		// One key, one token: otherwise whether a token is due is unclear.
		if _, dup := s.creds.keys[p.AccessKey]; dup {
			return nil, fmt.Errorf("drstest: access key %s is given twice", p.AccessKey)
		}
		s.creds.keys[p.AccessKey] = &akskKey{secretKey: p.SecretKey, securityToken: p.SecurityToken}
		secrets = append(secrets, p.SecretKey, p.SecurityToken)
	}
	s.creds.red = redact.New(secrets...)
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
		RequestErrorHandlerFunc: s.requestError,
		// The handlers never fail: a failed answer is a client gone.
		ResponseErrorHandlerFunc: func(http.ResponseWriter, *http.Request, error) {},
	})
	s.api = generated.HandlerWithOptions(strict, generated.StdHTTPServerOptions{ErrorHandlerFunc: s.requestError})
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

// requestInfo travels with a request through the middleware and handlers.
type requestInfo struct {
	id, op  string
	project string           // the path's, unescaped
	rec     *Request         // nil when the log is off
	red     *redact.Redactor // scrubs rec's body; nil when the log is off
	body    []byte           // read once, up to one byte over the limit
}

type infoKey struct{}

// infoFrom returns the requestInfo ServeHTTP put in every request's context.
func infoFrom(ctx context.Context) *requestInfo { return ctx.Value(infoKey{}).(*requestInfo) }

// route finds the operation of a request as the generated router does, and
// the project ID.
func route(r *http.Request) (op, project string) {
	segs := strings.Split(r.URL.EscapedPath(), "/")
	if r.Method != http.MethodPost || len(segs) != 5 || segs[0] != "" || segs[1] != "v3" || segs[3] != "jobs" {
		return "", ""
	}
	project, err := url.PathUnescape(segs[2])
	op = map[string]string{"batch-precheck": OpBatchCheckJobs, "batch-precheck-result": OpBatchCheckResults}[segs[4]]
	if err != nil || op == "" {
		return "", ""
	}
	return op, project
}

// ServeHTTP serves the DRS API: request ID, log, body, injected faults,
// then the gateway's checks (serveAPI) and the generated handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seq := s.seq.Add(1)
	op, project := route(r)
	info := &requestInfo{id: randomHex(16), op: op, project: project}
	w.Header().Set("X-Request-Id", info.id)
	s.logStart(seq, info, r)
	sw := &statusWriter{ResponseWriter: w, s: s, info: info}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))

	// Reading the body first also lets a delay notice a client that left.
	var err error
	if info.body, err = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1)); err != nil {
		return // the client went away mid-body
	}
	if len(info.body) > maxBodyBytes {
		// Drain some of the rest, so that a client still sending reads
		// the answer rather than a reset connection.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 4*maxBodyBytes))
	} else {
		s.update(info, func(rec *Request) { rec.Body = []byte(info.red.String(string(info.body))) })
	}

	delay, fault := s.pickFaults(op, seq)
	if delay > 0 {
		s.update(info, func(rec *Request) { rec.Delayed = true })
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fault != nil {
		s.update(info, func(rec *Request) { rec.Fault = fault.Kind })
		s.applyFault(sw, r, info, fault)
		return
	}
	s.serveAPI(sw, r, info)
}

// serveAPI is the API gateway's and DRS's checks, then the generated handler.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request, info *requestInfo) {
	body := bytes.TrimSpace(info.body)
	switch {
	case info.op == "":
		s.writeError(w, info, http.StatusNotFound, "APIGW.0101", "The API does not exist or has not been published in the environment.", 0)
		return
	case len(info.body) > maxBodyBytes:
		s.writeError(w, info, http.StatusRequestEntityTooLarge, codeTooLarge, msgTooLarge, 0)
		return
	}
	method, ak, err := s.authenticate(r, info.body)
	if err != nil {
		s.writeError(w, info, http.StatusUnauthorized, codeAuth, err.Error(), 0)
		return
	}
	s.update(info, func(rec *Request) { rec.Auth, rec.AccessKey = method, ak })
	switch {
	case info.project != s.projectID:
		s.writeError(w, info, http.StatusForbidden, "DRS.M00261", "Invalid project ID.", 0)
		return
	case len(body) == 0:
		s.writeError(w, info, http.StatusBadRequest, codeEmpty, msgEmpty("jobs"), 0)
		return
	case !json.Valid(body) || body[0] != '{': // both bodies are JSON objects
		s.writeError(w, info, http.StatusBadRequest, codeInvalid, msgInvalid("body"), 0)
		return
	}
	if s.spec != nil {
		if _, err := s.spec.ValidateRequest(r.Context(), r, info.body); err != nil {
			status, code, msg := http.StatusBadRequest, codeInvalid, msgInvalid("body")
			if v, ok := errors.AsType[*contract.Violation](err); ok {
				status, code, msg = violationError(v)
			}
			s.writeError(w, info, status, code, msg, 0)
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(info.body))
	r.ContentLength = int64(len(info.body))
	s.api.ServeHTTP(w, r)
}

// requestError answers the generated router's parameter errors and a body
// the strict handler cannot decode (the contract refuses both first).
func (s *Simulator) requestError(w http.ResponseWriter, r *http.Request, err error) {
	field := "body"
	if e, ok := errors.AsType[*generated.InvalidParamFormatError](err); ok {
		field = e.ParamName
	} else if e, ok := errors.AsType[*generated.TooManyValuesForParamError](err); ok {
		field = e.ParamName
	}
	s.writeError(w, infoFrom(r.Context()), http.StatusBadRequest, codeInvalid, msgInvalid(field), 0)
}
