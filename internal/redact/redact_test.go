package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/drsclient/drs-precheck/aksk"
)

// tricky holds every character some encoding changes: URL reserved ones, JSON's
// HTML escapes, quote, backslash, slash, non-ASCII (BMP and above), U+2028.
const tricky = "tok/en+=&<>\"'\\ é☃😀\u2028x?#%"

// Independent encoders for the tests: written here, not taken from the
// package, so a form the package forgets fails.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}

func jsonNoHTML(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return string(buf.Bytes()[1 : buf.Len()-2])
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
	for _, secret := range []string{tricky, "MIIEhAYJKoZIhvcNAQcCoIIEdTCCBHECAQExDTALBglghkgBZQMEAgEw+/==", "AbCdEf0123456789aBcDeF"} {
		r := New(secret)
		for _, f := range forms {
			enc := f.enc(secret)
			for _, around := range [][2]string{{"before ", " after"}, {"[", "]"}} {
				if got, want := r.String(around[0]+enc+around[1]), around[0]+Mask+around[1]; got != want {
					t.Errorf("secret %q, %s form %q:\n got %q\nwant %q", secret, f.name, enc, got, want)
				}
			}
		}
	}
}

func TestString(t *testing.T) {
	sig := "8c2f7ad1e3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
	several := New("", "token-value-1", "sk-secret-2", "sec/token+3")
	base := New("first-secret")
	more := base.With("second-secret", "", "ab", "first-secret")
	var none *Redactor // a nil Redactor knows no secrets but still masks signatures
	for _, c := range []struct {
		name    string
		r       *Redactor
		in, out string
	}{
		{"several secrets and occurrences", several,
			`{"a":"token-value-1","b":"sk-secret-2 sk-secret-2","c":"sec\/token+3","d":"` + url.QueryEscape("sec/token+3") + `","e":"kept"}`,
			`{"a":"[REDACTED]","b":"[REDACTED] [REDACTED]","c":"[REDACTED]","d":"[REDACTED]","e":"kept"}`},
		{"adjacent", several, "token-value-1token-value-1", Mask},
		{"overlapping", New("abcabc"), "xabcabcabcy", "x" + Mask + "y"},
		{"one secret the tail of another", New("secret-long-value", "long-value"), "a secret-long-value b long-value", "a " + Mask + " b " + Mask},
		{"raw secret after %", New("2Fabcd"), "x%2Fabcd", "x%" + Mask},
		{"shorter than MinSecretLen ignored", New("", "a", "ab", "abc"), "a cab abc ab", "a cab abc ab"},
		{"MinSecretLen bytes masked", New("abcd"), "a cab abc abcd", "a cab abc " + Mask},
		{"With keeps its receiver", base, "first-secret second-secret", Mask + " second-secret"},
		{"With", more, "first-secret second-secret", Mask + " " + Mask},
		{"With a known secret again", more.With("second-secret"), url.QueryEscape("x second-secret"), "x+" + Mask},
		{"nil With", none.With("third-secret"), "third-secret", Mask},
		{"signature", none, "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + sig, "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + Mask},
		{"signature upper-case in a URL", none, "https://h/p?X-Sdk-Signature=" + strings.ToUpper(sig) + "&a=b", "https://h/p?X-Sdk-Signature=" + Mask + "&a=b"},
		{"signature URL-escaped", none, "auth%20signature%3D" + sig, "auth%20signature%3D" + Mask},
		{"signature JSON-escaped", none, `{"m":"signature\u003d` + sig + `"}`, `{"m":"signature\u003d` + Mask + `"}`},
		{"no signature", none, "no signature here", "no signature here"},
	} {
		if got := c.r.String(c.in); got != c.out {
			t.Errorf("%s: String(%q)\n got %q\nwant %q", c.name, c.in, got, c.out)
		}
	}
	if more.Window() < len("second-secret") || none.Window() != 0 {
		t.Errorf("Window() = %d after With, %d for nil", more.Window(), none.Window())
	}
	if got := none.Header(http.Header{"X-Request-Id": {"Signature=" + sig}}).Get("X-Request-Id"); got != "Signature="+Mask {
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
	auth := "SDK-HMAC-SHA256 Access=AKIDEXAMPLE, SignedHeaders=content-type;host;x-sdk-date, Signature="
	in := http.Header{
		"Authorization": {auth + sig}, "X-Auth-Token": {token}, "X-Security-Token": {"anything"},
		"Set-Cookie": {"s=1", "t=2"}, "X-Api-Key": {"k"}, "X-Request-Id": {"req-" + url.QueryEscape(token)},
		"X-Echo": {`{"sk":"` + sk + `"}`}, "Content-Type": {"application/json"},
	}
	before := in.Clone()
	want := http.Header{
		"Authorization": {auth + Mask}, "X-Auth-Token": {Mask}, "X-Security-Token": {Mask},
		"Set-Cookie": {Mask, Mask}, "X-Api-Key": {Mask}, "X-Request-Id": {"req-" + Mask},
		"X-Echo": {`{"sk":"` + Mask + `"}`}, "Content-Type": {"application/json"},
	}
	if got := r.Header(in); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if !reflect.DeepEqual(in, before) {
		t.Errorf("Header modified its input: %q", in)
	}
	for _, v := range []string{"Bearer abc", "SDK-HMAC-SHA256 Access=A, Signature=" + sig, "SDK-HMAC-SHA256 Access=A, SignedHeaders=h, Extra=x, Signature=s", "SDK-HMAC-SHA256 garbage", ""} {
		if got := r.Header(http.Header{"Authorization": {v}}).Get("Authorization"); got != Mask {
			t.Errorf("Authorization %q: got %q, want the whole value masked", v, got)
		}
	}
	// The access key of a signature is masked too if it is a known secret.
	if got := New("AKIDEXAMPLE").Header(in).Get("Authorization"); strings.Contains(got, "AKIDEXAMPLE") {
		t.Errorf("known secret kept in Access=: %q", got)
	}
	if r.Header(nil) != nil {
		t.Error("Header(nil) != nil")
	}
}

func TestHeaderSecrets(t *testing.T) {
	sig := strings.Repeat("0a1b", 16)
	got := HeaderSecrets(http.Header{
		"Authorization": {"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + sig},
		"X-Auth-Token":  {"the-token"}, "X-Security-Token": {"the-security-token"},
		"Content-Type": {"application/json"}, "X-Request-Id": {"req-1"}, "Proxy-Authorization": {"Bearer abcdefgh"},
	})
	slices.Sort(got)
	if want := []string{sig, "Access=AK, SignedHeaders=host, Signature=" + sig,
		"Bearer abcdefgh", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + sig, "abcdefgh", "the-security-token", "the-token"}; !slices.Equal(got, want) {
		t.Errorf("HeaderSecrets\n got %q\nwant %q", got, want)
	}
	// The signature alone, echoed anywhere, is then masked.
	for _, echo := range []string{sig, strings.ToUpper(sig)} {
		if out := New().With(got...).String("echo " + echo); out != "echo "+Mask {
			t.Errorf("echoed signature: %q", out)
		}
	}
}

func TestExcerpt(t *testing.T) {
	token := strings.Repeat("T0k", 20)
	r := New(token)
	head := strings.Repeat("x", 90)
	body := []byte(head + token + strings.Repeat("y", 50))
	masked := head + Mask + strings.Repeat("y", 50)
	e := []byte("aé" + strings.Repeat("z", 10)) // "é" is 2 bytes, never split
	partial := []byte("x" + tricky + strings.Repeat("y", New(tricky).Window()))
	for _, c := range []struct {
		name  string
		r     *Redactor
		text  []byte
		total int64
		limit int
		want  string
	}{
		{"a cut inside a Mask moves before it", r, body, -1, 95, head + "…(" + strconv.Itoa(len(masked)-len(head)) + " more bytes)"},
		{"no cut needed", r, body, -1, 200, masked},
		{"cut after the Mask", r, body, -1, len(head) + len(Mask) + 3, head + Mask + "yyy…(47 more bytes)"},
		{"rune boundary", r, e, -1, 2, "a…(12 more bytes)"},
		{"rune kept whole", r, e, -1, 3, "aé…(10 more bytes)"},
		{"limit 0", r, e, -1, 0, "…(13 more bytes)"},
		{"limit < 0", r, e, -1, -5, "…(13 more bytes)"},
		{"empty", r, nil, -1, 10, ""},
		{"a complete stream shows everything", r, []byte("abc"), 3, 10, "abc"},
		{"nil Redactor, partial stream", nil, []byte("abcdef"), 10, 4, "abcd…(6 more bytes)"},
		{"a secret whole before the held-back tail", New(tricky), partial, int64(len(partial) + 1000), 100, "x" + Mask + "y…(" + strconv.Itoa(len(partial)+1000-len(tricky)-2) + " more bytes)"},
	} {
		if c.total < 0 {
			c.total = int64(len(c.text))
		}
		if got := c.r.Excerpt(string(c.text), c.total, c.limit); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

// TestExcerptOfPartialStream cuts a stream at every byte of a secret's form:
// what Excerpt shows of the part read never holds any of the secret, because the
// tail that might start a secret is held back.
func TestExcerptOfPartialStream(t *testing.T) {
	secret := "TOKEN/with+chars=&<é>" // no 'x': the text around it is all 'x'
	r := New(secret)
	head := strings.Repeat("x", 100)
	for _, f := range forms {
		enc := f.enc(secret)
		stream := head + enc + strings.Repeat("x", 50)
		for k := len(head); k <= len(head)+len(enc); k++ {
			out := r.Excerpt(stream[:k], int64(len(stream)), 1<<20)
			shown, marker, _ := strings.Cut(out, "…(")
			if rest := strings.Trim(strings.ReplaceAll(shown, Mask, ""), "x"); rest != "" || marker == "" {
				t.Fatalf("%s form cut at %d: Excerpt shows %q of the secret or no marker for the bytes not shown: %q", f.name, k-len(head), rest, out)
			}
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	r := New("concurrent-secret")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := r.String("a concurrent-secret b"); got != "a "+Mask+" b" {
				t.Errorf("got %q", got)
			}
		})
	}
	wg.Wait()
}

// FuzzRedact: for any secret of MinSecretLen bytes or more, in any form and
// text, no form of it is left between the masks (original text there is a
// leak; a form made of a Mask and its neighbours is not).
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
			ex := r.Excerpt(text, int64(len(text)), len(prefix)+len(form.enc(secret))/2)
			for piece := range strings.SplitSeq(ex, Mask) {
				if strings.Contains(piece, secret) {
					t.Fatalf("excerpt %q holds the secret %q", ex, secret)
				}
			}
		}
	})
}

// TestOneMask: aksk, which this package imports, prints credentials with the
// same mask.
func TestOneMask(t *testing.T) {
	if got := fmt.Sprint(aksk.Credentials{AccessKey: "AK", SecretKey: "the-secret-key"}); !strings.Contains(got, Mask) || strings.Contains(got, "the-secret-key") {
		t.Errorf("aksk prints %q, want %s for the secret key", got, Mask)
	}
}

func TestTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, é ☃ 😀 中文":              "plain text, é ☃ 😀 中文",
		"":                                  "",
		"\x1b[2J\x1b[Hclear":                `\x1b[2J\x1b[Hclear`,
		"\x1b]0;title\x07":                  `\x1b]0;title\x07`,
		"line1\nline2\r\tx":                 `line1\nline2\r\tx`,
		"nul\x00del\x7f":                    `nul\x00del\x7f`,
		"c1 csi \u009b31m nel \u0085":       `c1 csi \u009b31m nel \u0085`,
		"raw 8-bit csi \x9b31m":             `raw 8-bit csi \x9b31m`,
		"bad utf8 \xff\xfe":                 `bad utf8 \xff\xfe`,
		"rlo \u202egnp.exe":                 `rlo \u202egnp.exe`,
		"lre\u202a rle\u202b pdf\u202c":     `lre\u202a rle\u202b pdf\u202c`,
		"lro\u202d":                         `lro\u202d`,
		"isolates \u2066\u2067\u2068\u2069": `isolates \u2066\u2067\u2068\u2069`,
		"marks \u200e\u200f\u061c":          `marks \u200e\u200f\u061c`,
		"ok\u00a0nbsp":                      "ok\u00a0nbsp",
	} {
		got := Terminal(in)
		if got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Terminal(%q) is not valid UTF-8: %q", in, got)
		}
	}
}

// FuzzTerminal: whatever the input, the output is valid UTF-8 and holds no
// control character, bidi control or stray byte a terminal could act on.
func FuzzTerminal(f *testing.F) {
	f.Add("\x1b[31mred\x07\r\n\u202e\x9b")
	f.Fuzz(func(t *testing.T, s string) {
		got := Terminal(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Terminal(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if r < 0x20 || (0x7f <= r && r <= 0x9f) || strings.ContainsRune("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", r) {
				t.Fatalf("Terminal(%q) = %q holds %U", s, got, r)
			}
		}
	})
}
