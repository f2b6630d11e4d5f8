package drs

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// TestRequestEditorAuthenticatesTheGeneratedClient proves that the editor
// RequestEditor hands out makes the generated client's calls pass the
// simulator's authentication: token, AK/SK, and AK/SK with a security token.
func TestRequestEditorAuthenticatesTheGeneratedClient(t *testing.T) {
	const tempAK, tempSK = "TEMPAKTEST000000001", "temp-secret-key-0001"
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "real-job"}),
		drstest.WithTemporaryAKSK(tempAK, tempSK, testST))
	for _, tc := range []struct {
		name string
		auth Option
		want string
	}{
		{"token", WithToken(srv.Token), drstest.AuthToken},
		{"AK/SK", withAKSK(srv.AccessKey, srv.SecretKey, ""), drstest.AuthAKSK},
		{"AK/SK with a security token", withAKSK(tempAK, tempSK, testST), drstest.AuthAKSK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, srv.URL, srv.Client(), nil, WithProjectID(srv.ProjectID), tc.auth, WithUserAgent("editor-test/1"))
			gen, err := generated.NewClientWithResponses(srv.URL, generated.WithHTTPClient(srv.Client()), generated.WithRequestEditorFn(c.RequestEditor()))
			require.NoError(t, err)
			before := srv.RequestCount()
			started, err := gen.BatchCheckJobsWithResponse(bg, srv.ProjectID, nil, generated.BatchPrecheckReq{
				Jobs: []generated.PreCheckInfo{{JobId: "real-job", PrecheckMode: generated.PrecheckModeForStartJob}},
			})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, started.StatusCode(), string(started.Body))
			res, err := gen.BatchCheckResultsWithResponse(bg, srv.ProjectID, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"real-job"}})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode(), string(res.Body))
			reqs := srv.Requests()[before:]
			require.Len(t, reqs, 2)
			for _, r := range reqs {
				assert.Equal(t, tc.want, r.Auth)
				assert.Equal(t, "editor-test/1", r.Header.Get("User-Agent"))
			}
		})
	}
}

// TestRequestEditorSignsABodyWithoutGetBody proves that the editor signs a
// hand-made request whose body can be read only once, and leaves it
// sendable.
func TestRequestEditorSignsABodyWithoutGetBody(t *testing.T) {
	srv := drstest.NewServer(t, drstest.WithJobs(drstest.Job{ID: "real-job"}))
	c := newClient(t, srv.URL, srv.Client(), nil, WithProjectID(srv.ProjectID), withAKSK(srv.AccessKey, srv.SecretKey, ""))
	const body = `{"jobs":["real-job"]}`
	req, err := http.NewRequestWithContext(bg, http.MethodPost, srv.URL+"/v3/"+srv.ProjectID+"/jobs/batch-precheck-result", nil)
	require.NoError(t, err)
	req.Body, req.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, c.RequestEditor()(bg, req))
	require.NotNil(t, req.GetBody, "the body can be sent again")
	again, err := req.GetBody()
	require.NoError(t, err)
	b, err := io.ReadAll(again)
	require.NoError(t, err)
	assert.Equal(t, body, string(b))
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestRequestEditorRefusesOtherHosts proves that the editor authenticates no
// request to another host or scheme: it sets no header and the generated
// client sends nothing.
func TestRequestEditorRefusesOtherHosts(t *testing.T) {
	other, otherSrv := serveHTTP(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) { writeRaw(w, 200, `{}`) })
	for _, auth := range []Option{WithToken(testToken), withAKSK(testAK, testSK, testST)} {
		c := newClient(t, "http://127.0.0.1:9", nil, nil, auth)
		for _, target := range []string{otherSrv.URL, "https://127.0.0.1:9", "http://localhost:9"} {
			req, err := http.NewRequestWithContext(bg, http.MethodPost, target+"/v3/x/jobs/batch-precheck", strings.NewReader(`{}`))
			require.NoError(t, err)
			err = c.RequestEditor()(bg, req)
			require.Error(t, err, target)
			assert.Contains(t, err.Error(), "refusing to send credentials to")
			assert.Contains(t, err.Error(), "which is not the configured endpoint")
			assert.Empty(t, req.Header, "no header set for %s", target)
		}
		gen, err := generated.NewClient(otherSrv.URL, generated.WithHTTPClient(otherSrv.Client()), generated.WithRequestEditorFn(c.RequestEditor()))
		require.NoError(t, err)
		_, err = gen.BatchCheckResults(bg, testProject, nil, generated.BatchQueryPrecheckResultReq{Jobs: []string{"j"}})
		require.Error(t, err)
	}
	assert.Zero(t, other.count(), "nothing reached the other host")
}

// TestSignaturesUseTheClientsClock proves that AK/SK signatures are dated by
// the client's clock: a clock far off the simulator's wall clock is refused.
func TestSignaturesUseTheClientsClock(t *testing.T) {
	srv := drstest.NewServer(t)
	skewed := withClock(func() time.Time { return time.Now().Add(-time.Hour) }, newFakeClock().sleep)
	c := newClient(t, srv.URL, srv.Client(), nil, WithProjectID(srv.ProjectID), withAKSK(srv.AccessKey, srv.SecretKey, ""), skewed)
	_, err := c.Results(bg, []string{"j"})
	assert.ErrorIs(t, err, ErrAuthentication)
	assert.Contains(t, err.Error(), "a clock more than 15 minutes off")
}

// TestEditorReportsAnUnreadableBody proves that a body that cannot be read
// for signing is an error, not an unsigned request.
func TestEditorReportsAnUnreadableBody(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:9", nil, nil, withAKSK(testAK, testSK, ""))
	req, err := http.NewRequestWithContext(bg, http.MethodPost, "http://127.0.0.1:9/v3/p/jobs/batch-precheck", strings.NewReader("{}"))
	require.NoError(t, err)
	req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("gone") }
	err = c.RequestEditor()(bg, req)
	assert.EqualError(t, err, "drs: read the request body to sign it: gone")
	assert.Empty(t, req.Header.Get("Authorization"))

	req.GetBody, req.Body = nil, io.NopCloser(iotest.ErrReader(errors.New("unreadable")))
	err = c.RequestEditor()(bg, req)
	assert.ErrorContains(t, err, "drs: read the request body to sign it")

	req.Body = http.NoBody
	require.NoError(t, c.RequestEditor()(bg, req), "no body: signed over nothing")
	assert.NotEmpty(t, req.Header.Get("Authorization"))
}
