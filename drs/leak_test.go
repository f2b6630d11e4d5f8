package drs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/generated"
)

// secretTexts renders v with every fmt verb that could reveal a field.
func secretTexts(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "value", v)
	out["slog"] = buf.String()
	return out
}

// assertNoSecret fails if text contains any of the secrets.
func assertNoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range append([]string{testToken, testSK, testST}, secrets...) {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s leaks a secret (%.6s…): %s", where, s, text)
		}
	}
}

// signatureOf returns the hex signature of an Authorization header.
func signatureOf(auth string) string {
	_, sig, _ := strings.Cut(auth, "Signature=")
	return sig
}

// echoServer answers every request with an error that echoes the request's
// credentials back, as a careless gateway might: status and body vary with
// the request number.
func echoServer(t *testing.T, statuses []int) (*testServer, *sync.Map) {
	sigs := &sync.Map{}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
		creds := "token=" + r.Header.Get("X-Auth-Token") + " st=" + r.Header.Get("X-Security-Token") +
			" auth=" + r.Header.Get("Authorization")
		if sig := signatureOf(r.Header.Get("Authorization")); sig != "" {
			sigs.Store(sig, true)
		}
		status := statuses[(n-1)%len(statuses)]
		w.Header().Set("X-Request-Id", "rid "+creds)
		switch status {
		case http.StatusBadGateway:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "<html><body><h1>Bad gateway</h1><pre>"+creds+"</pre></body></html>")
		case http.StatusOK:
			writeJSON(w, status, generated.BatchPrecheckResp{Results: []generated.PostPreCheckResp{
				{Id: "job-1", Status: generated.Failed, ErrorCode: "DRS.M00100", ErrorMsg: "invalid " + creds},
			}})
		default:
			writeError(w, status, "APIGW.0301", "Incorrect IAM authentication information: "+creds)
		}
	})
	return srv, sigs
}

func TestNoSecretInErrorsLogsOrOutput(t *testing.T) {
	statuses := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusOK}
	for _, mode := range []string{"token", "aksk"} {
		for _, status := range statuses {
			t.Run(fmt.Sprintf("%s/%d", mode, status), func(t *testing.T) {
				srv, sigs := echoServer(t, []int{status})
				var logs bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				hc, v := contractClient(t, true)
				clk := newFakeClock()
				opts := []Option{WithoutEnvironment(), WithEndpoint(srv.URL), WithProjectID(testProject), WithHTTPClient(hc),
					withClock(clk.now, clk.sleep), WithLogger(logger), WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})}
				if mode == "token" {
					opts = append(opts, WithToken(testToken))
				} else {
					opts = append(opts, WithAKSK(testAK, testSK), WithSecurityToken(testST))
				}
				c, err := New(opts...)
				require.NoError(t, err)

				report, err := c.Precheck(context.Background(), ModeStartJob, "job-1")
				require.NoError(t, err)
				require.False(t, report.AllStarted())
				_, callErr := c.BatchCheckJobs(context.Background(), oneJob)
				_ = v.all() // headers echoed into X-Request-Id are fine for the contract

				var texts []string
				texts = append(texts, report.Err().Error(), fmt.Sprintf("%+v", report), fmt.Sprintf("%#v", report.Outcomes), logs.String())
				if callErr != nil {
					texts = append(texts, callErr.Error(), fmt.Sprintf("%+v", callErr), fmt.Sprintf("%#v", callErr))
				}
				for _, text := range secretTexts(c) {
					texts = append(texts, text)
				}
				var signatures []string
				sigs.Range(func(k, _ any) bool { signatures = append(signatures, k.(string)); return true })
				if mode == "aksk" {
					require.NotEmpty(t, signatures)
				}
				for i, text := range texts {
					assertNoSecret(t, fmt.Sprintf("output %d", i), text, signatures...)
				}
				assert.Contains(t, logs.String(), "drs: attempt")
				assert.Contains(t, logs.String(), "[REDACTED]")
			})
		}
	}
}

func TestNoSecretInTransportErrors(t *testing.T) {
	srv := newServer(t, startAll(t))
	url := srv.URL
	srv.Close()
	var logs bytes.Buffer
	hc, _ := contractClient(t, false)
	c, err := New(WithoutEnvironment(), WithEndpoint(url), WithProjectID(testProject), WithAKSK(testAK, testSK),
		WithSecurityToken(testST), WithHTTPClient(hc), WithoutRetries(),
		WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	_, err = c.BatchCheckJobs(context.Background(), oneJob)
	require.Error(t, err)
	for verb, text := range secretTexts(err) {
		assertNoSecret(t, "error "+verb, text)
	}
	assertNoSecret(t, "logs", logs.String())
	assert.Contains(t, logs.String(), `"X-Security-Token":"[REDACTED]"`)
	assert.Contains(t, logs.String(), `Signature=[REDACTED]`)
}

func TestNoSecretInConfigOutput(t *testing.T) {
	options := []Option{WithToken(testToken), WithAKSK(testAK, testSK), WithSecurityToken(testST),
		WithEndpoint("https://user:" + testSK + "@example.com"), WithRegion("cn-north-4")}
	for _, o := range options {
		for verb, text := range secretTexts(o) {
			assertNoSecret(t, "option "+o.String()+" "+verb, text)
		}
	}
	cfg := newConfig()
	for _, o := range options {
		o.apply(cfg)
	}
	for verb, text := range secretTexts(*cfg) {
		assertNoSecret(t, "config "+verb, text)
	}
	for verb, text := range secretTexts(cfg) {
		assertNoSecret(t, "*config "+verb, text)
	}

	// Every configuration error path.
	for _, opts := range [][]Option{
		options,
		{WithoutEnvironment(), WithToken(testToken), WithSecurityToken(testST)},
		{WithoutEnvironment(), WithAKSK("", testSK), WithSecurityToken(testST)},
		{WithoutEnvironment(), WithAKSK(testAK, testSK), WithSecurityToken("bad\x01" + testST)},
		{WithoutEnvironment(), WithToken("bad\x01" + testToken)},
		{WithoutEnvironment(), WithEndpoint("https://user:" + testSK + "@example.com"), WithToken(testToken)},
	} {
		_, err := New(opts...)
		require.Error(t, err)
		for verb, text := range secretTexts(err) {
			assertNoSecret(t, "config error "+verb, text)
		}
	}
}

func TestNoSecretInClientValue(t *testing.T) {
	for _, opt := range []Option{WithToken(testToken), WithAKSK(testAK, testSK)} {
		opts := []Option{WithoutEnvironment(), WithRegion("cn-north-4"), WithProjectID(testProject), opt}
		if strings.Contains(opt.String(), "AKSK") {
			opts = append(opts, WithSecurityToken(testST))
		}
		c, err := New(opts...)
		require.NoError(t, err)
		for verb, text := range secretTexts(c) {
			assertNoSecret(t, "*Client "+verb, text)
		}
		for verb, text := range secretTexts(*c) { // even by value, without its methods
			assertNoSecret(t, "Client "+verb, text)
		}
		assert.Contains(t, c.String(), "cn-north-4")
		for verb, text := range secretTexts(c.auth) {
			assertNoSecret(t, "auth "+verb, text)
		}
	}
}

func TestScrubberRemovesEchoedSecrets(t *testing.T) {
	s := newScrubber([]string{testToken, "", "abc"})
	assert.Equal(t, "x [REDACTED] y abc", s.clean("x "+testToken+" y abc"), "secrets under 4 bytes are not scrubbed")
	var nilScrubber scrubber
	assert.Equal(t, "Signature=[REDACTED]", nilScrubber.clean("Signature=abcdef"))
}
