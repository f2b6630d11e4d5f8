package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version is the release's version, set by the release build
// (.goreleaser.yaml: -ldflags "-X main.version=v{{ .Version }}"), the same
// string as in its archive names and checksums file. Empty otherwise: `go
// install …@vX.Y.Z` records vX.Y.Z in the build information, which then
// speaks for itself.
var version string

// cmdVersion prints the release version, when the release build set one, or
// else what the Go toolchain recorded in the binary (the main module's
// version), and the commit it was built from.
func (a *app) cmdVersion(args []string) error {
	fs := a.newFlagSet("version")
	if err := a.parseFlags(fs, args); err != nil {
		return err
	}
	info, _ := debug.ReadBuildInfo() // nil when the binary has none
	writeVersion(a.stdout, info)
	return nil
}

// writeVersion prints the version of this binary: see writeVersionOf.
func writeVersion(w io.Writer, info *debug.BuildInfo) {
	writeVersionOf(w, version, info)
}

// writeVersionOf prints release (when set, it wins over the module version
// of info: a release build from a commit records a pseudo-version there) and
// info, saying plainly what it does not know: a build from a checkout has no
// release version ("(devel)"), and a build without version control stamping
// (-buildvcs=false, or outside a git checkout, as with a source archive) has
// no commit.
func writeVersionOf(w io.Writer, release string, info *debug.BuildInfo) {
	if info == nil {
		if release != "" {
			fmt.Fprintf(w, "drs-precheck %s\n", release)
			return
		}
		fmt.Fprintln(w, "drs-precheck: unknown version (the binary holds no build information)")
		return
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	if release != "" {
		version = release
	}
	fmt.Fprintf(w, "drs-precheck %s\n", version)

	module := info.Main.Path + " " + version
	switch {
	case release != "":
		module += ": a release build"
	case version == "(devel)":
		module += ": built from a checkout, not from a release"
	case strings.HasSuffix(version, "+dirty"):
		module += ": built from a checkout with uncommitted changes"
	}
	fmt.Fprintf(w, "module  %s\n", module)

	if rev := settings["vcs.revision"]; rev != "" {
		commit := rev
		if t := settings["vcs.time"]; t != "" {
			commit += " " + t
		}
		if settings["vcs.modified"] == "true" {
			commit += " (with uncommitted changes)"
		}
		fmt.Fprintf(w, "commit  %s\n", commit)
	} else {
		fmt.Fprintln(w, "commit  unknown: built without version control stamping (-buildvcs=false, or not in a git checkout)")
	}
	platform := settings["GOOS"] + "/" + settings["GOARCH"]
	if platform == "/" {
		platform = ""
	}
	fmt.Fprintf(w, "go      %s\n", strings.TrimSpace(info.GoVersion+" "+platform))
}
