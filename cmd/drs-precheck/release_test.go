package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v4"
)

// releaseConfig is the part of .goreleaser.yaml these tests check. Building
// goreleaser itself is too heavy for every test run (make release-snapshot
// does that); the config's promises are checked here instead.
type releaseConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		Main         string   `yaml:"main"`
		Env          []string `yaml:"env"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		ModTimestamp string   `yaml:"mod_timestamp"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		Ignore       []any    `yaml:"ignore"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate string `yaml:"name_template"`
		BuildsInfo   struct {
			Mtime string `yaml:"mtime"`
		} `yaml:"builds_info"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	Snapshot struct {
		VersionTemplate string `yaml:"version_template"`
	} `yaml:"snapshot"`
}

// releaseTemplate renders the goreleaser template fields these tests meet,
// as goreleaser does for a release of version (a tag without its v, or the
// snapshot version), and fails on any other field, so that a new one is
// added here rather than left unrendered.
func releaseTemplate(t *testing.T, tmpl, version string) string {
	t.Helper()
	fields := map[string]string{
		"{{ .ProjectName }}": "drs-precheck",
		"{{ .Version }}":     version,
		"{{ .Os }}":          "linux",
		"{{ .Arch }}":        "amd64",
	}
	for field, value := range fields {
		tmpl = strings.ReplaceAll(tmpl, field, value)
	}
	require.NotContains(t, tmpl, "{{", "a template field releaseTemplate does not know")
	return tmpl
}

func loadReleaseConfig(t *testing.T) releaseConfig {
	t.Helper()
	raw, err := os.ReadFile("../../.goreleaser.yaml")
	require.NoError(t, err)
	var cfg releaseConfig
	require.NoError(t, yaml.Unmarshal(raw, &cfg))
	return cfg
}

// The release builds the CLI for linux, darwin and windows on amd64 and
// arm64, statically, with nothing of the build machine in the binaries or
// the archives (paths, file times), and publishes sha256 checksums.
func TestReleaseConfig(t *testing.T) {
	t.Parallel()
	cfg := loadReleaseConfig(t)
	assert.Equal(t, 2, cfg.Version, "goreleaser v2 configuration")
	require.Len(t, cfg.Builds, 1)
	b := cfg.Builds[0]
	assert.Equal(t, "./cmd/drs-precheck", b.Main)
	slices.Sort(b.Goos)
	slices.Sort(b.Goarch)
	assert.Equal(t, []string{"darwin", "linux", "windows"}, b.Goos)
	assert.Equal(t, []string{"amd64", "arm64"}, b.Goarch)
	assert.Empty(t, b.Ignore, "every one of the six targets is built")
	assert.Contains(t, b.Env, "CGO_ENABLED=0")
	assert.Contains(t, b.Flags, "-trimpath")
	assert.Equal(t, "{{ .CommitTimestamp }}", b.ModTimestamp)
	require.NotEmpty(t, cfg.Archives)
	for _, a := range cfg.Archives {
		assert.Equal(t, "{{ .CommitDate }}", a.BuildsInfo.Mtime)
	}
	assert.Equal(t, "sha256", cfg.Checksum.Algorithm)
	assert.NotEmpty(t, cfg.Checksum.NameTemplate)
}

// One version everywhere: for a tag and for a snapshot, the archive names and
// the checksums file name carry the version the binary's ldflags set
// (TestReleaseBuildIsReproducible checks that `version` prints it).
func TestReleaseVersionAgrees(t *testing.T) {
	t.Parallel()
	cfg := loadReleaseConfig(t)
	assert.Equal(t, "{{ incpatch .Version }}-snapshot-{{ .ShortCommit }}", cfg.Snapshot.VersionTemplate,
		"the snapshot version the cases below stand for")
	for _, version := range []string{"1.4.0", "0.0.1-snapshot-0b73263"} {
		want := "v" + version
		var ldflags string
		for _, l := range cfg.Builds[0].Ldflags {
			ldflags += " " + releaseTemplate(t, l, version)
		}
		assert.Contains(t, ldflags+" ", " -X main.version="+want+" ", "the binary's version")
		for _, a := range cfg.Archives {
			assert.Equal(t, "drs-precheck_"+want+"_linux_amd64", releaseTemplate(t, a.NameTemplate, version))
		}
		assert.Equal(t, "drs-precheck_"+want+"_checksums.txt", releaseTemplate(t, cfg.Checksum.NameTemplate, version))
	}
}

// Built as the release builds it, the CLI is the same bytes every time, holds
// no path of the machine that built it, and its `version` says the release's
// version.
func TestReleaseBuildIsReproducible(t *testing.T) {
	t.Parallel()
	const release = "0.0.1-snapshot-0b73263"
	b := loadReleaseConfig(t).Builds[0]
	moduleDir, err := filepath.Abs("../..")
	require.NoError(t, err)
	var paths []string
	var binaries [][]byte
	for i := range 2 {
		out := filepath.Join(t.TempDir(), "drs-precheck")
		args := append([]string{"build", "-o", out}, b.Flags...)
		var ldflags []string
		for _, l := range b.Ldflags {
			ldflags = append(ldflags, releaseTemplate(t, l, release))
		}
		args = append(args, "-ldflags="+strings.Join(ldflags, " "))
		args = append(args, b.Main)
		ctx, cancel := context.WithTimeout(context.Background(), 5*cliTimeout)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = moduleDir
		cmd.Env = append(os.Environ(), b.Env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		require.NoError(t, err, "build %d: go %s\n%s", i+1, strings.Join(args, " "), stderr.String())
		bin, err := os.ReadFile(out)
		require.NoError(t, err)
		paths, binaries = append(paths, out), append(binaries, bin)
	}
	if !bytes.Equal(binaries[0], binaries[1]) {
		// The build information says whether the tree changed in between.
		info, _ := exec.Command("go", "version", "-m", paths[0], paths[1]).CombinedOutput()
		t.Errorf("two release builds of the same tree differ; their build information:\n%s", info)
	}
	for _, dir := range []string{moduleDir, os.TempDir(), goEnv(t, "GOMODCACHE"), goEnv(t, "GOROOT")} {
		assert.False(t, bytes.Contains(binaries[0], []byte(dir+string(filepath.Separator))), "the release binary holds the build machine's path %s", dir)
	}
	out, err := exec.Command(paths[0], "version").Output()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(out), "drs-precheck v"+release+"\n"), "%s", out)
	assert.Contains(t, string(out), "\nmodule  github.com/drsclient/drs-precheck v"+release+": a release build\n")
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// The container images for CI: the release's static build, run by an
// unprivileged user, on an empty base (the default image, whose entry point is
// the CLI) or on busybox (target shell, for GitLab, which runs a job's script
// with a shell: no entry point). (No container engine runs in the tests; this
// keeps the image definition from drifting from those promises.)
func TestDockerfile(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	type stage struct {
		from, name   string
		instructions []string
	}
	var stages []*stage
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if from, ok := strings.CutPrefix(line, "FROM "); ok {
			st := &stage{from: from}
			if base, name, ok := strings.Cut(from, " AS "); ok {
				st.from, st.name = base, name
			}
			stages = append(stages, st)
		}
		require.NotEmpty(t, stages, "an instruction before the first FROM: %s", line)
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, line)
	}
	byName := map[string]*stage{}
	for _, st := range stages {
		byName[st.name] = st
	}
	require.Contains(t, byName, "build")
	require.Contains(t, byName, "shell")
	assert.Regexp(t, `(?m)^RUN CGO_ENABLED=0 go build -trimpath .*-X main.version=\$\{VERSION\}.* \./cmd/drs-precheck$`,
		strings.Join(byName["build"].instructions, "\n"))

	final := stages[len(stages)-1]
	assert.Equal(t, "scratch", final.from, "the default image (the last stage) is empty but for the binary")
	assert.Contains(t, final.instructions, `ENTRYPOINT ["/usr/local/bin/drs-precheck"]`)
	shell := byName["shell"]
	assert.Regexp(t, `^busybox:\d`, shell.from, "the shell image has a shell")
	assert.Contains(t, shell.instructions, `CMD ["sh"]`)
	for _, st := range []*stage{final, shell} {
		var user string
		for _, in := range st.instructions {
			if u, ok := strings.CutPrefix(in, "USER "); ok {
				user = u
			}
			assert.False(t, strings.HasPrefix(in, "ENTRYPOINT") && st == shell, "GitLab needs the shell image without an entry point")
		}
		uid, _, _ := strings.Cut(user, ":")
		assert.NotContains(t, []string{"", "0", "root"}, uid, "the image %s runs as a non-root user", st.from)
		assert.Contains(t, st.instructions, "COPY --from=build /out/drs-precheck /usr/local/bin/drs-precheck")
		assert.Contains(t, st.instructions, "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt")
	}
}

// `version` prints what `go version -m` reads from the same binary: the
// module version and, when the build recorded one, the commit.
func TestVersionMatchesBuildInfo(t *testing.T) {
	t.Parallel()
	res := runCLI(t, nil, "", "version")
	expectExit(t, res, exitOK)
	assert.Equal(t, res.stdout, runCLI(t, nil, "", "--version").stdout)

	out, err := exec.Command("go", "version", "-m", cliPath).Output()
	require.NoError(t, err)
	var modPath, modVersion, revision string
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 3 && fields[0] == "mod":
			modPath, modVersion = fields[1], fields[2]
		case len(fields) == 2 && fields[0] == "build" && strings.HasPrefix(fields[1], "vcs.revision="):
			revision = strings.TrimPrefix(fields[1], "vcs.revision=")
		}
	}
	require.NotEmpty(t, modPath, "go version -m:\n%s", out)
	assert.True(t, strings.HasPrefix(res.stdout, "drs-precheck "+modVersion+"\n"), res.stdout)
	assert.Contains(t, res.stdout, "\nmodule  "+modPath+" "+modVersion)
	if revision != "" {
		assert.Contains(t, res.stdout, "\ncommit  "+revision)
	} else {
		assert.Contains(t, res.stdout, "\ncommit  unknown: ")
	}
}

// writeVersion says what the build information holds, and a release
// build's version wins over the pseudo-version Go records for a build from a
// commit, so that `version` says what the archive's name says.
func TestWriteVersion(t *testing.T) {
	t.Parallel()
	const mod = "github.com/drsclient/drs-precheck"
	platform := []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"}}
	commit := append(platform, debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		debug.BuildSetting{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, debug.BuildSetting{Key: "vcs.modified", Value: "false"})
	pseudo := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: mod, Version: "v0.0.0-20261128005614-0b7326387254"}, Settings: commit}
	cases := map[string]struct {
		release string
		info    *debug.BuildInfo
		want    string
	}{
		"go install of a tag": {"",
			&debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: mod, Version: "v1.4.0"}, Settings: commit},
			"drs-precheck v1.4.0\n" +
				"module  github.com/drsclient/drs-precheck v1.4.0\n" +
				"commit  0123456789abcdef0123456789abcdef01234567 2026-01-02T03:04:05Z\n" +
				"go      go1.26.1 linux/arm64\n",
		},
		"checkout with changes": {"",
			&debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: mod, Version: "v0.0.0-20260102030405-0123456789ab+dirty"}, Settings: append(platform,
				debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
				debug.BuildSetting{Key: "vcs.modified", Value: "true"})},
			"drs-precheck v0.0.0-20260102030405-0123456789ab+dirty\n" +
				"module  github.com/drsclient/drs-precheck v0.0.0-20260102030405-0123456789ab+dirty: built from a checkout with uncommitted changes\n" +
				"commit  0123456789abcdef0123456789abcdef01234567 (with uncommitted changes)\n" +
				"go      go1.26.1 linux/arm64\n",
		},
		"no version control stamping": {"",
			&debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: mod, Version: "(devel)"}, Settings: platform},
			"drs-precheck (devel)\n" +
				"module  github.com/drsclient/drs-precheck (devel): built from a checkout, not from a release\n" +
				"commit  unknown: built without version control stamping (-buildvcs=false, or not in a git checkout)\n" +
				"go      go1.26.1 linux/arm64\n",
		},
		"no build information": {"", nil, "drs-precheck: unknown version (the binary holds no build information)\n"},
		"release build": {"v0.0.1-snapshot-0b73263", pseudo,
			"drs-precheck v0.0.1-snapshot-0b73263\n" +
				"module  github.com/drsclient/drs-precheck v0.0.1-snapshot-0b73263: a release build\n" +
				"commit  0123456789abcdef0123456789abcdef01234567 2026-01-02T03:04:05Z\n" +
				"go      go1.26.8 linux/arm64\n",
		},
		"release build without build information": {"v1.4.0", nil, "drs-precheck v1.4.0\n"},
		"pseudo-version": {"", pseudo, "drs-precheck v0.0.0-20261128005614-0b7326387254\n"},
	}
	for name, tc := range cases {
		var buf bytes.Buffer
		writeVersion(&buf, tc.release, tc.info)
		if name == "pseudo-version" {
			assert.True(t, strings.HasPrefix(buf.String(), tc.want), buf.String())
		} else {
			assert.Equal(t, tc.want, buf.String(), name)
		}
	}
}
