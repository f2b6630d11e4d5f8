// Package drstest is an in-process fake of Huawei Cloud DRS's batch pre-check
// API, in the spirit of net/http/httptest: start one in a test, point a client
// at its URL, script the jobs and the failures, and assert on what was sent.
//
//	srv := drstest.NewServer(t, drstest.WithScenario(drstest.DefaultScenario()))
//	// srv.URL, srv.ProjectID, srv.Token, srv.AccessKey and srv.SecretKey are
//	// what a client needs; srv.InjectFault, srv.SetJobState, srv.Requests, ...
//	// change and observe the fake while the test runs.
//
// The two operations of openapi.yaml are served by the generated strict
// server stubs, behind middleware that behaves like Huawei's API gateway, in
// this order: every answer carries X-Request-Id; injected faults
// ([Simulator.InjectFault]) apply; the body is read (at most 12 MB, else 413);
// the request authenticates with an IAM token (X-Auth-Token) or an
// SDK-HMAC-SHA256 signature over the exact body, else 401 APIGW.0301; the
// path's project ID must be the simulator's, else 403 DRS.M00261; the request
// is validated against openapi.yaml (package contract) and refused with the
// 400 DRS error the real service sends. The AK/SK lockout is described at
// [WithAKSK].
//
// The job table holds [Job] values: BatchCheckJobs starts a pre-check,
// BatchCheckResults reports its progress over the job's Duration, on the
// clock of [WithClock] (a [ManualClock] moves it without sleeping).
//
// Everything the simulator sends validates against openapi.yaml, except the
// faults broken on purpose. Tokens, secret keys, signatures and security
// tokens are never logged, never recorded by [Simulator.Requests] and never
// printed by any fmt verb.
package drstest
