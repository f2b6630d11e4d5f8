package aksk_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	req, body := signedPrecheckRequest(t)
	ak, err := testVerifier(signTime).Verify(req, body)
	if err != nil || ak.AccessKey != testAK {
		t.Fatalf("Verify = %q, %v; want %q, nil", ak.AccessKey, err, testAK)
	}
	srv, ok := overTheWire(t, req, body)
	if !ok {
		t.Fatal("request cannot be sent")
	}
	if ak, err := testVerifier(signTime).Verify(srv, body); err != nil || ak.AccessKey != testAK {
		t.Fatalf("server-side Verify = %q, %v; want %q, nil", ak.AccessKey, err, testAK)
	}
}

func TestDefaultSignedHeaders(t *testing.T) {
	req, body := newPrecheckRequest(t)
	req.Header.Set("Content-Length", "123")
	req.Header.Set("Connection", "keep-alive")
	req.Header.Set("X_Underscore", "dropped by proxies")
	req.Header.Set("Authorization", "Bearer stale")
	s := testSigner()
	s.SecurityToken = testToken
	if err := s.Sign(req, body); err != nil {
		t.Fatal(err)
	}
	want := []string{"host", "user-agent", "x-language", "x-project-id", "x-sdk-date", "x-security-token"}
	if got := signedHeadersOf(t, req); !slices.Equal(got, want) {
		t.Errorf("SignedHeaders = %v, want %v", got, want)
	}
	if got := req.Header.Get("X-Security-Token"); got != testToken {
		t.Errorf("X-Security-Token not set")
	}
	if _, err := testVerifier(signTime).Verify(req, body); err != nil {
		t.Fatal(err)
	}
}

func TestExplicitSignedHeaders(t *testing.T) {
	req, body := newPrecheckRequest(t)
	s := testSigner()
	s.SignedHeaders = []string{"X-Project-Id", "Content-Type", "content-type", "HOST"}
	s.SecurityToken = testToken
	if err := s.Sign(req, body); err != nil {
		t.Fatal(err)
	}
	want := []string{"content-type", "host", "x-project-id", "x-sdk-date", "x-security-token"}
	if got := signedHeadersOf(t, req); !slices.Equal(got, want) {
		t.Errorf("SignedHeaders = %v, want %v", got, want)
	}
	if want := []string{"X-Project-Id", "Content-Type", "content-type", "HOST"}; !slices.Equal(s.SignedHeaders, want) {
		t.Errorf("Sign modified Signer.SignedHeaders: %v", s.SignedHeaders)
	}
	if _, err := testVerifier(signTime).Verify(req, body); err != nil {
		t.Fatal(err)
	}
}

func TestSignErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*aksk.Signer, *http.Request)
		want   error
	}{
		{"empty AK", func(s *aksk.Signer, _ *http.Request) { s.AccessKey = "" }, aksk.ErrInvalidCredentials},
		{"empty SK", func(s *aksk.Signer, _ *http.Request) { s.SecretKey = "" }, aksk.ErrInvalidCredentials},
		{"AK with comma", func(s *aksk.Signer, _ *http.Request) { s.AccessKey = "a,b" }, aksk.ErrInvalidCredentials},
		{"AK with space", func(s *aksk.Signer, _ *http.Request) { s.AccessKey = "ab " }, aksk.ErrInvalidCredentials},
		{"token with newline", func(s *aksk.Signer, _ *http.Request) { s.SecurityToken = "a\nb" }, aksk.ErrInvalidCredentials},
		{"listed header absent", func(s *aksk.Signer, _ *http.Request) { s.SignedHeaders = []string{"x-absent"} }, aksk.ErrInvalidSignedHeaders},
		{"listed authorization", func(s *aksk.Signer, r *http.Request) {
			r.Header.Set("Authorization", "old")
			s.SignedHeaders = []string{"authorization"}
		}, aksk.ErrInvalidSignedHeaders},
		{"listed name invalid", func(s *aksk.Signer, _ *http.Request) { s.SignedHeaders = []string{"x;y"} }, aksk.ErrInvalidSignedHeaders},
		{"request header name invalid", func(_ *aksk.Signer, r *http.Request) { r.Header["Bad Name"] = []string{"v"} }, aksk.ErrInvalidSignedHeaders},
		{"no host", func(_ *aksk.Signer, r *http.Request) { r.Host = ""; r.URL.Host = "" }, aksk.ErrInvalidSignedHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, body := newPrecheckRequest(t)
			s := testSigner()
			tt.modify(&s, req)
			before := req.Header.Clone()
			err := s.Sign(req, body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sign error = %v, want %v", err, tt.want)
			}
			if !reflect.DeepEqual(req.Header, before) {
				t.Errorf("failed Sign changed the headers:\n%v\n%v", before, req.Header)
			}
		})
	}
	if err := testSigner().Sign(nil, nil); err == nil {
		t.Error("Sign(nil) succeeded")
	}
}

func TestResignReplacesDateAndAuthorization(t *testing.T) {
	req, body := newPrecheckRequest(t)
	req.Header["x-sdk-date"] = []string{"20000101T000000Z"} // stale, non-canonical key
	req.Header["authorization"] = []string{"stale"}
	s := testSigner()
	if err := s.Sign(req, body); err != nil {
		t.Fatal(err)
	}
	first := req.Header.Get("Authorization")
	later := signTime.Add(time.Hour)
	s.Now = func() time.Time { return later }
	if err := s.Sign(req, body); err != nil {
		t.Fatal(err)
	}
	for k, v := range req.Header {
		if (strings.EqualFold(k, "X-Sdk-Date") || strings.EqualFold(k, "Authorization")) && (k != http.CanonicalHeaderKey(k) || len(v) != 1) {
			t.Errorf("header %q = %q: want exactly one canonical value", k, v)
		}
	}
	if got, want := req.Header.Get("X-Sdk-Date"), later.Format(aksk.DateFormat); got != want {
		t.Errorf("X-Sdk-Date = %q, want %q", got, want)
	}
	if req.Header.Get("Authorization") == first {
		t.Error("Authorization not replaced")
	}
	if _, err := testVerifier(later).Verify(req, body); err != nil {
		t.Errorf("re-signed request rejected: %v", err)
	}
	if _, err := testVerifier(signTime).Verify(req, body); !errors.Is(err, aksk.ErrDateSkew) {
		t.Errorf("re-signed request verified against the first signing time: %v", err)
	}
}

// mutateByte returns s with byte i replaced by every byte of alts that
// differs from s[i].
func mutateByte(s string, i int, alts string) []string {
	var out []string
	for j := 0; j < len(alts); j++ {
		if alts[j] != s[i] {
			out = append(out, s[:i]+string(alts[j])+s[i+1:])
		}
	}
	return out
}

// Replacement bytes for the single-byte mutations: letters, digits,
// delimiters and escape characters.
const mutations = "aAz0/%+=&;~ .-_\x00\xff"

func TestSingleByteChangesRejected(t *testing.T) {
	req, body := signedPrecheckRequest(t)
	v := testVerifier(signTime)
	check := func(t *testing.T, what string, r *http.Request, b []byte) {
		t.Helper()
		_, err := v.Verify(r, b)
		if !errors.Is(err, aksk.ErrSignatureMismatch) && !errors.Is(err, aksk.ErrMalformedAuthorization) {
			t.Errorf("%s: Verify = %v, want a rejection", what, err)
		}
	}
	t.Run("method", func(t *testing.T) {
		for i := range req.Method {
			for _, m := range mutateByte(req.Method, i, mutations) {
				r := clone(req)
				r.Method = m
				check(t, fmt.Sprintf("method %q", m), r, body)
			}
		}
	})
	t.Run("path", func(t *testing.T) {
		for i := range req.URL.Path {
			for _, p := range mutateByte(req.URL.Path, i, mutations) {
				r := clone(req)
				r.URL.Path, r.URL.RawPath = p, ""
				check(t, fmt.Sprintf("path %q", p), r, body)
			}
		}
	})
	t.Run("query", func(t *testing.T) {
		for i := range req.URL.RawQuery {
			for _, q := range mutateByte(req.URL.RawQuery, i, mutations) {
				r := clone(req)
				r.URL.RawQuery = q
				check(t, fmt.Sprintf("query %q", q), r, body)
			}
		}
	})
	t.Run("signed header", func(t *testing.T) {
		for _, name := range []string{"X-Project-Id", "X-Language", "User-Agent", "X-Sdk-Date"} {
			val := req.Header.Get(name)
			for i := range val {
				for _, m := range mutateByte(val, i, mutations) {
					r := clone(req)
					r.Header.Set(name, m)
					_, err := v.Verify(r, body)
					if err == nil {
						t.Errorf("%s %q accepted", name, m)
					}
				}
			}
			r := clone(req)
			r.Header.Del(name)
			if _, err := v.Verify(r, body); err == nil {
				t.Errorf("request without %s accepted", name)
			}
		}
		r := clone(req)
		r.Host = "drs.cn-north-4.myhuaweicloud.co"
		check(t, "host", r, body)
	})
	t.Run("body", func(t *testing.T) {
		for i := range body {
			for _, m := range mutateByte(string(body), i, mutations) {
				check(t, "body", req, []byte(m))
			}
		}
		check(t, "body+1", req, append(slices.Clip(body), 'x'))
		check(t, "body-1", req, body[:len(body)-1])
		check(t, "no body", req, nil)
	})
	t.Run("signature", func(t *testing.T) {
		auth := req.Header.Get("Authorization")
		start := strings.Index(auth, "Signature=") + len("Signature=")
		for i := start; i < len(auth); i++ {
			for _, m := range mutateByte(auth, i, "0123456789abcdefABCDEF") {
				r := clone(req)
				r.Header.Set("Authorization", m)
				check(t, "signature", r, body)
			}
		}
	})
	t.Run("signed headers list", func(t *testing.T) {
		auth := req.Header.Get("Authorization")
		for _, m := range []string{
			strings.Replace(auth, "user-agent;", "", 1),
			strings.Replace(auth, "host;", "content-type;host;", 1),
			strings.Replace(auth, "x-language", "x-lang", 1),
		} {
			r := clone(req)
			r.Header.Set("Authorization", m)
			check(t, "signed headers", r, body)
		}
	})
}

func TestWrongSecretKeyRejected(t *testing.T) {
	req, body := signedPrecheckRequest(t)
	v := testVerifier(signTime)
	v.Lookup = func(string) (string, bool) { return testSK + "x", true }
	if _, err := v.Verify(req, body); !errors.Is(err, aksk.ErrSignatureMismatch) {
		t.Fatalf("Verify with wrong SK = %v, want ErrSignatureMismatch", err)
	}
}

func TestUnsignedPartsMayChange(t *testing.T) {
	// Documented properties of the algorithm, not accidents: a trailing '/'
	// is not signed, and neither are headers outside SignedHeaders.
	req, body := signedPrecheckRequest(t)
	r := clone(req)
	r.URL.Path += "/"
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("X-Unsigned", "added by a proxy")
	if _, err := testVerifier(signTime).Verify(r, body); err != nil {
		t.Fatalf("Verify = %v, want nil", err)
	}
}

func TestDateSkew(t *testing.T) {
	req, body := signedPrecheckRequest(t)
	tests := []struct {
		offset  time.Duration
		maxSkew time.Duration
		ok      bool
	}{
		{0, 0, true},
		{15 * time.Minute, 0, true},
		{-15 * time.Minute, 0, true},
		{15*time.Minute + time.Second, 0, false},
		{-15*time.Minute - time.Second, 0, false},
		{24 * time.Hour, 0, false},
		{-24 * time.Hour, 0, false},
		{time.Minute, 30 * time.Second, false},
		{-time.Minute, 30 * time.Second, false},
		{20 * time.Second, 30 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%v", tt.offset, tt.maxSkew), func(t *testing.T) {
			v := testVerifier(signTime.Add(tt.offset))
			v.MaxSkew = tt.maxSkew
			_, err := v.Verify(req, body)
			if tt.ok && err != nil {
				t.Errorf("Verify = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, aksk.ErrDateSkew) {
				t.Errorf("Verify = %v, want ErrDateSkew", err)
			}
		})
	}
}

func TestDateMustBeSigned(t *testing.T) {
	// A genuine signature by the right key that does not cover x-sdk-date.
	req, body := newPrecheckRequest(t)
	date := signTime.Format(aksk.DateFormat)
	req.Header.Set("X-Sdk-Date", date)
	signed := []string{"host", "x-project-id"}
	sig := expectedSignature(req, signed, date, testSK, body)
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+testAK+", SignedHeaders=host;x-project-id, Signature="+sig)
	if _, err := testVerifier(signTime).Verify(req, body); !errors.Is(err, aksk.ErrDateNotSigned) {
		t.Fatalf("Verify = %v, want ErrDateNotSigned", err)
	}
}

func TestVerifyErrors(t *testing.T) {
	signed, body := signedPrecheckRequest(t)
	sig := signatureOf(t, signed)
	tests := []struct {
		name   string
		modify func(*http.Request)
		want   error
	}{
		{"no authorization", func(r *http.Request) { r.Header.Del("Authorization") }, aksk.ErrMissingAuthorization},
		{"two authorizations", func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }, aksk.ErrMalformedAuthorization},
		{"other scheme", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+sig) }, aksk.ErrMalformedAuthorization},
		{"scheme only", func(r *http.Request) { r.Header.Set("Authorization", "SDK-HMAC-SHA256") }, aksk.ErrMalformedAuthorization},
		{"scheme without space", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SDK-HMAC-SHA256 ", "SDK-HMAC-SHA256", 1))
		}, aksk.ErrMalformedAuthorization},
		{"missing signature", func(r *http.Request) {
			r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+testAK+", SignedHeaders=host;x-sdk-date")
		}, aksk.ErrMalformedAuthorization},
		{"missing access", func(r *http.Request) {
			r.Header.Set("Authorization", "SDK-HMAC-SHA256 SignedHeaders=host;x-sdk-date, Signature="+sig)
		}, aksk.ErrMalformedAuthorization},
		{"missing signed headers", func(r *http.Request) {
			r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+testAK+", Signature="+sig)
		}, aksk.ErrMalformedAuthorization},
		{"repeated parameter", func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", Access="+testAK)
		}, aksk.ErrMalformedAuthorization},
		{"unknown parameter", func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", Nonce=1")
		}, aksk.ErrMalformedAuthorization},
		{"parameter without =", func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", junk")
		}, aksk.ErrMalformedAuthorization},
		{"empty access", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Access="+testAK, "Access=", 1))
		}, aksk.ErrMalformedAuthorization},
		{"upper-case signature", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), sig, strings.ToUpper(sig), 1))
		}, aksk.ErrMalformedAuthorization},
		{"short signature", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), sig, sig[1:], 1))
		}, aksk.ErrMalformedAuthorization},
		{"unsorted signed headers", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;user-agent", "user-agent;host", 1))
		}, aksk.ErrMalformedAuthorization},
		{"upper-case signed header", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "Host;", 1))
		}, aksk.ErrMalformedAuthorization},
		{"empty signed header entry", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "host;;", 1))
		}, aksk.ErrMalformedAuthorization},
		{"no date header", func(r *http.Request) { r.Header.Del("X-Sdk-Date") }, aksk.ErrInvalidDate},
		{"two date headers", func(r *http.Request) { r.Header.Add("X-Sdk-Date", r.Header.Get("X-Sdk-Date")) }, aksk.ErrInvalidDate},
		{"bad date", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "2024-05-06T07:08:09Z") }, aksk.ErrInvalidDate},
		{"date with fraction", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20240506T070809.5Z") }, aksk.ErrInvalidDate},
		{"unknown access key", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testAK, "OTHERKEY", 1))
		}, aksk.ErrUnknownAccessKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := clone(signed)
			tt.modify(r)
			ak, err := testVerifier(signTime).Verify(r, body)
			if !errors.Is(err, tt.want) || ak.AccessKey != "" {
				t.Fatalf("Verify = %q, %v; want \"\", %v", ak.AccessKey, err, tt.want)
			}
		})
	}
	if _, err := (aksk.Verifier{}).Verify(signed, body); err == nil {
		t.Error("Verify without Lookup succeeded")
	}
}

func TestAuthorizationParsingIsTolerant(t *testing.T) {
	req, body := signedPrecheckRequest(t)
	sig := signatureOf(t, req)
	sh := strings.Join(signedHeadersOf(t, req), ";")
	for _, auth := range []string{
		"SDK-HMAC-SHA256 Access=" + testAK + ",SignedHeaders=" + sh + ",Signature=" + sig,
		"SDK-HMAC-SHA256   Access=" + testAK + ",   SignedHeaders=" + sh + ",\tSignature=" + sig + " ",
		"SDK-HMAC-SHA256\tSignature=" + sig + ", access=" + testAK + ", signedheaders=" + sh,
		"SDK-HMAC-SHA256 Access = " + testAK + " , SignedHeaders = " + sh + " , Signature = " + sig + ",",
	} {
		r := clone(req)
		r.Header.Set("Authorization", auth)
		if _, err := testVerifier(signTime).Verify(r, body); err != nil {
			t.Errorf("Verify(%q) = %v", auth, err)
		}
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct{ rawURL, want string }{
		{"https://h", "/"},
		{"https://h/", "/"},
		{"https://h/v3/p/jobs/batch-precheck", "/v3/p/jobs/batch-precheck/"},
		{"https://h/v3/p/jobs/batch-precheck/", "/v3/p/jobs/batch-precheck/"},
		{"https://h/a%2Fb/c", "/a%2Fb/c/"},
		{"https://h/a%2fb", "/a%2Fb/"},
		{"https://h/a//b", "/a//b/"},
		{"https://h/%41%7e%7E", "/A~~/"},
		{"https://h/a b/caf%C3%A9/日本", "/a%20b/caf%C3%A9/%E6%97%A5%E6%9C%AC/"},
		{"https://h/a+b/c=d;e", "/a%2Bb/c%3Dd%3Be/"},
		{"https://h/../x/./y", "/../x/./y/"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(http.MethodGet, tt.rawURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(aksk.CanonicalRequest(req, nil, ""), "\n")
		if lines[1] != tt.want {
			t.Errorf("%s: canonical URI %q, want %q", tt.rawURL, lines[1], tt.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ rawQuery, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		{"a&b=", "a=&b="},
		{"a=1&&b=2&", "a=1&b=2"},
		{"k=a+b&k2=a%20b", "k=a%20b&k2=a%20b"},
		{"x=%zz&y=%41", "x=%25zz&y=A"},
		{"q=caf%C3%A9&r=日本", "q=caf%C3%A9&r=%E6%97%A5%E6%9C%AC"},
		{"a=1;b=2", "a=1%3Bb%3D2"},
		{"=v", "=v"},
		{"Z=1&a=1", "Z=1&a=1"},
		{"e=a=b", "e=a%3Db"},
	}
	for _, tt := range tests {
		req := &http.Request{Method: http.MethodGet, Host: "h", URL: &url.URL{Path: "/", RawQuery: tt.rawQuery}}
		lines := strings.Split(aksk.CanonicalRequest(req, nil, ""), "\n")
		if lines[2] != tt.want {
			t.Errorf("%q: canonical query %q, want %q", tt.rawQuery, lines[2], tt.want)
		}
	}
}

func TestCanonicalHeaders(t *testing.T) {
	req := &http.Request{Method: http.MethodGet, Host: "h.example.com:8443", URL: &url.URL{Path: "/"}, Header: http.Header{
		"X-Multi":  {" b ", "a", "\tc"},
		"x-multi":  {"d"}, // non-canonical key: merged after the canonical one
		"X-Space":  {"  inner  space  "},
		"X-Empty":  {""},
		"Host":     {"ignored.example.com"},
		"X-Absent": nil,
	}}
	got := aksk.CanonicalRequest(req, []string{"X-Multi", "x-space", "x-empty", "host", "x-absent", "x-missing"}, "H")
	want := "GET\n/\n\n" +
		"host:h.example.com:8443\nx-absent:\nx-empty:\nx-missing:\nx-multi:b,a,c,d\nx-space:inner  space\n" +
		"\nhost;x-absent;x-empty;x-missing;x-multi;x-space\nH"
	if got != want {
		t.Errorf("canonical request:\n%q\nwant:\n%q", got, want)
	}
}

func TestHTTPTestServer(t *testing.T) {
	// A real client and server (loopback only): the server sees req.URL
	// with path and query only and the host in req.Host.
	v := testVerifier(signTime)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := v.Verify(r, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	paths := []string{
		"/v3/p/jobs/batch-precheck",
		"/a%2Fb/c%20d/caf%C3%A9/",
		"//x//",
		"/%E6%97%A5%E6%9C%AC/+/~/!$'()*,;=:@",
		"",
	}
	queries := []string{"", "a=1&a=0&b=x+y", "q=%E6%97%A5&q=&z", "k=%zz&%41=%61"}
	for _, p := range paths {
		for _, q := range queries {
			for _, body := range [][]byte{nil, []byte(precheckBody)} {
				u := srv.URL + p
				if q != "" {
					u += "?" + q
				}
				req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(string(body)))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-Project-Id", "p")
				req.Header.Add("X-Multi", " one ")
				req.Header.Add("X-Multi", "two")
				if err := testSigner().Sign(req, body); err != nil {
					t.Fatal(err)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					t.Errorf("%s (body %d bytes): %s: %s", u, len(body), resp.Status, msg)
				}
			}
		}
	}
}

// TestParseAuthorization: the one reading of the header returns its parts,
// and the verified Authorization says which headers the signature covers.
func TestParseAuthorization(t *testing.T) {
	sig := strings.Repeat("0a", 32)
	a, err := aksk.ParseAuthorization("SDK-HMAC-SHA256  access=AK1 ,SignedHeaders=host;x-sdk-date;x-security-token, SIGNATURE=" + sig + ",")
	if err != nil || a.AccessKey != "AK1" || a.Signature != sig || strings.Join(a.SignedHeaders, ";") != "host;x-sdk-date;x-security-token" {
		t.Fatalf("ParseAuthorization = %+v, %v", a, err)
	}
	for _, bad := range []string{"", "Bearer x", "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=" + strings.ToUpper(sig),
		"SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date;host, Signature=" + sig} {
		if _, err := aksk.ParseAuthorization(bad); !errors.Is(err, aksk.ErrMalformedAuthorization) {
			t.Errorf("ParseAuthorization(%q) = %v", bad, err)
		}
	}
	req, body := signedPrecheckRequest(t)
	got, err := testVerifier(signTime).Verify(req, body)
	want, perr := aksk.ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil || perr != nil || !slices.Equal(got.SignedHeaders, want.SignedHeaders) || !slices.Contains(got.SignedHeaders, "x-sdk-date") {
		t.Errorf("Verify = %+v, %v; the header holds %+v, %v", got, err, want, perr)
	}
}
