package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// Distinctive secrets: none may appear in anything the CLI prints.
const (
	secretToken = "MIItoken-Qz8vR2kW9xL4-DO-NOT-PRINT"
	secretAK    = "AKVERBOSETEST0000001" // not a secret, but identifies the key
	secretSK    = "SK-Hn3pT7yB5cM1-DO-NOT-PRINT"
	wrongSK     = "SK-Wr0ngWr0ng99-DO-NOT-PRINT"
	secretST    = "ST-Jd6fG2sA8uE4-DO-NOT-PRINT"
)

// assertNoSecrets fails the test if any secret, or any signature, appears in
// the CLI's stdout or stderr.
func assertNoSecrets(t *testing.T, res result, secrets ...string) {
	t.Helper()
	out := res.output()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("the output contains the secret %q\n%s", s, res)
		}
	}
	if strings.Contains(out, "Signature=") {
		t.Errorf("the output contains a signature\n%s", res)
	}
}

// assertVerboseLog checks that --verbose logged requests and responses, with
// the credential headers redacted.
func assertVerboseLog(t *testing.T, stderr string, want ...string) {
	t.Helper()
	assert.Contains(t, stderr, "> POST http://127.0.0.1:")
	assert.Contains(t, stderr, "/jobs/batch-precheck\n")
	assert.Contains(t, stderr, "> User-Agent: drs-precheck-cli")
	assert.Contains(t, stderr, `> {"jobs":[{"job_id":"`+drstest.ExampleJobID+`","precheck_mode":"forStartJob"}]}`)
	assert.Contains(t, stderr, "< X-Request-Id: ")
	for _, w := range want {
		assert.Contains(t, stderr, w)
	}
}

func TestVerboseRedactsToken(t *testing.T) {
	t.Parallel()
	run := []string{"run", "--wait", "--verbose", "--job", drstest.ExampleJobID}

	t.Run("success", func(t *testing.T) {
		t.Parallel()
		srv := newSim(t, drstest.WithToken(secretToken))
		res := runCLI(t, append(endpointEnv(srv), "HUAWEICLOUD_IAM_TOKEN="+secretToken), "", argv(run, fastWait)...)
		expectExit(t, res, exitOK)
		assertVerboseLog(t, res.stderr, "> X-Auth-Token: [REDACTED]", "< 200 OK in ", `"status":"success"`,
			"/jobs/batch-precheck-result\n", `"process":"100%"`)
		assertNoSecrets(t, res, secretToken)
		assert.NotContains(t, res.stdout, "> POST", "the log goes to stderr only")
	})

	t.Run("401", func(t *testing.T) {
		t.Parallel()
		srv := newSim(t, drstest.WithToken("some-other-token"))
		res := runCLI(t, append(endpointEnv(srv), "HUAWEICLOUD_IAM_TOKEN="+secretToken), "", argv(run, fastWait)...)
		expectExit(t, res, exitAPIError)
		assertVerboseLog(t, res.stderr, "> X-Auth-Token: [REDACTED]", "< 401 Unauthorized in ", `"error_code":"APIGW.0301"`)
		assertNoSecrets(t, res, secretToken)
	})

	t.Run("token file", func(t *testing.T) {
		t.Parallel()
		srv := newSim(t, drstest.WithToken(secretToken))
		file := filepath.Join(t.TempDir(), "token")
		require.NoError(t, writeFile(file, secretToken+"\n"))
		res := runCLI(t, endpointEnv(srv), "", argv(run, fastWait, []string{"--token-file", file, "--output", "json"})...)
		expectExit(t, res, exitOK)
		assertVerboseLog(t, res.stderr, "> X-Auth-Token: [REDACTED]")
		assertNoSecrets(t, res, secretToken)
		parseJSONDoc(t, res.stdout) // the log does not spoil the JSON on stdout
	})
}

// signatureRecorder serves sim and records the signatures and security
// tokens the CLI sent, so the test can look for their exact values.
type signatureRecorder struct {
	sim *drstest.Simulator
	mu  sync.Mutex
	sig []string
	st  []string
}

var signatureRE = regexp.MustCompile(`Signature=([0-9a-fA-F]+)`)

func (s *signatureRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	for _, m := range signatureRE.FindAllStringSubmatch(r.Header.Get("Authorization"), -1) {
		s.sig = append(s.sig, m[1])
	}
	if st := r.Header.Get("X-Security-Token"); st != "" {
		s.st = append(s.st, st)
	}
	s.mu.Unlock()
	s.sim.ServeHTTP(w, r)
}

func (s *signatureRecorder) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(append([]string(nil), s.sig...), s.st...)
}

func TestVerboseRedactsAKSK(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		clientSK string
		want     int
		log      []string
	}{
		{"success", secretSK, exitOK, []string{"< 200 OK in ", `"process":"100%"`}},
		{"wrong secret key", wrongSK, exitAPIError, []string{"< 401 Unauthorized in ", `"error_code":"APIGW.0301"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim, err := drstest.New(drstest.WithScenario(fastScenario()), drstest.WithAKSK(secretAK, secretSK))
			require.NoError(t, err)
			rec := &signatureRecorder{sim: sim}
			srv := httptest.NewServer(rec)
			t.Cleanup(srv.Close)
			env := []string{
				"DRS_ENDPOINT=" + srv.URL, "HUAWEICLOUD_SDK_PROJECT_ID=" + sim.ProjectID(),
				"HUAWEICLOUD_SDK_AK=" + secretAK, "HUAWEICLOUD_SDK_SK=" + tc.clientSK, "HUAWEICLOUD_SDK_SECURITY_TOKEN=" + secretST,
			}
			res := runCLI(t, env, "", argv([]string{"run", "--wait", "--verbose", "--job", drstest.ExampleJobID}, fastWait)...)
			expectExit(t, res, tc.want)
			assertVerboseLog(t, res.stderr, append(tc.log, "> Authorization: [REDACTED]", "> X-Security-Token: [REDACTED]", "> X-Sdk-Date: ")...)
			sent := rec.secrets()
			require.NotEmpty(t, sent, "the CLI signed its requests")
			assertNoSecrets(t, res, append(sent, secretSK, wrongSK, secretST)...)
			if tc.want == exitAPIError {
				assert.Len(t, sent, 2, "one signature and one security token: an authentication failure is not retried")
			}
		})
	}
}
