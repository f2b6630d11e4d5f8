package drstest

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// TemporaryKey is a set of temporary keys an IdentityService hands out.
type TemporaryKey struct {
	AccessKey, SecretKey, SecurityToken string
}

// IssuedKey records one hand-out: which keys, until when, by which call.
type IssuedKey struct {
	AccessKey string
	Expires   time.Time
	Via       string // "metadata" or "federation"
}

// IdentityRequest is one request an IdentityService received, without any
// secret: the header names, the body's length.
type IdentityRequest struct {
	Method, Path string
	HeaderNames  []string
	BodyLen      int
	Status       int
}

// IdentityConfig configures NewIdentityService. Zero fields take defaults.
type IdentityConfig struct {
	Now              func() time.Time // clock of expiry (default time.Now)
	Keys             int              // key sets to prepare (default 8); then it answers 500
	NoAgency         bool             // the metadata service answers as on an instance without an IAM agency
	MetadataTTL      time.Duration    // lifetime of the metadata keys (default 1 hour)
	IdentityProvider string           // the only one IAM knows (default "ci-oidc")
	IDToken          string           // the only ID token IAM accepts (default random)
	IDTokenExpires   time.Time        // when IAM stops accepting it (zero: never)
	// EchoSecrets makes error answers quote what the client sent (an ID
	// token, a federated token), as a hostile server would.
	EchoSecrets bool
}

// IdentityService serves the calls that obtain temporary keys: the ECS
// metadata service (PUT /meta-data/latest/api/token, GET
// /openstack/latest/securitykey) and IAM's federation calls (POST
// /v3.0/OS-AUTH/id-token/tokens, POST /v3.0/OS-CREDENTIAL/securitytokens),
// with their error answers. SimulatorOptions makes a DRS simulator accept
// its keys. It is safe for concurrent use.
type IdentityService struct {
	cfg  IdentityConfig
	keys []TemporaryKey

	mu        sync.Mutex
	next      int
	issued    []IssuedKey
	sessions  map[string]bool
	fedTokens map[string]time.Time // federated token -> expiry
	requests  []IdentityRequest
}

// NewIdentityService returns a service with cfg's defaults filled in.
func NewIdentityService(cfg IdentityConfig) *IdentityService {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Keys, cfg.MetadataTTL = cmp.Or(max(cfg.Keys, 0), 8), cmp.Or(max(cfg.MetadataTTL, 0), time.Hour)
	cfg.IdentityProvider = cmp.Or(cfg.IdentityProvider, "ci-oidc")
	cfg.IDToken = cmp.Or(cfg.IDToken, "eyJhbGciOiJSUzI1NiJ9."+randomHex(24)+"."+randomHex(24))
	s := &IdentityService{cfg: cfg, sessions: map[string]bool{}, fedTokens: map[string]time.Time{}}
	for i := range cfg.Keys {
		s.keys = append(s.keys, TemporaryKey{
			AccessKey:     fmt.Sprintf("TMPAK%015d", i+1),
			SecretKey:     "tmpSK/" + randomHex(16),
			SecurityToken: "tmpST+" + randomHex(32),
		})
	}
	return s
}

// IDToken returns the ID token IAM accepts, for the test to write to a file.
func (s *IdentityService) IDToken() string { return s.cfg.IDToken }

// IdentityProvider returns the identity provider IAM knows.
func (s *IdentityService) IdentityProvider() string { return s.cfg.IdentityProvider }

// Keys returns every key set the service may hand out, in order.
func (s *IdentityService) Keys() []TemporaryKey { return slices.Clone(s.keys) }

// SimulatorOptions makes a DRS simulator accept every key set.
func (s *IdentityService) SimulatorOptions() []Option {
	var opts []Option
	for _, k := range s.keys {
		opts = append(opts, WithTemporaryAKSK(k.AccessKey, k.SecretKey, k.SecurityToken))
	}
	return opts
}

// Secrets returns every secret the service knows, for tests that check
// none is printed.
func (s *IdentityService) Secrets() []string {
	out := []string{s.cfg.IDToken}
	for _, k := range s.keys {
		out = append(out, k.SecretKey, k.SecurityToken)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.AppendSeq(out, maps.Keys(s.fedTokens))
}

// Issued returns the hand-outs so far, in order.
func (s *IdentityService) Issued() []IssuedKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Requests returns the requests so far, in order.
func (s *IdentityService) Requests() []IdentityRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ServeHTTP answers the four calls; anything else is 404.
func (s *IdentityService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	status, answer := s.answer(w, r, body)
	s.mu.Lock()
	s.requests = append(s.requests, IdentityRequest{Method: r.Method, Path: r.URL.Path,
		HeaderNames: slices.Collect(maps.Keys(r.Header)), BodyLen: len(body), Status: status})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

func (s *IdentityService) answer(w http.ResponseWriter, r *http.Request, body []byte) (int, []byte) {
	now := s.cfg.Now()
	iamError := func(status int, msg string) (int, []byte) {
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": status, "message": msg, "title": http.StatusText(status)}})
		return status, b
	}
	echo := func(secret string) string {
		if s.cfg.EchoSecrets {
			return ": " + secret
		}
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method + " " + r.URL.Path {
	case "PUT /meta-data/latest/api/token":
		if r.Header.Get("X-Metadata-Token-Ttl-Seconds") == "" {
			return http.StatusBadRequest, []byte(`{"error":"X-Metadata-Token-Ttl-Seconds is required"}`)
		}
		session := "session-" + randomHex(16)
		s.sessions[session] = true
		return http.StatusOK, []byte(session)
	case "GET /openstack/latest/securitykey":
		if t := r.Header.Get("X-Metadata-Token"); t != "" && !s.sessions[t] {
			return http.StatusUnauthorized, []byte(`{"error":"unknown X-Metadata-Token"}`)
		}
		if s.cfg.NoAgency {
			return http.StatusNotFound, []byte(`{"error_code":"ECS.0001","error_msg":"no agency is attached to this instance"}`)
		}
		return s.hand(now.Add(s.cfg.MetadataTTL), "metadata")
	case "POST /v3.0/OS-AUTH/id-token/tokens":
		var req struct {
			Auth struct {
				IDToken struct {
					ID string `json:"id"`
				} `json:"id_token"`
			} `json:"auth"`
		}
		idp := r.Header.Get("X-Idp-Id")
		switch {
		case json.Unmarshal(body, &req) != nil || req.Auth.IDToken.ID == "" || idp == "":
			return iamError(http.StatusBadRequest, "the request needs X-Idp-Id and auth.id_token.id")
		case idp != s.cfg.IdentityProvider:
			return iamError(http.StatusNotFound, "Could not find identity provider: "+idp)
		case subtle.ConstantTimeCompare([]byte(req.Auth.IDToken.ID), []byte(s.cfg.IDToken)) != 1:
			return iamError(http.StatusUnauthorized, "The ID token is invalid"+echo(req.Auth.IDToken.ID))
		case !s.cfg.IDTokenExpires.IsZero() && !now.Before(s.cfg.IDTokenExpires):
			return iamError(http.StatusUnauthorized, "The ID token has expired"+echo(req.Auth.IDToken.ID))
		}
		token := "MIIfed" + randomHex(32)
		s.fedTokens[token] = now.Add(24 * time.Hour)
		w.Header().Set("X-Subject-Token", token)
		return http.StatusCreated, []byte(`{"token":{"methods":["mapped"]}}`)
	case "POST /v3.0/OS-CREDENTIAL/securitytokens":
		token := r.Header.Get("X-Auth-Token")
		if exp, ok := s.fedTokens[token]; !ok || !now.Before(exp) {
			return iamError(http.StatusUnauthorized, "The request you have made requires authentication"+echo(token))
		}
		var req struct {
			Auth struct {
				Identity struct {
					Methods []string `json:"methods"`
					Token   struct {
						Duration int64 `json:"duration_seconds"`
					} `json:"token"`
				} `json:"identity"`
			} `json:"auth"`
		}
		if json.Unmarshal(body, &req) != nil || strings.Join(req.Auth.Identity.Methods, ",") != "token" {
			return iamError(http.StatusBadRequest, "the request needs auth.identity.methods [\"token\"]")
		}
		if d := req.Auth.Identity.Token.Duration; d < 900 || d > 86400 {
			return iamError(http.StatusBadRequest, "duration_seconds must be 900 to 86400")
		}
		return s.hand(now.Add(time.Duration(req.Auth.Identity.Token.Duration)*time.Second), "federation")
	}
	return http.StatusNotFound, []byte(`{"error":"not found"}`)
}

// hand gives out the next key set. Called with s.mu held.
func (s *IdentityService) hand(expires time.Time, via string) (int, []byte) {
	if s.next >= len(s.keys) {
		return http.StatusInternalServerError, []byte(`{"error":"drstest: every prepared key set was handed out; raise IdentityConfig.Keys"}`)
	}
	k := s.keys[s.next]
	s.next++
	s.issued = append(s.issued, IssuedKey{AccessKey: k.AccessKey, Expires: expires, Via: via})
	b, _ := json.Marshal(map[string]any{"credential": map[string]string{
		"access": k.AccessKey, "secret": k.SecretKey, "securitytoken": k.SecurityToken,
		"expires_at": expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
	}})
	return http.StatusOK, b
}
