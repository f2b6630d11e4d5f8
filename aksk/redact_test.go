package aksk_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
)

// assertNoSecrets fails if s contains any of secrets, raw or hex-encoded.
func assertNoSecrets(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret)))} {
			if strings.Contains(s, form) {
				t.Errorf("%s leaks a secret: %q", what, s)
				return
			}
		}
	}
}

func TestFormattingRedactsSecrets(t *testing.T) {
	creds := aksk.Credentials{AccessKey: testAK, SecretKey: testSK, SecurityToken: testToken}
	signer := aksk.Signer{Credentials: creds, SignedHeaders: []string{"x-project-id"}}
	type config struct {
		Name   string
		Creds  aksk.Credentials
		Signer *aksk.Signer
	}
	values := map[string]any{
		"Credentials":  creds,
		"*Credentials": &creds,
		"Signer":       signer,
		"*Signer":      &signer,
		"struct field": config{Name: "n", Creds: creds, Signer: &signer},
		"slice":        []aksk.Credentials{creds},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%20v", "%-8s", "%T %v"}
	for name, val := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, val)
			assertNoSecrets(t, name+" "+verb, out, testSK, testToken)
		}
		assertNoSecrets(t, name+" Sprint", fmt.Sprint(val), testSK, testToken)
		assertNoSecrets(t, name+" Sprintln", fmt.Sprintln(val), testSK, testToken)
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

func TestErrorsRedactSecrets(t *testing.T) {
	s := testSigner()
	s.SecurityToken = testToken
	signed, body := newPrecheckRequest(t)
	if err := s.Sign(signed, body); err != nil {
		t.Fatal(err)
	}
	auth := signed.Header.Get("Authorization")
	sig := signatureOf(t, signed)
	names := signedHeadersOf(t, signed)
	date := signed.Header.Get("X-Sdk-Date")

	var errs []error
	verify := func(v aksk.Verifier, modify func(*http.Request), b []byte) {
		r := clone(signed)
		if modify != nil {
			modify(r)
		}
		_, err := v.Verify(r, b)
		if err == nil {
			t.Fatal("Verify unexpectedly succeeded")
		}
		errs = append(errs, err)
		// The signature the server expected must not leak either.
		assertNoSecrets(t, "Verify error", err.Error(), expectedSignature(r, names, date, testSK, b))
	}
	v := testVerifier(signTime)
	setAuth := func(a string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", a) }
	}
	verify(v, func(r *http.Request) { r.Header.Del("Authorization") }, body)
	verify(v, setAuth(testSK), body)
	verify(v, setAuth("Bearer "+testToken), body)
	verify(v, setAuth("SDK-HMAC-SHA256 Access="+testSK+", SignedHeaders=x-sdk-date, Signature="+sig), body)
	verify(v, setAuth("SDK-HMAC-SHA256 "+testSK+"=1, Access=a, SignedHeaders=x-sdk-date, Signature="+sig), body)
	verify(v, setAuth("SDK-HMAC-SHA256 Access=a, SignedHeaders="+testSK+", Signature="+sig), body)
	verify(v, setAuth(strings.Replace(auth, sig, testSK, 1)), body)
	verify(v, setAuth(strings.Replace(auth, sig, strings.ToUpper(sig), 1)), body)
	verify(v, setAuth(strings.Replace(auth, "x-sdk-date;", "", 1)), body)
	verify(v, func(r *http.Request) { r.Header.Set("X-Sdk-Date", testSK) }, body)
	verify(v, nil, body[1:])
	verify(testVerifier(signTime.Add(-24*time.Hour)), nil, body)
	verify(v, func(r *http.Request) { r.Header.Set("X-Security-Token", testToken+"x") }, body)
	wrongKey := v
	wrongKey.Lookup = func(string) (string, bool) { return "", false }
	verify(wrongKey, nil, body)
	wrongSK := v
	wrongSK.Lookup = func(string) (string, bool) { return testSK + "2", true }
	verify(wrongSK, nil, body)

	bad := s
	bad.AccessKey = testSK + ","
	errs = append(errs, bad.Sign(clone(signed), body))
	bad = s
	bad.SecurityToken = testToken + "\n"
	errs = append(errs, bad.Sign(clone(signed), body))

	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		assertNoSecrets(t, "error", err.Error(), testSK, testToken, sig, auth)
		if !strings.HasPrefix(err.Error(), "aksk: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}
