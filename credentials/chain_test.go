package credentials_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/credentials"
)

const (
	envAK = "ENVAK000000000000001"
	envSK = "env/SK+secret_value_7q"
)

// TestChainOrder proves the order of Huawei's SDKs: environment, then the
// profile file, then instance metadata; that pinning one source skips the
// others; and that what was tried is said, without secrets.
func TestChainOrder(t *testing.T) {
	home := t.TempDir()
	profile := "[basic]\nak = " + fileAK + "\nsk = " + fileSK + "\n"
	writeAt(t, filepath.Join(home, ".huaweicloud", "credentials"), profile)
	all := map[string]string{"HOME": home, credentials.EnvAccessKey: envAK, credentials.EnvSecretKey: envSK}
	noEnvCreds := map[string]string{"HOME": home}
	empty := map[string]string{"HOME": t.TempDir()}

	cases := []struct {
		name    string
		env     map[string]string
		sources []credentials.Source
		want    credentials.Source
		ak      string
		tried   int
	}{
		{"environment first", all, nil, credentials.SourceEnvironment, envAK, 0},
		{"then the profile file in HOME", noEnvCreds, nil, credentials.SourceProfile, fileAK, 1},
		{"then instance metadata", empty, nil, credentials.SourceMetadata, "", 2},
		{"pinned to the profile file", all, []credentials.Source{credentials.SourceProfile}, credentials.SourceProfile, fileAK, 0},
		{"pinned to metadata", all, []credentials.Source{credentials.SourceMetadata}, credentials.SourceMetadata, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			found, err := credentials.Resolve(credentials.Options{Getenv: env(tc.env), Sources: tc.sources})
			require.NoError(t, err)
			assert.Equal(t, tc.want, found.Source)
			assert.Len(t, found.Tried, tc.tried)
			for _, s := range append(found.Tried, found.Description) {
				assert.NotContains(t, s, envSK)
				assert.NotContains(t, s, fileSK)
			}
			if tc.ak != "" {
				c, err := found.Provider.Retrieve(context.Background())
				require.NoError(t, err)
				assert.Equal(t, tc.ak, c.AccessKey)
				assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", c, c, c, found.Provider), map[string]string{envAK: envSK, fileAK: fileSK}[tc.ak])
			}
		})
	}
	t.Run("nothing anywhere", func(t *testing.T) {
		_, err := credentials.Resolve(credentials.Options{Getenv: env(empty), Sources: []credentials.Source{credentials.SourceEnvironment, credentials.SourceProfile}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no credentials (tried environment: none of HUAWEICLOUD_SDK_AK, HUAWEICLOUD_IAM_TOKEN, HUAWEICLOUD_SDK_IDP_ID is set; profile file: "+empty["HOME"])
	})
	t.Run("no home directory", func(t *testing.T) {
		_, err := credentials.Resolve(credentials.Options{Sources: []credentials.Source{credentials.SourceProfile}})
		require.ErrorContains(t, err, "no home directory")
	})
}

// TestEnvironmentContradictions proves that variables that contradict each
// other are errors naming them, not a silent choice.
func TestEnvironmentContradictions(t *testing.T) {
	cases := map[string]struct {
		env     map[string]string
		want    string
		wantEnv string
		setting string
	}{
		"token and AK/SK": {map[string]string{credentials.EnvIAMToken: "tok-secret", credentials.EnvAccessKey: envAK, credentials.EnvSecretKey: envSK},
			"both an IAM token and an AK/SK are set", credentials.EnvIAMToken, "token"},
		"AK without SK": {map[string]string{credentials.EnvAccessKey: envAK}, "an access key needs its secret key", credentials.EnvAccessKey + ", " + credentials.EnvSecretKey, "access key"},
		"token and security token": {map[string]string{credentials.EnvIAMToken: "tok-secret", credentials.EnvSecurityToken: "st-secret-value"},
			"a security token goes with AK/SK credentials", credentials.EnvSecurityToken, "security token"},
		"token with a control character": {map[string]string{credentials.EnvIAMToken: "tok\nsecret-value"}, "contains a control character", credentials.EnvIAMToken, "token"},
		"access key with a comma":        {map[string]string{credentials.EnvAccessKey: "AK,1", credentials.EnvSecretKey: envSK}, "access key", credentials.EnvAccessKey + ", " + credentials.EnvSecretKey, "access key"},
		"security token alone":           {map[string]string{credentials.EnvSecurityToken: "st-secret-value"}, "a security token without an access key", credentials.EnvSecurityToken, "security token"},
		"federation and AK/SK": {map[string]string{credentials.EnvIdentityProvider: "idp", credentials.EnvIDTokenFile: "/t", credentials.EnvAccessKey: envAK, credentials.EnvSecretKey: envSK},
			"federated identity and an IAM token or AK/SK are both set", credentials.EnvIdentityProvider, ""},
		"identity provider without token file": {map[string]string{credentials.EnvIdentityProvider: "idp"}, "needs both", credentials.EnvIdentityProvider + ", " + credentials.EnvIDTokenFile, ""},
		"IAM endpoint over http": {map[string]string{credentials.EnvIdentityProvider: "idp", credentials.EnvIDTokenFile: "/t", credentials.EnvIAMEndpoint: "http://iam.example.com"},
			"is not https", credentials.EnvIAMEndpoint, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := credentials.Resolve(credentials.Options{Getenv: env(tc.env)})
			var ce *credentials.Error
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, ce.Reason, tc.want)
			assert.Equal(t, tc.wantEnv, ce.Env)
			assert.Equal(t, tc.setting, ce.Setting)
			assert.NotContains(t, err.Error(), envSK)
			assert.NotContains(t, err.Error(), "secret-value")
		})
	}
}
