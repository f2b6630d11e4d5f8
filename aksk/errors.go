package aksk

import "errors"

// Errors returned by Sign and Verify, wrapped in a message that says what was
// wrong and how to fix it, never with a secret key, security token, signature
// or Authorization header in it; test them with errors.Is.
var (
	// ErrInvalidCredentials: an empty key, or one no header can carry.
	ErrInvalidCredentials = errors.New("aksk: invalid credentials")
	// ErrInvalidSignedHeaders: a name that is not an HTTP token, or a
	// listed header absent from the request.
	ErrInvalidSignedHeaders = errors.New("aksk: invalid signed headers")

	ErrMissingAuthorization = errors.New("aksk: missing Authorization header")
	// ErrMalformedAuthorization: the header does not parse (ParseAuthorization).
	ErrMalformedAuthorization = errors.New("aksk: malformed Authorization header")
	// ErrDateNotSigned: the signature does not bind the request time.
	ErrDateNotSigned = errors.New("aksk: x-sdk-date is not a signed header")
	// ErrInvalidDate: X-Sdk-Date is missing, repeated or not in DateFormat.
	ErrInvalidDate = errors.New("aksk: invalid X-Sdk-Date header")
	// ErrDateSkew: X-Sdk-Date is further from the verifier's clock than the
	// allowed skew, in either direction.
	ErrDateSkew          = errors.New("aksk: X-Sdk-Date outside the allowed clock skew")
	ErrUnknownAccessKey  = errors.New("aksk: unknown access key")
	ErrSignatureMismatch = errors.New("aksk: signature mismatch")
)
