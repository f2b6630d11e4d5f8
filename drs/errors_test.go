package drs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

func TestAPIErrorClasses(t *testing.T) {
	type want struct {
		throttled, auth, permission, notFound, retryable bool
		hint                                             string
	}
	cases := []struct {
		status    int
		code, msg string
		want      want
	}{
		{400, "DRS.M00201", "Parameter jobs is empty.", want{hint: "check the request"}},
		{400, "DRS.10000010", "Job does not exist, please check job ID.", want{notFound: true, hint: "check the job ID"}},
		{400, "DRS.M05003", "Task information not found.", want{notFound: true, hint: "check the job ID"}},
		{400, "DRS.M01503", "Operation too frequent.", want{throttled: true, retryable: true, hint: "retry later"}},
		{401, "APIGW.0301", "Incorrect IAM authentication information", want{auth: true, hint: "check the credentials"}},
		{401, "APIGW.0307", "The token must be updated.", want{auth: true, hint: "check the credentials"}},
		{403, "DRS.M00261", "Invalid project ID.", want{permission: true, hint: "IAM permissions"}},
		{403, "APIGW.0302", "Not authorized.", want{permission: true, hint: "IAM permissions"}},
		{413, "APIGW.0201", "Request entity too large", want{hint: "12 MB"}},
		{422, "DRS.M01501", "Service abnormal.", want{hint: "contact support"}},
		{429, "APIGW.0308", "The throttling threshold has been reached", want{throttled: true, retryable: true, hint: "retry later"}},
		{500, "DRS.M00004", "Internal error.", want{hint: "contact support"}},
		{502, "APIGW.0502", "Bad gateway", want{retryable: true, hint: "retry later"}},
		{503, "APIGW.0613", "IAM is unavailable", want{retryable: true, hint: "retry later"}},
		{504, "APIGW.0504", "Gateway timeout", want{retryable: true, hint: "retry later"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d_%s", tc.status, tc.code), func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
				w.Header().Set("X-Request-Id", "rid-"+tc.code)
				writeError(w, tc.status, tc.code, tc.msg)
			})
			c, _ := testClient(t, srv, WithoutRetries())
			_, err := c.BatchCheckJobs(context.Background(), oneJob)
			require.Error(t, err)

			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, OpBatchCheckJobs, apiErr.Operation)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.msg, apiErr.Message)
			assert.Equal(t, "rid-"+tc.code, apiErr.RequestID)
			assert.Empty(t, apiErr.Body)

			wrapped := fmt.Errorf("outer: %w", err)
			assert.Equal(t, tc.want.throttled, IsThrottled(wrapped), "IsThrottled")
			assert.Equal(t, tc.want.throttled, errors.Is(wrapped, ErrThrottled), "Is ErrThrottled")
			assert.Equal(t, tc.want.auth, IsAuthentication(wrapped), "IsAuthentication")
			assert.Equal(t, tc.want.auth, errors.Is(wrapped, ErrAuthentication), "Is ErrAuthentication")
			assert.Equal(t, tc.want.permission, IsPermission(wrapped), "IsPermission")
			assert.Equal(t, tc.want.notFound, IsJobNotFound(wrapped), "IsJobNotFound")
			assert.Equal(t, tc.want.retryable, IsRetryable(wrapped), "IsRetryable")

			msg := err.Error()
			for _, part := range []string{"BatchCheckJobs", fmt.Sprint(tc.status), tc.code, tc.msg, "rid-" + tc.code, tc.want.hint} {
				assert.Contains(t, msg, part)
			}
			assert.Equal(t, 1, srv.count(), "WithoutRetries: one attempt")
		})
	}
}

func TestGatewayHTMLErrorKeepsASnippet(t *testing.T) {
	page := "<html><head><style>body{color:red}</style><title>502</title></head><body>\n<h1>502 Bad Gateway</h1>\n<p>" +
		strings.Repeat("upstream x ", 200) + "</p></body></html>"
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Request-Id", "rid-html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, page)
	})
	c, _ := testClient(t, srv, WithoutRetries())
	_, err := c.BatchCheckJobs(context.Background(), oneJob)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadGateway, apiErr.StatusCode)
	assert.Empty(t, apiErr.Code)
	assert.Equal(t, "rid-html", apiErr.RequestID)
	assert.True(t, strings.HasPrefix(apiErr.Body, "502 502 Bad Gateway upstream x"), apiErr.Body)
	assert.LessOrEqual(t, len(apiErr.Body), maxSnippet)
	assert.NotContains(t, apiErr.Body, "<")
	assert.NotContains(t, apiErr.Body, "color:red")
	assert.True(t, IsRetryable(err))
	assert.Contains(t, err.Error(), "502 Bad Gateway")
}

func TestErrorBodyFallbacks(t *testing.T) {
	cases := []struct {
		name, body, header          string
		code, msg, requestID, short string
	}{
		{"code/message", `{"code":"DRS.X1","message":"m1"}`, "", "DRS.X1", "m1", "", ""},
		{"request_id from body", `{"error_code":"APIGW.0301","error_msg":"bad","request_id":"body-rid"}`, "", "APIGW.0301", "bad", "body-rid", ""},
		{"header wins", `{"error_code":"APIGW.0301","error_msg":"bad","request_id":"body-rid"}`, "hdr-rid", "APIGW.0301", "bad", "hdr-rid", ""},
		{"IAM style", `{"error":{"code":401,"message":"token expired"}}`, "", "401", "token expired", "", ""},
		{"not JSON", `oops`, "", "", "", "", "oops"},
		{"JSON without fields", `{"unexpected":true}`, "", "", "", "", `{"unexpected":true}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
				w.Header().Set("Content-Type", "application/json")
				if tc.header != "" {
					w.Header().Set("X-Request-Id", tc.header)
				}
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, tc.body)
			})
			c, _, v := testClientV(t, srv, true)
			_, err := c.BatchCheckJobs(context.Background(), oneJob)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.msg, apiErr.Message)
			assert.Equal(t, tc.requestID, apiErr.RequestID)
			assert.Equal(t, tc.short, apiErr.Body)
			assert.True(t, IsAuthentication(err))
			assert.Equal(t, 1, srv.count(), "authentication failures are never retried")
			_ = v.all() // these bodies break the ErrorBody schema on purpose
		})
	}
}

func TestNon2xxJSONBodyIsAnError(t *testing.T) {
	cases := []struct {
		name, contentType, body, reason string
	}{
		{"text/plain", "text/plain", "OK", "Content-Type"},
		{"no content type", "", `{"results":[]}`, "Content-Type"},
		{"invalid JSON", "application/json", `{"results":[`, "invalid JSON"},
		{"empty", "application/json", "", "empty"},
		{"null", "application/json", "null", "not a JSON object"},
		{"array", "application/json", "[]", "not a JSON object"},
		{"wrong type", "application/json", `{"results":[],"count":"1"}`, "count"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				} else {
					w.Header()["Content-Type"] = nil
				}
				w.Header().Set("X-Request-Id", "rid-2xx")
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, tc.body)
			})
			c, _, v := testClientV(t, srv, true)
			resp, err := c.BatchCheckJobs(context.Background(), oneJob)
			require.Error(t, err)
			assert.Nil(t, resp, "never a zero value")
			var respErr *ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.ErrorIs(t, err, ErrInvalidResponse)
			assert.NotErrorIs(t, err, ErrResponseTooLarge)
			assert.Equal(t, http.StatusOK, respErr.StatusCode)
			assert.Equal(t, "rid-2xx", respErr.RequestID)
			assert.Contains(t, err.Error(), tc.reason)
			assert.False(t, IsRetryable(err))
			assert.Equal(t, 1, srv.count())
			assert.NotEmpty(t, v.all(), "the server broke the contract on purpose")

			// Precheck reports it for every job of the call.
			report, err := c.Precheck(context.Background(), ModeStartJob, "a", "b")
			require.NoError(t, err)
			for _, o := range report.Outcomes {
				assert.Equal(t, Errored, o.State)
				assert.ErrorIs(t, o.Err, ErrInvalidResponse)
				assert.Equal(t, "rid-2xx", o.RequestID)
			}
		})
	}
}

func TestOversizedBodyIsAnError(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, body []byte, _ int) {
				resp := generated.BatchPrecheckResp{}
				for i := range 50 {
					resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: fmt.Sprintf("job-%d", i), Status: generated.Success})
				}
				if !chunked {
					writeJSON(w, http.StatusOK, resp)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusOK)
				w.(http.Flusher).Flush() // no Content-Length: the cap must trip while reading
				_ = json.NewEncoder(w).Encode(resp)
			})
			c, _ := testClient(t, srv, WithMaxResponseBytes(256))
			resp, err := c.BatchCheckJobs(context.Background(), oneJob)
			require.Error(t, err)
			assert.Nil(t, resp)
			var respErr *ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.ErrorIs(t, err, ErrResponseTooLarge)
			assert.Contains(t, err.Error(), "WithMaxResponseBytes")
			assert.False(t, IsRetryable(err))
			assert.Equal(t, 1, srv.count())
		})
	}
}

func TestBodyExactlyAtTheCapIsAccepted(t *testing.T) {
	const body = `{"results":[{"id":"job-1","status":"success","precheck_id":"p"}],"count":1}`
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	})
	c, _ := testClient(t, srv, WithMaxResponseBytes(int64(len(body))))
	resp, err := c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Equal(t, "p", resp.Results[0].PrecheckId)
}

func TestUserHTTPClientIsNotModified(t *testing.T) {
	srv := newServer(t, startAll(t))
	hc, _ := contractClient(t, false)
	before := hc.Transport
	c, err := New(WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(testProject), WithToken(testToken), WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = c.BatchCheckJobs(context.Background(), oneJob)
	require.NoError(t, err)
	assert.Same(t, before, hc.Transport)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"999999999", 24 * time.Hour, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestSnippetSanitizes(t *testing.T) {
	s := newScrubber([]string{"SECRETVALUE"})
	got := snippet([]byte("line1\r\n\tline2\x00\x07 SECRETVALUE \xff end"), "text/plain", s)
	assert.Equal(t, "line1 line2 [REDACTED] \uFFFD end", got)

	long := strings.Repeat("é", 600)
	got = snippet([]byte(long), "text/plain", nil)
	assert.LessOrEqual(t, len(got), maxSnippet)
	assert.True(t, strings.HasSuffix(got, "…"))
	assert.True(t, strings.HasPrefix(got, "éé"))

	got = snippet([]byte(`<script>var token="x"</script><b>Bad</b> gateway`), "text/html", nil)
	assert.Equal(t, "Bad gateway", got)
}

func TestRedactSignatures(t *testing.T) {
	in := "Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=0123abcdef; Signature=; Signature=zz"
	assert.Equal(t, "Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=[REDACTED]; Signature=; Signature=zz", redactSignatures(in))
}

func TestJobErrorPredicates(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &JobError{JobID: "j", Code: "DRS.10000010", Message: "Job does not exist"})
	assert.True(t, IsJobNotFound(err))
	assert.False(t, IsThrottled(err))
	assert.False(t, IsRetryable(err))
	assert.Contains(t, err.Error(), `job "j": pre-check refused: DRS.10000010`)

	err = &JobError{JobID: "j", Code: "DRS.M01503"}
	assert.True(t, IsThrottled(err))
	assert.True(t, IsRetryable(err))

	assert.Contains(t, (&JobError{JobID: "j"}).Error(), "no error code")
}
