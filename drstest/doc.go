// Package drstest is an in-process fake of Huawei Cloud DRS's batch pre-check
// API, in the spirit of net/http/httptest: start one in a test, point a client
// at its URL, script the jobs and the failures, and assert on what was sent.
//
//	srv := drstest.NewServer(t, drstest.WithScenario(drstest.DefaultScenario()))
//	// srv.URL, srv.ProjectID, srv.Token, srv.AccessKey and srv.SecretKey are
//	// what a client needs; srv.InjectFault, srv.SetJobState, srv.Requests, ...
//	// change and observe the fake while the test runs.
//
// # What it serves
//
// The two operations of openapi.yaml, built from the spec: the generated
// strict server stubs (package generated) mounted on the generated std-http
// router, behind middleware that behaves like Huawei's API gateway and DRS:
//
//   - Every response, error and injected fault included, carries an
//     X-Request-Id header.
//   - Faults injected with [Simulator.InjectFault] or [WithFaults] are applied
//     next, before authentication (latency, throttling, 5xx answers, gateway
//     HTML pages, dropped or reset connections, truncated JSON). The body is
//     read (once) before, so that a client giving up during a delay is
//     noticed.
//   - Authentication is the gateway's: an IAM token in X-Auth-Token
//     ([WithToken], or any token with [AcceptAnyToken]) or an SDK-HMAC-SHA256
//     signature over the exact body ([WithAKSK]; X-Sdk-Date at most 15 minutes
//     off the wall clock). Temporary credentials ([WithTemporaryAKSK]) must
//     also send their security token in X-Security-Token and sign it; a
//     permanent pair ignores that header. Failures answer 401 APIGW.0301.
//     A project ID in the path other than the simulator's answers 403
//     DRS.M00261.
//   - Like the gateway, the simulator locks an access key after repeated
//     failed signatures (its answer says how many, and for how long): a
//     wrong signature, an X-Sdk-Date that is invalid, unsigned or too far
//     off, or a missing, wrong or unsigned security token. A malformed Authorization header or
//     an unknown access key is not counted, and a success resets the count.
//     While locked, every request naming the key is refused, even a
//     correctly signed one, and is not counted. The lock runs on the
//     simulator's clock ([WithClock]), so a test can advance a [ManualClock]
//     past it. Huawei does not document the answer for a locked key; the
//     simulator assumes 401 APIGW.0301 with an error_msg saying how long the
//     key is locked.
//   - The request is validated against openapi.yaml (package contract); an
//     invalid one gets the 400 DRS error the real service sends (DRS.M00201
//     for an empty or missing parameter, DRS.M00202 for an invalid value,
//     DRS.M00301 for duplicates), never a Go error string. More than 10 jobs
//     in one call is DRS.M00202, Huawei's limit.
//
// # Jobs
//
// The job table holds [Job] values: an ID, a state, and a scripted pre-check
// (how long it takes and its check items). BatchCheckJobs starts the
// pre-check of a job in CONFIGURATION (mode forStartJob) or of a running job
// (mode forRetryJob); BatchCheckResults then reports "process" from "0%" to
// "100%" over the job's Duration, linearly or in the shape of its [Progress]
// (steps, a stall then a jump, a slowdown near the end), revealing the check
// items as their share of the duration elapses. Time comes from [WithClock], so a test can advance a
// [ManualClock] instead of sleeping.
//
// # Validity
//
// Everything the simulator sends validates against openapi.yaml, except the
// deliberately broken faults (dropped and reset connections, truncated JSON).
// Its own tests check this by sending all their traffic through
// contract.Transport.
//
// # Secrets
//
// Tokens, secret keys, signatures and security tokens are never logged, never
// recorded by [Simulator.Requests] and never printed by [Server.String] or
// any fmt verb.
package drstest
