//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// nextLine returns the next line serve prints on stdout.
func (p *serveProc) nextLine(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	select {
	case line, ok := <-p.lines:
		if !ok {
			p.stopped = true
			_ = p.cmd.Wait() // before reading stderr
			t.Fatalf("serve exited:\n%s", p.stderr.String())
		}
		p.stdout = append(p.stdout, line)
		return line
	case <-ctx.Done():
		t.Fatalf("serve printed nothing more within %s", cliTimeout)
		return ""
	}
}

// serve's "try:" line authenticates the way serve was started, and works
// when run by a shell as printed (with the secret in the variable it names);
// the secret itself is never printed. Other credentials are refused. On
// every address (0.0.0.0), the line names a URL on loopback.
func TestServeTryLine(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		serveArgs []string
		shellEnv  []string // what the user sets before pasting the line
		want      string
		refused   [][]string // credentials serve refuses
	}{
		"any token, every address": {[]string{"--addr", "0.0.0.0:0"}, nil, "HUAWEICLOUD_IAM_TOKEN=any-token ", nil},
		"token": {[]string{"--token", secretToken}, []string{"TOKEN=" + secretToken}, `HUAWEICLOUD_IAM_TOKEN="$TOKEN" `,
			[][]string{{"HUAWEICLOUD_IAM_TOKEN=another-token"}}},
		"AK/SK": {[]string{"--ak", "TRYAK000000000000001", "--sk", secretSK}, []string{"SK=" + secretSK},
			`HUAWEICLOUD_SDK_AK=TRYAK000000000000001 HUAWEICLOUD_SDK_SK="$SK" `,
			[][]string{{"HUAWEICLOUD_SDK_AK=TRYAK000000000000001", "HUAWEICLOUD_SDK_SK=a-wrong-key"}, {"HUAWEICLOUD_IAM_TOKEN=any-token"}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startServe(t, append([]string{"--scenario", "testdata/fast-scenario.yaml"}, tc.serveArgs...)...)
			try := p.nextLine(t)
			require.True(t, strings.HasPrefix(try, "try: DRS_ENDPOINT="+p.url+" HUAWEICLOUD_SDK_PROJECT_ID="+p.project+" "), try)
			assert.Contains(t, try, tc.want)
			if name == "AK/SK" {
				assert.NotContains(t, try, "HUAWEICLOUD_IAM_TOKEN", "serve started with --ak accepts no token")
			}

			// Run the line as a shell would, with the CLI on PATH, fast polling,
			// and every exchange checked against openapi.yaml.
			line := strings.TrimPrefix(try, "try: ") + " " + strings.Join(fastWait, " ") + " --validate"
			ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, "sh", "-c", line)
			cmd.Env = append(cliEnv(t, tc.shellEnv), "PATH="+filepath.Dir(cliPath)+string(os.PathListSeparator)+os.Getenv("PATH"))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			require.NoError(t, cmd.Run(), "%s\n%s", line, out.String())
			assert.Contains(t, out.String(), drstest.ExampleJobID)

			for _, env := range tc.refused {
				res := runCLI(t, p.env(env...), "", "run", "--job", drstest.ExampleJobID)
				expectExit(t, res, exitAPIError)
				assert.Contains(t, res.stderr, "APIGW.0301")
				assert.Contains(t, res.stdout, "HTTP 401 APIGW.0301")
				assert.NotContains(t, res.output(), secretSK)
				assert.NotContains(t, res.output(), secretToken)
			}

			assert.Equal(t, exitOK, p.stop(t))
			for _, secret := range []string{secretToken, secretSK} {
				assert.NotContains(t, strings.Join(p.stdout, "\n")+p.stderr.String(), secret)
			}
		})
	}
}
