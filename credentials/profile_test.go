package credentials_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/credentials"
)

const (
	fileAK = "PROFILEAK00000000001"
	fileSK = "profile/SK+secret_value_9x"
)

// TestProfileFile proves that the [basic] section is read (project_id
// included, [global] ignored) and that every malformed file is an error
// naming the file and line, never quoting a value.
func TestProfileFile(t *testing.T) {
	good := "\uFEFF# Huawei Cloud\n[global]\nak = GLOBALAK000000000001\nsk = global-sk\n\n[basic]\n; temporary or not\nak = " + fileAK + "\nsk=" + fileSK + "\nproject_id = 0123456789abcdef0123456789abcdef\n"
	path := writeFile(t, "credentials", good)
	found, err := credentials.Resolve(credentials.Options{Getenv: env(map[string]string{credentials.EnvCredentialsFile: path})})
	require.NoError(t, err)
	assert.Equal(t, credentials.SourceProfile, found.Source)
	assert.Equal(t, "0123456789abcdef0123456789abcdef", found.ProjectID)
	assert.Equal(t, "profile file "+path, found.Description)
	c, err := found.Provider.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, fileAK, c.AccessKey)
	assert.Equal(t, fileSK, c.SecretKey)

	cases := map[string]struct{ content, want string }{
		"no equals sign":      {"[basic]\nak " + fileSK + "\n", ":2: expected key = value"},
		"space in the key":    {"[basic]\nsk " + fileSK + " = x\n", ":2: expected key = value"},
		"unterminated header": {"[basic\nak = x\n", ":1: a section header must end with ]"},
		"unknown key":         {"[basic]\nak = " + fileAK + "\nsecret_key = " + fileSK + "\n", `:3: unknown key "secret_key"`},
		"long unknown key":    {"[basic]\n" + strings.Repeat("k", 41) + " = x\n", `:2: unknown key "` + strings.Repeat("k", 40) + `…"`},
		"key twice":           {"[basic]\nak = " + fileAK + "\nsk = " + fileSK + "\nsk = " + fileSK + "\n", ":4: sk is set twice"},
		"ak without sk":       {"[basic]\nak = " + fileAK + "\n", "an access key needs its secret key"},
		"idp and ak":          {"[basic]\nak = " + fileAK + "\nsk = " + fileSK + "\nidp_id = x\nid_token_file = /t\n", "both idp_id and ak/sk"},
		"http IAM endpoint":   {"[basic]\nidp_id = x\nid_token_file = /t\niam_endpoint = http://iam.example.com\n", "iam_endpoint: the IAM endpoint http://iam.example.com is not https"},
		"too large":           {"[basic]\n" + strings.Repeat("# padding\n", 7000), "larger than 64 KiB"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, "credentials", tc.content)
			_, err := credentials.Resolve(credentials.Options{Getenv: env(map[string]string{credentials.EnvCredentialsFile: path})})
			var ce *credentials.Error
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, credentials.EnvCredentialsFile, ce.Env)
			assert.NotContains(t, err.Error(), fileSK[:8], "a value is never quoted, not even in part")
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		dir := t.TempDir()
		_, err := credentials.Resolve(credentials.Options{Getenv: env(map[string]string{credentials.EnvCredentialsFile: dir})})
		require.Error(t, err)
		assert.Contains(t, err.Error(), dir)
	})
	t.Run("missing named file", func(t *testing.T) {
		_, err := credentials.Resolve(credentials.Options{Getenv: env(map[string]string{credentials.EnvCredentialsFile: "/nonexistent/credentials"})})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/nonexistent/credentials does not exist")
	})
}
