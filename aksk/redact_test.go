package aksk_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

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
