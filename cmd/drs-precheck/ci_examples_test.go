package main

// The example pipelines in docs/ci and the GitHub Action (action.yml): their
// structure (GitLab has no pinned offline linter in Go, so the keys GitLab
// requires are checked here; the GitHub workflow and the action also pass
// actionlint in `make lint-ci-examples`), and their scripts, run with a shell
// and a stand-in drs-precheck for each exit code.

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
	"go.yaml.in/yaml/v4"
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

// yamlAs is v as a T (a mapping, a list, a string), failing the test when
// the YAML holds something else.
func yamlAs[T any](t *testing.T, v any, what string) T {
	t.Helper()
	x, ok := v.(T)
	require.True(t, ok, "%s must be a %T, not %T", what, x, v)
	return x
}

func yamlStrings(t *testing.T, v any, what string) []string {
	t.Helper()
	var out []string
	for _, e := range yamlAs[[]any](t, v, what) {
		out = append(out, yamlAs[string](t, e, what+" item"))
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
		job := yamlAs[map[string]any](t, doc[name], "job "+name)
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
		artifacts := yamlAs[map[string]any](t, job["artifacts"], name+".artifacts")
		for _, k := range keysOf(artifacts) {
			assert.Contains(t, gitlabArtifacts, k, "job %s: unknown artifacts keyword %s", name, k)
		}
		assert.Equal(t, "always", artifacts["when"], "the report is uploaded when the job fails too")
		reports := yamlAs[map[string]any](t, artifacts["reports"], name+".artifacts.reports")
		assert.Equal(t, m[1], reports["junit"], "the JUnit report GitLab reads is the file drs-precheck writes")

		assert.Regexp(t, `^\$CI_REGISTRY_IMAGE/drs-precheck:v\d+\.\d+\.\d+-shell$`, job["image"],
			"job %s: the shell image of a release (Dockerfile target shell)", name)
		checkExitCodes(t, "gitlab", strings.Join(script, "\n"), nil,
			"run --wait --jobs-file drs-jobs.txt --output junit", m[1])
	}
	assert.Equal(t, []string{"drs-precheck"}, jobs)
}

// The workflow uses the action at a release tag (as users will once it is
// published), passes credentials by environment, and publishes the report the
// action writes, whatever the outcome.
func TestGitHubExample(t *testing.T) {
	t.Parallel()
	doc := readYAML(t, "../../docs/ci/github-actions.yml")
	jobs := yamlAs[map[string]any](t, doc["jobs"], "jobs")
	job := yamlAs[map[string]any](t, jobs["precheck"], "jobs.precheck")
	steps := yamlAs[[]any](t, job["steps"], "jobs.precheck.steps")
	var precheck map[string]any
	var published, publishIf string
	for _, s := range steps {
		step := s.(map[string]any)
		uses, _ := step["uses"].(string)
		if step["id"] == "precheck" {
			precheck = step
		}
		if strings.HasPrefix(uses, "EnricoMi/publish-unit-test-result-action@") {
			published = step["with"].(map[string]any)["files"].(string)
			publishIf, _ = step["if"].(string)
		}
		assert.NotContains(t, fmt.Sprint(step["run"]), "go install ./", "the example works outside this repository")
	}
	require.NotNil(t, precheck, "the step that runs drs-precheck")
	assert.Regexp(t, `^drsclient/drs-precheck@v\d+\.\d+\.\d+$`, precheck["uses"], "the action, at a release tag")
	env, _ := precheck["env"].(map[string]any)
	for _, name := range []string{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"} {
		assert.Equal(t, "${{ secrets."+name+" }}", env[name], "credentials by environment, from secrets")
	}
	with := yamlAs[map[string]any](t, precheck["with"], "the precheck step's with")
	inputs := actionInputs(t)
	for name := range with {
		assert.Contains(t, inputs, name, "an input of action.yml")
	}
	assert.Equal(t, "junit", with["output"])
	assert.Equal(t, with["report-file"], published, "the report published is the file the action writes")
	assert.Equal(t, "${{ !cancelled() }}", publishIf, "the report is published when the pre-check step fails too")
}

// actionInputs: the inputs of action.yml with their defaults.
func actionInputs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, v := range yamlAs[map[string]any](t, readYAML(t, "../../action.yml")["inputs"], "action.yml: inputs") {
		def, _ := yamlAs[map[string]any](t, v, "action.yml: input "+name)["default"].(string)
		out[name] = def
	}
	return out
}

// The action builds the CLI from its own files (the ref the workflow names:
// no published module needed), takes the inputs the issue lists, and passes
// every value to its scripts through env, never through expressions in them.
// Its run step, with a stand-in drs-precheck, turns the inputs into flags and
// fails with the CLI's exit code and a message of its own.
func TestGitHubAction(t *testing.T) {
	t.Parallel()
	doc := readYAML(t, "../../action.yml")
	inputs := actionInputs(t)
	for _, name := range []string{"jobs", "jobs-file", "mode", "wait", "timeout", "output", "report-file"} {
		assert.Contains(t, inputs, name, "action.yml: input %s", name)
	}
	runs := yamlAs[map[string]any](t, doc["runs"], "runs")
	assert.Equal(t, "composite", runs["using"])
	steps := yamlAs[[]any](t, runs["steps"], "runs.steps")
	var install, run map[string]any
	for _, s := range steps {
		step := s.(map[string]any)
		if script, ok := step["run"].(string); ok {
			assert.NotContains(t, script, "${{", "values reach the scripts through env, never through expressions in them")
			assert.Equal(t, "bash", step["shell"], "composite run steps name their shell")
		}
		switch step["name"] {
		case "Install drs-precheck":
			install = step
		case "Pre-check the DRS jobs":
			run = step
		}
	}
	require.NotNil(t, install)
	require.NotNil(t, run)
	assert.Equal(t, "${{ github.action_path }}", install["working-directory"], "built from the action's own files")
	assert.Regexp(t, `go build .*-o "\$bin/drs-precheck" \./cmd/drs-precheck`, install["run"])
	assert.Equal(t, "run", run["id"])

	env := map[string]string{}
	for name, v := range run["env"].(map[string]any) {
		expr := fmt.Sprint(v)
		input, ok := strings.CutPrefix(expr, "${{ inputs.")
		require.True(t, ok, "env %s comes from an input: %s", name, expr)
		input = strings.TrimSuffix(input, " }}")
		require.Contains(t, inputs, input, "env %s", name)
		env[name] = inputs[input]
	}
	script := run["run"].(string)
	// The example's inputs.
	env["DRS_JOBS_FILE"], env["DRS_TIMEOUT"] = "drs-jobs.txt", "40m"
	messages := checkExitCodes(t, "github", script, env,
		"run --mode forStartJob --output junit --wait --timeout 40m --jobs-file drs-jobs.txt", "drs-precheck.xml")
	assert.Contains(t, messages[1], "::error title=DRS pre-check::Some jobs may not start")

	// Job IDs as a list, the report on the log, no waiting.
	env["DRS_JOBS_FILE"], env["DRS_TIMEOUT"], env["DRS_REPORT_FILE"], env["DRS_WAIT"] = "", "", "", "false"
	env["DRS_JOBS"] = "job-a, job-b\njob-*\n"
	res := runScript(t, "github", script, env, 0, "")
	assert.Equal(t, 0, res.code, res.out)
	assert.Equal(t, "run --mode forStartJob --output junit --job job-a --job job-b --job job-*\n", res.args)
	assert.Contains(t, res.out, "<testsuites/>", "the report on the log")
	assert.Contains(t, res.out, "Every pre-check started")

	env["DRS_WAIT"] = "yes"
	res = runScript(t, "github", script, env, 0, "")
	assert.Equal(t, 2, res.code, res.out)
	assert.Contains(t, res.out, "the input wait must be true or false")
}

// scriptRun is one run of a CI script with a stand-in drs-precheck.
type scriptRun struct {
	code   int    // the script's exit code
	out    string // its stdout and stderr
	args   string // drs-precheck's arguments (of its last call), a line
	report string // the report file, when one was named ("" when absent)
	output string // $GITHUB_OUTPUT
}

// runScript runs script as the CI would, in a fresh directory, with env and a
// drs-precheck that prints "<testsuites/>" and exits with code (`version`
// prints a version and exits 0). report names the report file to read back.
func runScript(t *testing.T, ci, script string, env map[string]string, code int, report string) scriptRun {
	t.Helper()
	stubs := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(stubs, "drs-precheck"), []byte("#!/bin/sh\n"+
		"if [ \"$1\" = version ]; then echo 'drs-precheck v0.1.0'; exit 0; fi\n"+
		"echo \"$@\" > \"$STUB_ARGS\"\necho '<testsuites/>'\nexit \"$STUB_CODE\"\n"), 0o755))
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	switch ci {
	case "github": // shell: bash is bash --noprofile --norc -eo pipefail {0}
		bash, err := exec.LookPath("bash")
		require.NoError(t, err, "bash runs the GitHub scripts (as it runs .ci/run)")
		path := filepath.Join(dir, "step.sh")
		require.NoError(t, os.WriteFile(path, []byte(script), 0o600))
		cmd = exec.CommandContext(ctx, bash, "--noprofile", "--norc", "-eo", "pipefail", path)
	default: // GitLab's runner on the shell image: every script entry in one POSIX sh with errexit
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", "set -e\n"+script)
	}
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + stubs + ":/usr/bin:/bin", "HOME=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "github-output"),
		"STUB_CODE=" + fmt.Sprint(code), "STUB_ARGS=" + filepath.Join(dir, "args")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); !ok {
		require.NoError(t, err)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name)) // "" when absent
		return string(b)
	}
	return scriptRun{code: cmd.ProcessState.ExitCode(), out: out.String(), args: read("args"), report: read(report), output: read("github-output")}
}

// checkExitCodes runs script as the CI would, with a drs-precheck that exits
// with each code: 0 passes, 1 and 3 fail the job with their own message, and
// anything else fails it too; the CLI gets wantArgs and the report lands in
// report whatever the code. It returns each code's output.
func checkExitCodes(t *testing.T, ci, script string, env map[string]string, wantArgs, report string) map[int]string {
	t.Helper()
	messages := map[int]string{}
	for _, code := range []int{0, 1, 3, 2} {
		res := runScript(t, ci, script, env, code, report)
		assert.Equal(t, code, res.code, "%s: exit 0 passes the job, any other fails it with that code\n%s", ci, res.out)
		assert.Equal(t, wantArgs+"\n", res.args, "%s: drs-precheck's arguments", ci)
		assert.Equal(t, "<testsuites/>\n", res.report, "%s: the report file is written whatever the exit code", ci)
		if ci == "github" {
			assert.Equal(t, fmt.Sprintf("exit-code=%d\n", code), res.output, "the action's output exit-code")
		}
		messages[code] = strings.TrimSpace(res.out)
	}
	assert.Contains(t, messages[0], "passed")
	assert.Contains(t, messages[1], "may not start")
	assert.Contains(t, messages[3], "no answer")
	assert.Contains(t, messages[2], "could not run")
	assert.NotEqual(t, messages[1], messages[3], "exit codes 1 and 3 have their own messages")
	return messages
}
