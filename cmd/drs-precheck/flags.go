package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// globalFlags are the connection and output settings of run, results and wait.
type globalFlags struct {
	region, endpoint, projectID, lang, output, tokenFile string
	timeout                                              time.Duration
	verbose, validate                                    bool
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.region, "region", "", "Huawei Cloud `region`, e.g. cn-north-4 (env HUAWEICLOUD_SDK_REGION)")
	fs.StringVar(&g.endpoint, "endpoint", "", "explicit endpoint `URL`, e.g. http://127.0.0.1:8080 for a simulator (env DRS_ENDPOINT)")
	fs.StringVar(&g.projectID, "project-id", "", "project `ID` (env HUAWEICLOUD_SDK_PROJECT_ID)")
	fs.StringVar(&g.lang, "lang", "", "`language` of DRS messages: en-us or zh-cn")
	fs.DurationVar(&g.timeout, "timeout", 0, "give up after this `duration`, e.g. 10m (default 30m when waiting, 2m otherwise)")
	fs.StringVar(&g.output, "output", "table", "output `format`: "+orList(outputFormats))
	fs.BoolVar(&g.verbose, "verbose", false, "log every request and response to stderr, secrets redacted")
	fs.BoolVar(&g.validate, "validate", false, "check every request and response against openapi.yaml")
	fs.StringVar(&g.tokenFile, "token-file", "", "read an IAM token from `file` (or set HUAWEICLOUD_IAM_TOKEN)")
}

func (g *globalFlags) check() error {
	if !slices.Contains(outputFormats, g.output) {
		return usage("--output %q: use %s", g.output, orList(outputFormats))
	}
	if g.timeout < 0 {
		return usage("--timeout %s: must be positive", g.timeout)
	}
	return nil
}

// repeatable are the flags that collect every value given; any other flag
// given twice is an error, so that no value is dropped silently.
var repeatable = map[string]bool{"job": true, "jobs-file": true}

// secretFlags are flags people try for credentials, with where the secret goes instead.
var secretFlags = map[string]string{"token": tokenHint, "iam-token": tokenHint, "password": tokenHint,
	"ak": akskHint, "sk": akskHint, "access-key": akskHint, "secret-key": akskHint, "security-token": "set HUAWEICLOUD_SDK_SECURITY_TOKEN"}

const tokenHint, akskHint = "set HUAWEICLOUD_IAM_TOKEN or use --token-file FILE", "set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK"

// strictValue wraps a flag's value: a single-valued flag given twice is an
// error, and a bad value gets an error in the CLI's words, recorded in
// *failed (the flag package's own message would quote the value). fs.Parse
// stops at the first error: *failed holds it, or nil.
type strictValue struct {
	flag.Value
	name   string
	set    bool
	failed *error
}

func (v *strictValue) Set(s string) error {
	*v.failed = v.check(s)
	return *v.failed
}

func (v *strictValue) check(s string) error {
	if v.set && !repeatable[v.name] {
		return usage("--%s is given twice: give it once", v.name)
	}
	v.set = true
	err := v.Value.Set(s)
	if err == nil {
		return nil
	}
	var kind any
	if g, ok := v.Value.(flag.Getter); ok {
		kind = g.Get()
	}
	switch kind.(type) {
	case time.Duration:
		if _, e := strconv.ParseFloat(s, 64); e == nil {
			return usage("--%s %s: a duration needs a unit: did you mean %ss?", v.name, s, s)
		}
		return usage("--%s %q: not a duration: use a number with a unit, e.g. 90s or 10m", v.name, s)
	case bool:
		return usage("--%s=%q: use --%s or --%s=false", v.name, s, v.name, v.name)
	case int:
		return usage("--%s %q: not a whole number", v.name, s)
	}
	return usage("--%s: %v", v.name, err)
}

func (v *strictValue) IsBoolFlag() bool { return isBoolFlag(v.Value) }

// isBoolFlag reports whether a flag takes no value, as the flag package decides.
func isBoolFlag(v flag.Value) bool {
	b, ok := v.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// newFlagSet is a flag set that reports nothing itself: parseFlags words its errors.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args strictly (see strictValue), turning flag errors
// into usage errors with a suggestion; --help prints the command's help.
func (a *app) parseFlags(fs *flag.FlagSet, args []string) error {
	var failed error
	fs.VisitAll(func(f *flag.Flag) { f.Value = &strictValue{Value: f.Value, name: f.Name, failed: &failed} })
	if f := fs.Lookup("output"); f != nil {
		fs.Var(f.Value, "o", "short for --output") // as other CLIs spell it
	}
	if err := unknownFlag(fs, args); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		switch {
		case errors.Is(err, flag.ErrHelp):
			writeCommandHelp(a.stdout, fs)
			return err
		case failed != nil:
			return failed
		}
		return usage("%v", err) // bad flag syntax, a flag without its value
	}
	return nil
}

// unknownFlag finds the first flag of args that fs does not define, as
// fs.Parse would, and says what was probably meant. A flag's value is never
// printed: it may be a secret.
func unknownFlag(fs *flag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		name, ok := strings.CutPrefix(args[i], "-")
		if !ok || name == "" || name == "-" {
			return nil // the first argument that is not a flag, or "--"
		}
		name = strings.TrimPrefix(name, "-")
		name, _, hasValue := strings.Cut(name, "=")
		f := fs.Lookup(name)
		switch {
		case name == "h" || name == "help" || name == "" || name[0] == '-':
			return nil // help, or bad syntax fs.Parse reports
		case f != nil:
			if !hasValue && !isBoolFlag(f.Value) {
				i++ // its value
			}
			continue
		}
		msg := "flag provided but not defined: -" + name
		if hint, secret := secretFlags[name]; secret {
			return usage("%s: a secret is never a flag (shell history and ps would show it): %s", msg, hint)
		}
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := suggest(name, names); s != "" {
			msg += ": did you mean --" + s + "?"
		}
		return usage("%s", msg)
	}
	return nil
}

// suggest returns the candidate closest to s, if it is close enough to be a
// typo (at most 2 edits) or s begins it, else "".
func suggest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(s, c)
		if len(s) >= 3 && strings.HasPrefix(c, s) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			prev, row[j] = row[j], min(row[j]+1, row[j-1]+1, prev+cost)
		}
	}
	return row[len(b)]
}
