package contract

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them (the
// loopback servers and transports the tests start must all be closed).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func roundTrip(t *testing.T, reqBody, respBody, contentType string, status int, auth bool) error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, respBody)
	}))
	defer srv.Close()
	tr, err := NewTransport(http.DefaultTransport)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/v3/p1/jobs/batch-precheck", strings.NewReader(reqBody))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.Header.Set("X-Auth-Token", "tok")
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func TestTransportSmoke(t *testing.T) {
	const okReq = `{"jobs":[{"job_id":"j1","precheck_mode":"forStartJob"}]}`
	cases := []struct {
		name, req, resp, ct string
		status              int
		auth                bool
		field, rule         string
	}{
		{"valid", okReq, `{"results":[{"id":"j1","status":"success","precheck_id":"j1"}],"count":1}`, "application/json", 200, true, "", ""},
		{"string count", okReq, `{"results":[],"count":"1"}`, "application/json", 200, true, "/count", "type"},
		{"unknown status", okReq, `{"results":[{"id":"j1","status":"maybe"}],"count":1}`, "application/json", 200, true, "/results/0/status", "enum"},
		{"undocumented status", okReq, `{}`, "application/json", 418, true, "status", "status"},
		{"missing content type", okReq, `{"results":[],"count":0}`, "", 200, true, "header Content-Type", "content-type"},
		{"no auth", okReq, `{}`, "application/json", 200, false, "header X-Auth-Token or Authorization", "security"},
		{"empty jobs", `{"jobs":[]}`, `{}`, "application/json", 200, true, "/jobs", "minItems"},
		{"bad mode", `{"jobs":[{"job_id":"j1","precheck_mode":"forNothing"}]}`, `{}`, "application/json", 200, true, "/jobs/0/precheck_mode", "enum"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := roundTrip(t, tc.req, tc.resp, tc.ct, tc.status, tc.auth)
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			var v *Violation
			require.True(t, errors.As(err, &v), "want a *Violation, got %v", err)
			t.Log(v.Error())
			require.Equal(t, tc.field, v.Field)
			require.Equal(t, tc.rule, v.Rule)
		})
	}
}

// TestTransportPassesALargeBodyWhole: a body over MaxBodyBytes is not
// validated, but the caller still reads all of it, as its Content-Length
// says.
func TestTransportPassesALargeBodyWhole(t *testing.T) {
	body := `{"results":[],"count":0,"pad":"` + strings.Repeat("x", 300) + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	tr, err := NewTransport(http.DefaultTransport)
	require.NoError(t, err)
	tr.MaxBodyBytes = 100
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/v3/p1/jobs/batch-precheck",
		strings.NewReader(`{"jobs":[{"job_id":"j1","precheck_mode":"forStartJob"}]}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", "tok")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, body, string(got))
	require.Equal(t, int64(len(body)), resp.ContentLength)
}
