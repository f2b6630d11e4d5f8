// Package drstest is an in-process fake of Huawei Cloud DRS's batch pre-check
// API, in the spirit of net/http/httptest: start one in a test, point a client
// at its URL, script the jobs and the failures, and assert on what was sent.
//
//	srv := drstest.NewServer(t, drstest.WithScenario(drstest.DefaultScenario()))
//
// The two operations of openapi.yaml are served by the generated strict
// server stubs behind middleware that behaves like Huawei's API gateway, in
// this order: every answer carries X-Request-Id; injected faults apply
// ([Fault]); a body over 12 MB is refused (413); the request must carry an
// IAM token or an SDK-HMAC-SHA256 signature over the exact body (401
// APIGW.0301; see [WithAKSK] for the lockout); the path's project ID must be
// the simulator's (403 DRS.M00261); the request must validate against
// openapi.yaml (package contract), else DRS's own 400 error.
//
// Pre-checks progress over each [Job]'s Duration, in a [Progress] shape, on the clock of
// [WithClock]. Everything the simulator sends validates against openapi.yaml,
// except the faults broken on purpose. Tokens, secret keys, signatures and
// security tokens are never logged, never recorded by [Simulator.Requests]
// and never printed by any fmt verb.
package drstest
