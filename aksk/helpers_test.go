package aksk_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
)

// Test credentials, distinctive so that the tests can search for them.
const (
	testAK    = "HPUAEXAMPLEACCESSKEY"
	testSK    = "sk-NEVER-PRINT-ME-5c0d7a1e9b"
	testToken = "tok-NEVER-PRINT-ME-3f8e2b6a"
)

var signTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// precheckBody is a realistic batch-precheck body, ending as json.Encoder does.
const precheckBody = `{"jobs":[{"job_id":"140b5236-4a9e-4b2a-9d4f-3c2a5e8f7b10","precheck_mode":"forVerification"},` +
	`{"job_id":"9c1e2d3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f","precheck_mode":"forVerification"}],"lang":"en-us"}` + "\n"

func testSigner() aksk.Signer {
	return aksk.Signer{
		Credentials: aksk.Credentials{AccessKey: testAK, SecretKey: testSK},
		Now:         func() time.Time { return signTime },
	}
}

func testVerifier(now time.Time) aksk.Verifier {
	return aksk.Verifier{
		Lookup: func(ak string) (string, bool) { return testSK, ak == testAK },
		Now:    func() time.Time { return now },
	}
}

// newPrecheckRequest returns an unsigned batch-precheck POST.
func newPrecheckRequest(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	body := []byte(precheckBody)
	req, err := http.NewRequest(http.MethodPost,
		"https://drs.cn-north-4.myhuaweicloud.com/v3/0a1b2c3d4e5f60718293a4b5c6d7e8f9/jobs/batch-precheck?lang=en-us&limit=10",
		bytes.NewReader(body))
	must(t, err)
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("User-Agent", "drs-precheck/1.0")
	req.Header.Set("X-Language", "en-us")
	req.Header.Set("X-Project-Id", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")
	return req, body
}

// signedPrecheckRequest returns a batch-precheck POST signed by s.
func signedPrecheckRequest(t testing.TB, s aksk.Signer) (*http.Request, []byte) {
	t.Helper()
	req, body := newPrecheckRequest(t)
	must(t, s.Sign(req, body))
	return req, body
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func clone(req *http.Request) *http.Request { return req.Clone(context.Background()) }

// overTheWire writes a client request as net/http does and reads it back as
// a server would; ok is false if it cannot make the trip intact.
func overTheWire(req *http.Request, body []byte) (srv *http.Request, ok bool) {
	c := clone(req)
	c.Body, c.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		return nil, false
	}
	srv, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		return nil, false
	}
	got, err := io.ReadAll(srv.Body)
	return srv, err == nil && bytes.Equal(got, body) // not if a framing header was set by hand
}

func authOf(t testing.TB, req *http.Request) aksk.Authorization {
	t.Helper()
	a, err := aksk.ParseAuthorization(req.Header.Get("Authorization"))
	must(t, err)
	return a
}

// expectedSignature is the signature of req, computed without Sign.
func expectedSignature(req *http.Request, signed []string, date, sk string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(aksk.StringToSign(date, aksk.CanonicalRequest(req, signed, hexSHA256(body)))))
	return hex.EncodeToString(mac.Sum(nil))
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// assertNoSecrets fails if s contains any of secrets, raw or hex-encoded.
func assertNoSecrets(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		h := hex.EncodeToString([]byte(secret))
		if secret != "" && (strings.Contains(s, secret) || strings.Contains(s, h) || strings.Contains(s, strings.ToUpper(h))) {
			t.Errorf("%s leaks a secret: %q", what, s)
		}
	}
}

func TestFormattingRedactsSecrets(t *testing.T) {
	creds := aksk.Credentials{AccessKey: testAK, SecretKey: testSK, SecurityToken: testToken}
	signer := aksk.Signer{Credentials: creds, SignedHeaders: []string{"x-project-id"}}
	for name, val := range map[string]any{
		"Credentials": creds, "*Credentials": &creds, "Signer": signer, "*Signer": &signer,
		"struct field": struct {
			Name   string
			Creds  aksk.Credentials
			Signer *aksk.Signer
		}{"n", creds, &signer}, "slice": []aksk.Credentials{creds},
	} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%20v", "%-8s", "%T %v"} {
			assertNoSecrets(t, name+" "+verb, fmt.Sprintf(verb, val), testSK, testToken)
		}
		assertNoSecrets(t, name+" Sprint", fmt.Sprint(val)+fmt.Sprintln(val), testSK, testToken)
	}
	for _, out := range []string{fmt.Sprintf("%v", creds), fmt.Sprintf("%+v", signer), fmt.Sprintf("%#v", creds), creds.String(), signer.GoString()} {
		if !strings.Contains(out, testAK) || !strings.Contains(out, "[REDACTED]") {
			t.Errorf("%q: want the access key and [REDACTED]", out)
		}
	}
	if got, want := fmt.Sprintf("%#v", aksk.Credentials{AccessKey: "A"}), `aksk.Credentials{AccessKey:"A", SecretKey:"", SecurityToken:""}`; got != want {
		t.Errorf("%%#v = %s, want %s", got, want)
	}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
		slog.New(h).Info("signing", "creds", creds, "signer", signer, "ptr", &signer)
	}
	assertNoSecrets(t, "slog", logs.String(), testSK, testToken)
	if !strings.Contains(logs.String(), testAK) {
		t.Errorf("slog output lacks the access key: %s", logs.String())
	}
}
