package aksk

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Signer signs requests with SDK-HMAC-SHA256. The zero value of each
// optional field selects the default, and a Signer is safe for concurrent
// use as long as its fields are not modified.
type Signer struct {
	Credentials

	// SignedHeaders, if not empty, is the exact set of headers to sign (any
	// case; "host" means the request's Host). x-sdk-date, and
	// x-security-token when Credentials.SecurityToken is set, are always
	// added. Every listed header must be present on the request.
	//
	// If empty, Sign signs host, x-sdk-date and every header present on the
	// request except Authorization, Content-Type, Content-Length, hop-by-hop
	// headers (Connection, Keep-Alive, Proxy-Authorization,
	// Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade) and names
	// containing '_'.
	SignedHeaders []string

	// Now returns the signing time; nil means time.Now. It is converted to
	// UTC.
	Now func() time.Time
}

// Sign signs req, whose body is exactly body (nil or empty for no body).
// Sign does not read or replace req.Body: the caller sends body unchanged,
// byte for byte (note that json.Encoder appends a newline, which counts).
//
// Sign sets X-Sdk-Date to the current time, X-Security-Token if the
// credentials carry one, and Authorization. Any earlier values of these
// headers are replaced, so a retried request can be signed again; it must
// be, since the date is part of the signature and is checked for freshness.
// Every header that is signed must be set before calling Sign and not
// changed afterwards.
//
// The Host that is signed is req.Host, or req.URL.Host if that is empty. It
// is signed as written: Huawei's guide asks for the default port (:443 for
// https, :80 for http) to be left out of the URL.
func (s Signer) Sign(req *http.Request, body []byte) error {
	if req == nil || req.URL == nil {
		return errors.New("aksk: Sign needs a request with a URL")
	}
	if err := s.Credentials.validate(); err != nil {
		return err
	}
	if requestHost(req) == "" {
		return fmt.Errorf("%w: the request has no host; set req.URL.Host or req.Host", ErrInvalidSignedHeaders)
	}
	// Validate everything before touching req, so that a failed Sign
	// leaves the request as it was.
	if len(s.SignedHeaders) > 0 {
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
	} else {
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
	var dateBuf [len(DateFormat)]byte
	date := string(now().UTC().AppendFormat(dateBuf[:0], DateFormat))

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

	var names []string
	var joined string
	switch {
	case len(s.SignedHeaders) == 0:
		names, joined = signedHeaderNames(defaultHeaderNames(req, signedHost, signedSdkDate))
	case s.SecurityToken != "":
		names, joined = signedHeaderNames(withExtra(s.SignedHeaders, signedSdkDate, signedSecurityToken))
	default:
		names, joined = signedHeaderNames(withExtra(s.SignedHeaders, signedSdkDate))
	}

	hash := hexSHA256(body)
	var buf [1024]byte
	canonical := appendCanonicalRequest(buf[:0], req, names, joined, hash[:])
	sig := computeSignature(s.SecretKey, date, canonical)
	req.Header[HeaderAuthorization] = []string{formatAuthorization(s.AccessKey, joined, sig[:])}
	return nil
}

// validate checks that the credentials can be used to sign. The messages
// never include the values.
func (c Credentials) validate() error {
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
