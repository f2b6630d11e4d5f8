package drstest

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/drsclient/drs-precheck/aksk"
)

// Authentication methods recorded in Request.Auth.
const (
	AuthToken = "token" // X-Auth-Token
	AuthAKSK  = "aksk"  // SDK-HMAC-SHA256 signature
)

// credentials are the secrets the simulator accepts. They live behind a
// pointer so that printing a Simulator never shows them.
type credentials struct {
	tokens    []string
	secrets   map[string]string // access key -> secret key
	acceptAny bool
}

func (c *credentials) lookup(accessKey string) (string, bool) {
	sk, ok := c.secrets[accessKey]
	return sk, ok
}

func (c *credentials) tokenOK(token string) bool {
	if c.acceptAny {
		return true
	}
	ok := false
	for _, t := range c.tokens {
		// compare every token in constant time: a fake, but a careful one
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			ok = true
		}
	}
	return ok
}

// authError explains a refused request without any secret.
type authError struct{ reason string }

func (e *authError) Error() string { return msgAuth + ": " + e.reason }

// authenticate checks the request's credentials like the API gateway: an IAM
// token in X-Auth-Token, or else an SDK-HMAC-SHA256 signature over the exact
// body. It returns the method and, for AK/SK, the access key.
func (s *Simulator) authenticate(r *http.Request, body []byte) (method, accessKey string, err error) {
	if token := r.Header.Get("X-Auth-Token"); token != "" {
		if !s.creds.tokenOK(token) {
			return "", "", &authError{"decrypt token fail (the X-Auth-Token is not a token this simulator accepts)"}
		}
		return AuthToken, "", nil
	}
	if len(r.Header.Values(aksk.HeaderAuthorization)) == 0 {
		return "", "", &authError{"x-auth-token not found (send an IAM token in X-Auth-Token or sign the request with SDK-HMAC-SHA256)"}
	}
	ak, verr := s.verifier.Verify(r, body)
	if verr != nil {
		// aksk's errors never contain a secret, a signature or the header.
		reason := "verify aksk signature fail"
		switch {
		case errors.Is(verr, aksk.ErrUnknownAccessKey):
			reason = "get secretkey fail"
		case errors.Is(verr, aksk.ErrDateSkew):
			reason = "the X-Sdk-Date is expired or in the future"
		}
		return "", "", &authError{reason + ": " + verr.Error()}
	}
	return AuthAKSK, ak, nil
}
