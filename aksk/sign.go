package aksk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Algorithm is the signing algorithm name; it starts the string to sign and
// the Authorization header.
const Algorithm = "SDK-HMAC-SHA256"

// DateFormat is the time layout of the X-Sdk-Date header (always UTC).
const DateFormat = "20060102T150405Z"

// signatureSize is the length of a hex-encoded signature.
const signatureSize = 2 * sha256.Size

// Signer signs requests with SDK-HMAC-SHA256. The zero value of each
// optional field selects the default, and a Signer is safe for concurrent
// use as long as its fields are not modified.
type Signer struct {
	Credentials

	// SignedHeaders, if not empty, is the exact set of headers to sign (any
	// case; "host" means the request's Host). x-sdk-date, and
	// x-security-token when Credentials.SecurityToken is set, are always
	// added. Every listed header must be present on the request. If empty,
	// the default set is signed (see the package documentation).
	SignedHeaders []string

	// Now returns the signing time (converted to UTC); nil means time.Now.
	Now func() time.Time
}

// Sign signs req, whose body is exactly body, byte for byte (json.Encoder's
// trailing newline counts); it does not read req.Body. It sets X-Sdk-Date,
// X-Security-Token if the credentials carry one, and Authorization,
// replacing earlier values, so a retry can (and must) be signed again. Every
// signed header must be set before and not changed after. The Host signed
// is req.Host, or req.URL.Host if that is empty, as written: Huawei asks for
// the default port to be left out of the URL.
func (s Signer) Sign(req *http.Request, body []byte) error {
	if req == nil || req.URL == nil {
		return errors.New("aksk: Sign needs a request with a URL")
	}
	if err := s.Credentials.Validate(); err != nil {
		return err
	}
	if requestHost(req) == "" {
		return fmt.Errorf("%w: the request has no host; set req.URL.Host or req.Host", ErrInvalidSignedHeaders)
	}
	// Validate everything before touching req, so that a failed Sign
	// leaves the request as it was.
	for _, n := range s.SignedHeaders {
		if !isToken(n) {
			return fmt.Errorf("%w: Signer.SignedHeaders has an entry that is not a valid header name; use names such as %q", ErrInvalidSignedHeaders, "x-project-id")
		}
		if equalFoldASCII(n, HeaderAuthorization) {
			return fmt.Errorf("%w: Signer.SignedHeaders lists Authorization, which carries the signature and cannot be signed; remove it", ErrInvalidSignedHeaders)
		}
		setBySign := equalFoldASCII(n, signedHost) || equalFoldASCII(n, signedSdkDate) ||
			(s.SecurityToken != "" && equalFoldASCII(n, signedSecurityToken))
		if !setBySign && !hasHeaderFold(req.Header, n) {
			return fmt.Errorf("%w: %q is listed in Signer.SignedHeaders but not set on the request; set it before signing or remove it from the list", ErrInvalidSignedHeaders, n)
		}
	}
	if len(s.SignedHeaders) == 0 {
		for k := range req.Header {
			if !isToken(k) && !isUnsignedByDefault(k) {
				return fmt.Errorf("%w: the request has a header whose name is not a valid HTTP token (%d bytes); remove it, or list the headers to sign in Signer.SignedHeaders", ErrInvalidSignedHeaders, len(k))
			}
		}
	}

	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	date := now().UTC().Format(DateFormat)
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	deleteHeaderFold(req.Header, HeaderAuthorization)
	deleteHeaderFold(req.Header, HeaderSdkDate)
	req.Header[HeaderSdkDate] = []string{date}
	if s.SecurityToken != "" {
		deleteHeaderFold(req.Header, HeaderSecurityToken)
		req.Header[HeaderSecurityToken] = []string{s.SecurityToken}
	}

	names := append([]string{signedSdkDate}, s.SignedHeaders...)
	if len(s.SignedHeaders) == 0 {
		names = append(names, signedHost)
		for k := range req.Header {
			if !isUnsignedByDefault(k) {
				names = append(names, k)
			}
		}
	} else if s.SecurityToken != "" {
		names = append(names, signedSecurityToken)
	}
	names = lowerSorted(names)
	canonical := canonicalRequest(req, names, hexSHA256(body))
	a := Authorization{AccessKey: s.AccessKey, SignedHeaders: names, Signature: signature(s.SecretKey, date, canonical)}
	req.Header[HeaderAuthorization] = []string{a.header()}
	return nil
}

// StringToSign returns the string whose HMAC-SHA256 is the signature:
//
//	SDK-HMAC-SHA256 \n sdkDate \n hex(sha256(canonicalRequest))
//
// sdkDate is the X-Sdk-Date header value, verbatim.
func StringToSign(sdkDate, canonicalRequest string) string {
	return Algorithm + "\n" + sdkDate + "\n" + hexSHA256([]byte(canonicalRequest))
}

// signature returns hex(HMAC-SHA256(secretKey, stringToSign)), lower-case
// as it appears on the wire.
func signature(secretKey, sdkDate, canonical string) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(StringToSign(sdkDate, canonical)))
	return hex.EncodeToString(mac.Sum(nil))
}

// hexSHA256 returns the lower-case hex SHA-256 of b.
func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
