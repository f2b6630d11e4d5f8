package drs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

type ctxKey struct{}

// The request built from a template is the one the generated client builds
// for the same call: method, URL, Host, headers (before credentials), body.
func TestTemplateRequestMatchesGeneratedBuilder(t *testing.T) {
	for _, endpoint := range []string{"https://drs.cn-north-4.myhuaweicloud.com", "http://127.0.0.1:8080/proxy/", "http://localhost:80"} {
		for _, lang := range []string{"", "zh-cn"} {
			opts := []Option{WithoutEnvironment(), WithEndpoint(endpoint), WithProjectID(testProject), WithToken(testToken), WithUserAgent("ua/1")}
			if lang != "" {
				opts = append(opts, WithLanguage(lang))
			}
			c, err := New(opts...)
			require.NoError(t, err)
			gc, err := generated.NewClient(c.Endpoint())
			require.NoError(t, err)
			server := gc.Server
			body := []byte(`{"jobs":[{"job_id":"j","precheck_mode":"forStartJob"}]}`)

			var jobsParams *generated.BatchCheckJobsParams
			var resultsParams *generated.BatchCheckResultsParams
			if lang != "" {
				jobsParams = &generated.BatchCheckJobsParams{XLanguage: generated.BatchCheckJobsParamsXLanguage(lang)}
				resultsParams = &generated.BatchCheckResultsParams{XLanguage: generated.BatchCheckResultsParamsXLanguage(lang)}
			}
			wantJobs, err := generated.NewBatchCheckJobsRequestWithBody(server, testProject, jobsParams, "application/json", bytes.NewReader(body))
			require.NoError(t, err)
			wantResults, err := generated.NewBatchCheckResultsRequestWithBody(server, testProject, resultsParams, "application/json", bytes.NewReader(body))
			require.NoError(t, err)

			for _, tc := range []struct {
				op   *opTemplate
				want *http.Request
			}{{c.opJobs, wantJobs}, {c.opResults, wantResults}} {
				ctx := context.WithValue(context.Background(), ctxKey{}, "x")
				got, err := c.newRequest(ctx, tc.op, newCallBody(body))
				require.NoError(t, err)
				want := tc.want
				want.Header.Set("User-Agent", "ua/1")
				want.Header.Set("X-Auth-Token", testToken)
				assert.Equal(t, want.Method, got.Method)
				assert.Equal(t, want.URL.String(), got.URL.String())
				assert.Equal(t, *want.URL, *got.URL)
				assert.Equal(t, want.Host, got.Host)
				assert.Equal(t, want.Proto, got.Proto)
				assert.Equal(t, want.Header, got.Header)
				assert.Equal(t, want.ContentLength, got.ContentLength)
				assert.Same(t, ctx, got.Context())
				b, err := io.ReadAll(got.Body)
				require.NoError(t, err)
				assert.Equal(t, body, b)
				rc, err := got.GetBody()
				require.NoError(t, err)
				b, err = io.ReadAll(rc)
				require.NoError(t, err)
				assert.Equal(t, body, b)

				// Requests share nothing with the template or each other.
				got.URL.Path = "/changed"
				got.Header["User-Agent"][0] = "changed"
				again, err := c.newRequest(ctx, tc.op, newCallBody(body))
				require.NoError(t, err)
				assert.Equal(t, want.URL.String(), again.URL.String())
				assert.Equal(t, "ua/1", again.Header.Get("User-Agent"))
				for _, f := range tc.op.header {
					for _, v := range f.values {
						assert.NotContains(t, v, testToken, "the template holds no secret")
					}
				}
			}
		}
	}
}

// AK/SK requests carry X-Project-Id from the template and are signed per
// request, over the body.
func TestTemplateRequestAKSK(t *testing.T) {
	c, err := New(WithoutEnvironment(), WithEndpoint("http://127.0.0.1:1"), WithProjectID(testProject), WithAKSK(testAK, testSK))
	require.NoError(t, err)
	req, err := c.newRequest(context.Background(), c.opJobs, newCallBody([]byte(`{}`)))
	require.NoError(t, err)
	assert.Equal(t, testProject, req.Header.Get("X-Project-Id"))
	assert.True(t, strings.HasPrefix(req.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access="+testAK))
	assert.NotEmpty(t, req.Header.Get("X-Sdk-Date"))
	assert.Empty(t, req.Header.Get("X-Auth-Token"))
}

func TestReadBodyCap(t *testing.T) {
	const max = 10
	for _, tc := range []struct {
		body     string
		cl       int64
		tooLarge bool
	}{
		{"", -1, false}, {"", 0, false},
		{"0123456789", -1, false}, {"0123456789", 10, false},
		{"0123456789a", -1, true}, {"0123456789a", 11, true},
		{"0123456789a", 5, true}, // a lying Content-Length
		{"01234", 100, true},     // announced too large
		{"01234", 5, false}, {"01234", -1, false},
	} {
		for _, r := range []io.Reader{strings.NewReader(tc.body), iotest.OneByteReader(strings.NewReader(tc.body)), iotest.DataErrReader(strings.NewReader(tc.body))} {
			b, err := readBody(r, tc.cl, max)
			if tc.tooLarge {
				assert.ErrorIs(t, err, ErrResponseTooLarge, "%q cl=%d", tc.body, tc.cl)
				assert.LessOrEqual(t, len(b), max)
				continue
			}
			require.NoError(t, err, "%q cl=%d", tc.body, tc.cl)
			assert.Equal(t, tc.body, string(b))
		}
	}
	big := strings.Repeat("x", 5000)
	b, err := readBody(strings.NewReader(big), -1, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, big, string(b))
	boom := errors.New("boom")
	_, err = readBody(iotest.ErrReader(boom), -1, 10)
	assert.ErrorIs(t, err, boom)
}

// The fast path of the content-type check agrees with mime.ParseMediaType.
func TestIsJSONMediaTypeAgreesWithMime(t *testing.T) {
	for _, ct := range []string{
		"application/json", "Application/JSON", "application/json; charset=utf-8", "application/json; charset=UTF-8",
		"APPLICATION/JSON; CHARSET=UTF-8", "application/json;charset=utf-8", " application/json ", "application/problem+json",
		"application/json; charset", "application/json/x", "text/json", "text/plain", "", "application/jsonx", "application/json;",
	} {
		mt, _, _ := mime.ParseMediaType(ct)
		want := mt == "application/json" || strings.HasSuffix(mt, "+json")
		assert.Equal(t, want, isJSONMediaType(ct), "%q", ct)
	}
}

func TestForEachBatchRunsEveryBatchOnce(t *testing.T) {
	for _, conc := range []int{1, 2, 4} {
		for _, n := range []int{1, 9, 10, 11, 35} {
			c := &Client{batchSize: 10, concurrency: conc}
			seen := make([]int, n)
			c.forEachBatch(n, func(_, lo, hi int) {
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			for i, s := range seen {
				assert.Equal(t, 1, s, "conc=%d n=%d i=%d", conc, n, i)
			}
		}
	}
}

// The fast path of the input check accepts exactly what the full check does.
func TestPrecheckInputFastPathAgrees(t *testing.T) {
	for _, ids := range [][]string{
		{"a"}, {"a", "b"}, {"a", "a"}, {""}, {" a"}, {"a\x00"}, {"a\xff"}, {},
		{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"},
		{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"},
		{"1", "2", "3", "4", "5", "6", "7", "8", "9", "1"},
	} {
		for _, mode := range []Mode{ModeStartJob, ModeRetryJob, "bogus"} {
			full := inputProblems(mode, ids)
			if precheckInputOK(mode, ids) {
				assert.NoError(t, full, "the fast path accepted what the full check refuses: %q %q", mode, ids)
			} else if full == nil {
				assert.Greater(t, len(ids), MaxBatchSize, "the fast path refused valid input it should take: %q %q", mode, ids)
			}
		}
	}
}
