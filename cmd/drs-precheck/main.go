// Command drs-precheck answers "can these DRS migration jobs start?" from a
// terminal or a CI pipeline: it starts Huawei Cloud DRS pre-checks in batches,
// waits for the verdicts, and exits with a code a script can act on.
//
//	drs-precheck demo                                  # the whole workflow against the built-in simulator
//	drs-precheck run --job ID [--job ID ...] --wait    # start pre-checks and wait for the verdicts
//	drs-precheck wait --job ID                         # wait for pre-checks started elsewhere
//	drs-precheck results --jobs-file jobs.txt          # read the current verdicts
//	drs-precheck serve --addr 127.0.0.1:8080           # run the simulator for other tools' tests
//	drs-precheck completion bash                       # shell completion
//	drs-precheck version                               # the module version and commit of this binary
//
// Each command's --help lists exactly its flags (docs/CLI.md too).
//
// Credentials come from the environment variables Huawei's SDKs use
// (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID,
// HUAWEICLOUD_SDK_SECURITY_TOKEN) or an IAM token (HUAWEICLOUD_IAM_TOKEN, or
// --token-file), never from a flag value that would land in shell history.
//
// Exit codes: 0 every job may start (run: every pre-check started; with --wait,
// wait or results: every job passed); 1 some job's pre-check failed or was
// refused; 2 usage or configuration error; 3 API or network error; 130/143
// SIGINT/SIGTERM.
package main

import (
	"context"
	"os"
)

func main() {
	a := newApp(os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	a.signals = watchSignals(os.Exit)
	os.Exit(a.run(context.Background(), os.Args[1:]))
}
