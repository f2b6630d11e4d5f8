package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// The CLI takes credentials from the profile file through its own
// environment, says in --verbose which source it used (never the secret),
// and names the file and line of a profile it cannot parse.
func TestCredentialsFromProfileFile(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	profile := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(profile, []byte("[basic]\nak = "+srv.AccessKey+"\nsk = "+srv.SecretKey+"\nproject_id = "+srv.ProjectID+"\n"), 0o600))
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
