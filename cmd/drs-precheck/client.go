package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/credentials"
	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// maxTokenFileBytes bounds --token-file: an IAM token is about 10 KiB.
const maxTokenFileBytes = 64 << 10

// newClient builds the drs client from flags, the CLI's environment and opts,
// and obtains its credentials, so that a missing source is a configuration
// error before anything is sent.
func (a *app) newClient(ctx context.Context, g *globalFlags, opts []drs.Option) (*drs.Client, error) {
	all := []drs.Option{drs.WithUserAgent("drs-precheck-cli"), drs.WithEnvironment(a.getenv)}
	if src := a.getenv("DRS_CREDENTIAL_SOURCE"); src != "" {
		all = append(all, drs.WithCredentialSource(credentials.Source(src)))
	}
	// fromCLI: where the CLI took each option's value, for its errors.
	fromCLI := map[string]string{}
	for _, f := range []struct {
		value, flag, option string
		with                func(string) drs.Option
	}{{g.region, "--region", "WithRegion", drs.WithRegion}, {g.projectID, "--project-id", "WithProjectID", drs.WithProjectID},
		{g.lang, "--lang", "WithLanguage", drs.WithLanguage}} {
		if f.value != "" {
			all = append(all, f.with(f.value))
			fromCLI[f.option] = f.flag
		}
	}
	endpoint, endpointFrom := g.endpoint, "--endpoint"
	if endpoint == "" {
		endpoint, endpointFrom = a.getenv("DRS_ENDPOINT"), "DRS_ENDPOINT"
	}
	if endpoint != "" && g.region != "" {
		return nil, usage("--region and %s both say where DRS is: give only one", endpointFrom)
	}
	if endpoint != "" {
		all = append(all, drs.WithEndpoint(endpoint))
		fromCLI["WithEndpoint"] = endpointFrom
	}
	// A padded secret is a copy-paste accident: refused by name, never shown.
	for _, name := range []string{drs.EnvAccessKey, drs.EnvSecretKey, drs.EnvSecurityToken, drs.EnvIAMToken} {
		if v := a.getenv(name); strings.TrimSpace(v) != v {
			return nil, usage("%s has leading or trailing white space: remove it (the value is not shown)", name)
		}
	}
	if g.tokenFile != "" {
		token, err := a.readTokenFile(g.tokenFile)
		if err != nil {
			return nil, err
		}
		all = append(all, drs.WithToken(token))
		fromCLI["WithToken"] = "--token-file"
	}
	var transport http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	// The client's Redact is the one redaction; the transports exist before
	// the client, so they reach it through c, set before the first request.
	var c *drs.Client
	clientRedact := func(s string) string { return c.Redact(s) }
	if g.validate {
		spec, err := contract.Default()
		if err != nil {
			return nil, err
		}
		// Fail only on what no client can decode; print documented drift.
		transport = &contract.Transport{Base: transport, Spec: spec, OnDrift: driftPrinter(a.stderr, clientRedact)}
	}
	if g.verbose {
		transport = &verboseTransport{base: transport, w: a.stderr, clientRedact: clientRedact}
	}
	all = append(all, drs.WithHTTPClient(&http.Client{Transport: transport}))
	c, err := drs.New(append(all, opts...)...)
	if err != nil {
		return nil, usage("%s", strings.Join(configProblems(err, fromCLI), "\n"))
	}
	creds, err := c.CheckCredentials(ctx)
	if err != nil {
		return nil, usage("%s", redact.Terminal(err.Error()))
	}
	if g.verbose {
		fmt.Fprintf(a.stderr, "* credentials: %s; from %s\n", redact.Terminal(creds), redact.Terminal(c.CredentialSource()))
	}
	return c, nil
}

// readTokenFile reads the IAM token of --token-file, at most
// maxTokenFileBytes, warning (as ssh does) when every user may read it.
func (a *app) readTokenFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", usage("--token-file: %v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o004 != 0 && runtime.GOOS != "windows" {
		fmt.Fprintf(a.stderr, "drs-precheck: warning: --token-file %s is readable by every user (mode %#o): chmod 600 %s\n", name, st.Mode().Perm(), name)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTokenFileBytes+1))
	if err != nil {
		return "", usage("--token-file: %v", err)
	}
	if len(data) > maxTokenFileBytes {
		return "", usage("--token-file %s is larger than %d KiB: it is not an IAM token", name, maxTokenFileBytes>>10)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", usage("--token-file %s is empty: put the IAM token in it", name)
	}
	return token, nil
}

// driftPrinter warns of each distinct documented drift once, redacted and
// escaped; concurrent requests call it.
func driftPrinter(w io.Writer, redactSecrets func(string) string) func(*contract.Violation) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(v *contract.Violation) {
		line := safeLine(redactSecrets(v.Warning()))
		mu.Lock()
		defer mu.Unlock()
		if seen[line] {
			return
		}
		seen[line] = true
		fmt.Fprintf(w, "drs-precheck: warning: %s\n", line)
	}
}

// optionSettings maps each drs option the CLI takes from its user to the flag
// and the environment variable that set it ("" for none). A problem with an
// option the CLI sets itself (user agent, HTTP client) is a bug of the CLI.
var optionSettings = map[string][2]string{
	"WithRegion":           {"--region", drs.EnvRegion},
	"WithEndpoint":         {"--endpoint", "DRS_ENDPOINT"},
	"WithProjectID":        {"--project-id", drs.EnvProjectID},
	"WithToken":            {"--token-file", drs.EnvIAMToken},
	"WithAKSK":             {"", drs.EnvAccessKey + " and " + drs.EnvSecretKey},
	"WithSecurityToken":    {"", drs.EnvSecurityToken},
	"WithCredentialSource": {"", "DRS_CREDENTIAL_SOURCE"},
	"WithLanguage":         {"--lang", ""},
	"WithFirstPollDelay":   {"--first-poll-delay", ""},
	"WithPollInterval":     {"--poll-interval", ""},
}

// configProblems words drs's refusal (joined *drs.ConfigError values) for the
// CLI: a line per problem, naming the flag or variable to fix. fromCLI maps
// each option the CLI set to where it took the value from, to blame that.
func configProblems(err error, fromCLI map[string]string) []string {
	var problems []string
	for _, leaf := range leaves(err) {
		e, ok := errors.AsType[*drs.ConfigError](leaf)
		if !ok {
			problems = append(problems, leaf.Error())
			continue
		}
		set, known := optionSettings[e.Option]
		switch {
		case !known:
			problems = append(problems, "internal error of drs-precheck, please report it: a client setting it chose itself is invalid: "+e.Reason)
		case fromCLI[e.Option] != "":
			problems = append(problems, fromCLI[e.Option]+": "+e.Reason)
		default:
			names := slices.DeleteFunc([]string{set[0], cmp.Or(e.Env, set[1])}, func(s string) bool { return s == "" })
			problems = append(problems, strings.Join(names, " or ")+": "+e.Reason)
		}
	}
	return problems
}

func leaves(err error) []error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range joined.Unwrap() {
		out = append(out, leaves(e)...)
	}
	return out
}
