package aksk_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
)

func ExampleSigner_Sign() {
	body := []byte(`{"jobs":["140b5236-4a9e-4b2a-9d4f-3c2a5e8f7b10"]}` + "\n")
	req, err := http.NewRequest(http.MethodPost,
		"https://drs.cn-north-4.myhuaweicloud.com/v3/0a1b2c3d4e5f60718293a4b5c6d7e8f9/jobs/batch-precheck",
		bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Project-Id", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")

	s := aksk.Signer{
		Credentials: aksk.Credentials{AccessKey: "HPUAEXAMPLEACCESSKEY", SecretKey: "example-secret-key"},
		// Fixed for a reproducible output; leave nil to use time.Now.
		Now: func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) },
	}
	if err := s.Sign(req, body); err != nil {
		panic(err)
	}
	fmt.Println("X-Sdk-Date:", req.Header.Get("X-Sdk-Date"))
	fmt.Println("Authorization:", req.Header.Get("Authorization"))
	fmt.Println(s) // the secret key is never printed
	// Output:
	// X-Sdk-Date: 20240506T070809Z
	// Authorization: SDK-HMAC-SHA256 Access=HPUAEXAMPLEACCESSKEY, SignedHeaders=host;x-project-id;x-sdk-date, Signature=2fd84c874da54e268888401006462f4b68897107c3f927bc8d1e26b7ec8c2503
	// {Credentials:{AccessKey:HPUAEXAMPLEACCESSKEY SecretKey:[REDACTED] SecurityToken:[NOT SET]} SignedHeaders:[] Now:<set>}
}

func ExampleVerifier_Verify() {
	// A request as an HTTP handler receives it: req.URL has only the path
	// and query, req.Host holds the host.
	body := `{"jobs":[]}`
	req := httptest.NewRequest(http.MethodPost, "https://drs.example.com/v3/p/jobs/batch-precheck", strings.NewReader(body))
	signAt := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	signer := aksk.Signer{
		Credentials: aksk.Credentials{AccessKey: "AK1", SecretKey: "SK1"},
		Now:         func() time.Time { return signAt },
	}
	if err := signer.Sign(req, []byte(body)); err != nil {
		panic(err)
	}

	v := aksk.Verifier{
		Lookup: func(ak string) (string, bool) {
			sk, ok := map[string]string{"AK1": "SK1"}[ak]
			return sk, ok
		},
		Now: func() time.Time { return signAt.Add(time.Minute) },
	}
	auth, err := v.Verify(req, []byte(body))
	fmt.Println(auth.AccessKey, auth.SignedHeaders, err)

	_, err = v.Verify(req, []byte(`{"jobs":[1]}`))
	fmt.Println(errors.Is(err, aksk.ErrSignatureMismatch))
	// Output:
	// AK1 [host x-sdk-date] <nil>
	// true
}
