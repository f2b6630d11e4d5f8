package redact

import (
	"fmt"
	"strings"
)

var named = map[rune]string{'\n': `\n`, '\r': `\r`, '\t': `\t`}

// Terminal returns s with everything that could drive a terminal (move the
// cursor, set the title, reorder what is read) written as visible escapes:
// LF, CR, TAB as \n \r \t; other C0 controls and DEL as \x1b; C1 controls
// and bidi controls as \u202e; bytes that are not UTF-8 as \x9b.
func Terminal(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case named[r] != "":
			b.WriteString(named[r])
		case r < 0x20 || r == 0x7f || r == '\uFFFD' && !strings.HasPrefix(s[i:], "\uFFFD"): // not UTF-8
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case 0x80 <= r && r <= 0x9f, r == 0x061c, r == 0x200e, r == 0x200f, // C1, ALM, LRM, RLM
			0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069: // LRE..RLO, LRI..PDI
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
