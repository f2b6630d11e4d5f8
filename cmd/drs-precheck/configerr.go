package main

import (
	"errors"
	"strings"

	"github.com/drsclient/drs-precheck/drs"
)

// cliSetting is what a user of the CLI sets in place of a drs option.
type cliSetting struct {
	flag string // "" when only the environment sets it
	env  string // "" when only a flag sets it
}

// optionSettings maps every drs option the CLI takes from its user to the
// flag and environment variable that set it. Options the CLI sets itself
// (user agent, HTTP client, the demo's WithoutEnvironment) are not here: a
// problem with one of them is a bug of the CLI.
var optionSettings = map[string]cliSetting{
	"WithRegion":        {"--region", drs.EnvRegion},
	"WithEndpoint":      {"--endpoint", "DRS_ENDPOINT"},
	"WithProjectID":     {"--project-id", drs.EnvProjectID},
	"WithToken":         {"--token-file", drs.EnvIAMToken},
	"WithAKSK":          {"", drs.EnvAccessKey + " and " + drs.EnvSecretKey},
	"WithSecurityToken": {"", drs.EnvSecurityToken},
	// The chain's errors name their variable or file; the source is pinned
	// with DRS_CREDENTIAL_SOURCE.
	"WithCredentialSource": {"", "DRS_CREDENTIAL_SOURCE"},
	"WithLanguage":         {"--lang", ""},
	"WithFirstPollDelay":   {"--first-poll-delay", ""},
	"WithPollInterval":     {"--poll-interval", ""},
}

// configProblems words drs.New's refusal for the CLI: one line per
// problem, each naming the flag or environment variable to fix. err holds
// the joined *drs.ConfigError values of drs.New. fromCLI maps each option the CLI set to the flag or variable it
// took the value from, so a bad value is blamed on where it came from.
func configProblems(err error, fromCLI map[string]string) []string {
	var problems []string
	for _, leaf := range leaves(err) {
		var cfg *drs.ConfigError
		if !errors.As(leaf, &cfg) {
			problems = append(problems, leaf.Error())
			continue
		}
		problems = append(problems, describeConfigError(cfg, fromCLI))
	}
	return problems
}

// describeConfigError says which flag or variable to fix, then why. drs
// words its reasons without Go identifiers, for any interface.
func describeConfigError(e *drs.ConfigError, fromCLI map[string]string) string {
	option := e.Option
	set, known := optionSettings[option]
	if !known {
		return "internal error of drs-precheck, please report it: a client setting it chose itself is invalid: " + e.Reason
	}
	if from := fromCLI[option]; from != "" {
		return from + ": " + e.Reason
	}
	var names []string
	if set.flag != "" {
		names = append(names, set.flag)
	}
	env := e.Env
	if env == "" {
		env = set.env
	}
	if env != "" {
		names = append(names, env)
	}
	return strings.Join(names, " or ") + ": " + e.Reason
}

// leaves flattens errors.Join trees into their leaf errors, in order.
func leaves(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
