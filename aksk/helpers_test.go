package aksk_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
)

// Test credentials. The secrets are distinctive so that the redaction tests
// can search for them.
const (
	testAK    = "HPUAEXAMPLEACCESSKEY"
	testSK    = "sk-NEVER-PRINT-ME-5c0d7a1e9b"
	testToken = "tok-NEVER-PRINT-ME-3f8e2b6a"
)

var signTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// precheckBody is a realistic DRS batch-precheck body (~200 bytes, with the
// newline json.Encoder adds).
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
		Lookup: func(ak string) (string, bool) {
			if ak == testAK {
				return testSK, true
			}
			return "", false
		},
		Now: func() time.Time { return now },
	}
}

// newPrecheckRequest returns an unsigned batch-precheck POST.
func newPrecheckRequest(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	body := []byte(precheckBody)
	req, err := http.NewRequest(http.MethodPost,
		"https://drs.cn-north-4.myhuaweicloud.com/v3/0a1b2c3d4e5f60718293a4b5c6d7e8f9/jobs/batch-precheck?lang=en-us&limit=10",
		bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("User-Agent", "drs-precheck/1.0")
	req.Header.Set("X-Language", "en-us")
	req.Header.Set("X-Project-Id", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")
	return req, body
}

// signedPrecheckRequest returns a signed batch-precheck POST.
func signedPrecheckRequest(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	req, body := newPrecheckRequest(t)
	if err := testSigner().Sign(req, body); err != nil {
		t.Fatal(err)
	}
	return req, body
}

// clone deep-copies req (URL and headers included).
func clone(req *http.Request) *http.Request {
	return req.Clone(context.Background())
}

// overTheWire serialises a client request as net/http does and parses it
// back as a server would, returning the server's view of the request. ok is
// false if the request cannot make the trip intact (e.g. a query with a
// space or a hand-set framing header).
func overTheWire(t testing.TB, req *http.Request, body []byte) (srv *http.Request, ok bool) {
	t.Helper()
	c := clone(req)
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		return nil, false
	}
	srv, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		return nil, false
	}
	got, err := io.ReadAll(srv.Body)
	if err != nil || !bytes.Equal(got, body) {
		return nil, false // e.g. a Content-Length or Transfer-Encoding header set by hand
	}
	return srv, true
}

// signedHeadersOf extracts SignedHeaders from a request's Authorization.
func signedHeadersOf(t testing.TB, req *http.Request) []string {
	t.Helper()
	auth := req.Header.Get("Authorization")
	_, rest, ok := strings.Cut(auth, "SignedHeaders=")
	if !ok {
		t.Fatalf("no SignedHeaders in Authorization")
	}
	list, _, _ := strings.Cut(rest, ",")
	return strings.Split(list, ";")
}

// signatureOf extracts Signature from a request's Authorization.
func signatureOf(t testing.TB, req *http.Request) string {
	t.Helper()
	_, sig, ok := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !ok {
		t.Fatalf("no Signature in Authorization")
	}
	return sig
}

// expectedSignature computes, independently of Sign, the signature for req
// with the given signed headers, date and key.
func expectedSignature(req *http.Request, signed []string, date, sk string, body []byte) string {
	canonical := aksk.CanonicalRequest(req, signed, hexSHA256(body))
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(aksk.StringToSign(date, canonical)))
	return hex.EncodeToString(mac.Sum(nil))
}
