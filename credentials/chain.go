package credentials

import (
	"errors"
	"io/fs"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/drsclient/drs-precheck/aksk"
)

// Options configure Resolve.
type Options struct {
	// Getenv reads the environment (os.Getenv, or a program's injected
	// environment); nil reads nothing. The profile file is found through it
	// too (HUAWEICLOUD_SDK_CREDENTIALS_FILE, else HOME or USERPROFILE).
	Getenv func(string) string
	// Sources are the links to try, in order; nil means the chain of
	// Huawei's SDKs: environment, profile file, instance metadata.
	Sources []Source
	// HTTPClient sends the IAM requests of federation; nil means
	// http.DefaultTransport. Redirects are never followed.
	HTTPClient *http.Client
	// Now is the clock that judges expiry; nil means time.Now.
	Now func() time.Time
	// MetadataClient sends the requests to the metadata service; nil means
	// a direct connection with no proxy. It is for tests, which route the
	// address in memory: the address is always http://169.254.169.254.
	MetadataClient *http.Client
}

// Found is the link of the chain that has credentials.
type Found struct {
	// Provider hands out the credentials: a Static, or a Refreshing around
	// a Metadata or a Federation.
	Provider Provider
	Source   Source
	// Description says where they came from, for people, without secrets.
	Description string
	// ProjectID is the project_id of the profile file, when the
	// credentials came from there.
	ProjectID string
	// Tried lists the links tried before, and why they had nothing.
	Tried []string
}

// Resolve walks the sources in order and returns the first that has
// credentials. It reads the environment and the profile file but calls no
// service: instance metadata, when reached, is always "found", and
// fetched on first use. A source that is set up wrongly (contradictory
// variables, a profile file that cannot be read or parsed) is an *Error,
// not skipped. Nothing found is an *Error listing what was tried.
func Resolve(o Options) (Found, error) {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	sources := o.Sources
	if sources == nil {
		sources = []Source{SourceEnvironment, SourceProfile, SourceMetadata}
	}
	var tried []string
	for _, src := range sources {
		var (
			f   Found // without a Provider when src has none, and why not
			why string
			err error
		)
		switch src {
		case SourceEnvironment:
			f, why, err = fromEnvironment(o)
		case SourceProfile:
			f, why, err = fromProfile(o)
		case SourceMetadata:
			f = Found{Provider: NewRefreshing(&Metadata{Client: o.MetadataClient, Now: o.Now}, o.Now),
				Description: "instance metadata (the IAM agency of this ECS instance or CCE node)"}
		default:
			return Found{}, &Error{Source: "the credential chain", Reason: "unknown credential source \"" + quote(nil, string(src)) + "\"; use environment, profile or metadata"}
		}
		if err != nil {
			return Found{}, err
		}
		if f.Provider != nil {
			f.Source, f.Tried = src, tried
			return f, nil
		}
		tried = append(tried, src.words()+": "+why)
	}
	return Found{}, &Error{Source: "the credential chain", Reason: "no credentials (tried " + strings.Join(tried, "; ") + ")"}
}

// fromEnvironment reads the variables of Huawei's SDKs.
func fromEnvironment(o Options) (Found, string, error) {
	c := Credentials{
		Token: o.Getenv(EnvIAMToken), AccessKey: o.Getenv(EnvAccessKey), SecretKey: o.Getenv(EnvSecretKey),
		SecurityToken: o.Getenv(EnvSecurityToken), Source: string(SourceEnvironment),
	}
	idp, idFile := o.Getenv(EnvIdentityProvider), o.Getenv(EnvIDTokenFile)
	bad := func(env, reason string) (Found, string, error) {
		return Found{}, "", &Error{Source: string(SourceEnvironment), Env: env, Reason: reason}
	}
	if idp != "" || idFile != "" {
		if c.Token != "" || c.AccessKey != "" || c.SecretKey != "" {
			return bad(EnvIdentityProvider, "federated identity and an IAM token or AK/SK are both set; use one")
		}
		if idp == "" || idFile == "" {
			return bad(EnvIdentityProvider+", "+EnvIDTokenFile, "federated identity needs both the identity provider ID and the ID token file")
		}
		fed := &Federation{IAMEndpoint: o.Getenv(EnvIAMEndpoint), IdentityProvider: idp, IDTokenFile: idFile,
			Client: o.HTTPClient, Now: o.Now, Origin: string(SourceEnvironment)}
		if _, err := checkIAMEndpoint(fed.IAMEndpoint); err != nil {
			return bad(EnvIAMEndpoint, err.Error())
		}
		return Found{Provider: NewRefreshing(fed, o.Now), Description: fed.source()}, "", nil
	}
	if c == (Credentials{Source: c.Source}) {
		return Found{}, "none of " + EnvAccessKey + ", " + EnvIAMToken + ", " + EnvIdentityProvider + " is set", nil
	}
	if err := c.Validate(); err != nil {
		e := err.(*Error) // its Source is the environment already
		e.Env = map[string]string{"token": EnvIAMToken, "access key": EnvAccessKey + ", " + EnvSecretKey, "security token": EnvSecurityToken}[e.Setting]
		return Found{}, "", e
	}
	names := slices.DeleteFunc([]string{EnvIAMToken, EnvAccessKey, EnvSecretKey, EnvSecurityToken},
		func(name string) bool { return o.Getenv(name) == "" })
	return Found{Provider: Static(c), Description: "environment (" + strings.Join(names, ", ") + ")"}, "", nil
}

// fromProfile reads the [basic] section of the profile file.
func fromProfile(o Options) (Found, string, error) {
	path, env := o.Getenv(EnvCredentialsFile), EnvCredentialsFile
	if path == "" {
		env = ""
		homeVar := "HOME"
		if runtime.GOOS == "windows" {
			homeVar = "USERPROFILE"
		}
		home := o.Getenv(homeVar)
		if home == "" {
			return Found{}, "no home directory (" + homeVar + " is not set)", nil
		}
		path = filepath.Join(home, ".huaweicloud", "credentials")
	}
	where := SourceProfile.words() + " " + path
	bad := func(reason string) (Found, string, error) {
		return Found{}, "", &Error{Source: where, Env: env, Reason: reason}
	}
	p, err := readProfile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && env == "":
		return Found{}, path + " does not exist", nil
	case errors.Is(err, fs.ErrNotExist):
		return bad(path + " does not exist")
	case err != nil:
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			return bad(path + ": " + pe.Err.Error())
		}
		return bad(err.Error())
	}
	found := Found{ProjectID: p["project_id"], Description: where}
	if p["idp_id"] != "" || p["id_token_file"] != "" {
		if p["ak"] != "" || p["sk"] != "" {
			return bad(path + ": [basic] sets both idp_id and ak/sk; use one")
		}
		fed := &Federation{IAMEndpoint: p["iam_endpoint"], IdentityProvider: p["idp_id"], IDTokenFile: p["id_token_file"],
			Client: o.HTTPClient, Now: o.Now, Origin: where}
		if fed.IdentityProvider == "" || fed.IDTokenFile == "" {
			return bad(path + ": [basic] needs both idp_id and id_token_file for federated identity")
		}
		if _, err := checkIAMEndpoint(fed.IAMEndpoint); err != nil {
			return bad(path + ": iam_endpoint: " + err.Error())
		}
		found.Provider, found.Description = NewRefreshing(fed, o.Now), fed.source()
		return found, "", nil
	}
	c := Credentials{AccessKey: p["ak"], SecretKey: p["sk"], SecurityToken: p["security_token"], Source: where}
	if c.AccessKey == "" && c.SecretKey == "" && c.SecurityToken == "" {
		return Found{}, path + " has no ak and sk in [basic]", nil
	}
	if err := c.Validate(); err != nil {
		return bad(path + ": [basic]: " + err.(*Error).Reason)
	}
	found.Provider = Static(c)
	return found, "", nil
}

// Validate checks fixed credentials: an IAM token alone, or an access key
// with its secret key and an optional security token. Its error is an
// *Error whose Setting names the culprit.
func (c Credentials) Validate() error {
	bad := func(setting, reason string) error { return &Error{Source: c.Source, Setting: setting, Reason: reason} }
	ak := c.AccessKey != "" || c.SecretKey != ""
	switch {
	case c.Token != "" && ak:
		return bad("token", "both an IAM token and an AK/SK are set; use one")
	case c.Token != "" && c.SecurityToken != "":
		return bad("security token", "a security token goes with AK/SK credentials, not with an IAM token")
	case c.Token != "":
		if strings.ContainsFunc(c.Token, unicode.IsControl) {
			return bad("token", "the IAM token is empty or contains a control character")
		}
	case ak:
		if c.AccessKey == "" || c.SecretKey == "" {
			return bad("access key", "an access key needs its secret key and the other way round")
		}
		creds := aksk.Credentials{AccessKey: c.AccessKey, SecretKey: c.SecretKey, SecurityToken: c.SecurityToken}
		if err := creds.Validate(); err != nil {
			return bad("access key", strings.TrimPrefix(err.Error(), aksk.ErrInvalidCredentials.Error()+": "))
		}
	case c.SecurityToken != "":
		return bad("security token", "a security token without an access key and secret key")
	default:
		return bad("", "no credentials: give an IAM token or an access key and secret key")
	}
	return nil
}
