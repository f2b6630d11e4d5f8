package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// hostileServer answers every call with body, as DRS would answer
// BatchCheckResults, whatever was asked.
func hostileServer(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-\u202eevil\u009b31m")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Terminal control characters from the server (ESC, BEL, CR, C1, bidi
// overrides) reach neither the table nor stderr: a message cannot rewrite
// the user's terminal. JSON output keeps the text as data, escaped by JSON.
func TestServerTextCannotControlTheTerminal(t *testing.T) {
	t.Parallel()
	const evil = "\x1b[2J\x1b[H\rMAY START\x07\u009b31m\u202e"
	body := `{"results":[` +
		`{"precheck_id":"job-a","process":"100%","result":false,"total_passed_rate":"50%","precheck_result":[` +
		`{"item":"chk` + jsonEscape(evil) + `","group":"g` + jsonEscape(evil) + `","result":"FAILED","failed_reason":"` + jsonEscape(evil) + `"}]},` +
		`{"precheck_id":"job-b","error_code":"DRS.1` + jsonEscape(evil) + `","error_msg":"` + jsonEscape(evil) + `"}]}`
	srv := hostileServer(t, body)
	env := []string{"DRS_ENDPOINT=" + srv.URL, "HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef", "HUAWEICLOUD_IAM_TOKEN=a-token-value"}
	for _, output := range []string{"table", "markdown", "junit"} {
		res := runCLI(t, env, "", "results", "--output", output, "--job", "job-a", "--job", "job-b")
		expectExit(t, res, exitJobs)
		assert.Contains(t, res.stdout, "job-a", output)
		for _, c := range []string{"\x1b", "\x07", "\r", "\u009b", "\u202e"} {
			assert.NotContains(t, res.output(), c, "%s output holds control character %q:\n%s", output, c, res)
		}
	}
}

// jsonEscape writes s as the inside of a JSON string, every control
// character \u-escaped as a server may send it.
func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '"' || r == '\\' {
			b.WriteString(`\u00` + "0123456789abcdef"[r>>4:r>>4+1] + "0123456789abcdef"[r&15:r&15+1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
