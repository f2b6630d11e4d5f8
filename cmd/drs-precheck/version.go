package main

import (
	"cmp"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version is set by the release build (.goreleaser.yaml: -X main.version=v{{ .Version }}),
// the same string as its archive names; empty otherwise, when the build
// information speaks for itself.
var version string

// writeVersion prints release (when set it wins over info's module version,
// a pseudo-version for a build from a commit) and what info says, plainly
// saying what it does not know.
func writeVersion(w io.Writer, release string, info *debug.BuildInfo) {
	if info == nil {
		if release != "" {
			fmt.Fprintf(w, "drs-precheck %s\n", release)
		} else {
			fmt.Fprintln(w, "drs-precheck: unknown version (the binary holds no build information)")
		}
		return
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	version := cmp.Or(release, info.Main.Version, "(devel)")
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
	commit := "unknown: built without version control stamping (-buildvcs=false, or not in a git checkout)"
	if rev := settings["vcs.revision"]; rev != "" {
		commit = strings.TrimSpace(rev + " " + settings["vcs.time"])
		if settings["vcs.modified"] == "true" {
			commit += " (with uncommitted changes)"
		}
	}
	fmt.Fprintf(w, "commit  %s\n", commit)
	platform := strings.TrimSuffix(settings["GOOS"]+"/"+settings["GOARCH"], "/")
	fmt.Fprintf(w, "go      %s\n", strings.TrimSpace(info.GoVersion+" "+platform))
}
