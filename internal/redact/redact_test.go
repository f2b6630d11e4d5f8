package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/drsclient/drs-precheck/aksk"
)

// tricky is a secret holding every character some encoding changes: URL
// reserved characters, JSON's HTML escapes, a quote, a backslash, a slash,
// non-ASCII (BMP and above), and U+2028.
const tricky = "tok/en+=&<>\"'\\ é☃😀\u2028x?#%"

// Independent encoders for the tests: written here, not taken from the
// package, so a form the package forgets fails.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b[1 : len(b)-1])
}

func jsonNoHTML(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	b := bytes.TrimSpace(buf.Bytes())
	return string(b[1 : len(b)-1])
}

// upperEscapes writes \u escapes with upper-case hex (Java, .NET).
func upperEscapes(s string) string {
	return regexp.MustCompile(`\\u[0-9a-f]{4}`).ReplaceAllStringFunc(s, func(e string) string { return `\u` + strings.ToUpper(e[2:]) })
}

// lowerEscapes writes %XX escapes with lower-case hex.
func lowerEscapes(s string) string {
	return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(s, strings.ToLower)
}

// forms are the encodings servers echo a secret in, which it must be found
// in: raw, URL-escaped (query or path) and JSON-escaped (with "\/"), the hex
// of escapes in either case.
var forms = []struct {
	name string
	enc  func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"query", url.QueryEscape},
	{"query lower-case hex", func(s string) string { return lowerEscapes(url.QueryEscape(s)) }},
	{"path", url.PathEscape},
	{"path lower-case hex", func(s string) string { return lowerEscapes(url.PathEscape(s)) }},
	{"json", jsonString},
	{"json upper-case hex", func(s string) string { return upperEscapes(jsonString(s)) }},
	{"json without HTML escaping", jsonNoHTML},
	{"json with escaped slash", func(s string) string { return strings.ReplaceAll(jsonString(s), "/", `\/`) }},
	{"json without HTML escaping, escaped slash", func(s string) string { return strings.ReplaceAll(jsonNoHTML(s), "/", `\/`) }},
}

func TestStringEveryEncoding(t *testing.T) {
	secrets := []string{tricky, "MIIEhAYJKoZIhvcNAQcCoIIEdTCCBHECAQExDTALBglghkgBZQMEAgEw+/==", "AbCdEf0123456789aBcDeF"}
	for _, secret := range secrets {
		r := New(secret)
		for _, f := range forms {
			enc := f.enc(secret)
			got := r.String("before " + enc + " after")
			if want := "before " + Mask + " after"; got != want {
				t.Errorf("secret %q, %s form %q:\n got %q\nwant %q", secret, f.name, enc, got, want)
			}
			if got := r.String("[" + enc + "]"); got != "["+Mask+"]" {
				t.Errorf("secret %q, %s form in brackets: got %q", secret, f.name, got)
			}
		}
	}
}

func TestStringSeveralSecretsAndOccurrences(t *testing.T) {
	r := New("", "token-value-1", "sk-secret-2", "sec/token+3")
	in := `{"a":"token-value-1","b":"sk-secret-2 sk-secret-2","c":"sec\/token+3","d":"` + url.QueryEscape("sec/token+3") + `","e":"kept"}`
	want := `{"a":"[REDACTED]","b":"[REDACTED] [REDACTED]","c":"[REDACTED]","d":"[REDACTED]","e":"kept"}`
	if got := r.String(in); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// Adjacent and overlapping occurrences are masked together, with no
	// tail of either left.
	if got := r.String("token-value-1token-value-1"); got != Mask {
		t.Errorf("adjacent: %q", got)
	}
	ov := New("abcabc")
	if got := ov.String("xabcabcabcy"); got != "x"+Mask+"y" {
		t.Errorf("overlapping: %q", got)
	}
	// A secret that is the tail of another form: both masked, none visible.
	nested := New("secret-long-value", "long-value")
	if got := nested.String("a secret-long-value b long-value"); got != "a "+Mask+" b "+Mask {
		t.Errorf("nested: %q", got)
	}
	// A raw secret that looks like the end of an escape is still found.
	hexish := New("2Fabcd")
	if got := hexish.String("x%2Fabcd"); got != "x%"+Mask {
		t.Errorf("secret after %%: %q", got)
	}
}

func TestShortAndEmptySecretsIgnored(t *testing.T) {
	r := New("", "a", "ab", "abc")
	text := "a cab abc ab"
	if got := r.String(text); got != text {
		t.Fatalf("secrets shorter than %d bytes must be ignored: %q", MinSecretLen, got)
	}
	if got := New("abcd").String(text + "cd"); got != "a cab abc "+Mask {
		t.Fatalf("a %d-byte secret is masked: %q", MinSecretLen, got)
	}
}

func TestSignatureMaskedWithoutSecrets(t *testing.T) {
	var r *Redactor // a nil Redactor still masks signatures
	sig := "8c2f7ad1e3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
	for in, want := range map[string]string{
		"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + sig: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + Mask,
		"https://h/p?X-Sdk-Signature=" + strings.ToUpper(sig) + "&a=b":    "https://h/p?X-Sdk-Signature=" + Mask + "&a=b",
		"auth%20signature%3D" + sig:                                       "auth%20signature%3D" + Mask,
		`{"m":"signature\u003d` + sig + `"}`:                              `{"m":"signature\u003d` + Mask + `"}`,
		"no signature here":                                               "no signature here",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	if got := r.Header(http.Header{"X-Request-Id": {"Signature=" + sig}}).Get("X-Request-Id"); got != "Signature="+Mask {
		t.Errorf("nil Redactor Header: %q", got)
	}
}

func TestIsSecretHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"Authorization": true, "authorization": true, "X-Auth-Token": true, "x-security-token": true,
		"X-Subject-Token": true, "Cookie": true, "Set-Cookie": true, "Proxy-Authorization": true,
		"X-Api-Key": true, "X-Amz-Security-Token": true, "X-Client-Secret": true, "X-Password": true,
		"X-Credential": true, "X-Session-Id": true, "Sessionid": true, "X-Apikey": true,
		"Content-Type": false, "X-Request-Id": false, "Host": false, "X-Sdk-Date": false, "X-Project-Id": false,
	} {
		if got := IsSecretHeader(name); got != want {
			t.Errorf("IsSecretHeader(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestHeader(t *testing.T) {
	token, sk := "MIIE-token-value/with+chars=", "sk-0123456789abcdef"
	r := New(token, sk)
	sig := strings.Repeat("ab12", 16)
	in := http.Header{
		"Authorization":    {"SDK-HMAC-SHA256 Access=AKIDEXAMPLE, SignedHeaders=content-type;host;x-sdk-date, Signature=" + sig},
		"X-Auth-Token":     {token},
		"X-Security-Token": {"anything"},
		"Set-Cookie":       {"s=1", "t=2"},
		"X-Api-Key":        {"k"},
		"X-Request-Id":     {"req-" + url.QueryEscape(token)},
		"X-Echo":           {`{"sk":"` + sk + `"}`},
		"Content-Type":     {"application/json"},
	}
	before := in.Clone()
	got := r.Header(in)
	want := http.Header{
		"Authorization":    {"SDK-HMAC-SHA256 Access=AKIDEXAMPLE, SignedHeaders=content-type;host;x-sdk-date, Signature=" + Mask},
		"X-Auth-Token":     {Mask},
		"X-Security-Token": {Mask},
		"Set-Cookie":       {Mask, Mask},
		"X-Api-Key":        {Mask},
		"X-Request-Id":     {"req-" + Mask},
		"X-Echo":           {`{"sk":"` + Mask + `"}`},
		"Content-Type":     {"application/json"},
	}
	for k := range want {
		if strings.Join(got[k], "|") != strings.Join(want[k], "|") {
			t.Errorf("%s: got %q, want %q", k, got[k], want[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d headers, want %d", len(got), len(want))
	}
	for k, vs := range before {
		if strings.Join(in[k], "|") != strings.Join(vs, "|") {
			t.Errorf("Header modified its input at %s", k)
		}
	}
	for _, v := range []string{"Bearer abc", "SDK-HMAC-SHA256 Access=A, Signature=" + sig, "SDK-HMAC-SHA256 Access=A, SignedHeaders=h, Extra=x, Signature=s", "SDK-HMAC-SHA256 garbage", ""} {
		if got := r.Header(http.Header{"Authorization": {v}}).Get("Authorization"); got != Mask {
			t.Errorf("Authorization %q: got %q, want the whole value masked", v, got)
		}
	}
	// The access key of a signature is scrubbed too if it is a known secret.
	if got := New("AKIDEXAMPLE").Header(in).Get("Authorization"); strings.Contains(got, "AKIDEXAMPLE") {
		t.Errorf("known secret kept in Access=: %q", got)
	}
	if r.Header(nil) != nil {
		t.Error("Header(nil) != nil")
	}
}

func TestExcerpt(t *testing.T) {
	token := strings.Repeat("T0k", 20)
	r := New(token)
	head := strings.Repeat("x", 90)
	body := []byte(head + token + strings.Repeat("y", 50))
	// The cut falls inside the token: scrubbing first leaves none of it.
	got := excerpt(r, body, 95)
	if strings.Contains(got, "T0k") {
		t.Fatalf("excerpt holds part of the secret: %q", got)
	}
	scrubbed := head + Mask + strings.Repeat("y", 50)
	if want := head + "…(" + itoa(len(scrubbed)-len(head)) + " more bytes)"; got != want {
		t.Errorf("a cut inside a Mask moves before it:\n got %q\nwant %q", got, want)
	}
	if got := excerpt(r, body, 200); got != scrubbed {
		t.Errorf("no cut needed: %q", got)
	}
	if got := excerpt(r, body, len(head)+len(Mask)+3); got != head+Mask+"yyy…(47 more bytes)" {
		t.Errorf("cut after the Mask: %q", got)
	}
	// Rune boundary: "é" is 2 bytes, never split.
	e := []byte("aé" + strings.Repeat("z", 10))
	if got := excerpt(r, e, 2); got != "a…(12 more bytes)" {
		t.Errorf("rune boundary: %q", got)
	}
	if got := excerpt(r, e, 3); !strings.HasPrefix(got, "aé…") || !utf8.ValidString(got) {
		t.Errorf("rune boundary: %q", got)
	}
	if got := excerpt(r, e, 0); got != "…(13 more bytes)" {
		t.Errorf("max 0: %q", got)
	}
	if got := excerpt(r, e, -5); got != "…(13 more bytes)" {
		t.Errorf("max < 0: %q", got)
	}
	if got := excerpt(r, nil, 10); got != "" {
		t.Errorf("empty: %q", got)
	}
}

// excerpt is Excerpt of a whole text.
func excerpt(r *Redactor, b []byte, limit int) string { return r.Excerpt(b, int64(len(b)), limit) }

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestConcurrentUse(t *testing.T) {
	r := New("concurrent-secret")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := r.String("a concurrent-secret b"); got != "a "+Mask+" b" {
					t.Errorf("got %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzRedact: for any secret (of at least MinSecretLen bytes) and any text
// around it, in every form, the output holds the secret in no form. The
// check splits the output at each Mask: what is between masks is original
// text, so a form of the secret there is a leak, while a form made up of a
// Mask and its neighbours is not.
func FuzzRedact(f *testing.F) {
	f.Add(tricky, "pre ", " post")
	f.Add("MIIEhAYJKoZIhvcNAQcC+/=", `{"error_msg":"`, `"}`)
	f.Add("abcd", "abc", "bcd")
	f.Add("%2Fab", "%", "")
	f.Add("CTED", "[REDA", "]")
	f.Fuzz(func(t *testing.T, secret, prefix, suffix string) {
		if len(secret) < MinSecretLen {
			return
		}
		r := New(secret)
		for _, form := range forms {
			text := prefix + form.enc(secret) + suffix
			out := r.String(text)
			for piece := range strings.SplitSeq(out, Mask) {
				for _, g := range forms {
					if enc := g.enc(secret); strings.Contains(piece, enc) {
						t.Fatalf("secret %q: text %q (%s form) gave %q, which holds its %s form %q", secret, text, form.name, out, g.name, enc)
					}
				}
			}
			ex := excerpt(r, []byte(text), len(prefix)+len(form.enc(secret))/2)
			for piece := range strings.SplitSeq(ex, Mask) {
				if strings.Contains(piece, secret) {
					t.Fatalf("excerpt %q holds the secret %q", ex, secret)
				}
			}
		}
	})
}

// TestExcerptOfPartialStream cuts a stream at every byte of a secret's form:
// what Excerpt shows of the part read never holds any of the secret, because the
// tail that might start a secret is held back.
func TestExcerptOfPartialStream(t *testing.T) {
	secret := "TOKEN/with+chars=&<é>" // no 'x': the text around it is all 'x'
	r := New(secret)
	if r.Window() < len(secret) {
		t.Fatalf("Window() = %d, shorter than the secret", r.Window())
	}
	head := strings.Repeat("x", 100)
	for _, f := range forms {
		enc := f.enc(secret)
		stream := head + enc + strings.Repeat("x", 50)
		for k := len(head); k <= len(head)+len(enc); k++ {
			out := r.Excerpt([]byte(stream[:k]), int64(len(stream)), 1<<20)
			shown, marker, _ := strings.Cut(out, "…(")
			if rest := strings.Trim(strings.ReplaceAll(shown, Mask, ""), "x"); rest != "" {
				t.Fatalf("%s form cut at %d: Excerpt shows %q of the secret: %q", f.name, k-len(head), rest, out)
			}
			if marker == "" {
				t.Fatalf("%s form cut at %d: no marker for the bytes not shown: %q", f.name, k-len(head), out)
			}
		}
	}
	// A complete stream shows everything; the marker counts the unread rest.
	if got := r.Excerpt([]byte("abc"), 3, 10); got != "abc" {
		t.Errorf("complete: %q", got)
	}
	b := []byte("x" + secret + strings.Repeat("y", r.Window()))
	total := int64(len(b) + 1000)
	if got, want := r.Excerpt(b, total, 100), "x"+Mask+"y…("+itoa(int(total)-len(secret)-2)+" more bytes)"; got != want {
		t.Errorf("partial, secret whole before the held-back tail:\n got %q\nwant %q", got, want)
	}
	var nilR *Redactor
	if nilR.Window() != 0 {
		t.Error("nil Window")
	}
	if got := nilR.Excerpt([]byte("abcdef"), 10, 4); got != "abcd…(6 more bytes)" {
		t.Errorf("nil Head: %q", got)
	}
}

func TestWith(t *testing.T) {
	base := New("first-secret")
	more := base.With("second-secret", "", "ab", "first-secret")
	text := "first-secret second-secret"
	if got := base.String(text); got != Mask+" second-secret" {
		t.Errorf("With changed its receiver: %q", got)
	}
	if got := more.String(text); got != Mask+" "+Mask {
		t.Errorf("With: %q", got)
	}
	if same := more.With("second-secret"); same.String(url.QueryEscape("x second-secret")) != "x+"+Mask {
		t.Error("a known secret added again is still masked")
	}
	var nilR *Redactor
	if got := nilR.With("third-secret").String("third-secret"); got != Mask {
		t.Errorf("nil With: %q", got)
	}
	if more.Window() < len("second-secret") {
		t.Errorf("Window() = %d after With", more.Window())
	}
}

func TestHeaderSecrets(t *testing.T) {
	sig := strings.Repeat("0a1b", 16)
	h := http.Header{
		"Authorization":    {"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + sig},
		"X-Auth-Token":     {"the-token"},
		"X-Security-Token": {"the-security-token"},
		"Content-Type":     {"application/json"},
		"X-Request-Id":     {"req-1"},
	}
	got := HeaderSecrets(h)
	for _, want := range []string{sig, "the-token", "the-security-token", "Access=AK, SignedHeaders=host, Signature=" + sig} {
		if !slices.Contains(got, want) {
			t.Errorf("HeaderSecrets lacks %q: %q", want, got)
		}
	}
	for _, not := range []string{"application/json", "req-1"} {
		if slices.Contains(got, not) {
			t.Errorf("HeaderSecrets holds %q, not a secret", not)
		}
	}
	// The signature alone, echoed anywhere, is then masked.
	for _, echo := range []string{sig, strings.ToUpper(sig)} {
		if out := New().With(got...).String("echo " + echo); out != "echo "+Mask {
			t.Errorf("echoed signature: %q", out)
		}
	}
	if bearer := HeaderSecrets(http.Header{"Authorization": {"Bearer abcdefgh"}}); !slices.Contains(bearer, "abcdefgh") {
		t.Errorf("Bearer credential: %q", bearer)
	}
}

// TestOneMask: aksk, which this package imports, prints credentials with the
// same mask.
func TestOneMask(t *testing.T) {
	if got := fmt.Sprint(aksk.Credentials{AccessKey: "AK", SecretKey: "the-secret-key"}); !strings.Contains(got, Mask) || strings.Contains(got, "the-secret-key") {
		t.Errorf("aksk prints %q, want %s for the secret key", got, Mask)
	}
}
