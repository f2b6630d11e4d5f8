package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

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
