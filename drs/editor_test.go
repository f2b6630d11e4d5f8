package drs

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// capturingTransport keeps a clone of every request it sends on.
type capturingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
}

func (t *capturingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.reqs = append(t.reqs, req.Clone(req.Context()))
	t.mu.Unlock()
	return t.base.RoundTrip(req)
}

func (t *capturingTransport) sent() []*http.Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*http.Request(nil), t.reqs...)
}

// generatedWithEditor builds the generated client for the simulator at url,
// authenticated by c.RequestEditor, sending through a strict contract
// transport whose requests are captured.
func generatedWithEditor(t *testing.T, url string, c *Client) (*generated.ClientWithResponses, *capturingTransport) {
	t.Helper()
	strict, _ := simTransport(t, false)
	capture := &capturingTransport{base: strict}
	gc, err := generated.NewClientWithResponses(url,
		generated.WithHTTPClient(&http.Client{Transport: capture}),
		generated.WithRequestEditorFn(c.RequestEditor()))
	require.NoError(t, err)
	return gc, capture
}

// The generated client, given RequestEditor, is accepted by the simulator
// (which authenticates like the API gateway) with either kind of credentials,
// and every request it builds is authenticated afresh.
func TestRequestEditorAuthenticatesTheGeneratedClient(t *testing.T) {
	noLeaks(t)
	const project, token, ak, sk = "p-editor", "editor-token", "EDITORAK", "editor-secret-key"
	srv := drstest.NewServer(t, drstest.WithProjectID(project), drstest.WithToken(token),
		drstest.WithAKSK(ak, sk), drstest.WithJobs(drstest.Job{ID: "job-1"}, drstest.Job{ID: "job-2"}))
	for _, tc := range []struct {
		name  string
		creds Option
		check func(t *testing.T, req *http.Request)
	}{
		{"token", WithToken(token), func(t *testing.T, req *http.Request) {
			assert.Equal(t, token, req.Header.Get("X-Auth-Token"))
			assert.Empty(t, req.Header.Get("Authorization"))
		}},
		{"aksk", WithAKSK(ak, sk), func(t *testing.T, req *http.Request) {
			assert.Equal(t, project, req.Header.Get("X-Project-Id"))
			assert.True(t, strings.HasPrefix(req.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access="+ak+", "), "signed")
			assert.NotEmpty(t, req.Header.Get("X-Sdk-Date"))
			assert.Empty(t, req.Header.Get("X-Auth-Token"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(project), tc.creds, WithUserAgent("editor-test/1"))
			require.NoError(t, err)
			gc, capture := generatedWithEditor(t, srv.URL, c)
			for _, id := range []string{"job-1", "job-2"} {
				resp, err := gc.BatchCheckJobsWithResponse(context.Background(), project, nil,
					generated.BatchPrecheckReq{Jobs: []generated.PreCheckInfo{{JobId: id, PrecheckMode: generated.ForStartJob}}})
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, resp.StatusCode(), "body: %s", resp.Body)
				require.NotNil(t, resp.JSON200)
				require.Len(t, resp.JSON200.Results, 1)
				assert.Equal(t, generated.Success, resp.JSON200.Results[0].Status)
				assert.Equal(t, id, resp.JSON200.Results[0].Id)
			}
			reqs := capture.sent()
			require.Len(t, reqs, 2)
			for _, req := range reqs {
				assert.Equal(t, "editor-test/1", req.Header.Get("User-Agent"))
				tc.check(t, req)
			}
			if tc.name == "aksk" {
				assert.NotEqual(t, reqs[0].Header.Get("Authorization"), reqs[1].Header.Get("Authorization"),
					"each request is signed over its own body")
			}
		})
	}
}

// Wrong credentials through the editor are refused by the simulator with the
// gateway's 401, which the generated client parses; the editor's error and
// the request never carry the secret in a readable form.
func TestRequestEditorWrongSecretIsRefused(t *testing.T) {
	noLeaks(t)
	const project = "p-editor"
	srv := drstest.NewServer(t, drstest.WithProjectID(project), drstest.WithAKSK("EDITORAK", "right-secret"),
		drstest.WithJobs(drstest.Job{ID: "job-1"}))
	c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(project), WithAKSK("EDITORAK", "wrong-secret"))
	require.NoError(t, err)
	gc, capture := generatedWithEditor(t, srv.URL, c)
	resp, err := gc.BatchCheckJobsWithResponse(context.Background(), project, nil,
		generated.BatchPrecheckReq{Jobs: []generated.PreCheckInfo{{JobId: "job-1", PrecheckMode: generated.ForStartJob}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode())
	require.NotNil(t, resp.JSON401)
	assert.Equal(t, "APIGW.0301", resp.JSON401.ErrorCode)
	for _, req := range capture.sent() {
		for name, values := range req.Header {
			for _, v := range values {
				assert.NotContains(t, v, "wrong-secret", "header %s", name)
			}
		}
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// A request without GetBody (not built by the generated client): the editor
// reads Body to sign it and puts an equivalent back, so the same bytes are
// sent and can be sent again.
func TestRequestEditorRestoresABodyWithoutGetBody(t *testing.T) {
	c, err := New(WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject), WithAKSK(testAK, testSK))
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "https://drs.cn-north-4.myhuaweicloud.com/v3/p/jobs/batch-precheck", nil)
	require.NoError(t, err)
	req.Body = readCloser{bytes.NewReader([]byte(`{"jobs":[]}`))}
	require.NoError(t, c.RequestEditor()(context.Background(), req))
	got, err := requestBody(req)
	require.NoError(t, err)
	assert.Equal(t, `{"jobs":[]}`, string(got))
	again, err := requestBody(req)
	require.NoError(t, err)
	assert.Equal(t, got, again, "the body can be read again")
	assert.EqualValues(t, len(got), req.ContentLength)
	assert.Contains(t, req.Header.Get("Authorization"), "Access="+testAK)
}
