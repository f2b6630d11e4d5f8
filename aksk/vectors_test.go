package aksk_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/aksk"
)

// Vector a: the worked example of Huawei's signing guide.
const vectorACanonical = "GET\n" +
	"/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\n" +
	"limit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n" +
	"content-type:application/json\n" +
	"host:service.region.example.com\n" +
	"x-sdk-date:20191115T033655Z\n" +
	"\n" +
	"content-type;host;x-sdk-date\n" +
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestVectors(t *testing.T) {
	tests := []struct {
		name          string
		method, url   string
		header        map[string]string
		body          []byte
		signed        []string
		date, ak, sk  string
		canonical     string // full text, if known
		canonicalHash string // hex(sha256(canonical request)), if known
		signature     string
	}{
		{
			name:          "a huawei guide example",
			method:        http.MethodGet,
			url:           "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
			header:        map[string]string{"Content-Type": "application/json", "Host": "service.region.example.com"},
			signed:        []string{"content-type", "host", "x-sdk-date"},
			date:          "20191115T033655Z",
			ak:            "QTWAOYTTINDUT2QVKYUC",
			sk:            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
			canonical:     vectorACanonical,
			canonicalHash: "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
			signature:     "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
		},
		{
			name:      "b GET date only",
			method:    http.MethodGet,
			url:       "https://example.huaweicloud.com/path?limit=1",
			signed:    []string{"x-sdk-date"},
			date:      "20060102T150405Z",
			ak:        "AccessKey",
			sk:        "SecretKey",
			signature: "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
		},
		{
			name:      "c POST json.Encoder body",
			method:    http.MethodPost,
			url:       "https://example.huaweicloud.com/path?key=value",
			body:      []byte("{\"Name\":\"test\",\"Id\":1}\n"),
			signed:    []string{"x-sdk-date"},
			date:      "20060102T150405Z",
			ak:        "AccessKey",
			sk:        "SecretKey",
			signature: "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			s := aksk.Signer{
				Credentials:   aksk.Credentials{AccessKey: tt.ak, SecretKey: tt.sk},
				SignedHeaders: tt.signed,
				Now:           fixedClock(t, tt.date),
			}
			if err := s.Sign(req, tt.body); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("X-Sdk-Date"); got != tt.date {
				t.Errorf("X-Sdk-Date = %q, want %q", got, tt.date)
			}
			canonical := aksk.CanonicalRequest(req, tt.signed, hexSHA256(tt.body))
			if tt.canonical != "" && canonical != tt.canonical {
				t.Errorf("canonical request:\n%s\nwant:\n%s", canonical, tt.canonical)
			}
			if tt.canonicalHash != "" {
				if got := hexSHA256([]byte(canonical)); got != tt.canonicalHash {
					t.Errorf("sha256(canonical request) = %s, want %s", got, tt.canonicalHash)
				}
				wantSTS := "SDK-HMAC-SHA256\n" + tt.date + "\n" + tt.canonicalHash
				if got := aksk.StringToSign(tt.date, canonical); got != wantSTS {
					t.Errorf("StringToSign = %q, want %q", got, wantSTS)
				}
			}
			wantAuth := "SDK-HMAC-SHA256 Access=" + tt.ak + ", SignedHeaders=" + strings.Join(tt.signed, ";") + ", Signature=" + tt.signature
			if got := req.Header.Get("Authorization"); got != wantAuth {
				t.Errorf("Authorization = %q, want %q", got, wantAuth)
			}

			v := aksk.Verifier{
				Lookup: func(ak string) (string, bool) { return tt.sk, ak == tt.ak },
				Now:    fixedClock(t, tt.date),
			}
			if ak, err := v.Verify(req, tt.body); err != nil || ak.AccessKey != tt.ak {
				t.Errorf("Verify = %q, %v; want %q, nil", ak.AccessKey, err, tt.ak)
			}
		})
	}
}
