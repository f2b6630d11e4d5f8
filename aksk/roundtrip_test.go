package aksk_test

import (
	"errors"
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

func TestSignVerify(t *testing.T) {
	for _, c := range []struct {
		name           string
		token          string
		signed, header []string // Signer.SignedHeaders; extra request headers, name then value
		want           []string // SignedHeaders sent
	}{
		{name: "default", want: []string{"host", "user-agent", "x-language", "x-project-id", "x-sdk-date"}},
		{name: "default with token, framing, hop-by-hop, underscore and stale headers", token: testToken,
			header: []string{"Content-Length", "123", "Connection", "keep-alive", "X_Underscore", "dropped by proxies", "Authorization", "Bearer stale"},
			want:   []string{"host", "user-agent", "x-language", "x-project-id", "x-sdk-date", "x-security-token"}},
		{name: "explicit", token: testToken, signed: []string{"X-Project-Id", "Content-Type", "content-type", "HOST"},
			want: []string{"content-type", "host", "x-project-id", "x-sdk-date", "x-security-token"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, body := newPrecheckRequest(t)
			for i := 0; i < len(c.header); i += 2 {
				req.Header.Set(c.header[i], c.header[i+1])
			}
			s := testSigner()
			s.SecurityToken, s.SignedHeaders = c.token, slices.Clone(c.signed)
			if err := s.Sign(req, body); err != nil {
				t.Fatal(err)
			}
			if got := authOf(t, req).SignedHeaders; !slices.Equal(got, c.want) {
				t.Errorf("SignedHeaders = %v, want %v", got, c.want)
			}
			if !slices.Equal(s.SignedHeaders, c.signed) {
				t.Errorf("Sign modified Signer.SignedHeaders: %v", s.SignedHeaders)
			}
			if got := req.Header.Get("X-Security-Token"); got != c.token {
				t.Errorf("X-Security-Token = %q, want %q", got, c.token)
			}
			got, err := testVerifier(signTime).Verify(req, body)
			if err != nil || got.AccessKey != testAK || !slices.Equal(got.SignedHeaders, c.want) {
				t.Fatalf("Verify = %+v, %v", got, err)
			}
			if c.header != nil {
				return // a hand-set Content-Length cannot go over the wire
			}
			if srv, ok := overTheWire(req, body); !ok {
				t.Fatal("request cannot be sent")
			} else if _, err := testVerifier(signTime).Verify(srv, body); err != nil {
				t.Fatalf("server-side Verify: %v", err)
			}
		})
	}
}

// TestSignErrors: bad input gets its error, leaves the request as it was and
// quotes no secret.
func TestSignErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		modify func(*aksk.Signer, *http.Request)
		want   error
	}{
		{"empty AK", func(s *aksk.Signer, _ *http.Request) { s.AccessKey = "" }, aksk.ErrInvalidCredentials},
		{"empty SK", func(s *aksk.Signer, _ *http.Request) { s.SecretKey = "" }, aksk.ErrInvalidCredentials},
		{"AK with comma", func(s *aksk.Signer, _ *http.Request) { s.AccessKey = testSK + ",b" }, aksk.ErrInvalidCredentials},
		{"AK with space", func(s *aksk.Signer, _ *http.Request) { s.AccessKey = "ab " }, aksk.ErrInvalidCredentials},
		{"token with newline", func(s *aksk.Signer, _ *http.Request) { s.SecurityToken = testToken + "\n" }, aksk.ErrInvalidCredentials},
		{"listed header absent", func(s *aksk.Signer, _ *http.Request) { s.SignedHeaders = []string{"x-absent"} }, aksk.ErrInvalidSignedHeaders},
		{"listed authorization", func(s *aksk.Signer, r *http.Request) {
			r.Header.Set("Authorization", "old")
			s.SignedHeaders = []string{"authorization"}
		}, aksk.ErrInvalidSignedHeaders},
		{"listed name invalid", func(s *aksk.Signer, _ *http.Request) { s.SignedHeaders = []string{"x;y"} }, aksk.ErrInvalidSignedHeaders},
		{"request header name invalid", func(_ *aksk.Signer, r *http.Request) { r.Header["Bad Name"] = []string{"v"} }, aksk.ErrInvalidSignedHeaders},
		{"no host", func(_ *aksk.Signer, r *http.Request) { r.Host = ""; r.URL.Host = "" }, aksk.ErrInvalidSignedHeaders},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, body := newPrecheckRequest(t)
			s := testSigner()
			tt.modify(&s, req)
			before := req.Header.Clone()
			err := s.Sign(req, body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sign error = %v, want %v", err, tt.want)
			}
			assertNoSecrets(t, "Sign error", err.Error(), testSK, testToken)
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

// Replacement bytes for the single-byte mutations: letters, digits,
// delimiters and escape characters.
const mutations = "aAz0/%+=&;~ .-_\x00\xff"

func TestSingleByteChangesRejected(t *testing.T) {
	req, body := signedPrecheckRequest(t, testSigner())
	v := testVerifier(signTime)
	auth := req.Header.Get("Authorization")
	sigAt := strings.Index(auth, "Signature=") + len("Signature=")
	// Each part of the request, with how to set it on a clone; from is
	// where changes start, alts the replacement bytes. A changed header may
	// fail for its value (a date) rather than the signature.
	type part struct {
		name, value, alts string
		from              int
		set               func(r *http.Request, v string) []byte // the body to verify
		header            bool
	}
	header := func(name string) part {
		return part{name, req.Header.Get(name), mutations, 0, func(r *http.Request, v string) []byte { r.Header.Set(name, v); return body }, true}
	}
	for _, p := range []part{
		{"method", req.Method, mutations, 0, func(r *http.Request, v string) []byte { r.Method = v; return body }, false},
		{"path", req.URL.Path, mutations, 0, func(r *http.Request, v string) []byte { r.URL.Path, r.URL.RawPath = v, ""; return body }, false},
		{"query", req.URL.RawQuery, mutations, 0, func(r *http.Request, v string) []byte { r.URL.RawQuery = v; return body }, false},
		{"host", req.Host, mutations, 0, func(r *http.Request, v string) []byte { r.Host = v; return body }, false},
		header("X-Project-Id"), header("X-Language"), header("User-Agent"), header("X-Sdk-Date"),
		{"body", string(body), mutations, 0, func(_ *http.Request, v string) []byte { return []byte(v) }, false},
		{"signature", auth, "0123456789abcdefABCDEF", sigAt, func(r *http.Request, v string) []byte { r.Header.Set("Authorization", v); return body }, false},
	} {
		for i := p.from; i < len(p.value); i++ {
			for j := range len(p.alts) {
				if p.alts[j] == p.value[i] {
					continue
				}
				r := clone(req)
				m := p.value[:i] + p.alts[j:j+1] + p.value[i+1:]
				_, err := v.Verify(r, p.set(r, m))
				if p.header && err == nil || !p.header && !errors.Is(err, aksk.ErrSignatureMismatch) && !errors.Is(err, aksk.ErrMalformedAuthorization) {
					t.Errorf("%s %q: Verify = %v, want a rejection", p.name, m, err)
				}
			}
		}
	}
	for _, name := range []string{"X-Project-Id", "X-Language", "User-Agent", "X-Sdk-Date"} {
		r := clone(req)
		r.Header.Del(name)
		if _, err := v.Verify(r, body); err == nil {
			t.Errorf("request without %s accepted", name)
		}
	}
	for _, b := range [][]byte{append(slices.Clip(body), 'x'), body[:len(body)-1], nil} {
		if _, err := v.Verify(req, b); !errors.Is(err, aksk.ErrSignatureMismatch) {
			t.Errorf("body %q: Verify = %v", b, err)
		}
	}
	for _, m := range []string{
		strings.Replace(auth, "user-agent;", "", 1),
		strings.Replace(auth, "host;", "content-type;host;", 1),
		strings.Replace(auth, "x-language", "x-lang", 1),
	} {
		r := clone(req)
		r.Header.Set("Authorization", m)
		if _, err := v.Verify(r, body); !errors.Is(err, aksk.ErrSignatureMismatch) {
			t.Errorf("signed headers %q: Verify = %v", m, err)
		}
	}
}

func TestUnsignedPartsMayChange(t *testing.T) {
	// Documented properties of the algorithm, not accidents: a trailing '/'
	// is not signed, and neither are headers outside SignedHeaders.
	req, body := signedPrecheckRequest(t, testSigner())
	r := clone(req)
	r.URL.Path += "/"
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("X-Unsigned", "added by a proxy")
	if _, err := testVerifier(signTime).Verify(r, body); err != nil {
		t.Fatalf("Verify = %v, want nil", err)
	}
}

func TestDateSkew(t *testing.T) {
	req, body := signedPrecheckRequest(t, testSigner())
	for _, tt := range []struct {
		offset, maxSkew time.Duration
		ok              bool
	}{
		{0, 0, true}, {15 * time.Minute, 0, true}, {-15 * time.Minute, 0, true},
		{15*time.Minute + time.Second, 0, false}, {-15*time.Minute - time.Second, 0, false},
		{24 * time.Hour, 0, false}, {-24 * time.Hour, 0, false},
		{time.Minute, 30 * time.Second, false}, {-time.Minute, 30 * time.Second, false},
		{20 * time.Second, 30 * time.Second, true},
	} {
		v := testVerifier(signTime.Add(tt.offset))
		v.MaxSkew = tt.maxSkew
		if _, err := v.Verify(req, body); (tt.ok && err != nil) || (!tt.ok && !errors.Is(err, aksk.ErrDateSkew)) {
			t.Errorf("offset %v, MaxSkew %v: Verify = %v, want ok %v or ErrDateSkew", tt.offset, tt.maxSkew, err, tt.ok)
		}
	}
}

// TestVerifyErrors: each rejection has its error, no access key, and quotes
// no secret: not the keys, the token, the signature, the header, nor the
// signature the server expected.
func TestVerifyErrors(t *testing.T) {
	s := testSigner()
	s.SecurityToken = testToken
	signed, body := signedPrecheckRequest(t, s)
	auth := signed.Header.Get("Authorization")
	sig := authOf(t, signed).Signature
	set := func(a string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("Authorization", a) } }
	replace := func(old, new string) func(*http.Request) { return set(strings.Replace(auth, old, new, 1)) }
	setDate := func(d string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("X-Sdk-Date", d) } }
	for _, tt := range []struct {
		name   string
		modify func(*http.Request)
		want   error
		v      func(*aksk.Verifier)
		body   []byte
	}{
		{name: "no authorization", modify: func(r *http.Request) { r.Header.Del("Authorization") }, want: aksk.ErrMissingAuthorization},
		{name: "two authorizations", modify: func(r *http.Request) { r.Header.Add("Authorization", auth) }, want: aksk.ErrMalformedAuthorization},
		{name: "the secret key", modify: set(testSK), want: aksk.ErrMalformedAuthorization},
		{name: "other scheme", modify: set("Bearer " + testToken), want: aksk.ErrMalformedAuthorization},
		{name: "scheme only", modify: set("SDK-HMAC-SHA256"), want: aksk.ErrMalformedAuthorization},
		{name: "scheme without space", modify: replace("SDK-HMAC-SHA256 ", "SDK-HMAC-SHA256"), want: aksk.ErrMalformedAuthorization},
		{name: "missing signature", modify: set("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=host;x-sdk-date"), want: aksk.ErrMalformedAuthorization},
		{name: "missing access", modify: set("SDK-HMAC-SHA256 SignedHeaders=host;x-sdk-date, Signature=" + sig), want: aksk.ErrMalformedAuthorization},
		{name: "missing signed headers", modify: set("SDK-HMAC-SHA256 Access=" + testAK + ", Signature=" + sig), want: aksk.ErrMalformedAuthorization},
		{name: "repeated parameter", modify: set(auth + ", Access=" + testAK), want: aksk.ErrMalformedAuthorization},
		{name: "unknown parameter", modify: set(auth + ", Nonce=1"), want: aksk.ErrMalformedAuthorization},
		{name: "secret as a parameter name", modify: set("SDK-HMAC-SHA256 " + testSK + "=1, Access=a, SignedHeaders=x-sdk-date, Signature=" + sig), want: aksk.ErrMalformedAuthorization},
		{name: "parameter without =", modify: set(auth + ", junk"), want: aksk.ErrMalformedAuthorization},
		{name: "empty access", modify: replace("Access="+testAK, "Access="), want: aksk.ErrMalformedAuthorization},
		{name: "upper-case signature", modify: replace(sig, strings.ToUpper(sig)), want: aksk.ErrMalformedAuthorization},
		{name: "short signature", modify: replace(sig, sig[1:]), want: aksk.ErrMalformedAuthorization},
		{name: "secret as signature", modify: replace(sig, testSK), want: aksk.ErrMalformedAuthorization},
		{name: "unsorted signed headers", modify: replace("host;user-agent", "user-agent;host"), want: aksk.ErrMalformedAuthorization},
		{name: "upper-case signed header", modify: replace("host;", "Host;"), want: aksk.ErrMalformedAuthorization},
		{name: "empty signed header entry", modify: replace("host;", "host;;"), want: aksk.ErrMalformedAuthorization},
		{name: "secret as signed headers", modify: set("SDK-HMAC-SHA256 Access=a, SignedHeaders=" + testSK + ", Signature=" + sig), want: aksk.ErrMalformedAuthorization},
		{name: "date not signed", modify: replace("x-sdk-date;", ""), want: aksk.ErrDateNotSigned},
		{name: "no date header", modify: func(r *http.Request) { r.Header.Del("X-Sdk-Date") }, want: aksk.ErrInvalidDate},
		{name: "two date headers", modify: func(r *http.Request) { r.Header.Add("X-Sdk-Date", r.Header.Get("X-Sdk-Date")) }, want: aksk.ErrInvalidDate},
		{name: "bad date", modify: setDate("2024-05-06T07:08:09Z"), want: aksk.ErrInvalidDate},
		{name: "date with fraction", modify: setDate("20240506T070809.5Z"), want: aksk.ErrInvalidDate},
		{name: "secret as date", modify: setDate(testSK), want: aksk.ErrInvalidDate},
		{name: "a day late", v: func(v *aksk.Verifier) { *v = testVerifier(signTime.Add(-24 * time.Hour)) }, want: aksk.ErrDateSkew},
		{name: "unknown access key", modify: replace(testAK, "OTHERKEY"), want: aksk.ErrUnknownAccessKey},
		{name: "secret as access key", modify: replace(testAK, testSK), want: aksk.ErrUnknownAccessKey},
		{name: "lookup fails", v: func(v *aksk.Verifier) { v.Lookup = func(string) (string, bool) { return "", false } }, want: aksk.ErrUnknownAccessKey},
		{name: "wrong secret key", v: func(v *aksk.Verifier) { v.Lookup = func(string) (string, bool) { return testSK + "2", true } }, want: aksk.ErrSignatureMismatch},
		{name: "token changed", modify: func(r *http.Request) { r.Header.Set("X-Security-Token", testToken+"x") }, want: aksk.ErrSignatureMismatch},
		{name: "body cut", body: body[1:], want: aksk.ErrSignatureMismatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, b, v := clone(signed), body, testVerifier(signTime)
			if tt.modify != nil {
				tt.modify(r)
			}
			if tt.v != nil {
				tt.v(&v)
			}
			if tt.body != nil {
				b = tt.body
			}
			ak, err := v.Verify(r, b)
			if !errors.Is(err, tt.want) || ak.AccessKey != "" {
				t.Fatalf("Verify = %q, %v; want \"\", %v", ak.AccessKey, err, tt.want)
			}
			expected := expectedSignature(r, authOf(t, signed).SignedHeaders, signed.Header.Get("X-Sdk-Date"), testSK, b)
			assertNoSecrets(t, "Verify error", err.Error(), testSK, testToken, sig, auth, expected)
			if !strings.HasPrefix(err.Error(), "aksk: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
	if _, err := (aksk.Verifier{}).Verify(signed, body); err == nil {
		t.Error("Verify without Lookup succeeded")
	}
}

func TestDateMustBeSigned(t *testing.T) {
	// A genuine signature by the right key that does not cover x-sdk-date.
	req, body := newPrecheckRequest(t)
	date := signTime.Format(aksk.DateFormat)
	req.Header.Set("X-Sdk-Date", date)
	sig := expectedSignature(req, []string{"host", "x-project-id"}, date, testSK, body)
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+testAK+", SignedHeaders=host;x-project-id, Signature="+sig)
	if _, err := testVerifier(signTime).Verify(req, body); !errors.Is(err, aksk.ErrDateNotSigned) {
		t.Fatalf("Verify = %v, want ErrDateNotSigned", err)
	}
}

// TestParseAuthorization: the one reading of the header is tolerant of white
// space, case and commas, strict about the values, and is what Verify returns.
func TestParseAuthorization(t *testing.T) {
	req, body := signedPrecheckRequest(t, testSigner())
	want := authOf(t, req)
	sig, sh := want.Signature, strings.Join(want.SignedHeaders, ";")
	for _, auth := range []string{
		"SDK-HMAC-SHA256 Access=" + testAK + ",SignedHeaders=" + sh + ",Signature=" + sig,
		"SDK-HMAC-SHA256   Access=" + testAK + ",   SignedHeaders=" + sh + ",\tSignature=" + sig + " ",
		"SDK-HMAC-SHA256\tSignature=" + sig + ", access=" + testAK + ", signedheaders=" + sh,
		"SDK-HMAC-SHA256 Access = " + testAK + " , SignedHeaders = " + sh + " , Signature = " + sig + ",",
		"SDK-HMAC-SHA256  access=" + testAK + " ,SignedHeaders=" + sh + ", SIGNATURE=" + sig + ",",
	} {
		if a, err := aksk.ParseAuthorization(auth); err != nil || !reflect.DeepEqual(a, want) {
			t.Errorf("ParseAuthorization(%q) = %+v, %v; want %+v", auth, a, err, want)
		}
		r := clone(req)
		r.Header.Set("Authorization", auth)
		if got, err := testVerifier(signTime).Verify(r, body); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Verify(%q) = %+v, %v", auth, got, err)
		}
	}
	for _, bad := range []string{"", "Bearer x", "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=" + strings.ToUpper(sig),
		"SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date;host, Signature=" + sig} {
		if _, err := aksk.ParseAuthorization(bad); !errors.Is(err, aksk.ErrMalformedAuthorization) {
			t.Errorf("ParseAuthorization(%q) = %v", bad, err)
		}
	}
}

func TestCanonicalURIAndQuery(t *testing.T) {
	for _, tt := range []struct{ path, query, uri, canonicalQuery string }{
		{"", "", "/", ""},
		{"/", "b=2&a=1", "/", "a=1&b=2"},
		{"/v3/p/jobs/batch-precheck", "a=2&a=1&a=10", "/v3/p/jobs/batch-precheck/", "a=1&a=10&a=2"},
		{"/v3/p/jobs/batch-precheck/", "a&b=", "/v3/p/jobs/batch-precheck/", "a=&b="},
		{"/a%2Fb/c", "a=1&&b=2&", "/a%2Fb/c/", "a=1&b=2"},
		{"/a%2fb", "k=a+b&k2=a%20b", "/a%2Fb/", "k=a%20b&k2=a%20b"},
		{"/a//b", "x=%zz&y=%41", "/a//b/", "x=%25zz&y=A"},
		{"/%41%7e%7E", "q=caf%C3%A9&r=日本", "/A~~/", "q=caf%C3%A9&r=%E6%97%A5%E6%9C%AC"},
		{"/a b/caf%C3%A9/日本", "a=1;b=2", "/a%20b/caf%C3%A9/%E6%97%A5%E6%9C%AC/", "a=1%3Bb%3D2"},
		{"/a+b/c=d;e", "=v", "/a%2Bb/c%3Dd%3Be/", "=v"},
		{"/../x/./y", "Z=1&a=1", "/../x/./y/", "Z=1&a=1"},
		{"/", "e=a=b", "/", "e=a%3Db"},
	} {
		u, err := url.Parse("https://h" + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		u.RawQuery = tt.query
		lines := strings.Split(aksk.CanonicalRequest(&http.Request{Method: http.MethodGet, Host: "h", URL: u}, nil, ""), "\n")
		if lines[1] != tt.uri || lines[2] != tt.canonicalQuery {
			t.Errorf("%s?%s: canonical URI %q, query %q; want %q, %q", tt.path, tt.query, lines[1], lines[2], tt.uri, tt.canonicalQuery)
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
		if err == nil {
			_, err = v.Verify(r, body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	for _, p := range []string{"/v3/p/jobs/batch-precheck", "/a%2Fb/c%20d/caf%C3%A9/", "//x//", "/%E6%97%A5%E6%9C%AC/+/~/!$'()*,;=:@", ""} {
		for _, q := range []string{"", "?a=1&a=0&b=x+y", "?q=%E6%97%A5&q=&z", "?k=%zz&%41=%61"} {
			for _, body := range []string{"", precheckBody} {
				req, err := http.NewRequest(http.MethodPost, srv.URL+p+q, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-Project-Id", "p")
				req.Header["X-Multi"] = []string{" one ", "two"}
				if err := testSigner().Sign(req, []byte(body)); err != nil {
					t.Fatal(err)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					t.Errorf("%s (body %d bytes): %s: %s", req.URL, len(body), resp.Status, msg)
				}
			}
		}
	}
}
