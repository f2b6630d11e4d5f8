package redact

import (
	"strings"
	"testing"
)

const (
	benchToken = "MIIEhAYJKoZIhvcNAQcCoIIEdTCCBHECAQExDTALBglghkgBZQMEAgEwgXkGCSqGSIb3DQEHAaBs"
	benchSK    = "abcdefghijklmnopqrstuvwxyz0123456789ABCD"
	benchSig   = "8c2f7ad1e3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
)

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New(benchToken, benchSK)
	}
}

// BenchmarkWithSignature is what a transport pays per request to learn its
// signature.
func BenchmarkWithSignature(b *testing.B) {
	r := New(benchToken, benchSK)
	for b.Loop() {
		r.With(benchSig)
	}
}

func BenchmarkString(b *testing.B) {
	r := New(benchToken, benchSK)
	text := strings.Repeat(`{"job_id":"140b5236-88ad-43c8-811c-1268453jb101","status":"success","percent":"100%","signature":"x\u003c"}`, 100)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		r.String(text)
	}
}
