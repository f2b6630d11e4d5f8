package contract

import (
	"context"
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
