package main

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/drsclient/drs-precheck/drs"
)

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
