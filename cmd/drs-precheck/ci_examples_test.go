package main

// The example pipelines in docs/ci: their structure (GitLab has no pinned
// offline linter in Go, so the keys GitLab requires are checked here; the
// GitHub workflow also passes actionlint in `make lint-ci-examples`), and
// their scripts, run with bash and a stand-in drs-precheck for each exit code.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// junitRedirect finds where a script writes the JUnit report.
var junitRedirect = regexp.MustCompile(`drs-precheck run [^\n]*--output junit > (\S+)`)

// GitLab's keywords (docs.gitlab.com/ci/yaml): a key that is none of these is a
// mistake GitLab rejects.
var (
	gitlabGlobal = []string{"default", "include", "stages", "variables", "workflow", "spec",
		"image", "services", "cache", "before_script", "after_script"}
	gitlabJob = []string{"after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage",
		"dast_configuration", "dependencies", "environment", "extends", "hooks", "identity", "id_tokens", "image",
		"inherit", "interruptible", "manual_confirmation", "needs", "pages", "parallel", "release", "resource_group",
		"retry", "rules", "run", "script", "secrets", "services", "stage", "tags", "timeout", "trigger", "variables", "when"}
	gitlabArtifacts = []string{"paths", "exclude", "expire_in", "expose_as", "name", "public", "access", "reports", "untracked", "when"}
)

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(data, &doc), "%s is not valid YAML (duplicate keys included)", path)
	return doc
}

func keysOf(m map[string]any) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func yamlStrings(t *testing.T, v any, what string) []string {
	t.Helper()
	list, ok := v.([]any)
	require.True(t, ok, "%s must be a list, not %T", what, v)
	var out []string
	for _, e := range list {
		s, ok := e.(string)
		require.True(t, ok, "%s must hold strings, not %T", what, e)
		out = append(out, s)
	}
	return out
}

func TestGitLabExample(t *testing.T) {
	t.Parallel()
	doc := readYAML(t, "../../docs/ci/gitlab-ci.yml")
	stages := []string{".pre", "build", "test", "deploy", ".post"} // GitLab's default
	if v, ok := doc["stages"]; ok {
		stages = append(yamlStrings(t, v, "stages"), ".pre", ".post")
	}
	var jobs []string
	for _, name := range keysOf(doc) {
		if slices.Contains(gitlabGlobal, name) || strings.HasPrefix(name, ".") {
			continue
		}
		jobs = append(jobs, name)
		job, ok := doc[name].(map[string]any)
		require.True(t, ok, "job %s must be a mapping", name)
		for _, k := range keysOf(job) {
			assert.Contains(t, gitlabJob, k, "job %s: unknown keyword %s", name, k)
		}
		script := yamlStrings(t, job["script"], name+".script")
		require.NotEmpty(t, script, "job %s: GitLab requires a script", name)
		if stage, ok := job["stage"].(string); ok {
			assert.Contains(t, stages, stage, "job %s: stage %s is not in stages", name, stage)
		}
		assert.IsType(t, "", job["image"], "job %s: image", name)

		m := junitRedirect.FindStringSubmatch(strings.Join(script, "\n"))
		require.NotNil(t, m, "job %s runs drs-precheck with --output junit into a file", name)
		artifacts, ok := job["artifacts"].(map[string]any)
		require.True(t, ok, "job %s: artifacts", name)
		for _, k := range keysOf(artifacts) {
			assert.Contains(t, gitlabArtifacts, k, "job %s: unknown artifacts keyword %s", name, k)
		}
		assert.Equal(t, "always", artifacts["when"], "the report is uploaded when the job fails too")
		reports, ok := artifacts["reports"].(map[string]any)
		require.True(t, ok, "job %s: artifacts.reports", name)
		assert.Equal(t, m[1], reports["junit"], "the JUnit report GitLab reads is the file drs-precheck writes")

		checkExitCodes(t, "gitlab", strings.Join(script, "\n"))
	}
	assert.Equal(t, []string{"drs-precheck"}, jobs)
}

func TestGitHubExample(t *testing.T) {
	t.Parallel()
	doc := readYAML(t, "../../docs/ci/github-actions.yml")
	jobs, ok := doc["jobs"].(map[string]any)
	require.True(t, ok)
	job, ok := jobs["precheck"].(map[string]any)
	require.True(t, ok)
	steps, ok := job["steps"].([]any)
	require.True(t, ok)
	var script, published string
	var publishIf string
	for _, s := range steps {
		step := s.(map[string]any)
		if step["id"] == "precheck" {
			script = step["run"].(string)
		}
		if uses, _ := step["uses"].(string); strings.HasPrefix(uses, "EnricoMi/publish-unit-test-result-action@") {
			published = step["with"].(map[string]any)["files"].(string)
			publishIf, _ = step["if"].(string)
		}
	}
	require.NotEmpty(t, script, "the step that runs drs-precheck")
	assert.NotContains(t, script, "${{", "values reach the script through env, never through expressions in it")
	m := junitRedirect.FindStringSubmatch(script)
	require.NotNil(t, m)
	assert.Equal(t, m[1], published, "the report published is the file drs-precheck writes")
	assert.Equal(t, "${{ !cancelled() }}", publishIf, "the report is published when the pre-check step fails too")
	checkExitCodes(t, "github", script)
}

// checkExitCodes runs script as the CI would, with a drs-precheck that exits
// with each code: 0 passes, 1 and 3 fail the job with their own message, and
// anything else fails it too.
func checkExitCodes(t *testing.T, ci, script string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	require.NoError(t, err, "bash runs the CI scripts (as it runs .ci/run)")
	stubs := t.TempDir()
	// go (the install step) does nothing; drs-precheck records its arguments
	// and exits with $STUB_CODE.
	require.NoError(t, os.WriteFile(filepath.Join(stubs, "go"), []byte("#!/bin/sh\nexit 0\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(stubs, "drs-precheck"),
		[]byte("#!/bin/sh\necho \"$@\" > \"$STUB_ARGS\"\necho '<testsuites/>'\nexit \"$STUB_CODE\"\n"), 0o755))
	messages := map[int]string{}
	for _, code := range []int{0, 1, 3, 2} {
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var cmd *exec.Cmd
		switch ci {
		case "github": // bash --noprofile --norc -eo pipefail {0}
			path := filepath.Join(dir, "step.sh")
			require.NoError(t, os.WriteFile(path, []byte(script), 0o600))
			cmd = exec.CommandContext(ctx, bash, "--noprofile", "--norc", "-eo", "pipefail", path)
		default: // GitLab's runner: every script entry in one bash with errexit
			cmd = exec.CommandContext(ctx, bash, "--noprofile", "--norc", "-c", "set -eo pipefail\n"+script)
		}
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + stubs + ":/usr/bin:/bin", "HOME=" + dir,
			"STUB_CODE=" + fmt.Sprint(code), "STUB_ARGS=" + filepath.Join(dir, "args")}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		cancel()
		got := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			got = exitErr.ExitCode()
		} else {
			require.NoError(t, err)
		}
		if code == 0 {
			assert.Equal(t, 0, got, "%s: exit 0 passes the job\n%s", ci, out.String())
		} else {
			assert.Equal(t, code, got, "%s: exit %d fails the job with that code\n%s", ci, code, out.String())
		}
		args, err := os.ReadFile(filepath.Join(dir, "args"))
		require.NoError(t, err, "%s: drs-precheck ran", ci)
		assert.Contains(t, string(args), "run --wait --jobs-file drs-jobs.txt --output junit")
		report, err := os.ReadFile(filepath.Join(dir, "drs-precheck.xml"))
		require.NoError(t, err, "%s: the report file is written whatever the exit code", ci)
		assert.Equal(t, "<testsuites/>\n", string(report))
		messages[code] = strings.TrimSpace(out.String())
	}
	assert.Contains(t, messages[0], "passed")
	assert.Contains(t, messages[1], "may not start")
	assert.Contains(t, messages[3], "no answer")
	assert.Contains(t, messages[2], "could not run")
	assert.NotEqual(t, messages[1], messages[3], "exit codes 1 and 3 have their own messages")
}
