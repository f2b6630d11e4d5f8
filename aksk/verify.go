package aksk

import (
	"cmp"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DefaultMaxSkew is the clock skew Verifier allows when MaxSkew is zero; it
// is the window Huawei's API gateway applies.
const DefaultMaxSkew = 15 * time.Minute

// Verifier checks SDK-HMAC-SHA256 signatures, in a server or a test double.
// It is safe for concurrent use if Lookup is.
type Verifier struct {
	// Lookup returns the secret key for an access key, or false; required.
	Lookup func(accessKey string) (secretKey string, ok bool)

	// MaxSkew is how far X-Sdk-Date may be from Now, either way; zero or
	// negative means DefaultMaxSkew.
	MaxSkew time.Duration

	// Now returns the verifier's current time; nil means time.Now.
	Now func() time.Time
}

// Verify checks the signature of req, whose body is exactly body (read it
// from req.Body first, with a size limit), server-side or client-side. On
// success it returns the verified Authorization: the access key and the
// headers the signature covers (whether X-Security-Token is one; Verify does
// not check its value, nor prevent replay within the skew window). Errors
// wrap ErrMissingAuthorization, ErrMalformedAuthorization, ErrDateNotSigned,
// ErrInvalidDate, ErrDateSkew, ErrUnknownAccessKey or ErrSignatureMismatch.
func (v Verifier) Verify(req *http.Request, body []byte) (Authorization, error) {
	var none Authorization
	if v.Lookup == nil {
		return none, errors.New("aksk: Verifier.Lookup is nil; set it to a function that returns the secret key for an access key")
	}
	if req == nil || len(req.Header.Values(HeaderAuthorization)) == 0 {
		return none, fmt.Errorf("%w: sign the request with an access key and secret key (header %q)", ErrMissingAuthorization, HeaderAuthorization)
	}
	if len(req.Header.Values(HeaderAuthorization)) > 1 {
		return none, malformed("the request has more than one Authorization header")
	}
	auth, err := ParseAuthorization(req.Header.Get(HeaderAuthorization))
	if err != nil {
		return none, err
	}
	if !slices.Contains(auth.SignedHeaders, signedSdkDate) {
		return none, fmt.Errorf("%w: SignedHeaders must include %q so that the signature covers the request time; re-sign with a signer that always signs it", ErrDateNotSigned, signedSdkDate)
	}
	dates := req.Header.Values(HeaderSdkDate)
	if len(dates) != 1 {
		return none, fmt.Errorf("%w: expected exactly one %s header, got %d; set it to the signing time in UTC, formatted as %s", ErrInvalidDate, HeaderSdkDate, len(dates), DateFormat)
	}
	date := dates[0]
	signedAt, perr := time.Parse(DateFormat, date)
	if perr != nil || len(date) != len(DateFormat) {
		return none, fmt.Errorf("%w: %s is not a UTC time formatted as %s (e.g. 20060102T150405Z)", ErrInvalidDate, HeaderSdkDate, DateFormat)
	}
	maxSkew := cmp.Or(max(v.MaxSkew, 0), DefaultMaxSkew)
	serverTime := time.Now()
	if v.Now != nil {
		serverTime = v.Now()
	}
	if skew := serverTime.Sub(signedAt); skew.Abs() > maxSkew {
		return none, fmt.Errorf("%w: %s %s is %s away from the server time %s, more than the allowed %s; synchronise the client clock (NTP) and sign each request (including retries) just before sending it",
			ErrDateSkew, HeaderSdkDate, date, skew.Abs().Round(time.Second), serverTime.UTC().Format(DateFormat), maxSkew)
	}
	secretKey, ok := v.Lookup(auth.AccessKey)
	if !ok {
		return none, fmt.Errorf("%w: the access key in the Authorization header is not known to this server; check that the client uses the right credentials", ErrUnknownAccessKey)
	}
	hash := hexSHA256(body)
	canonical := canonicalRequest(req, auth.SignedHeaders, hash)
	if !hmac.Equal([]byte(signature(secretKey, date, canonical)), []byte(auth.Signature)) {
		return none, fmt.Errorf("%w: the request differs from what was signed (method, path, query, a signed header or the body changed after signing, e.g. by a proxy), or the secret key is wrong; "+
			"the server's canonical request has SHA-256 %s, signed headers %s and body SHA-256 %s: compare with aksk.CanonicalRequest on the client",
			ErrSignatureMismatch, hexSHA256([]byte(canonical)), strings.Join(auth.SignedHeaders, ";"), hash)
	}
	return auth, nil
}
