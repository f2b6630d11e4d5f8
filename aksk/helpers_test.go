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
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/aksk"
)

// TestMain fails the package's tests if any goroutine outlives them (the
// loopback servers and transports the tests start must all be closed).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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
	if err != nil {
		t.Fatal(err)
	}
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
	if err := s.Sign(req, body); err != nil {
		t.Fatal(err)
	}
	return req, body
}

// clone deep-copies req (URL and headers included).
func clone(req *http.Request) *http.Request { return req.Clone(context.Background()) }

// overTheWire serialises a client request as net/http does and parses it
// back as a server would, returning the server's view of the request. ok is
// false if the request cannot make the trip intact (e.g. a query with a
// space or a hand-set framing header).
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

// authOf parses a request's Authorization.
func authOf(t testing.TB, req *http.Request) aksk.Authorization {
	t.Helper()
	a, err := aksk.ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// expectedSignature computes, independently of Sign, the signature for req
// with the given signed headers, date and key.
func expectedSignature(req *http.Request, signed []string, date, sk string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(aksk.StringToSign(date, aksk.CanonicalRequest(req, signed, hexSHA256(body)))))
	return hex.EncodeToString(mac.Sum(nil))
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fixedClock returns a Now function that always returns the X-Sdk-Date d.
func fixedClock(t testing.TB, d string) func() time.Time {
	t.Helper()
	tm, err := time.Parse(aksk.DateFormat, d)
	if err != nil {
		t.Fatal(err)
	}
	return func() time.Time { return tm }
}

func BenchmarkSign(b *testing.B) {
	req, body := newPrecheckRequest(b)
	s := testSigner()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Sign(req, body); err != nil {
			b.Fatal(err)
		}
	}
}
