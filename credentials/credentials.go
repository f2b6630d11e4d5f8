package credentials

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"
)

// Environment variables, the same as Huawei's official SDKs, plus
// HUAWEICLOUD_IAM_TOKEN. This is the one list of their names.
const (
	EnvAccessKey        = "HUAWEICLOUD_SDK_AK"
	EnvSecretKey        = "HUAWEICLOUD_SDK_SK"
	EnvSecurityToken    = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
	EnvIAMToken         = "HUAWEICLOUD_IAM_TOKEN"
	EnvProjectID        = "HUAWEICLOUD_SDK_PROJECT_ID"
	EnvRegion           = "HUAWEICLOUD_SDK_REGION"
	EnvIdentityProvider = "HUAWEICLOUD_SDK_IDP_ID"
	EnvIDTokenFile      = "HUAWEICLOUD_SDK_ID_TOKEN_FILE"
	EnvIAMEndpoint      = "HUAWEICLOUD_SDK_IAM_ENDPOINT"
	EnvCredentialsFile  = "HUAWEICLOUD_SDK_CREDENTIALS_FILE"
)

// Source is a link of the chain, named by one word (as DRS_CREDENTIAL_SOURCE
// takes it in the CLI).
type Source string

// The sources of the chain, in the order Resolve tries them.
const (
	SourceOptions     Source = "options"
	SourceEnvironment Source = "environment"
	SourceProfile     Source = "profile"  // the profile file
	SourceMetadata    Source = "metadata" // the instance metadata service
)

// words names a source for people.
func (s Source) words() string {
	return cmp.Or(map[Source]string{SourceProfile: "profile file", SourceMetadata: "instance metadata"}[s], string(s))
}

// Credentials authenticate requests: an IAM token, or an access key and
// secret key with, for temporary keys, a security token. Printing a value
// with any verb shows only the kind, the access key and the source.
type Credentials struct {
	Token         string // IAM token (X-Auth-Token); empty for AK/SK
	AccessKey     string
	SecretKey     string
	SecurityToken string    // set for temporary keys
	Expires       time.Time // zero: they do not expire
	Source        string    // where they came from, for people
}

// Secrets lists the values that must never be shown.
func (c Credentials) Secrets() []string { return []string{c.Token, c.SecretKey, c.SecurityToken} }

// String describes c without secrets.
func (c Credentials) String() string {
	what := "IAM token"
	if c.Token == "" {
		what = "AK/SK " + c.AccessKey
		if c.SecurityToken != "" {
			what = "temporary AK/SK " + c.AccessKey
		}
	}
	if !c.Expires.IsZero() {
		what += ", expiring " + c.Expires.UTC().Format(time.RFC3339)
	}
	if c.Source != "" {
		what += " (" + c.Source + ")"
	}
	return what
}

// Format prints String for every verb, so no way of printing Credentials
// shows a secret.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// A Provider hands out credentials. Retrieve may block on the network; it
// returns an *Error when it cannot.
type Provider interface {
	Retrieve(ctx context.Context) (Credentials, error)
}

// Static is a Provider of fixed credentials.
type Static Credentials

// Retrieve returns the credentials.
func (s Static) Retrieve(context.Context) (Credentials, error) { return Credentials(s), nil }

// String describes the credentials without secrets.
func (s Static) String() string { return Credentials(s).String() }

// Format prints String for every verb.
func (s Static) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// Error is a failure to find or obtain credentials. It holds no secret.
type Error struct {
	Source string // the source, in words, e.g. "instance metadata"
	// Env is the environment variable to fix, if one is to blame.
	Env string
	// Setting is what is wrong, for a caller that maps it to its own
	// option: "token", "access key", "security token" or "" (the source).
	Setting string
	Reason  string // what went wrong and what to do, redacted
}

func (e *Error) Error() string { return "credentials from " + e.Source + ": " + e.Reason }

// now reads clock, or time.Now when it is nil.
func now(clock func() time.Time) time.Time {
	if clock == nil {
		return time.Now()
	}
	return clock()
}
