package drstest

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// Authentication methods recorded in Request.Auth.
const (
	AuthToken = "token" // X-Auth-Token
	AuthAKSK  = "aksk"  // SDK-HMAC-SHA256 signature
)

// The gateway's AK/SK lockout (Huawei's figures), enforced here: after more
// than lockoutFailures consecutive failed signatures, the key pair is refused
// for lockoutDuration.
const (
	lockoutFailures = 5
	lockoutDuration = 5 * time.Minute
)

// credentials are the secrets the simulator accepts. They live behind a
// pointer so that printing a Simulator never shows them.
type credentials struct {
	tokens []string
	// keys is filled by New and never changed afterwards, so it is read
	// without a lock; each key guards its own lockout state.
	keys      map[string]*akskKey // access key -> key
	acceptAny bool

	redactOnce sync.Once
	red        *redact.Redactor // see redactor (log.go)
}

// akskKey is an access key the simulator accepts, with its lockout state.
type akskKey struct {
	secretKey string
	// securityToken is set for temporary credentials: a request signed
	// with the key must then carry this X-Security-Token, and sign it.
	securityToken string

	mu          sync.Mutex
	failures    int       // consecutive failed signatures since the last success or lock
	lockedUntil time.Time // on the simulator's clock; zero if never locked
}

func (c *credentials) lookup(accessKey string) (string, bool) {
	k, ok := c.keys[accessKey]
	if !ok {
		return "", false
	}
	return k.secretKey, true
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

// locked reports whether the key is locked at now.
func (k *akskKey) locked(now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return now.Before(k.lockedUntil)
}

// settle records whether a request signed with the key passed, and reports
// whether the key is locked, in which case the request is refused whatever
// its outcome, so that the answer does not tell whether the signature was
// right. Deciding after verification and under the key's lock makes the
// count exact when requests arrive concurrently: one verified while another
// locked the key is refused too. The failure that locks the key is answered
// as the failure it is.
func (k *akskKey) settle(now time.Time, ok bool) (locked bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Before(k.lockedUntil) {
		return true
	}
	if ok {
		k.failures = 0
		return false
	}
	k.failures++
	if k.failures > lockoutFailures {
		k.failures = 0 // the next round starts afresh once the lock expires
		k.lockedUntil = now.Add(lockoutDuration)
	}
	return false
}

// authError explains a refused request without any secret.
type authError struct{ reason string }

func (e *authError) Error() string { return msgAuth + ": " + e.reason }

// errLocked answers every request of a locked key. Huawei does not document
// this answer; see the package documentation.
var errLocked = &authError{fmt.Sprintf("the access key is locked for %d minutes after repeated failed signatures (more than %d in a row); do not retry authentication failures",
	int(lockoutDuration.Minutes()), lockoutFailures)}

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
	auths := r.Header.Values(aksk.HeaderAuthorization)
	if len(auths) == 0 {
		return "", "", &authError{"x-auth-token not found (send an IAM token in X-Auth-Token or sign the request with SDK-HMAC-SHA256)"}
	}

	// The key the request names, even in a malformed header: Verify names
	// it only when the signature is good, but a locked key refuses every
	// request, and a failure counts against the key it names.
	var claimed *akskKey
	if named, _ := aksk.ParseAuthorization(auths[0]); len(auths) == 1 {
		claimed = s.creds.keys[named.AccessKey]
	}
	now := s.now()
	// Refusing a locked key before checking the signature saves the work;
	// settle below decides for requests that race with the locking one.
	if claimed != nil && claimed.locked(now) {
		return "", "", errLocked
	}
	auth, verr := s.verifier.Verify(r, body)
	if verr != nil {
		// aksk's errors never contain a secret, a signature or the header.
		reason := "verify aksk signature fail"
		switch {
		case errors.Is(verr, aksk.ErrUnknownAccessKey):
			reason = "get secretkey fail"
		case errors.Is(verr, aksk.ErrDateSkew):
			reason = "the X-Sdk-Date is expired or in the future"
		}
		if claimed != nil && isSignatureFailure(verr) && claimed.settle(now, false) {
			return "", "", errLocked
		}
		return "", "", &authError{reason + ": " + verr.Error()}
	}

	key := s.creds.keys[auth.AccessKey] // known: Verify looked it up
	if key.securityToken != "" {
		if terr := checkSecurityToken(r, auth, key.securityToken); terr != nil {
			if key.settle(now, false) {
				return "", "", errLocked
			}
			return "", "", terr
		}
	}
	if key.settle(now, true) {
		return "", "", errLocked
	}
	return AuthAKSK, auth.AccessKey, nil
}

// isSignatureFailure reports whether a verification error counts towards
// the lockout: a failed signature or date check of a well-formed
// Authorization header. A malformed header is not counted, since it does
// not reliably name a key, nor an unknown access key, which has nothing to
// lock.
func isSignatureFailure(err error) bool {
	return errors.Is(err, aksk.ErrSignatureMismatch) ||
		errors.Is(err, aksk.ErrDateSkew) ||
		errors.Is(err, aksk.ErrInvalidDate) ||
		errors.Is(err, aksk.ErrDateNotSigned)
}

// checkSecurityToken checks the X-Security-Token of a request verified as
// auth and signed with temporary credentials whose token is want. The
// reasons never quote the token.
func checkSecurityToken(r *http.Request, auth aksk.Authorization, want string) error {
	got := r.Header.Values(aksk.HeaderSecurityToken)
	switch {
	case len(got) == 0:
		return &authError{"the X-Security-Token header is missing: temporary credentials must send their security token"}
	case len(got) > 1:
		return &authError{"the request has more than one X-Security-Token header"}
	case subtle.ConstantTimeCompare([]byte(got[0]), []byte(want)) != 1:
		return &authError{"the X-Security-Token is not the one issued with this access key"}
	case !slices.Contains(auth.SignedHeaders, "x-security-token"):
		// Unsigned, the token is not bound to the request: whoever sees
		// the request could swap it.
		return &authError{"the X-Security-Token is not signed: list x-security-token in SignedHeaders"}
	}
	return nil
}
