package drstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// Server is a Simulator served by a started httptest.Server, with the
// credentials a client needs.
type Server struct {
	*Simulator

	URL       string // "http://127.0.0.1:port", without a trailing slash
	ProjectID string
	Token     string // an IAM token the simulator accepts
	AccessKey string // with SecretKey, a pair whose signatures it accepts
	SecretKey string

	srv *httptest.Server
}

// TB is the part of testing.TB that NewServer uses: drstest does not import
// package testing, which the CLI's simulator would otherwise build.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// NewServer starts a Simulator on a loopback httptest.Server, closed when the
// test ends; it fails the test if an option is invalid. The project ID,
// token and AK/SK pair are random unless the options set them (the first
// WithToken and WithAKSK values are then Token, AccessKey and SecretKey).
func NewServer(t TB, opts ...Option) *Server {
	t.Helper()
	cfg := newConfig(randomHex(16), opts)
	if len(cfg.tokens) == 0 {
		cfg.tokens = []string{"MIIsim" + randomHex(32)}
	}
	perm := slices.IndexFunc(cfg.pairs, func(p aksk.Credentials) bool { return p.SecurityToken == "" })
	if perm < 0 {
		perm = len(cfg.pairs)
		cfg.pairs = append(cfg.pairs, aksk.Credentials{AccessKey: strings.ToUpper(randomHex(10)), SecretKey: randomHex(20)})
	}
	sim, err := newSimulator(&cfg)
	if err != nil {
		t.Fatalf("drstest.NewServer: %v", err)
	}
	s := &Server{
		Simulator: sim,
		ProjectID: sim.ProjectID(),
		Token:     cfg.tokens[0],
		AccessKey: cfg.pairs[perm].AccessKey,
		SecretKey: cfg.pairs[perm].SecretKey,
		srv:       httptest.NewServer(sim),
	}
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down, waiting for the requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Client returns the httptest.Server's client.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Credentials returns the server's AK/SK pair, e.g. for an aksk.Signer.
func (s *Server) Credentials() aksk.Credentials {
	return aksk.Credentials{AccessKey: s.AccessKey, SecretKey: s.SecretKey}
}

// String describes the server without its token and secret key.
func (s Server) String() string {
	return "drstest.Server{URL:" + s.URL + " ProjectID:" + s.ProjectID +
		" AccessKey:" + s.AccessKey + " SecretKey:" + redact.Mask + " Token:" + redact.Mask + "}"
}

// Format makes every fmt verb print the redacted String.
func (s Server) Format(f fmt.State, verb rune) { fmt.Fprintf(f, fmt.FormatString(f, verb), s.String()) }

// LogValue implements slog.LogValuer without the secrets.
func (s Server) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", s.URL), slog.String("project_id", s.ProjectID), slog.String("access_key", s.AccessKey))
}

// randomHex returns 2n random hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
