package main

import (
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/drstest"
)

// Exit 0: every job may start (without --wait: every pre-check started).
// Exit 1: the exchange worked, but some job may not start. Progress goes to
// stderr, never to stdout. Jobs files as other tools write them (comments,
// a JSON array) give the jobs they list, and no commented-out one.
func TestExitOKOrJobs(t *testing.T) {
	t.Parallel()
	testdata, err := filepath.Abs("testdata")
	require.NoError(t, err)
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"every job may start", argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.ExampleJobID, drstest.AlarmJobID)), exitOK,
			[]string{"All 2 jobs passed: they may start.", "ALARM  db_params/dstDbCharacterSetCheck"}}, // the alarm is shown to whoever starts the job
		{"every pre-check started", argv([]string{"run"}, jobArgs(drstest.ExampleJobID, drstest.FailingJobID)), exitOK,
			[]string{"2 of 2 pre-checks started (in_progress)."}},
		{"failed pre-check", argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.ExampleJobID, drstest.FailingJobID)), exitJobs,
			[]string{"FAILED", "db_user_privilege/srcDbUserPrivilege: The source database user lacks the privileges",
				"sub-job 5e6f7a8b-1c2d-4e3f-a4b5-c6d7e8f90101 (orders_db.audit_log)", "1 of 2 jobs passed (may start); 1 failed."}},
		{"refused in the wrong state or unknown, waiting", argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.RunningJobID, "no-such-job")), exitJobs,
			[]string{"refused", "DRS.M00304", "DRS.10000010", "0 of 2 jobs passed (may start); 2 refused."}},
		{"refused in the wrong state, not waiting", argv([]string{"run"}, jobArgs(drstest.RunningJobID)), exitJobs,
			[]string{"refused", "DRS.M00304", "0 of 1 pre-checks started (in_progress); 1 refused."}},
		{"text jobs file with comments", argv([]string{"run", "--wait", "--jobs-file", filepath.Join(testdata, "jobs-wave1.txt")}, fastWait), exitOK,
			[]string{"All 2 jobs passed: they may start."}}, // its running job is commented out
		{"JSON jobs file", argv([]string{"run", "--wait", "--jobs-file", filepath.Join(testdata, "jobs.json")}, fastWait), exitJobs,
			[]string{"1 of 2 jobs passed (may start); 1 failed."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			res := runCLI(t, tokenEnv(srv), "", tc.args...)
			expectExit(t, res, tc.code)
			for _, w := range tc.want {
				assert.Contains(t, res.stdout, w)
			}
			assertOnlyProgress(t, res.stderr)
			assert.NotContains(t, res.stdout, "poll ", "progress never goes to stdout")
			switch waits := slices.Contains(tc.args, "--wait"); {
			case waits && tc.code == exitOK:
				assert.Contains(t, res.stderr, "poll 1:", "progress goes to stderr")
			case !waits:
				assert.Equal(t, 1, countRequests(srv, drstest.OpBatchCheckJobs, nil))
				assert.Zero(t, countRequests(srv, drstest.OpBatchCheckResults, nil), "no polling without --wait")
			}
		})
	}
}

// Exit 2: bad input or configuration is refused before anything is sent,
// naming the flag, variable, file or line to fix (with a suggestion for a
// typo or a habit from other tools), never a secret. In-process: nothing
// here needs a network wait.
func TestExitUsageSendsNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing, emptyToken := filepath.Join(dir, "no-such-jobs.txt"), tempFile(t, "empty-token", "\n")
	bigToken := tempFile(t, "big-token", strings.Repeat("t", 100<<10))
	wave := tempFile(t, "wave.txt", "# wave 3\n"+drstest.ExampleJobID+"\n"+drstest.AlarmJobID+" \n")
	noEnv := func(*drstest.Server) []string { return nil }
	run := []string{"run", "--job", drstest.ExampleJobID}
	cases := []struct {
		name  string
		env   func(*drstest.Server) []string
		stdin string
		args  []string
		want  string
	}{
		{"no arguments", tokenEnv, "", nil, "Usage:"},
		{"no jobs", tokenEnv, "", []string{"run", "--wait"}, "no jobs given"},
		{"no jobs for results", tokenEnv, "", []string{"results"}, "no jobs given"},
		{"empty --job", tokenEnv, "", []string{"run", "--job", ""}, `--job #1: job ID "": empty`},
		{"padded --job", tokenEnv, "", []string{"run", "--job", " " + drstest.ExampleJobID}, "leading or trailing white space"},
		{"duplicate job", tokenEnv, "", []string{"run", "--job", "a", "--job", "b", "--job", "a"}, `--job #3: job ID "a": listed twice (--job #1 and --job #3)`},
		{"duplicate across --job and stdin", tokenEnv, "b\n", []string{"results", "--job", "b", "--jobs-file", "-"}, `stdin:1: job ID "b": listed twice (--job #1 and stdin:1)`},
		{"missing --jobs-file", tokenEnv, "", []string{"run", "--jobs-file", missing}, "--jobs-file: open " + missing},
		{"--jobs-file is a directory", tokenEnv, "", []string{"run", "--jobs-file", dir}, "cannot read jobs file"},
		{"empty jobs on stdin", tokenEnv, "# nothing yet\n\n", []string{"run", "--jobs-file", "-"}, "no jobs given"},
		{"unknown --mode", tokenEnv, "", []string{"run", "--mode", "forEverJob", "--job", "a"}, `--mode: unknown pre-check mode "forEverJob"; use forStartJob or forRetryJob`},
		{"bad --output", tokenEnv, "", []string{"run", "--output", "xml", "--job", "a"}, `--output "xml": use table, json, junit or markdown`},
		{"bad --output before the command", tokenEnv, "", []string{"--output", "yaml", "results", "--job", "a"}, `--output "yaml"`},
		{"bad --lang", tokenEnv, "", []string{"results", "--lang", "fr-fr", "--job", "a"}, `--lang: language "fr-fr" is not supported; use en-us or zh-cn`}, // drs's check, named by the flag
		{"negative --timeout", tokenEnv, "", []string{"run", "--timeout", "-1s", "--job", "a"}, "must be positive"},
		// No flag can make the CLI flood the API.
		{"--poll-interval below drs's floor", tokenEnv, "", []string{"run", "--wait", "--poll-interval", "1ns", "--job", drstest.ExampleJobID},
			"--poll-interval: the poll interval must be at least 1s; got 1ns"},
		{"unknown flag", tokenEnv, "", []string{"run", "--jobs", "a"}, "flag provided but not defined: -jobs"},
		{"stray argument", tokenEnv, "", []string{"run", "--job", "a", "b"}, `unexpected argument "b"`},
		{"unknown command", tokenEnv, "", []string{"start", "--job", "a"}, `unknown command "start"`},
		{"empty --token-file", tokenEnv, "", []string{"results", "--token-file", emptyToken, "--job", "a"}, "is empty"},
		{"--region and an endpoint", tokenEnv, "", []string{"results", "--region", "cn-north-4", "--job", "a"},
			"--region and DRS_ENDPOINT both say where DRS is: give only one"},
		{"padded secret key", func(s *drstest.Server) []string {
			return append(endpointEnv(s), "HUAWEICLOUD_SDK_AK="+s.AccessKey, "HUAWEICLOUD_SDK_SK= "+s.SecretKey+" ")
		}, "", []string{"results", "--job", "a"}, "HUAWEICLOUD_SDK_SK has leading or trailing white space: remove it"},
		{"padded access key", func(s *drstest.Server) []string {
			return append(endpointEnv(s), "HUAWEICLOUD_SDK_AK="+s.AccessKey+" ", "HUAWEICLOUD_SDK_SK="+s.SecretKey)
		}, "", []string{"results", "--job", "a"}, "HUAWEICLOUD_SDK_AK has leading or trailing white space: remove it"},
		{"jobs file error", tokenEnv, "", []string{"run", "--jobs-file", wave},
			wave + `:3: job ID "` + drstest.AlarmJobID + ` ": leading or trailing white space`},
		{"jobs file error on stdin", tokenEnv, `["` + drstest.ExampleJobID + `", ""]`, []string{"results", "--jobs-file", "-"}, `stdin[1]: job ID "": empty`},
		// A token file is read through a cap, /dev/zero too.
		{"--token-file /dev/zero", endpointEnv, "", []string{"results", "--job", "a", "--token-file", "/dev/zero"}, "--token-file /dev/zero is larger than 64 KiB"},
		{"--token-file too large", endpointEnv, "", []string{"results", "--job", "a", "--token-file", bigToken}, "--token-file " + bigToken + " is larger than 64 KiB"},
		// Any flag that keeps one value refuses a second one; so does a second
		// read of stdin.
		{"--output twice", tokenEnv, "", append(run, "--output", "json", "--output", "table"), "--output is given twice: give it once"},
		{"-o and --output", tokenEnv, "", append(run, "-o", "json", "--output", "json"), "--output is given twice: give it once"},
		{"--mode twice", tokenEnv, "", append(run, "--mode", "forRetryJob", "--mode", "forStartJob"), "--mode is given twice: give it once"},
		{"--wait twice", tokenEnv, "", append(run, "--wait", "--wait"), "--wait is given twice: give it once"},
		{"--timeout twice", tokenEnv, "", append(run, "--timeout", "1m", "--timeout=2m"), "--timeout is given twice: give it once"},
		{"--region twice", tokenEnv, "", append(run, "--region", "cn-north-4", "--region", "cn-north-4"), "--region is given twice: give it once"},
		{"stdin twice", tokenEnv, "x\n", []string{"results", "--jobs-file", "-", "--jobs-file", "-"}, "stdin (-) can be read once"},
		// Typos and habits from other tools get a suggestion; a secret given as
		// a flag is refused with where it goes.
		{"command typo", noEnv, "", []string{"rnu"}, `unknown command "rnu": did you mean run?`},
		{"command typo of wait", noEnv, "", []string{"wiat"}, `unknown command "wiat": did you mean wait?`},
		{"flag typo", noEnv, "", []string{"run", "--jobsfile", "x"}, "flag provided but not defined: -jobsfile: did you mean --jobs-file?"},
		{"flag with letters swapped", noEnv, "", []string{"results", "--outptu", "json"}, "did you mean --output?"},
		{"flag prefix", noEnv, "", []string{"results", "--outp", "json"}, "did you mean --output?"},
		{"duration without a unit", noEnv, "", []string{"run", "--timeout", "600", "--job", "a"}, "--timeout 600: a duration needs a unit: did you mean 600s?"},
		{"not a duration", noEnv, "", []string{"run", "--wait", "--poll-interval=ten", "--job", "a"}, `--poll-interval "ten": not a duration`},
		{"--token", noEnv, "", []string{"run", "--token", secretToken, "--job", "a"}, "set HUAWEICLOUD_IAM_TOKEN or use --token-file FILE"},
		{"--token=", noEnv, "", []string{"results", "--token=" + secretToken, "--job", "a"}, "set HUAWEICLOUD_IAM_TOKEN or use --token-file FILE"},
		{"--sk", noEnv, "", []string{"run", "--sk", secretSK, "--job", "a"}, "set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK"},
		{"--max-jobs not a number", noEnv, "", []string{"run", "--max-jobs", "many", "--job", "a"}, `--max-jobs "many": not a whole number`},
		// A usage error points at the help of the command it happened in.
		{"unknown flag of results", noEnv, "", []string{"results", "--no-such-flag"},
			"flag provided but not defined: -no-such-flag\n(run 'drs-precheck results --help' for usage)"},
		{"unknown command without a suggestion", noEnv, "", []string{"frobnicate"},
			`unknown command "frobnicate": use run, results, serve, demo or version; also wait, completion` + "\n(run 'drs-precheck help' for usage)"},
		{"serve: --ak without --sk", noEnv, "", []string{"serve", "--ak", "AK"}, "--ak and --sk go together"},
		{"serve: bad --addr", noEnv, "", []string{"serve", "--addr", "127.0.0.1:http-not-a-port"}, "--addr 127.0.0.1:http-not-a-port"},
		{"serve: missing --scenario", noEnv, "", []string{"serve", "--scenario", "testdata/no-such-scenario.yaml"}, "--scenario"},
		{"serve: bad --project-id", noEnv, "", []string{"serve", "--project-id", "a/b"}, "project ID"},
		{"serve: stray argument", noEnv, "", []string{"serve", "now"}, `unexpected argument "now"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			res := runApp(t, tc.env(srv), tc.stdin, tc.args...)
			expectExit(t, res, exitUsage)
			assert.Contains(t, res.stderr, tc.want)
			assert.Empty(t, res.stdout, "a usage error prints no report")
			assert.Zero(t, srv.RequestCount(), "a usage error must not reach the server")
			for _, secret := range []string{srv.SecretKey, secretToken, secretSK} {
				assert.NotContains(t, res.output(), secret)
			}
		})
	}
}

// Exit 3: an API or network error; the message names the problem.
func TestExitAPIError(t *testing.T) {
	t.Parallel()

	t.Run("dead server", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		url := "http://" + ln.Addr().String()
		require.NoError(t, ln.Close()) // nothing listens there any more
		env := []string{"DRS_ENDPOINT=" + url, "HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef", "HUAWEICLOUD_IAM_TOKEN=any"}
		for _, cmd := range [][]string{argv([]string{"run", "--wait"}, fastWait), {"run"}, {"results"}} {
			t.Run(strings.Join(cmd[:min(2, len(cmd))], " "), func(t *testing.T) {
				t.Parallel()
				res := runCLI(t, env, "", argv(cmd, jobArgs(drstest.ExampleJobID))...)
				expectExit(t, res, exitAPIError)
				assert.Contains(t, res.stdout, "no_answer")
				assert.Contains(t, res.stdout, "connection refused")
				assert.Contains(t, res.stderr, "drs-precheck: 1 job got no answer (API or network error)")
				assert.Contains(t, res.stderr, "connection refused", "stderr names the problem")
				assert.Contains(t, res.stderr, "gave up after 4 attempts", "connection failures are retried")
			})
		}
	})

	t.Run("bad token is not retried", func(t *testing.T) {
		t.Parallel()
		srv := newSim(t, drstest.WithToken("the-only-good-token"))
		env := append(endpointEnv(srv), "HUAWEICLOUD_IAM_TOKEN=a-bad-token")
		res := runCLI(t, env, "", argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.ExampleJobID, drstest.AlarmJobID))...)
		expectExit(t, res, exitAPIError)
		assert.Contains(t, res.stdout, "HTTP 401 APIGW.0301")
		assert.Contains(t, res.stderr, "drs-precheck: 2 jobs got no answer (API or network error): APIGW.0301")
		assert.Equal(t, 1, srv.RequestCount(), "an authentication failure is never retried")
	})

	t.Run("authentication failure while waiting", func(t *testing.T) {
		t.Parallel()
		srv := newSim(t)
		require.NoError(t, srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: 401, Operation: drstest.OpBatchCheckResults}))
		res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.ExampleJobID))...)
		expectExit(t, res, exitAPIError)
		assert.Contains(t, res.stdout, drstest.ExampleJobID+"  no_answer  -         HTTP 401 APIGW.0307: The token must be updated.")
		assert.Contains(t, res.stdout, "0 of 1 job passed (may start); 1 no_answer (API or network error).")
		assert.Contains(t, res.stderr, "drs-precheck: 1 job got no answer (API or network error): APIGW.0307")
		assert.Equal(t, 1, countRequests(srv, drstest.OpBatchCheckResults, nil), "the wait stops: asking again cannot cure a 401")
	})

	t.Run("5xx beyond the retries", func(t *testing.T) {
		t.Parallel()
		srv := newSim(t)
		require.NoError(t, srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: 502}))
		res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.ExampleJobID))...)
		expectExit(t, res, exitAPIError)
		assert.Contains(t, res.stdout, "HTTP 502 APIGW.0202")
		assert.Contains(t, res.stderr, "drs-precheck: 1 job got no answer (API or network error): APIGW.0202")
		assert.Equal(t, 4, countRequests(srv, drstest.OpBatchCheckJobs, func(r drstest.Request) bool { return r.Status == 502 }),
			"the call is retried up to the default 4 attempts")
	})

	t.Run("500 is not retried", func(t *testing.T) {
		t.Parallel()
		srv := newSim(t)
		require.NoError(t, srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: 500}))
		res := runCLI(t, tokenEnv(srv), "", argv([]string{"results"}, jobArgs(drstest.ExampleJobID))...)
		expectExit(t, res, exitAPIError)
		assert.Contains(t, res.stdout, "HTTP 500")
		assert.Equal(t, 1, srv.RequestCount())
	})
}

// results reads the verdict of a completed pre-check, and says which jobs'
// pre-checks were never started.
func TestResults(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait"}, fastWait, jobArgs(drstest.ExampleJobID))...)
	expectExit(t, res, exitOK)

	t.Run("completed", func(t *testing.T) {
		res := runCLI(t, tokenEnv(srv), "", argv([]string{"results", "--validate"}, jobArgs(drstest.ExampleJobID))...)
		expectExit(t, res, exitOK)
		assert.Contains(t, res.stdout, drstest.ExampleJobID+"  passed   100%")
		assert.Contains(t, res.stdout, "All 1 job passed: it may start.")
	})
	t.Run("never started or unknown", func(t *testing.T) {
		res := runCLI(t, tokenEnv(srv), "", argv([]string{"results", "--output", "json"}, jobArgs(drstest.ExampleJobID, drstest.AlarmJobID, "no-such-job"))...)
		expectExit(t, res, exitJobs)
		doc := parseJSONDoc(t, res.stdout)
		assert.Equal(t, "results", doc.Command)
		assert.Empty(t, doc.Mode)
		assert.False(t, doc.AllPassed)
		assert.Equal(t, [2]int{1, 2}, [2]int{doc.Summary.Passed, doc.Summary.Refused})
		require.Len(t, doc.Jobs, 3)
		j := doc.Jobs[1]
		assert.Equal(t, "refused", j.Outcome, "a job whose pre-check never started")
		require.NotNil(t, j.Error)
		assert.Equal(t, "DRS.M05003", j.Error.Code)
		ids := requestIDs(srv, drstest.OpBatchCheckResults)
		assert.Equal(t, ids[len(ids)-1], j.RequestID, "the X-Request-Id of this results call")
		require.NotNil(t, doc.Jobs[2].Error)
		assert.Equal(t, "DRS.10000010", doc.Jobs[2].Error.Code, "an unknown job")
	})
}

// Throttling and transient 5xx answers are retried (honouring Retry-After)
// and do not change the verdict. --validate checks the error answers too.
func TestFaultsRecoveredByRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fault  drstest.Fault
		status int
		code   string
	}{
		{"throttled start", drstest.Fault{Kind: drstest.FaultThrottle, Operation: drstest.OpBatchCheckJobs, Count: 2}, 429, "APIGW.0308"},
		{"throttled polls", drstest.Fault{Kind: drstest.FaultThrottle, Operation: drstest.OpBatchCheckResults, Count: 2}, 429, "APIGW.0308"},
		{"503 on start", drstest.Fault{Kind: drstest.FaultError, Status: 503, Operation: drstest.OpBatchCheckJobs, Count: 2}, 503, ""},
		{"503 on polls", drstest.Fault{Kind: drstest.FaultError, Status: 503, Operation: drstest.OpBatchCheckResults, Count: 2}, 503, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			require.NoError(t, srv.InjectFault(tc.fault))
			res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--validate", "--output", "json"}, fastWait,
				jobArgs(drstest.ExampleJobID, drstest.AlarmJobID))...)
			expectExit(t, res, exitOK)
			doc := parseJSONDoc(t, res.stdout)
			assert.True(t, doc.AllPassed)
			assert.Equal(t, 2, doc.Summary.Passed)

			faulted := countRequests(srv, tc.fault.Operation, func(r drstest.Request) bool {
				return r.Status == tc.status && r.Fault == tc.fault.Kind && (tc.code == "" || r.ErrorCode == tc.code)
			})
			assert.Equal(t, 2, faulted, "the simulator answered %d twice", tc.status)
			assert.Zero(t, len(srv.Faults()), "the fault was used up")
			if tc.fault.Operation == drstest.OpBatchCheckJobs {
				assert.Equal(t, 3, countRequests(srv, drstest.OpBatchCheckJobs, nil), "one start call, retried twice")
			} else {
				assert.Equal(t, 1, countRequests(srv, drstest.OpBatchCheckJobs, nil))
				assert.GreaterOrEqual(t, countRequests(srv, drstest.OpBatchCheckResults, nil), 3, "the polls were retried")
			}
		})
	}
}

// A wait whose every poll fails is an API error (exit 3), with the last
// failure on stderr: no job got a verdict.
func TestWaitWhoseEveryPollFailsExits3(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	require.NoError(t, srv.InjectFault(drstest.Fault{Kind: drstest.FaultError, Status: 503, Operation: drstest.OpBatchCheckResults, Count: 1 << 20}))
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--first-poll-delay", "100ms", "--poll-interval", "1s", "--timeout", "2500ms"},
		jobArgs(drstest.ExampleJobID))...)
	expectExit(t, res, exitAPIError)
	assert.Contains(t, res.stdout, "no_answer")
	assert.Contains(t, res.stderr, "1 job got no answer")
	assert.Contains(t, res.stderr, "APIGW.0613: IAM is unavailable.", "the last poll's error")
	assert.NotContains(t, res.stderr, "average", "no progress is claimed for jobs without an answer")
	assert.GreaterOrEqual(t, countRequests(srv, drstest.OpBatchCheckResults, nil), 1)
}

// A --timeout shorter than the first poll delay still polls before it ends,
// and says so at once.
func TestTimeoutShorterThanFirstPollStillPolls(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run", "--wait", "--timeout", "2s"}, jobArgs(drstest.ExampleJobID))...)
	assert.Contains(t, res.stderr, "started 1 of 1 pre-checks; first poll in 1s")
	assert.GreaterOrEqual(t, countRequests(srv, drstest.OpBatchCheckResults, nil), 1, "one poll before the timeout")
	assert.Contains(t, []int{exitOK, exitJobs}, res.code, "a verdict or in progress, never no answer: %s", res.stderr)
}

// wait waits on pre-checks started elsewhere (here by run without --wait),
// with run --wait's progress, outputs and exit codes.
func TestWaitCommand(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	res := runCLI(t, tokenEnv(srv), "", argv([]string{"run"}, jobArgs(drstest.ExampleJobID, drstest.FailingJobID))...)
	expectExit(t, res, exitOK)

	// The first poll comes after the pre-checks (at most 400 ms) are done: a
	// second poll would wait for drs's blind interval.
	wait := []string{"wait", "--first-poll-delay", "500ms", "--poll-interval", "1s"}
	res = runCLI(t, tokenEnv(srv), "", argv(wait, []string{"-o", "json"}, jobArgs(drstest.ExampleJobID))...)
	expectExit(t, res, exitOK)
	doc := parseJSONDoc(t, res.stdout)
	assert.Equal(t, "wait", doc.Command)
	assert.True(t, doc.Waited)
	assert.Equal(t, 1, doc.Summary.Passed)
	assert.Contains(t, res.stderr, "waiting for 1 pre-checks; first poll in 500ms")

	res = runCLI(t, tokenEnv(srv), "", argv(wait, []string{"--quiet"}, jobArgs(drstest.ExampleJobID, drstest.FailingJobID))...)
	expectExit(t, res, exitJobs)
	assert.Contains(t, res.stdout, "1 of 2 jobs passed (may start); 1 failed.")
	assert.Empty(t, res.stderr, "--quiet")

	// A job whose pre-check was never started is refused, as by results.
	res = runCLI(t, tokenEnv(srv), "", "wait", "--job", drstest.AlarmJobID)
	expectExit(t, res, exitJobs)
	assert.Contains(t, res.stdout, "refused")
	assert.Contains(t, res.stderr, "waiting for 1 pre-checks; first poll in 0s", "by default at once")
}
