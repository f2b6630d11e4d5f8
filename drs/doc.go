// Package drs answers "may these jobs start?" for Huawei Cloud's Data
// Replication Service (DRS): it starts the pre-checks of migration,
// synchronization and disaster-recovery jobs and reads their verdicts.
//
// # A client
//
// New takes options and, unless WithoutEnvironment is given, the variables
// of Huawei's SDKs (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_SECURITY_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID,
// HUAWEICLOUD_SDK_REGION) or HUAWEICLOUD_IAM_TOKEN; options win:
//
//	c, err := drs.New(drs.WithRegion("cn-north-4"), drs.WithProjectID(projectID), drs.WithAKSK(ak, sk))
//
// Without credential options, New walks the chain of Huawei's SDKs (package
// credentials): the environment, the profile file ~/.huaweicloud/credentials,
// then the instance metadata of an ECS instance or CCE node with an IAM
// agency; federated identity (an OIDC ID token exchanged at IAM) comes from
// the environment or the profile file. Temporary keys are renewed before
// they expire. WithEnvironment passes a program's own environment.
//
// A missing or contradictory setting is a *ConfigError naming the option and
// the environment variable.
//
// # Calls and verdicts
//
// Precheck starts pre-checks, Results reads verdicts once, Wait polls until
// they are final, and PrecheckAndWait does both. Each takes any number of job
// IDs and returns a Report with one Verdict per job, in input order. A
// verdict's State is one of:
//
//	Passed      the pre-check completed and passed: the job may start
//	Failed      the pre-check completed and failed (see the FAILED items)
//	Refused     DRS answered for the job with an error code (Err: *APIError)
//	InProgress  started, not complete (or a wait ended first: Err says so)
//	NoAnswer    no usable answer (Err says why)
//
// Report.AllPassed answers "may every job start?" in one call, and
// Report.Count counts the verdicts by state.
//
// Errors work as in any Go API: the report is nil only for invalid input
// (*InputError; nothing was sent), and err is non-nil whenever some job has
// no usable answer (or, after a wait, no final verdict), while the report is
// still filled in, like an io.Reader returning n > 0 with an error. A refusal
// or a failed pre-check is an answer, not an error:
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
// # Trust
//
// Every byte from the server is untrusted. A job is Passed only when its
// pre-check is at exactly 100% with result true and nothing in the answer
// contradicts it (a pass rate, when given, of exactly 100%; when not given,
// check items that all PASSED), and InProgress after a start only when DRS said exactly
// "success" without an error code. Answers with duplicate or case-variant
// keys, over the size cap (WithMaxResponseBytes) or about other jobs never
// decide a verdict. Redirects are not followed and credentials go only to
// the endpoint. No error, report field or printed value of this package
// holds a token, secret key, security token or signature, even when the
// server echoes one back. Within one call, at most one request fails
// authentication (see ErrAuthentication).
//
// # Retries and limits
//
// Each request is retried with exponential backoff and full jitter on
// throttling, 408/502/503/504 and transport failures (a connection refused,
// reset or timed out, on any platform; not a certificate that does not
// verify, a server that does not speak TLS or a host that does not resolve),
// honouring Retry-After (capped), never on an authentication failure
// (WithRetry). Each attempt is bounded by WithAttemptTimeout; WithRateLimit
// limits the client's request rate. When a call gives up, the error says
// which limit ended it and after how many attempts.
//
// Everything the client keeps is bounded:
//
//	an answer's body       WithMaxResponseBytes (default 12 MiB, the API gateway's limit)
//	each string kept       MaxTextBytes (4 KiB): error codes and messages, request IDs,
//	                       check items, a redirect's Location; longer text ends in CutMark
//	an excerpt of a body   256 bytes
//	a job ID               MaxJobIDBytes (128 bytes), checked before anything is sent
//	a summary              MaxTextBytes
//
// An error about a whole call is one value, shared by the verdicts of the
// jobs it carried. The work over an answer is linear in its size and stops
// when the call's context ends.
//
// # The generated client
//
// The requests are made by the client generated from openapi.yaml (package
// generated). Programs that call it directly authenticate it with
// RequestEditor, and find the endpoint and project ID with Endpoint and
// ProjectID.
package drs
