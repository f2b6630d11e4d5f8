package main

import (
	"bytes"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	main := debug.Module{Path: "github.com/drsclient/drs-precheck"}
	platform := []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"}}
	commit := append(platform, debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		debug.BuildSetting{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, debug.BuildSetting{Key: "vcs.modified", Value: "false"})
	pseudo := &debug.BuildInfo{GoVersion: "go1.26.8", Main: withVersion(main, "v0.0.0-20261128005614-0b7326387254"), Settings: commit}
	cases := map[string]struct {
		release string
		info    *debug.BuildInfo
		want    string
	}{
		"go install of a tag": {"",
			&debug.BuildInfo{GoVersion: "go1.26.1", Main: withVersion(main, "v1.4.0"), Settings: commit},
			"drs-precheck v1.4.0\n" +
				"module  github.com/drsclient/drs-precheck v1.4.0\n" +
				"commit  0123456789abcdef0123456789abcdef01234567 2026-01-02T03:04:05Z\n" +
				"go      go1.26.1 linux/arm64\n",
		},
		"checkout with changes": {"",
			&debug.BuildInfo{GoVersion: "go1.26.1", Main: withVersion(main, "v0.0.0-20260102030405-0123456789ab+dirty"), Settings: append(platform,
				debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
				debug.BuildSetting{Key: "vcs.modified", Value: "true"})},
			"drs-precheck v0.0.0-20260102030405-0123456789ab+dirty\n" +
				"module  github.com/drsclient/drs-precheck v0.0.0-20260102030405-0123456789ab+dirty: built from a checkout with uncommitted changes\n" +
				"commit  0123456789abcdef0123456789abcdef01234567 (with uncommitted changes)\n" +
				"go      go1.26.1 linux/arm64\n",
		},
		"no version control stamping": {"",
			&debug.BuildInfo{GoVersion: "go1.26.1", Main: withVersion(main, "(devel)"), Settings: platform},
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

func withVersion(m debug.Module, v string) debug.Module {
	m.Version = v
	return m
}
