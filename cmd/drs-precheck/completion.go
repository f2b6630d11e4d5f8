package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

func defineCompletion(fs *flag.FlagSet) func(context.Context, *app) error {
	return func(_ context.Context, a *app) error {
		shell := ""
		if fs.NArg() == 1 {
			shell = fs.Arg(0)
		}
		switch shell {
		case "bash":
			writeBashCompletion(a.stdout, "")
		case "zsh":
			// zsh runs bash completion functions through bashcompinit.
			writeBashCompletion(a.stdout, "autoload -U +X bashcompinit && bashcompinit\n")
		case "fish":
			writeFishCompletion(a.stdout)
		default:
			return usage("completion needs one shell: bash, zsh or fish")
		}
		return nil
	}
}

func commandFlags() map[string][]string {
	out := map[string][]string{}
	for _, c := range commands {
		fs := newFlagSet(c.name)
		c.define(fs)
		fs.VisitAll(func(f *flag.Flag) { out[c.name] = append(out[c.name], f.Name) })
	}
	return out
}

func commandList() string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return strings.Join(append(names, "help"), " ")
}

func writeBashCompletion(w io.Writer, prelude string) {
	flags := commandFlags()
	fmt.Fprintf(w, "# drs-precheck completion; load with: source <(drs-precheck completion SHELL)\n%s", prelude)
	fmt.Fprintf(w, "_drs_precheck() {\n\tlocal cur=${COMP_WORDS[COMP_CWORD]}\n\tCOMPREPLY=()\n")
	fmt.Fprintf(w, "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn\n\tfi\n", commandList())
	fmt.Fprintf(w, "\tcase ${COMP_WORDS[1]} in\n")
	for _, c := range commands {
		words, cond := "--help --"+strings.Join(flags[c.name], " --"), `[[ $cur == -* ]] && `
		switch {
		case c.name == "completion":
			words, cond = "bash zsh fish", ""
		case flags[c.name] == nil:
			continue
		}
		fmt.Fprintf(w, "\t%s) %sCOMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", c.name, cond, words)
	}
	fmt.Fprintf(w, "\tesac\n}\ncomplete -o default -F _drs_precheck drs-precheck\n")
}

func writeFishCompletion(w io.Writer) {
	flags := commandFlags()
	fmt.Fprintf(w, "# drs-precheck completion; load with: drs-precheck completion fish | source\n")
	fmt.Fprintf(w, "complete -c drs-precheck -n __fish_use_subcommand -f -a %q\n", commandList())
	for _, c := range commands {
		cond := "__fish_seen_subcommand_from " + c.name
		if c.name == "completion" {
			fmt.Fprintf(w, "complete -c drs-precheck -n %q -f -a 'bash zsh fish'\n", cond)
		}
		for _, f := range flags[c.name] {
			fmt.Fprintf(w, "complete -c drs-precheck -n %q -l %s\n", cond, f)
		}
	}
}
