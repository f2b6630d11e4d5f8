package aksk

import "errors"

// Errors returned by Sign and Verify. Returned errors wrap one of these, so
// test them with errors.Is; the wrapping message says what was wrong and how
// to fix it. No error message ever contains a secret key, a security token,
// a signature or the Authorization header value.
var (
	// ErrInvalidCredentials: Sign was given an empty access or secret key, or
	// one that cannot be carried in an Authorization header.
	ErrInvalidCredentials = errors.New("aksk: invalid credentials")
	// ErrInvalidSignedHeaders: the list of headers to sign is unusable (a name
	// that is not an HTTP token, or a listed header absent from the request).
	ErrInvalidSignedHeaders = errors.New("aksk: invalid signed headers")

	// ErrMissingAuthorization: the request has no Authorization header.
	ErrMissingAuthorization = errors.New("aksk: missing Authorization header")
	// ErrMalformedAuthorization: the Authorization header is not of the form
	// "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>".
	ErrMalformedAuthorization = errors.New("aksk: malformed Authorization header")
	// ErrDateNotSigned: x-sdk-date is not among the SignedHeaders, so the
	// signature does not bind the request time.
	ErrDateNotSigned = errors.New("aksk: x-sdk-date is not a signed header")
	// ErrInvalidDate: X-Sdk-Date is missing, repeated or not in the
	// YYYYMMDDTHHMMSSZ format.
	ErrInvalidDate = errors.New("aksk: invalid X-Sdk-Date header")
	// ErrDateSkew: X-Sdk-Date is further from the verifier's clock than the
	// allowed skew (15 minutes by default), in either direction.
	ErrDateSkew = errors.New("aksk: X-Sdk-Date outside the allowed clock skew")
	// ErrUnknownAccessKey: the verifier's Lookup does not know the access key.
	ErrUnknownAccessKey = errors.New("aksk: unknown access key")
	// ErrSignatureMismatch: the signature is not the one the verifier
	// computes for the received request.
	ErrSignatureMismatch = errors.New("aksk: signature mismatch")
)
