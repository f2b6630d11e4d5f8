package aksk

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// redacted is the module's one mask, internal/redact.Mask (a test there holds
// them equal), which aksk cannot import: that package imports aksk.
const redacted = "[REDACTED]"

// Credentials is an access key (AK) / secret key (SK) pair, plus the security
// token of temporary credentials. fmt (any verb), String, GoString and
// log/slog show only the AccessKey, which grants nothing; encoding/json is
// not intercepted: do not marshal Credentials.
type Credentials struct {
	AccessKey     string // names the key pair; sent in the clear
	SecretKey     string // the HMAC key; never sent
	SecurityToken string // temporary credentials only; sent and signed
}

// Validate reports whether the credentials can sign: an access key and a
// secret key, the access key printable without white space or commas, the
// security token free of control characters. Messages never include the
// values; errors.Is(err, ErrInvalidCredentials) holds.
func (c Credentials) Validate() error {
	if c.AccessKey == "" {
		return fmt.Errorf("%w: the access key is empty; set Credentials.AccessKey", ErrInvalidCredentials)
	}
	if c.SecretKey == "" {
		return fmt.Errorf("%w: the secret key is empty; set Credentials.SecretKey", ErrInvalidCredentials)
	}
	for i := 0; i < len(c.AccessKey); i++ {
		if ch := c.AccessKey[i]; ch <= ' ' || ch >= 0x7f || ch == ',' {
			return fmt.Errorf("%w: the access key contains white space, a comma or a non-printable byte; check for a copy-paste error", ErrInvalidCredentials)
		}
	}
	for i := 0; i < len(c.SecurityToken); i++ {
		if ch := c.SecurityToken[i]; (ch < ' ' && ch != '\t') || ch == 0x7f {
			return fmt.Errorf("%w: the security token contains a control character and cannot be sent as a header; check for a copy-paste error", ErrInvalidCredentials)
		}
	}
	return nil
}

// secretState describes a secret without revealing it.
func secretState(s string) string {
	if s == "" {
		return "[NOT SET]"
	}
	return redacted
}

// goState is secretState in Go syntax.
func goState(s string) string {
	if s == "" {
		return `""`
	}
	return `"` + redacted + `"`
}

// String returns the access key with the secrets redacted.
func (c Credentials) String() string {
	return "{AccessKey:" + c.AccessKey +
		" SecretKey:" + secretState(c.SecretKey) +
		" SecurityToken:" + secretState(c.SecurityToken) + "}"
}

// GoString implements fmt.GoStringer (%#v) with the secrets redacted.
func (c Credentials) GoString() string {
	return "aksk.Credentials{AccessKey:" + strconv.Quote(c.AccessKey) +
		", SecretKey:" + goState(c.SecretKey) +
		", SecurityToken:" + goState(c.SecurityToken) + "}"
}

// Format implements fmt.Formatter so that every verb (%x too) formats the
// redacted String form, and %#v the redacted GoString form.
func (c Credentials) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, c.String(), c.GoString())
}

// LogValue implements slog.LogValuer with the secrets redacted.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_key", c.AccessKey),
		slog.String("secret_key", secretState(c.SecretKey)),
		slog.String("security_token", secretState(c.SecurityToken)),
	)
}

// String returns the signer's configuration with the secrets redacted.
func (s Signer) String() string {
	return fmt.Sprintf("{Credentials:%s SignedHeaders:%v Now:%s}", s.Credentials, s.SignedHeaders, map[bool]string{false: "<nil>", true: "<set>"}[s.Now != nil])
}

// GoString implements fmt.GoStringer (%#v) with the secrets redacted.
func (s Signer) GoString() string {
	return fmt.Sprintf("aksk.Signer{Credentials:%#v, SignedHeaders:%#v, Now:(func() time.Time)(%s)}", s.Credentials, s.SignedHeaders, map[bool]string{false: "nil", true: "set"}[s.Now != nil])
}

// Format implements fmt.Formatter; see Credentials.Format. Without it Signer
// would print only its embedded Credentials.
func (s Signer) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, s.String(), s.GoString())
}

// LogValue implements slog.LogValuer with the secrets redacted.
func (s Signer) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("credentials", s.Credentials),
		slog.Any("signed_headers", s.SignedHeaders),
	)
}

// formatRedacted prints plain (the redacted String form) with the caller's
// verb and flags, or goSyntax for %#v.
func formatRedacted(f fmt.State, verb rune, plain, goSyntax string) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, goSyntax)
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain)
}
