package aksk

import (
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

// Verifier checks SDK-HMAC-SHA256 signatures, typically in an HTTP server or
// a test double of a Huawei Cloud API. A Verifier is safe for concurrent use
// if Lookup is.
type Verifier struct {
	// Lookup returns the secret key for an access key, and false if the
	// access key is unknown. It is required.
	Lookup func(accessKey string) (secretKey string, ok bool)

	// MaxSkew is how far X-Sdk-Date may be from Now, in either direction;
	// zero or negative means DefaultMaxSkew.
	MaxSkew time.Duration

	// Now returns the verifier's current time; nil means time.Now.
	Now func() time.Time
}

// Verify checks the signature of req, whose body is exactly body (read it
// from req.Body first, with a size limit). It works on server-side requests
// (req.URL holds only path and query, req.Host the host) and client-side
// ones alike.
//
// On success it returns the verified Authorization: the access key that
// signed the request and the headers the signature covers. Otherwise the
// error wraps one of ErrMissingAuthorization, ErrMalformedAuthorization,
// ErrDateNotSigned, ErrInvalidDate, ErrDateSkew, ErrUnknownAccessKey or
// ErrSignatureMismatch, and the Authorization is the zero value.
//
// Verify authenticates the request; it does not prevent replay within the
// skew window, and it does not validate X-Security-Token, which Lookup does
// not see (whether it was signed is in the result's SignedHeaders).
func (v Verifier) Verify(req *http.Request, body []byte) (Authorization, error) {
	if v.Lookup == nil {
		return Authorization{}, errors.New("aksk: Verifier.Lookup is nil; set it to a function that returns the secret key for an access key")
	}
	if req == nil {
		return Authorization{}, fmt.Errorf("%w: the request is nil", ErrMissingAuthorization)
	}
	auth, date, err := v.check(req)
	if err != nil {
		return Authorization{}, err
	}
	secretKey, ok := v.Lookup(auth.AccessKey)
	if !ok {
		return Authorization{}, fmt.Errorf("%w: the access key in the Authorization header is not known to this server; check that the client uses the right credentials", ErrUnknownAccessKey)
	}
	hash := hexSHA256(body)
	canonical := canonicalRequest(req, auth.SignedHeaders, hash)
	if !hmac.Equal([]byte(signature(secretKey, date, canonical)), []byte(auth.Signature)) {
		return Authorization{}, fmt.Errorf("%w: the request differs from what was signed (method, path, query, a signed header or the body changed after signing, e.g. by a proxy), or the secret key is wrong; "+
			"the server's canonical request has SHA-256 %s, signed headers %s and body SHA-256 %s: compare with aksk.CanonicalRequest on the client",
			ErrSignatureMismatch, hexSHA256([]byte(canonical)), strings.Join(auth.SignedHeaders, ";"), hash)
	}
	return auth, nil
}

// check parses the Authorization header and checks the date it signs.
func (v Verifier) check(req *http.Request) (auth Authorization, date string, err error) {
	values := req.Header.Values(HeaderAuthorization)
	switch len(values) {
	case 0:
		return auth, "", fmt.Errorf("%w: sign the request with an access key and secret key (header %q)", ErrMissingAuthorization, HeaderAuthorization)
	case 1:
	default:
		return auth, "", malformed("the request has more than one Authorization header")
	}
	if auth, err = ParseAuthorization(values[0]); err != nil {
		return auth, "", err
	}
	if !slices.Contains(auth.SignedHeaders, signedSdkDate) {
		return auth, "", fmt.Errorf("%w: SignedHeaders must include %q so that the signature covers the request time; re-sign with a signer that always signs it", ErrDateNotSigned, signedSdkDate)
	}
	dates := req.Header.Values(HeaderSdkDate)
	if len(dates) != 1 {
		return auth, "", fmt.Errorf("%w: expected exactly one %s header, got %d; set it to the signing time in UTC, formatted as %s", ErrInvalidDate, HeaderSdkDate, len(dates), DateFormat)
	}
	date = dates[0]
	signedAt, perr := time.Parse(DateFormat, date)
	if perr != nil || len(date) != len(DateFormat) {
		return auth, "", fmt.Errorf("%w: %s is not a UTC time formatted as %s (e.g. 20060102T150405Z)", ErrInvalidDate, HeaderSdkDate, DateFormat)
	}
	maxSkew := v.MaxSkew
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	serverTime := now()
	if skew := serverTime.Sub(signedAt); skew > maxSkew || skew < -maxSkew {
		return auth, "", fmt.Errorf("%w: %s %s is %s away from the server time %s, more than the allowed %s; synchronise the client clock (NTP) and sign each request (including retries) just before sending it",
			ErrDateSkew, HeaderSdkDate, date, skew.Abs().Round(time.Second), serverTime.UTC().Format(DateFormat), maxSkew)
	}
	return auth, date, nil
}
