package drstest

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// An Option configures a Simulator; pass options to [New] or [NewServer].
type Option func(*config)

// akskPair is a key pair of WithAKSK, or of WithTemporaryAKSK with its
// security token.
type akskPair struct{ accessKey, secretKey, securityToken string }

// config collects the options; New turns it into a Simulator.
type config struct {
	projectID      string
	tokens         []string
	pairs          []akskPair
	tempPairs      []akskPair
	acceptAny      bool
	jobs           []Job
	faults         []Fault
	clock          func() time.Time
	seed           int64
	logLimit       int
	skipValidation bool
	errs           []error
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// WithProjectID sets the project ID the simulator serves: requests for any
// other project ID get 403 DRS.M00261. By default New uses the project ID of
// the published examples, 054ba152d480d55b2f5dc0069e7ddef0, and NewServer a
// random one.
func WithProjectID(id string) Option {
	return func(c *config) {
		if err := checkProjectID(id); err != nil {
			c.errs = append(c.errs, err)
			return
		}
		c.projectID = id
	}
}

func checkProjectID(id string) error {
	if id == "" {
		return errors.New("drstest: the project ID is empty")
	}
	if strings.ContainsAny(id, "/?#%") || strings.IndexFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return errors.New("drstest: the project ID must be a single URL path segment without spaces, '/', '?', '#' or '%'")
	}
	return nil
}

// WithToken adds IAM tokens the simulator accepts in X-Auth-Token. It may be
// given several times. NewServer's Server.Token is the first one.
func WithToken(tokens ...string) Option {
	return func(c *config) {
		for _, t := range tokens {
			if t == "" {
				c.fail("drstest: WithToken: empty token")
				return
			}
		}
		c.tokens = append(c.tokens, tokens...)
	}
}

// WithAKSK adds an access key / secret key pair whose SDK-HMAC-SHA256
// signatures the simulator accepts. It may be given several times.
// NewServer's Server.AccessKey and Server.SecretKey are the first pair.
// An X-Security-Token sent with a permanent pair is ignored.
func WithAKSK(accessKey, secretKey string) Option {
	return func(c *config) {
		if accessKey == "" || secretKey == "" {
			c.fail("drstest: WithAKSK: empty access key or secret key")
			return
		}
		if err := checkAccessKey(accessKey); err != nil {
			c.fail("drstest: WithAKSK: %v", err)
			return
		}
		c.pairs = append(c.pairs, akskPair{accessKey: accessKey, secretKey: secretKey})
	}
}

// WithTemporaryAKSK adds temporary credentials: an access key / secret key
// pair that the simulator accepts only on requests that carry exactly
// securityToken in X-Security-Token and list x-security-token among the
// signed headers (aksk.Signer does both when Credentials.SecurityToken is
// set). A missing, wrong or unsigned token is refused with 401 APIGW.0301
// and counts as a failed signature (see the lockout in the package doc).
// It may be given several times, but an access key only once, and not also
// to WithAKSK.
// It does not replace NewServer's random permanent pair.
func WithTemporaryAKSK(accessKey, secretKey, securityToken string) Option {
	return func(c *config) {
		if accessKey == "" || secretKey == "" || securityToken == "" {
			c.fail("drstest: WithTemporaryAKSK: empty access key, secret key or security token")
			return
		}
		if err := checkAccessKey(accessKey); err != nil {
			c.fail("drstest: WithTemporaryAKSK: %v", err)
			return
		}
		// net/http trims a header value and refuses control characters, so
		// such a token could never arrive intact.
		if strings.TrimSpace(securityToken) != securityToken ||
			strings.ContainsFunc(securityToken, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			c.fail("drstest: WithTemporaryAKSK: the security token has surrounding white space or a control character")
			return
		}
		c.tempPairs = append(c.tempPairs, akskPair{accessKey, secretKey, securityToken})
	}
}

// checkAccessKey refuses an access key that cannot be carried in an
// Authorization header's Access parameter.
func checkAccessKey(accessKey string) error {
	if strings.IndexFunc(accessKey, func(r rune) bool { return r <= ' ' || r == ',' || r >= 0x7f }) >= 0 {
		return errors.New("the access key contains white space, a comma or a non-ASCII character")
	}
	return nil
}

// AcceptAnyToken makes the simulator accept any non-empty X-Auth-Token, as
// when the token's validity is not what a test is about. Signed (AK/SK)
// requests are still verified against the pairs of WithAKSK and
// WithTemporaryAKSK.
func AcceptAnyToken() Option {
	return func(c *config) { c.acceptAny = true }
}

// WithJobs adds jobs to the job table. See [Simulator.AddJob].
func WithJobs(jobs ...Job) Option {
	return func(c *config) { c.jobs = append(c.jobs, jobs...) }
}

// WithScenario applies a scenario: its project ID (when set), its jobs and
// its faults.
func WithScenario(s Scenario) Option {
	return func(c *config) {
		if s.ProjectID != "" {
			WithProjectID(s.ProjectID)(c)
		}
		c.jobs = append(c.jobs, s.Jobs...)
		c.faults = append(c.faults, s.Faults...)
	}
}

// WithClock sets the clock that drives the pre-checks' progress and the
// AK/SK lockout (time.Now by default); a [ManualClock]'s Now method
// lets a test advance time without sleeping. The freshness of AK/SK
// signatures is always checked against the wall clock, like the real
// gateway's, so a fake clock does not break them.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.fail("drstest: WithClock: nil clock")
			return
		}
		c.clock = now
	}
}

// WithFaults injects faults from the start. See [Simulator.InjectFault].
func WithFaults(faults ...Fault) Option {
	return func(c *config) { c.faults = append(c.faults, faults...) }
}

// WithSeed seeds the choice of the requests that a fault with a Rate hits.
// The same seed picks the same request numbers (the n-th request to arrive)
// in every run. The default seed is 1.
func WithSeed(seed int64) Option {
	return func(c *config) { c.seed = seed }
}

// WithRequestLogLimit sets how many of the latest requests
// [Simulator.Requests] keeps (10000 by default); 0 keeps none, which suits
// long benchmarks. RequestCount counts every request regardless.
func WithRequestLogLimit(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("drstest: WithRequestLogLimit: negative limit %d", n)
			return
		}
		c.logLimit = n
	}
}

// WithoutRequestValidation skips the validation of requests against
// openapi.yaml (package contract), which dominates the simulator's cost per
// request; meant for benchmarks. The simulator still answers malformed JSON,
// empty or missing jobs, invalid modes, duplicates and oversized batches with
// the DRS error codes, but no longer rejects, for example, unknown fields or
// an invalid X-Language.
func WithoutRequestValidation() Option {
	return func(c *config) { c.skipValidation = true }
}
