// Package drs answers "may these jobs start?" for Huawei Cloud's Data
// Replication Service (DRS): it starts the pre-checks of migration,
// synchronization and disaster-recovery jobs and reads their verdicts.
//
// New takes options and, unless WithoutEnvironment is given, the variables of
// Huawei's SDKs (the Env constants) and their credential chain (package
// credentials: environment, profile file, ECS/CCE instance metadata,
// federated identity); options win. A missing or contradictory setting is a
// *ConfigError naming the option and the environment variable.
//
//	c, err := drs.New(drs.WithRegion("cn-north-4"), drs.WithProjectID(projectID), drs.WithAKSK(ak, sk))
//
// Precheck starts pre-checks, Results reads verdicts once, Wait polls until
// they are final, and PrecheckAndWait does both. Each returns a Report with
// one Verdict per job, in input order, whose State is Passed (the job may
// start), Failed, Refused (DRS answered with an error code), InProgress or
// NoAnswer. The report is nil only for invalid input (*InputError; nothing
// was sent); err is non-nil whenever some job has no usable answer (or,
// after a wait, no final verdict), with the report still filled in. A
// refusal or a failed pre-check is an answer, not an error:
//
//	rep, err := c.PrecheckAndWait(ctx, drs.ModeStartJob, jobIDs)
//	if rep == nil {
//		return err // invalid input
//	}
//	for _, v := range rep.Verdicts {
//		fmt.Println(v.JobID, v.State, v.Summary())
//	}
//	return err // some job got no usable answer
//
// errors.Is classifies API errors (ErrThrottled, ErrAuthentication,
// ErrPermission, ErrJobNotFound); errors.As reaches *APIError (DRS or the
// gateway said no), *ResponseError (an answer that cannot be used) and
// *TransportError (no answer).
//
// Every byte from the server is untrusted. A job is Passed only when its
// pre-check is at exactly 100% with result true and nothing in the answer
// contradicts it, and InProgress after a start only when DRS said exactly
// "success" without an error code. Answers with duplicate or case-variant
// keys, over the size cap or about other jobs never decide a verdict.
// Redirects are not followed and credentials go only to the endpoint. No
// error, report or printed value holds a token, secret key, security token
// or signature, even when the server echoes one. Within one call, at most
// one request fails authentication.
//
// Requests are retried (WithRetry), rate-limited (WithRateLimit) and bounded
// per attempt (WithAttemptTimeout); a call that gives up says which limit
// ended it. Everything kept is bounded: an answer's body by
// WithMaxResponseBytes (12 MiB), each string kept from it by MaxTextBytes
// (longer text ends in CutMark), an excerpt of a body by 256 bytes, a job ID
// by MaxJobIDBytes. An error about a whole call is one value, shared by its
// jobs' verdicts; the work over an answer is linear in its size.
//
// Programs that call the generated client (package generated) themselves
// authenticate it with RequestEditor and find the endpoint and project ID
// with Endpoint and ProjectID.
package drs
