package main

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/drstest"
)

// goIdentifierRE matches what a CLI user cannot act on: a drs option or an
// exported identifier of package drs.
var goIdentifierRE = regexp.MustCompile(`\bWith[A-Z][A-Za-z]*|\bdrs\.[A-Z]|ConfigError`)

// problemLineRE: every problem line names the flag or variable to fix first.
var problemLineRE = regexp.MustCompile(`^drs-precheck: (--[a-z-]+|[A-Z][A-Z_]+[A-Z])[ :,]`)

// Configuration errors are refused before anything is sent (exit 2), one line
// per problem naming the flag or environment variable to fix, never a Go
// identifier, never a secret.
func TestConfigErrorsNameFlagsAndVariables(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	endpoint, project, token := "DRS_ENDPOINT="+srv.URL, "HUAWEICLOUD_SDK_PROJECT_ID="+srv.ProjectID, "HUAWEICLOUD_IAM_TOKEN="+secretToken
	tokenFile := tempFile(t, "token", secretToken+"\x01\n")

	cases := map[string]struct {
		env  []string
		args []string
		want []string // lines (or their starts) on stderr
	}{
		"nothing set": {nil, nil, []string{
			"drs-precheck: --region or " + drs.EnvRegion + ": ",
			"drs-precheck: --project-id or " + drs.EnvProjectID + ": ",
			"drs-precheck: --token-file or " + drs.EnvIAMToken,
		}},
		// One problem alone, the others settled.
		"no region":           {[]string{project, token}, nil, []string{"drs-precheck: --region or " + drs.EnvRegion + ": "}},
		"no project ID":       {[]string{endpoint, token}, nil, []string{"drs-precheck: --project-id or " + drs.EnvProjectID + ": "}},
		"no credentials":      {[]string{endpoint, project}, nil, []string{"drs-precheck: --token-file or " + drs.EnvIAMToken}},
		"bad --region":        {[]string{project, token}, []string{"--region", "Mars_1"}, []string{"drs-precheck: --region: "}},
		"bad region variable": {[]string{drs.EnvRegion + "=Mars_1", project, token}, nil, []string{"drs-precheck: --region or " + drs.EnvRegion + ": "}},
		"bad --endpoint":      {[]string{project, token}, []string{"--endpoint", "ftp://127.0.0.1:21"}, []string{"drs-precheck: --endpoint: "}},
		"bad DRS_ENDPOINT":    {[]string{"DRS_ENDPOINT=http://drs.example.com", project, token}, nil, []string{"drs-precheck: DRS_ENDPOINT: "}},
		"bad --project-id":    {[]string{endpoint, project, token}, []string{"--project-id", "a/b"}, []string{"drs-precheck: --project-id: "}},
		"bad project variable": {[]string{endpoint, drs.EnvProjectID + "=a b", token}, nil,
			[]string{"drs-precheck: --project-id or " + drs.EnvProjectID + ": "}},
		"control character in --token-file": {[]string{endpoint, project}, []string{"--token-file", tokenFile}, []string{"drs-precheck: --token-file: "}},
		"token and AK/SK": {[]string{endpoint, project, token, "HUAWEICLOUD_SDK_AK=AK0000000000000001", "HUAWEICLOUD_SDK_SK=" + secretSK},
			nil, []string{"drs-precheck: --token-file or " + drs.EnvIAMToken + ": both an IAM token and an AK/SK are set"}},
		"AK without SK":        {[]string{endpoint, project, "HUAWEICLOUD_SDK_AK=AK0000000000000001"}, nil, []string{"drs-precheck: HUAWEICLOUD_SDK_"}},
		"security token alone": {[]string{endpoint, project, "HUAWEICLOUD_SDK_SECURITY_TOKEN=" + secretST}, nil, []string{"drs-precheck: " + drs.EnvSecurityToken}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := runApp(t, tc.env, "", argv([]string{"results", "--job", drstest.ExampleJobID}, tc.args)...)
			expectExit(t, res, exitUsage)
			assert.Empty(t, res.stdout)
			for _, want := range tc.want {
				assert.Contains(t, "\n"+res.stderr, "\n"+want, "stderr:\n%s", res.stderr)
			}
			checkConfigErrorWords(t, res.stderr)
		})
	}
	assert.Zero(t, srv.RequestCount(), "nothing is sent when the configuration is refused")
}

// checkConfigErrorWords: each line names a flag or variable, then the help
// hint; no Go identifier and no secret anywhere.
func checkConfigErrorWords(t *testing.T, stderr string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 2, "stderr:\n%s", stderr)
	for _, line := range lines[:len(lines)-1] {
		assert.Regexp(t, problemLineRE, line)
	}
	assert.Equal(t, "(run 'drs-precheck results --help' for usage)", lines[len(lines)-1])
	assert.NotRegexp(t, goIdentifierRE, stderr)
	for _, secret := range []string{secretToken, secretSK, secretST} {
		assert.NotContains(t, stderr, secret)
	}
}

// The translation itself: a value the CLI passed is blamed on its source,
// anything else on the flag and the variable that could set it; an option
// the CLI sets on its own is reported as the CLI's bug.
func TestDescribeConfigError(t *testing.T) {
	t.Parallel()
	err := errors.Join(
		newDRSConfigError("WithProjectID", drs.EnvProjectID, "no project ID"),
		newDRSConfigError("WithEndpoint", "", "not an absolute URL"),
		newDRSConfigError("WithAKSK", "", "an access key needs its secret key"),
		newDRSConfigError("WithUserAgent", "", "the user agent must be printable text"),
		errors.New("something else"),
	)
	got := configProblems(err, map[string]string{"WithEndpoint": "DRS_ENDPOINT"})
	assert.Equal(t, []string{
		"--project-id or " + drs.EnvProjectID + ": no project ID",
		"DRS_ENDPOINT: not an absolute URL",
		drs.EnvAccessKey + " and " + drs.EnvSecretKey + ": an access key needs its secret key",
		"internal error of drs-precheck, please report it: a client setting it chose itself is invalid: the user agent must be printable text",
		"something else",
	}, got)
}

func newDRSConfigError(option, env, reason string) *drs.ConfigError {
	return &drs.ConfigError{Option: option, Env: env, Reason: reason}
}

// The CLI takes credentials from the profile file through its own
// environment, says in --verbose which source it used (never the secret),
// and names the file and line of a profile it cannot parse.
func TestCredentialsFromProfileFile(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	profile := tempFile(t, "credentials", "[basic]\nak = "+srv.AccessKey+"\nsk = "+srv.SecretKey+"\nproject_id = "+srv.ProjectID+"\n")
	env := []string{"DRS_ENDPOINT=" + srv.URL, "HUAWEICLOUD_SDK_CREDENTIALS_FILE=" + profile, "DRS_CREDENTIAL_SOURCE=profile"}
	res := runCLI(t, env, "", "results", "--verbose", "--job", drstest.ExampleJobID)
	expectExit(t, res, exitJobs) // signed and answered; this job's pre-check was never started
	assert.Contains(t, res.stderr, "* credentials: AK/SK "+srv.AccessKey+" (profile file "+profile+"); from profile file "+profile+"\n")
	assert.NotContains(t, res.stderr, srv.SecretKey)
	assert.Equal(t, 1, countRequests(srv, drstest.OpBatchCheckResults, nil))

	require.NoError(t, os.WriteFile(profile, []byte("[basic]\nak = "+srv.AccessKey+"\nsk "+srv.SecretKey+"\n"), 0o600))
	res = runCLI(t, env, "", "results", "--job", drstest.ExampleJobID)
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, "drs-precheck: HUAWEICLOUD_SDK_CREDENTIALS_FILE: "+profile+":3: expected key = value")
	assert.NotContains(t, res.stderr, srv.SecretKey)

	res = runCLI(t, append(env, "DRS_CREDENTIAL_SOURCE=keychain"), "", "results", "--job", drstest.ExampleJobID)
	expectExit(t, res, exitUsage)
	assert.Contains(t, res.stderr, "drs-precheck: DRS_CREDENTIAL_SOURCE: unknown credential source \"keychain\"; use environment, profile or metadata\n")
}

// TestInputErrorNamesWhereEachJobCameFrom: drs checks the IDs; the CLI only
// adds the file and line (or --job number) of each offending one.
func TestInputErrorNamesWhereEachJobCameFrom(t *testing.T) {
	jobs := []jobEntry{{ID: "a", Name: "--job #1"}, {ID: " b", Name: "f", Line: 3}, {ID: "a", Name: "f", Line: 9}}
	c, err := drs.New(drs.WithoutEnvironment(), drs.WithEndpoint("http://127.0.0.1:1"), drs.WithProjectID("p"), drs.WithToken("t0ken"))
	require.NoError(t, err)
	rep, err := c.Precheck(t.Context(), drs.ModeStartJob, jobIDs(jobs))
	require.Nil(t, rep, "invalid input sends nothing")
	msg := inputError(err, jobs).Error()
	assert.Contains(t, msg, `f:3: job ID " b": leading or trailing white space`)
	assert.Contains(t, msg, `f:9: job ID "a": listed twice (--job #1 and f:9): list each job once`)
	_, err = c.Results(t.Context(), nil)
	assert.Contains(t, inputError(err, nil).Error(), "no job IDs")
	// The CLI checks --mode itself (exitcodes_test's "unknown --mode" names
	// the flag); drs's words for a bad mode are passed on as they are.
	_, err = c.Precheck(t.Context(), "forNothing", []string{"a"})
	assert.Contains(t, inputError(err, jobs[:1]).Error(), "unknown pre-check mode")
}
