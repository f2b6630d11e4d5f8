package drstest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
)

// An Option configures a Simulator; pass options to [New] or [NewServer].
type Option func(*config)

type config struct {
	projectID      string
	tokens         []string
	pairs          []aksk.Credentials // permanent and temporary
	acceptAny      bool
	jobs           []Job
	faults         []Fault
	clock          func() time.Time
	seed           int64
	logLimit       int
	skipValidation bool
	errs           []error
}

// newConfig applies opts over the defaults.
func newConfig(projectID string, opts []Option) config {
	c := config{projectID: projectID, clock: time.Now, seed: 1, logLimit: 10000}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("drstest: "+format, args...))
}

// WithProjectID sets the project ID the simulator serves (by default New
// serves DefaultProjectID and NewServer a random one).
func WithProjectID(id string) Option {
	return func(c *config) {
		if id == "" || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("/?#%", r) }) {
			c.fail("the project ID must be a non-empty URL path segment without spaces, '/', '?', '#' or '%%'")
			return
		}
		c.projectID = id
	}
}

// WithToken adds IAM tokens the simulator accepts in X-Auth-Token.
func WithToken(tokens ...string) Option {
	return func(c *config) {
		if slices.Contains(tokens, "") {
			c.fail("WithToken: empty token")
			return
		}
		c.tokens = append(c.tokens, tokens...)
	}
}

// WithAKSK adds an access key / secret key pair whose SDK-HMAC-SHA256
// signatures the simulator accepts (X-Sdk-Date at most 15 minutes off the
// wall clock); an X-Security-Token sent with it is ignored.
//
// Like Huawei's gateway, the simulator locks an access key for 5 minutes
// after more than 5 failed signatures in a row: a wrong signature, an
// invalid, unsigned or stale X-Sdk-Date, or a missing, wrong or unsigned
// security token of temporary credentials. A malformed Authorization header
// or an unknown access key is not counted, and a success resets the count.
// While locked, every request naming the key is refused with 401
// APIGW.0301 (an error_msg saying so; Huawei does not document this
// answer), even a correctly signed one, and is not counted. The lock runs on
// the simulator's clock ([WithClock]).
func WithAKSK(accessKey, secretKey string) Option {
	return func(c *config) {
		pair := aksk.Credentials{AccessKey: accessKey, SecretKey: secretKey}
		if pair.Validate() != nil {
			c.fail("WithAKSK: empty secret key, or an access key that is empty or holds white space, a comma or a non-ASCII character")
			return
		}
		c.pairs = append(c.pairs, pair)
	}
}

// WithTemporaryAKSK adds temporary credentials: a pair that the simulator
// accepts only on requests that carry securityToken in X-Security-Token and
// sign it (aksk.Signer does both when Credentials.SecurityToken is set). An
// access key may be given only once, to WithAKSK or WithTemporaryAKSK.
func WithTemporaryAKSK(accessKey, secretKey, securityToken string) Option {
	return func(c *config) {
		pair := aksk.Credentials{AccessKey: accessKey, SecretKey: secretKey, SecurityToken: securityToken}
		// net/http trims header values and refuses control characters, so
		// such a token could never arrive intact.
		if pair.Validate() != nil || securityToken == "" || strings.TrimSpace(securityToken) != securityToken ||
			strings.ContainsFunc(securityToken, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			c.fail("WithTemporaryAKSK: empty secret key, an invalid access key, or a security token that is empty or has surrounding white space or a control character")
			return
		}
		c.pairs = append(c.pairs, pair)
	}
}

// AcceptAnyToken makes the simulator accept any non-empty X-Auth-Token;
// signatures are still verified.
func AcceptAnyToken() Option {
	return func(c *config) { c.acceptAny = true }
}

// WithJobs adds jobs to the job table. See [Simulator.AddJob].
func WithJobs(jobs ...Job) Option {
	return func(c *config) { c.jobs = append(c.jobs, jobs...) }
}

// WithScenario applies a scenario: its project ID (when set), jobs and faults.
func WithScenario(s Scenario) Option {
	return func(c *config) {
		if s.ProjectID != "" {
			WithProjectID(s.ProjectID)(c)
		}
		c.jobs = append(c.jobs, s.Jobs...)
		c.faults = append(c.faults, s.Faults...)
	}
}

// WithClock sets the clock of the pre-checks' progress and of the AK/SK
// lockout (time.Now by default). Signature freshness is always checked
// against the wall clock, like the gateway's, so a fake clock does not
// break signatures.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		c.clock = now
		if now == nil {
			c.fail("WithClock: nil clock")
		}
	}
}

// WithFaults injects faults from the start. See [Simulator.InjectFault].
func WithFaults(faults ...Fault) Option {
	return func(c *config) { c.faults = append(c.faults, faults...) }
}

// WithSeed seeds the choice of the requests a fault with a Rate hits
// (default 1): the same seed hits the same arrival numbers in every run.
func WithSeed(seed int64) Option {
	return func(c *config) { c.seed = seed }
}

// WithRequestLogLimit sets how many of the latest requests
// [Simulator.Requests] keeps (default 10000; 0 keeps none).
func WithRequestLogLimit(n int) Option {
	return func(c *config) {
		c.logLimit = n
		if n < 0 {
			c.fail("WithRequestLogLimit: negative limit %d", n)
		}
	}
}

// WithoutRequestValidation skips the validation against openapi.yaml, which
// dominates the cost of a request; for benchmarks. The simulator's own checks
// still refuse empty, invalid, duplicate and oversized job lists.
func WithoutRequestValidation() Option {
	return func(c *config) { c.skipValidation = true }
}
