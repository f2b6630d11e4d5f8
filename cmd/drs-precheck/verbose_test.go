package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// Distinctive secrets: none may appear in anything the CLI prints. They hold
// characters that URL and JSON encodings change, so each encoding is a
// different string to look for.
const (
	secretToken = "MIItoken+Qz8v/R2kW9xL4=DO-NOT-PRINT"
	secretAK    = "AKVERBOSETEST0000001" // not a secret, but identifies the key
	secretSK    = "SK/Hn3pT7+yB5cM1=DO-NOT-PRINT"
	wrongSK     = "SK-Wr0ngWr0ng99-DO-NOT-PRINT"
	secretST    = "ST&Jd6fG2<sA8uE4>DO-NOT-PRINT"
)

// secretForms is s as it may travel: raw, URL query- and path-escaped (both
// hex cases), JSON-escaped with and without HTML escaping, with "/" as "\/";
// a hex signature in either case.
func secretForms(s string) []string {
	js, _ := json.Marshal(s)
	jsonHTML := string(js[1 : len(js)-1])
	jsonPlain := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(jsonHTML) // SetEscapeHTML(false)
	lower := regexp.MustCompile(`%[0-9A-F]{2}`)
	forms := []string{
		s, url.QueryEscape(s), url.PathEscape(s), jsonHTML, jsonPlain,
		strings.ReplaceAll(jsonHTML, "/", `\/`), strings.ReplaceAll(jsonPlain, "/", `\/`),
		lower.ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower),
		lower.ReplaceAllStringFunc(url.PathEscape(s), strings.ToLower),
	}
	if regexp.MustCompile(`^[0-9a-fA-F]+$`).MatchString(s) {
		forms = append(forms, strings.ToLower(s), strings.ToUpper(s)) // a signature, in either case
	}
	return forms
}

// assertNoSecrets fails the test if any secret, in any form, or any
// signature appears in out.
func assertNoSecrets(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, f := range secretForms(s) {
			if i := strings.Index(out, f); i >= 0 {
				lineStart := strings.LastIndex(out[:i], "\n") + 1
				t.Errorf("the output contains the secret %q as %q, in the line starting %q: ...%s...", s, f, out[lineStart:min(len(out), lineStart+60)], out[max(0, i-200):min(len(out), i+len(f)+50)])
				break
			}
		}
	}
	if loc := regexp.MustCompile(`(?i)Signature=[0-9a-f]`).FindStringIndex(out); loc != nil {
		t.Errorf("the output contains a signature: ...%s...", out[max(0, loc[0]-200):min(len(out), loc[1]+50)])
	}
}

// assertVerboseLog checks that --verbose logged requests and responses, with
// the credential headers redacted.
func assertVerboseLog(t *testing.T, stderr string, want ...string) {
	t.Helper()
	assert.Regexp(t, `> #\d+ POST http://127\.0\.0\.1:\d+/v3/[^ ]*/jobs/batch-precheck\n`, stderr)
	assert.Contains(t, stderr, "> User-Agent: drs-precheck-cli")
	assert.Contains(t, stderr, `> {"jobs":[{"job_id":"`+drstest.ExampleJobID+`","precheck_mode":"forStartJob"}]}`)
	assert.Contains(t, stderr, "< X-Request-Id: ")
	assert.Regexp(t, `< #\d+ body, \d+ bytes\n`, stderr)
	for _, w := range want {
		assert.Contains(t, stderr, w)
	}
}

var signatureRE = regexp.MustCompile(`Signature=([0-9a-fA-F]+)`)

// recordingServer serves h on loopback and records the credentials each
// request carried (the token, the security token, the signature), so that a
// test can look for their exact values.
func recordingServer(t *testing.T, h http.Handler) (endpoint string, sent func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, sentCredentials(r)...)
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func sentCredentials(r *http.Request) []string {
	var creds []string
	for _, h := range []string{"X-Auth-Token", "X-Security-Token"} {
		if v := r.Header.Get(h); v != "" {
			creds = append(creds, v)
		}
	}
	for _, m := range signatureRE.FindAllStringSubmatch(r.Header.Get("Authorization"), -1) {
		creds = append(creds, m[1])
	}
	return creds
}

// --verbose logs each request and response, with every credential the CLI
// has or sends (token, token file, secret key, security token, signature)
// redacted, on success and on an authentication failure.
func TestVerboseRedactsCredentials(t *testing.T) {
	t.Parallel()
	tokenFile := tempFile(t, "token", secretToken+"\n")
	aksk := func(sk string) []string {
		return []string{"HUAWEICLOUD_SDK_AK=" + secretAK, "HUAWEICLOUD_SDK_SK=" + sk, "HUAWEICLOUD_SDK_SECURITY_TOKEN=" + secretST}
	}
	signed := []string{"> Authorization: SDK-HMAC-SHA256 Access=" + secretAK + ", SignedHeaders=", ", Signature=[REDACTED]", "> X-Security-Token: [REDACTED]", "> X-Sdk-Date: "}
	success := []string{" 200 OK in ", `"status":"success"`, "/jobs/batch-precheck-result\n", `"process":"100%"`}
	refused := []string{" 401 Unauthorized in ", `"error_code":"APIGW.0301"`}
	cases := []struct {
		name string
		sim  drstest.Option
		env  []string
		args []string
		want int
		log  [][]string
	}{
		{"wrong token", drstest.WithToken("some-other-token"), []string{"HUAWEICLOUD_IAM_TOKEN=" + secretToken}, nil, exitAPIError,
			[][]string{{"> X-Auth-Token: [REDACTED]"}, refused}},
		// The token from the environment is the wrong token's case.
		{"token file", drstest.WithToken(secretToken), nil, []string{"--token-file", tokenFile, "--output", "json"}, exitOK,
			[][]string{{"> X-Auth-Token: [REDACTED]"}, success}},
		{"AK/SK", drstest.WithAKSK(secretAK, secretSK), aksk(secretSK), nil, exitOK, [][]string{signed, success}},
		{"wrong secret key", drstest.WithAKSK(secretAK, secretSK), aksk(wrongSK), nil, exitAPIError, [][]string{signed, refused}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim, err := drstest.New(drstest.WithScenario(demoScenario()), tc.sim)
			require.NoError(t, err)
			endpoint, sentCreds := recordingServer(t, sim)
			env := append([]string{"DRS_ENDPOINT=" + endpoint, "HUAWEICLOUD_SDK_PROJECT_ID=" + sim.ProjectID()}, tc.env...)
			res := runCLI(t, env, "", argv([]string{"run", "--wait", "--verbose", "--job", drstest.ExampleJobID}, fastWait, tc.args)...)
			expectExit(t, res, tc.want)
			assertVerboseLog(t, res.stderr, slices.Concat(tc.log...)...)
			assert.NotContains(t, res.stdout, "> #", "the log goes to stderr only")
			sent := sentCreds()
			assertNoSecrets(t, res.output(), append(sent, secretToken, secretSK, wrongSK, secretST)...)
			if slices.Equal(tc.log[0], signed) {
				require.NotEmpty(t, sent, "the CLI signed its requests")
				if tc.want == exitAPIError {
					assert.Len(t, sent, 2, "one security token and one signature: an authentication failure is not retried")
				}
			}
			if slices.Contains(tc.args, "json") {
				parseJSONDoc(t, res.stdout) // the log does not spoil the JSON on stdout
			}
		})
	}
}

// echoServer answers every request with status, sending the credentials it
// received (the token, the security token, the signature) and sk back in
// every place a server could: the X-Request-Id and other headers, a cookie,
// and the body, raw, URL-encoded and JSON-escaped, across the excerpt's cut
// and at the end of a long body.
func echoServer(status int, sk string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		creds := sentCredentials(r)
		if sk != "" {
			creds = append([]string{sk}, creds...)
		}
		all := strings.Join(creds, " ")
		js, _ := json.Marshal(all)
		w.Header().Set("X-Request-Id", "req-"+creds[len(creds)-1]+"-"+url.QueryEscape(all))
		w.Header().Set("X-Echo", all)
		w.Header().Set("X-Echo-Json", string(js))
		w.Header().Set("Set-Cookie", "s="+url.QueryEscape(all))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		// The first credential straddles the excerpt's cut.
		msg := `{"error_code":"DRS.10000001","error_msg":"` + strings.Repeat("a", maxLoggedBody-60) + creds[0] + " raw " + all +
			" query " + url.QueryEscape(all) + " path " + url.PathEscape(all) + " json " + string(js[1:len(js)-1]) +
			strings.Repeat(" padding", 2000) + " end " + all + string(js[1:len(js)-1]) + `"}`
		_, _ = io.WriteString(w, msg)
	}
}

func TestVerboseNeverPrintsEchoedSecrets(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		env []string
		sk  string // the SK the server echoes: the CLI knows it only when given it
	}{
		"token": {[]string{"HUAWEICLOUD_IAM_TOKEN=" + secretToken}, ""},
		"aksk":  {[]string{"HUAWEICLOUD_SDK_AK=" + secretAK, "HUAWEICLOUD_SDK_SK=" + secretSK, "HUAWEICLOUD_SDK_SECURITY_TOKEN=" + secretST}, secretSK},
	}
	for name, tc := range cases {
		for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
			t.Run(fmt.Sprintf("%s %d", name, status), func(t *testing.T) {
				t.Parallel()
				endpoint, sent := recordingServer(t, echoServer(status, tc.sk))
				env := append([]string{"DRS_ENDPOINT=" + endpoint, "HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef"}, tc.env...)
				res := runCLI(t, env, "", "run", "--verbose", "--job", drstest.ExampleJobID)
				assert.NotEqual(t, exitOK, res.code, "an echo is no answer\n%s", res)
				assert.Regexp(t, fmt.Sprintf(`< #1 %d [A-Za-z ]+ in `, status), res.stderr)
				assert.Contains(t, res.stderr, "< X-Request-Id: req-[REDACTED]")
				assert.Regexp(t, `< #1 body, \d+ bytes\n< \{"error_code":"DRS.10000001","error_msg":"a+(\[REDACTED\])?…\(\d+ more bytes\)\n`, res.stderr)
				seen := sent()
				require.NotEmpty(t, seen)
				// The log holds nothing the request carried or the server
				// echoed; the rest of the output none of the CLI's secrets.
				var log strings.Builder
				for line := range strings.Lines(res.stderr) {
					if strings.HasPrefix(line, "> ") || strings.HasPrefix(line, "< ") {
						log.WriteString(line)
					}
				}
				assertNoSecrets(t, log.String(), append(seen, secretToken, tc.sk, secretST)...)
				assertNoSecrets(t, res.output(), secretToken, tc.sk, secretST)
			})
		}
	}
}

// TestVerboseLogEscapesControlCharacters: text from the server cannot drive
// the user's terminal through the log.
func TestVerboseLogEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	// Go's client refuses ASCII control characters in header values, not
	// C1 controls or bidi overrides; a hijacked connection sends a status
	// line Go's server would not.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		body := "{\"error_code\":\"DRS.1\",\"error_msg\":\"\x1b[2J\x1b[H\rMAY START\x07\x9b31m\u202e\"}\n"
		_, _ = fmt.Fprintf(buf, "HTTP/1.1 400 Bad\x1b[2J\x07Request\r\nX-Evil: \u202eevil\u2066 \u009b31m\r\nX-Request-Id: \u202e1\r\n"+
			"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		_ = buf.Flush()
	}))
	t.Cleanup(srv.Close)
	var log bytes.Buffer
	c, _ := verboseClient(t, srv.URL, &log, 1<<20)
	_, _ = c.Precheck(context.Background(), drs.ModeStartJob, []string{drstest.ExampleJobID})
	out := log.String()
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		for _, r := range line {
			if r < 0x20 || (0x7f <= r && r <= 0x9f) || r == '\u202e' || r == '\u2066' || r == '\ufffd' {
				t.Fatalf("the log holds %U in %q", r, line)
			}
		}
	}
	assert.Contains(t, out, `< #1 400 Bad\x1b[2J\x07Request in `)
	assert.Contains(t, out, `< X-Evil: \u202eevil\u2066 \u009b31m`)
	assert.Contains(t, out, `< X-Request-Id: \u202e1`)
	assert.Contains(t, out, `"error_msg":"\x1b[2J\x1b[H\rMAY START\x07\x9b31m\u202e"}`)
}

// countingTransport counts the bytes read from each response body it hands
// up, that is what the transport above it pulled from the server.
type countingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	read []*atomic.Int64 // per response
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	n := new(atomic.Int64)
	c.mu.Lock()
	c.read = append(c.read, n)
	c.mu.Unlock()
	resp.Body = &countingBody{ReadCloser: resp.Body, n: n}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// verboseClient is a drs client against endpoint, with a body cap and the
// token secretToken, whose transport is verboseTransport logging to w over
// the countingTransport it returns.
func verboseClient(t *testing.T, endpoint string, w io.Writer, bodyCap int64) (*drs.Client, *countingTransport) {
	t.Helper()
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	counter := &countingTransport{base: base}
	vt := &verboseTransport{base: counter, w: w}
	c, err := drs.New(drs.WithoutEnvironment(), drs.WithEndpoint(endpoint), drs.WithProjectID("0123456789abcdef0123456789abcdef"),
		drs.WithMaxResponseBytes(bodyCap), drs.WithHTTPClient(&http.Client{Transport: vt}), drs.WithToken(secretToken))
	require.NoError(t, err)
	vt.clientRedact = c.Redact // as newClient does
	return c, counter
}

func TestCLIRedactorKnowsTheCLIsSecrets(t *testing.T) {
	t.Parallel()
	const fileToken = "file-token/DO-NOT-PRINT"
	file := tempFile(t, "token", "\n"+fileToken+"\n")
	// The client newClient builds is the CLI's one redaction: it knows the
	// environment's secrets, or those of --token-file.
	newClient := func(env map[string]string, tokenFile string) *drs.Client {
		g := &globalFlags{endpoint: "https://drs.example.com", projectID: "0123456789abcdef0123456789abcdef", tokenFile: tokenFile}
		c, err := (&app{getenv: func(k string) string { return env[k] }, stderr: io.Discard}).newClient(context.Background(), g, nil)
		require.NoError(t, err)
		return c
	}
	fromEnv := newClient(map[string]string{"HUAWEICLOUD_SDK_AK": secretAK, "HUAWEICLOUD_SDK_SK": secretSK, "HUAWEICLOUD_SDK_SECURITY_TOKEN": secretST}, "")
	fromTokenEnv := newClient(map[string]string{"HUAWEICLOUD_IAM_TOKEN": secretToken}, "")
	fromFile := newClient(nil, file)
	for c, secrets := range map[*drs.Client][]string{fromEnv: {secretSK, secretST}, fromTokenEnv: {secretToken}, fromFile: {fileToken}} {
		for _, s := range secrets {
			for _, f := range secretForms(s) {
				assert.Equal(t, "a "+redact.Mask+" b", c.Redact("a "+f+" b"), "%q as %q", s, f)
			}
		}
	}
	assert.Equal(t, secretAK, fromEnv.Redact(secretAK), "the AK identifies the key and is shown")
	assert.Equal(t, "x", fromFile.Redact("x"), "nothing else masked")
}

// TestVerboseIsBoundedByTheClientsCap: an endless body or a gzip bomb is read
// by --verbose only as far as the client reads it, up to its body cap.
func TestVerboseIsBoundedByTheClientsCap(t *testing.T) {
	t.Parallel()
	const bodyCap = 256 << 10
	// The client reads at most bodyCap+1 bytes; the rest of the margin is
	// for a read buffer.
	const margin = 64 << 10
	// A gzip stream of 4 MiB of zeros (16 times the cap): a few KiB on the wire.
	var bomb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(make([]byte, 4<<20))
	require.NoError(t, err)
	require.NoError(t, zw.Close())

	cases := map[string]http.HandlerFunc{
		"endless body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(strings.Repeat(`{"status":"success"}`, 1000))
			for {
				if _, err := w.Write(chunk); err != nil {
					return // the client hung up
				}
			}
		},
		"gzip bomb": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb.Bytes())
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			var log bytes.Buffer
			c, counter := verboseClient(t, srv.URL, &log, bodyCap)
			_, err := c.Precheck(context.Background(), drs.ModeStartJob, []string{drstest.ExampleJobID})
			require.Error(t, err, "an answer over the cap is no answer")
			counter.mu.Lock()
			defer counter.mu.Unlock()
			require.NotEmpty(t, counter.read)
			for i, n := range counter.read {
				assert.LessOrEqual(t, n.Load(), int64(bodyCap+margin), "response %d: bytes pulled from the server", i)
				assert.Greater(t, n.Load(), int64(0), "response %d was read", i)
			}
			assert.Regexp(t, `< #1 body, \d+ bytes read, closed before the end\n`, log.String())
		})
	}
}

// TestVerboseLogsTheBodyAsRead: the body is logged when the client finishes
// reading it, whole when short, with what was read when the read fails.
func TestVerboseLogsTheBodyAsRead(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	vt := &verboseTransport{w: &log, clientRedact: redact.New(secretToken).String, base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := io.MultiReader(strings.NewReader(`{"a":"`+secretToken+`"}`+"\n"), iotest.ErrReader(errors.New("connection reset")))
		return &http.Response{Status: "200 OK", StatusCode: 200, Header: http.Header{"X-Request-Id": {"r1"}}, Body: io.NopCloser(body)}, nil
	})}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/v3/p/jobs/batch-precheck?token="+url.QueryEscape(secretToken), strings.NewReader(`{"jobs":[]}`))
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", secretToken)
	resp, err := vt.RoundTrip(req)
	require.NoError(t, err)
	head := log.String()
	assert.Equal(t, "> #1 POST http://127.0.0.1:1/v3/p/jobs/batch-precheck?token=[REDACTED]\n> X-Auth-Token: [REDACTED]\n> {\"jobs\":[]}\n< #1 200 OK in ", head[:strings.Index(head, " in ")+4])
	assert.NotContains(t, head, "body", "nothing of the body is logged before the client reads it")
	data, err := io.ReadAll(resp.Body)
	assert.EqualError(t, err, "connection reset")
	assert.Equal(t, `{"a":"`+secretToken+`"}`+"\n", string(data), "the client gets the body unchanged")
	require.NoError(t, resp.Body.Close())
	out := log.String()
	assert.True(t, strings.HasSuffix(out, fmt.Sprintf("< #1 body, %d bytes read, then: connection reset\n< {\"a\":\"[REDACTED]\"}\n", len(data))), out)
	assert.Equal(t, 1, strings.Count(out, "< #1 body"), "logged once, not again at Close")
	assertNoSecrets(t, out, secretToken)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
