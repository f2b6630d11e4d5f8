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

// The gateway's AK/SK lockout (see WithAKSK), enforced by akskKey.settle.
const (
	lockoutFailures = 5
	lockoutDuration = 5 * time.Minute
)

// credentials are the secrets the simulator accepts.
type credentials struct {
	tokens    []string
	keys      map[string]*akskKey // filled by New, then only read
	acceptAny bool
	red       *redact.Redactor // hides the secrets above in the request log
}

// akskKey is an access key the simulator accepts, with its lockout state.
type akskKey struct {
	secretKey     string
	securityToken string // set for temporary credentials

	mu          sync.Mutex
	failures    int       // in a row since the last success or lock
	lockedUntil time.Time // on the simulator's clock
}

func (c *credentials) lookup(accessKey string) (string, bool) {
	if k, ok := c.keys[accessKey]; ok {
		return k.secretKey, true
	}
	return "", false
}

func (c *credentials) tokenOK(token string) bool {
	ok := c.acceptAny
	for _, t := range c.tokens {
		ok = subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 || ok
	}
	return ok
}

func (k *akskKey) locked(now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return now.Before(k.lockedUntil)
}

// settle records whether a request signed with the key passed, and reports
// whether the key is locked: the request is then refused whatever its
// outcome, so that the answer does not tell a right signature. Deciding
// after verification, under the key's lock, keeps the count exact under
// concurrency. The failure that locks the key is answered as a failure.
func (k *akskKey) settle(now time.Time, ok bool) (locked bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case now.Before(k.lockedUntil):
		return true
	case ok:
		k.failures = 0
	default:
		k.failures++
		if k.failures > lockoutFailures {
			k.failures = 0
			k.lockedUntil = now.Add(lockoutDuration)
		}
	}
	return false
}

// authError explains a refused request without any secret.
func authError(reason string) error { return errors.New(msgAuth + ": " + reason) }

var errLocked = authError(fmt.Sprintf("the access key is locked for %d minutes after repeated failed signatures (more than %d in a row); do not retry authentication failures",
	int(lockoutDuration.Minutes()), lockoutFailures))

// authenticate checks the request's credentials like the API gateway: an IAM
// token in X-Auth-Token, or else an SDK-HMAC-SHA256 signature over the exact
// body. It returns the method and, for AK/SK, the access key.
func (s *Simulator) authenticate(r *http.Request, body []byte) (method, accessKey string, err error) {
	if token := r.Header.Get("X-Auth-Token"); token != "" {
		if !s.creds.tokenOK(token) {
			return "", "", authError("decrypt token fail (the X-Auth-Token is not a token this simulator accepts)")
		}
		return AuthToken, "", nil
	}
	auths := r.Header.Values(aksk.HeaderAuthorization)
	if len(auths) == 0 {
		return "", "", authError("x-auth-token not found (send an IAM token in X-Auth-Token or sign the request with SDK-HMAC-SHA256)")
	}
	// The key the header names, even if malformed: a locked key refuses
	// every request naming it.
	var claimed *akskKey
	if named, _ := aksk.ParseAuthorization(auths[0]); len(auths) == 1 {
		claimed = s.creds.keys[named.AccessKey]
	}
	now := s.now()
	if claimed != nil && claimed.locked(now) {
		return "", "", errLocked
	}
	auth, verr := aksk.Verifier{Lookup: s.creds.lookup}.Verify(r, body) // the default skew is the gateway's
	if verr != nil {                                                    // aksk's errors hold no secret
		reason := "verify aksk signature fail"
		switch {
		case errors.Is(verr, aksk.ErrUnknownAccessKey):
			reason = "get secretkey fail"
		case errors.Is(verr, aksk.ErrDateSkew):
			reason = "the X-Sdk-Date is expired or in the future"
		}
		// A malformed header or an unknown key has nothing to count.
		counted := errors.Is(verr, aksk.ErrSignatureMismatch) || errors.Is(verr, aksk.ErrDateSkew) ||
			errors.Is(verr, aksk.ErrInvalidDate) || errors.Is(verr, aksk.ErrDateNotSigned)
		if claimed != nil && counted && claimed.settle(now, false) {
			return "", "", errLocked
		}
		return "", "", authError(reason + ": " + verr.Error())
	}
	key := s.creds.keys[auth.AccessKey]
	terr := checkSecurityToken(r, auth, key.securityToken)
	switch {
	case key.settle(now, terr == nil):
		return "", "", errLocked
	case terr != nil:
		return "", "", terr
	}
	return AuthAKSK, auth.AccessKey, nil
}

// checkSecurityToken checks the X-Security-Token of temporary credentials
// whose token is want (none for a permanent pair); it never quotes a token.
func checkSecurityToken(r *http.Request, auth aksk.Authorization, want string) error {
	got := r.Header.Values(aksk.HeaderSecurityToken)
	switch {
	case want == "":
		return nil
	case len(got) == 0:
		return authError("the X-Security-Token header is missing: temporary credentials must send their security token")
	case len(got) > 1:
		return authError("the request has more than one X-Security-Token header")
	case subtle.ConstantTimeCompare([]byte(got[0]), []byte(want)) != 1:
		return authError("the X-Security-Token is not the one issued with this access key")
	case !slices.Contains(auth.SignedHeaders, "x-security-token"):
		// Unsigned, the token is not bound to the request.
		return authError("the X-Security-Token is not signed: list x-security-token in SignedHeaders")
	}
	return nil
}
