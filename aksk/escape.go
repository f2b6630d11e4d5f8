package aksk

// upperHex is used for %XX escapes; the algorithm requires upper-case hex.
const upperHex = "0123456789ABCDEF"

// isUnreserved reports whether c is an RFC 3986 unreserved character
// (A-Z a-z 0-9 - _ . ~). Only these bytes are left as-is by the canonical
// encoding; everything else, including '/', '+', '=' and '&', is escaped.
func isUnreserved(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '_', c == '.', c == '~':
		return true
	}
	return false
}

// appendEscaped appends s to dst with every byte that is not unreserved
// replaced by %XX (upper-case hex). It works on bytes, so multi-byte UTF-8
// sequences become one escape per byte and invalid UTF-8 is encoded verbatim:
// the encoding is injective, which is what makes the canonical form
// unambiguous.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&0x0f])
	}
	return dst
}
