package contract

import (
	"io"
	"net/http"
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
	srv := echoServer(t, 200, jsonCT(), body)
	tr, err := NewTransport(http.DefaultTransport)
	require.NoError(t, err)
	tr.MaxBodyBytes = 100
	defer tr.CloseIdleConnections()
	resp, err := post(t, tr, srv.URL)
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, body, string(got))
	require.Equal(t, int64(len(body)), resp.ContentLength)
}
