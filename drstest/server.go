package drstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/aksk"
)

// Server is a Simulator served by a started httptest.Server, with the
// credentials a client needs. Its Simulator's methods (AddJob, InjectFault,
// Requests, ...) are promoted.
type Server struct {
	*Simulator

	// URL is the base URL, "http://127.0.0.1:port", without a trailing
	// slash: the endpoint to give a client.
	URL string
	// ProjectID is the project ID the simulator serves.
	ProjectID string
	// Token is an IAM token the simulator accepts (X-Auth-Token).
	Token string
	// AccessKey and SecretKey are an AK/SK pair whose signatures the
	// simulator accepts.
	AccessKey string
	SecretKey string

	srv *httptest.Server
}

// NewServer starts a Simulator on a loopback httptest.Server and closes it
// when the test ends (t.Cleanup). It fails the test if an option is invalid.
//
// Unless the options say otherwise, the project ID, token and AK/SK pair are
// random; WithToken and WithAKSK replace the random ones (Server.Token,
// Server.AccessKey and Server.SecretKey are then the first given).
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{seed: 1, logLimit: 10000}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.projectID == "" {
		cfg.projectID = randomHex(16)
	}
	if len(cfg.tokens) == 0 {
		cfg.tokens = []string{"MIIsim" + randomHex(32)}
	}
	if len(cfg.pairs) == 0 {
		cfg.pairs = []akskPair{{accessKey: strings.ToUpper(randomHex(10)), secretKey: randomHex(20)}}
	}
	sim, err := newSimulator(&cfg)
	if err != nil {
		t.Fatalf("drstest.NewServer: %v", err)
	}
	s := &Server{
		Simulator: sim,
		ProjectID: sim.ProjectID(),
		Token:     cfg.tokens[0],
		AccessKey: cfg.pairs[0].accessKey,
		SecretKey: cfg.pairs[0].secretKey,
		srv:       httptest.NewServer(sim),
	}
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down, waiting for the requests in flight; tests
// need not call it (NewServer registers it with t.Cleanup).
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the server (the httptest.Server's),
// whose connections Close closes.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Credentials returns the server's AK/SK pair, e.g. for an aksk.Signer.
func (s *Server) Credentials() aksk.Credentials {
	return aksk.Credentials{AccessKey: s.AccessKey, SecretKey: s.SecretKey}
}

// String describes the server without its token and secret key.
func (s Server) String() string {
	return "drstest.Server{URL:" + s.URL + " ProjectID:" + s.ProjectID +
		" AccessKey:" + s.AccessKey + " SecretKey:" + redacted + " Token:" + redacted + "}"
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, ...) print the
// redacted String.
func (s Server) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// LogValue implements slog.LogValuer without the secrets.
func (s Server) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", s.URL),
		slog.String("project_id", s.ProjectID),
		slog.String("access_key", s.AccessKey),
	)
}

// randomHex returns 2n random hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
