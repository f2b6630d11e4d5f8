package aksk_test

import (
	"testing"

	"github.com/drsclient/drs-precheck/aksk"
)

func BenchmarkSign(b *testing.B) {
	req, body := newPrecheckRequest(b)
	s := testSigner()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := s.Sign(req, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	req, body := signedPrecheckRequest(b)
	v := testVerifier(signTime)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := v.Verify(req, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalRequest(b *testing.B) {
	req, body := signedPrecheckRequest(b)
	signed := []string{"host", "user-agent", "x-language", "x-project-id", "x-sdk-date"}
	hash := hexSHA256(body)
	b.ReportAllocs()
	for b.Loop() {
		_ = aksk.CanonicalRequest(req, signed, hash)
	}
}
