// Package drs is a client for the batch pre-check API of Huawei Cloud's Data
// Replication Service (DRS) v3: it starts the pre-checks of migration,
// synchronization and disaster-recovery jobs, which must pass before the jobs
// can start.
//
// # Getting a client
//
// New takes functional options and, unless WithoutEnvironment is given, the
// same environment variables as Huawei's official SDKs; options win over the
// environment:
//
//	HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK  access key and secret key (AK/SK signing)
//	HUAWEICLOUD_SDK_SECURITY_TOKEN         security token of temporary AK/SK credentials
//	HUAWEICLOUD_IAM_TOKEN                  an IAM token instead of AK/SK
//	HUAWEICLOUD_SDK_PROJECT_ID             project ID
//	HUAWEICLOUD_SDK_REGION                 region, for example cn-north-4
//
// With those set, drs.New() is enough. Otherwise:
//
//	c, err := drs.New(
//		drs.WithRegion("cn-north-4"),
//		drs.WithProjectID(projectID),
//		drs.WithAKSK(ak, sk), // or drs.WithToken(iamToken)
//	)
//
// A missing or contradictory setting (no credentials, both a token and AK/SK,
// an AK without SK, no region or endpoint, ...) fails in New with a
// *ConfigError that names the option and the environment variable to set.
//
// # Starting pre-checks
//
// Precheck takes any number of job IDs, checks them (no empty, padded or
// duplicate IDs), and sends them in calls of at most 10 jobs, several calls at
// once:
//
//	report, err := c.Precheck(ctx, drs.ModeStartJob, jobIDs...)
//	if err != nil { // *InputError: nothing was sent
//		return err
//	}
//	for _, o := range report.Outcomes { // one per job, in input order
//		fmt.Println(o.JobID, o.State, o.PrecheckID, o.Err)
//	}
//	return report.Err() // nil when every pre-check started
//
// Each job ends Started, Refused (DRS said no: a *JobError with its code), or
// Errored (the call failed, or the answer did not account for the job): a job
// is reported Started only when the server said so, unambiguously. The
// pre-check itself runs asynchronously on the server; BatchCheckResults reads
// its verdict.
//
// # Reading verdicts and waiting for them
//
// The pre-check runs on the server for seconds to minutes. Results reads the
// current verdict of each job once; Wait polls until every pre-check is
// complete or ctx ends; PrecheckAndWait chains Precheck and Wait and gives,
// per job, one final answer:
//
//	report, err := c.PrecheckAndWait(ctx, drs.ModeStartJob, jobIDs)
//	if report == nil { // *InputError: nothing was sent
//		return err
//	}
//	for _, v := range report.Verdicts { // one per job, in input order
//		fmt.Println(v.JobID, v.MayStart, v.Summary())
//	}
//
// A Verdict is passed (MayStart), failed (Failed lists the items that stopped
// it, with reasons and failed sub-jobs), errored (a per-job DRS error such as
// DRS.10000010, or no answer), or still in progress (with Err saying why the
// wait ended). ALARM items are warnings: a pre-check with alarms still passes.
// The first poll comes after 20 s and then every 5 s, slowing to 30 s while
// nothing moves (WithFirstPollDelay, WithPollInterval, WithMaxPollInterval);
// WithProgress reports each poll. A poll that fails transiently does not end
// the wait; an authentication failure does.
//
// # Errors
//
// A non-2xx answer is an *APIError with the HTTP status, DRS's or the
// gateway's error code and message, the X-Request-Id to quote to support, and
// a hint. Predicates classify errors through any wrapping: IsThrottled,
// IsAuthentication, IsPermission, IsJobNotFound, IsRetryable; errors.Is with
// ErrThrottled, ErrAuthentication, ErrPermission and ErrJobNotFound works too.
// A 2xx answer that is not the documented JSON, or a body over the size cap,
// is a *ResponseError, never a zero value. No error, log line or printed
// Client or Option contains a token, secret key, security token or signature.
//
// # Retries, limits and timeouts
//
// A call is retried, with exponential backoff and full jitter, on throttling
// (429, APIGW.0308, DRS.M01503), on 502, 503 and 504, and on connections that
// broke or timed out before an answer; Retry-After is honoured (capped). It is
// never retried on an authentication failure (Huawei locks an AK/SK for 5
// minutes after more than 5 consecutive failures) or a validation failure.
// Retries stop after 4 attempts (WithRetry, WithoutRetries) and never sleep
// past the context's deadline. Every attempt is signed afresh, since the
// signature covers the time.
//
// Retrying these POST requests is safe: the pre-check of a job is a check, not
// a change, and starting the pre-check of a job again restarts the same check,
// so a call whose answer was lost can be repeated; querying results changes
// nothing at all. One consequence: when an answer is lost after DRS started a
// job's pre-check, the repeated call may report DRS's answer to the second
// start (for example a refusal because a check is already running); the
// results endpoint tells what actually happened.
//
// WithRateLimit shares a client-side rate limit among all calls of a client.
// Each attempt is bounded by WithAttemptTimeout (30 s by default) and each
// response body by WithMaxResponseBytes (the gateway's 12 MB by default).
//
// # Lower level
//
// BatchCheckJobs and BatchCheckResults send exactly one request each, with
// authentication, retries and error mapping, and return the generated models
// of package generated. Programs that use the generated client itself can
// authenticate it with the same credentials through RequestEditor.
package drs
