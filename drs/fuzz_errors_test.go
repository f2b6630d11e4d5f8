package drs

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzErrorBody: any error body, content type and Retry-After give an
// *APIError that keeps the status, never panics, never carries a known secret,
// and keeps at most a bounded, printable excerpt of the body.
func FuzzErrorBody(f *testing.F) {
	const secret = "SECRET-token-7f3a"
	seeds := []struct {
		status             int
		contentType, retry string
		body               string
	}{
		{400, "application/json", "", `{"error_code":"DRS.M00201","error_msg":"Parameter jobs is empty."}`},
		{401, "application/json", "", `{"error_code":"APIGW.0301","error_msg":"bad token ` + secret + `","request_id":"r1"}`},
		{429, "application/json", "3", `{"code":"APIGW.0308","message":"throttled"}`},
		{503, "text/html", "Wed, 21 Oct 2015 07:28:00 GMT", "<html><script>x</script><body>Service Unavailable</body></html>"},
		{500, "text/plain", "-1", "Signature=abcdef0123 oops"},
		{502, "", "", `{"error":{"code":12,"message":["x"]}}`},
		{418, "application/json", "", "{\"error_code\":\"\xff\xfe\"}"},
	}
	for _, s := range seeds {
		f.Add(s.status, s.contentType, s.retry, []byte(s.body))
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte) {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		h.Set("Retry-After", retryAfter)
		e := newAPIError(OpBatchCheckJobs, status, h, body, now, newScrubber([]string{secret}))
		if e == nil {
			t.Fatal("nil *APIError")
		}
		if e.StatusCode != status {
			t.Fatalf("status %d became %d", status, e.StatusCode)
		}
		msg := e.Error()
		if msg == "" {
			t.Fatal("empty error text")
		}
		for _, text := range []string{msg, e.Code, e.Message, e.RequestID, e.Body} {
			if strings.Contains(text, secret) {
				t.Fatalf("secret leaked into %q", text)
			}
		}
		if len(e.Body) > maxSnippet || !utf8.ValidString(e.Body) {
			t.Fatalf("body excerpt of %d bytes (valid UTF-8: %v)", len(e.Body), utf8.ValidString(e.Body))
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative Retry-After %v", e.RetryAfter)
		}
	})
}
