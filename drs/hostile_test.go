package drs

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedirectIsNotFollowed proves that a 3xx of any kind, to another host or
// to plain http, is an API error naming the status and Location with a hint,
// and that the host it points to never sees a request (so never sees a
// credential), whatever the user's http.Client says about redirects.
func TestRedirectIsNotFollowed(t *testing.T) {
	var elsewhere []*recorder
	var targets []string
	for _, tls := range []bool{false, true} {
		rc := &recorder{h: func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) { writeRaw(w, 200, `{}`) }}
		srv := httptest.NewUnstartedServer(rc)
		if tls {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		t.Cleanup(srv.Close)
		elsewhere = append(elsewhere, rc)
		targets = append(targets, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)+"/v3/"+testProject+"/jobs/batch-precheck")
	}
	follow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, target := range targets {
			for _, op := range []string{opJobs, opResults} {
				t.Run(http.StatusText(code)+"/"+target+"/"+op, func(t *testing.T) {
					c, rc, _ := hostile(t, func(w http.ResponseWriter, _ *http.Request, _ recorded, _ int) {
						w.Header().Set("Location", target)
						w.WriteHeader(code)
					}, WithHTTPClient(follow))
					var rep *Report
					var err error
					if op == opJobs {
						rep, err = c.Precheck(bg, ModeStartJob, []string{"job-1"})
					} else {
						rep, err = c.Results(bg, []string{"job-1"})
					}
					require.NotNil(t, rep)
					require.Error(t, err)
					assert.Equal(t, 1, rc.count(), "a redirect is not retried")
					for _, e := range elsewhere {
						assert.Zero(t, e.count(), "the redirect target must see no request")
					}
					v := rep.Verdicts[0]
					assert.Equal(t, NoAnswer, v.State)
					var apiErr *APIError
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, code, apiErr.StatusCode)
					assert.Equal(t, op, apiErr.Operation)
					assert.Contains(t, err.Error(), target, "the error names Location")
					assert.Contains(t, err.Error(), "check the region or endpoint")
					assert.ErrorIs(t, v.Err, apiErr, "the verdict carries the same error")
					assert.NotContains(t, err.Error(), "unknown whether", "a redirect answer is not a start that may have happened")
				})
			}
		}
	}
	assert.Nil(t, follow.CheckRedirect(nil, nil), "New must not change the caller's http.Client")
}

// TestRedirectLoopSendsOneRequest proves that a redirect to the endpoint
// itself is neither followed nor retried.
func TestRedirectLoopSendsOneRequest(t *testing.T) {
	var self string
	c, rc, clk := hostile(t, func(w http.ResponseWriter, r *http.Request, _ recorded, _ int) {
		w.Header().Set("Location", self+r.URL.Path)
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	self = strings.TrimSuffix(c.s.endpoint, "/")
	rep, err := c.PrecheckAndWait(bg, ModeStartJob, []string{"job-1"})
	require.Error(t, err)
	assert.Equal(t, 1, rc.count())
	assert.Empty(t, clk.waits(), "no backoff: a 3xx is not retried")
	assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTemporaryRedirect, apiErr.StatusCode)
}

// startOne starts job-1's pre-check against a server answering body.
func startOne(t *testing.T, body string) (*Report, error) {
	t.Helper()
	c, rc, _ := hostile(t, raw(200, body))
	rep, err := c.Precheck(bg, ModeStartJob, []string{"job-1"})
	require.NotNil(t, rep)
	require.Len(t, rep.Verdicts, 1)
	assert.Equal(t, 1, rc.count(), "an unusable 2xx answer is not retried")
	return rep, err
}

// resultsOf queries jobs against a server answering body.
func resultsOf(t *testing.T, body string, jobs ...string) (*Report, error) {
	t.Helper()
	c, _, _ := hostile(t, raw(200, body))
	rep, err := c.Results(bg, jobs)
	require.NotNil(t, rep)
	require.Len(t, rep.Verdicts, len(jobs))
	return rep, err
}

// TestAmbiguousStartIsNoAnswer proves that a BatchCheckJobs answer that can be
// read two ways (duplicate or case-variant keys, two different entries for
// the job) never starts the job: it has no answer, the error names the key,
// and it is unknown whether the pre-check started.
func TestAmbiguousStartIsNoAnswer(t *testing.T) {
	for _, tc := range []struct{ name, body, key string }{
		{"duplicate status", `{"results":[{"id":"job-1","status":"failed","precheck_id":"p","status":"success"}]}`, `"status"`},
		{"duplicate id", `{"results":[{"id":"job-2","status":"success","id":"job-1"}]}`, `"id"`},
		{"duplicate results", `{"results":[],"results":[{"id":"job-1","status":"success"}]}`, `"results"`},
		{"STATUS beside status", `{"results":[{"id":"job-1","status":"failed","STATUS":"success"}]}`, `"STATUS"`},
		{"Status beside status, success first", `{"results":[{"id":"job-1","status":"success","Status":"failed"}]}`, `"Status"`},
		{"ſtatus beside status (folds as encoding/json does)", `{"results":[{"id":"job-1","status":"success","ſtatus":"failed"}]}`, `"ſtatus"`},
		{"RESULTS beside results", `{"results":[{"id":"job-1","status":"success"}],"RESULTS":[]}`, `"RESULTS"`},
		{"STATUS alone", `{"results":[{"id":"job-1","STATUS":"success"}]}`, `STATUS`},
		{"Id alone", `{"results":[{"Id":"job-1","status":"success"},{"id":"job-2","status":"success"}]}`, `Id`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := startOne(t, tc.body)
			v := rep.Verdicts[0]
			assert.Equal(t, NoAnswer, v.State)
			require.Error(t, err)
			var respErr *ResponseError
			require.ErrorAs(t, v.Err, &respErr)
			assert.Equal(t, opJobs, respErr.Operation)
			assert.Contains(t, err.Error(), tc.key, "the error names the key")
			assert.Contains(t, err.Error(), "unknown whether")
		})
	}
}

// TestAmbiguousResultIsNoAnswer proves the same for BatchCheckResults: a
// result readable as passed one way and failed another is no answer.
func TestAmbiguousResultIsNoAnswer(t *testing.T) {
	const tail = `"process":"100%","total_passed_rate":"100%"`
	for _, tc := range []struct{ name, body, key string }{
		{"duplicate result", `{"results":[{"precheck_id":"job-1","result":false,` + tail + `,"result":true}]}`, `"result"`},
		{"RESULT beside result", `{"results":[{"precheck_id":"job-1","RESULT":true,` + tail + `,"result":false}]}`, `"RESULT"`},
		{"result beside RESULT", `{"results":[{"precheck_id":"job-1","result":true,` + tail + `,"RESULT":false}]}`, `"RESULT"`},
		{"reſult beside result (folds as encoding/json does)", `{"results":[{"precheck_id":"job-1","result":true,` + tail + `,"reſult":false}]}`, `"reſult"`},
		{"duplicate process", `{"results":[{"precheck_id":"job-1","result":true,` + tail + `,"process":"40%"}]}`, `"process"`},
		{"case-variant item key", `{"results":[{"precheck_id":"job-1","result":true,` + tail + `,"precheck_result":[{"item":"a","result":"FAILED","Result":"PASSED"}]}]}`, `"Result"`},
		{"RESULT alone", `{"results":[{"precheck_id":"job-1","RESULT":true,` + tail + `}]}`, `RESULT`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := resultsOf(t, tc.body, "job-1")
			v := rep.Verdicts[0]
			assert.Equal(t, NoAnswer, v.State)
			require.Error(t, err)
			var respErr *ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, opResults, respErr.Operation)
			assert.Contains(t, err.Error(), tc.key, "the error names the key")
		})
	}
}

// TestSuccessWithErrorCodeIsRefused proves that "success" beside an
// error_code is a refusal with that code, not a start.
func TestSuccessWithErrorCodeIsRefused(t *testing.T) {
	rep, err := startOne(t, `{"results":[{"id":"job-1","status":"success","precheck_id":"p1","error_code":"DRS.M00304","error_msg":"The job state does not allow a pre-check."}]}`)
	require.NoError(t, err, "a refusal is an answer, not an error")
	v := rep.Verdicts[0]
	assert.Equal(t, Refused, v.State)
	var apiErr *APIError
	require.ErrorAs(t, v.Err, &apiErr)
	assert.Equal(t, "DRS.M00304", apiErr.Code)
	assert.Equal(t, "job-1", apiErr.JobID)
	assert.Equal(t, "refused: DRS.M00304: The job state does not allow a pre-check.", v.Summary())
}

// TestPassContradictedIsNoAnswer proves that result true is not a pass when a
// FAILED item (in any case) or a pass rate short of exactly 100% contradicts
// it, and that progress that only rounds to 100% is still in progress.
func TestPassContradictedIsNoAnswer(t *testing.T) {
	for _, tc := range []struct{ name, entry, reason string }{
		{"FAILED item", `"process":"100%","result":true,"total_passed_rate":"100%","precheck_result":[{"item":"a","result":"PASSED"},{"item":"b","result":"FAILED"}]`, "FAILED"},
		{"failed item in lower case", `"process":"100%","result":true,"total_passed_rate":"100%","precheck_result":[{"item":"b","result":"failed"}]`, "FAILED"},
		{"pass rate rounding to 100", `"process":"100%","result":true,"total_passed_rate":"99.99999999999999999%"`, "99.99999999999999999%"},
		{"pass rate 50", `"process":"100%","result":true,"total_passed_rate":"50%"`, "total_passed_rate"},
		{"pass rate missing", `"process":"100%","result":true`, "total_passed_rate"},
		{"process over 100", `"process":"101%","result":true,"total_passed_rate":"100%"`, "process"},
		{"process not a number", `"process":"done","result":true,"total_passed_rate":"100%"`, "process"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1",`+tc.entry+`}]}`, "job-1")
			v := rep.Verdicts[0]
			assert.Equal(t, NoAnswer, v.State)
			var respErr *ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, "job-1", respErr.JobID)
			assert.Contains(t, respErr.Reason, tc.reason)
		})
	}

	t.Run("progress rounding to 100", func(t *testing.T) {
		rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1","process":"99.99999999999999999%","result":true,"total_passed_rate":"100%"}]}`, "job-1")
		require.NoError(t, err)
		v := rep.Verdicts[0]
		assert.Equal(t, InProgress, v.State, "only exactly 100%% is complete")
		assert.Equal(t, "in progress (100%)", v.Summary(), "the float rounds, the state does not")
	})
	t.Run("exactly 100 written differently", func(t *testing.T) {
		for _, p := range []string{"100", "100.000%", " 100 % ", "100％"} {
			rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1","process":"`+p+`","result":true,"total_passed_rate":"`+p+`"}]}`, "job-1")
			require.NoError(t, err, p)
			assert.Equal(t, Passed, rep.Verdicts[0].State, p)
		}
	})
}

// TestResultsWithoutPrecheckID proves that results without precheck_id are
// matched by position only for one job asked and one result; otherwise the
// jobs have no answer and the results are reported unmatched.
func TestResultsWithoutPrecheckID(t *testing.T) {
	const pass = `{"process":"100%","result":true,"total_passed_rate":"100%"}`
	const fail = `{"process":"100%","result":false,"total_passed_rate":"50%"}`

	t.Run("one asked, one result", func(t *testing.T) {
		rep, err := resultsOf(t, `{"results":[`+pass+`]}`, "job-1")
		require.NoError(t, err)
		assert.Equal(t, Passed, rep.Verdicts[0].State)
		assert.Empty(t, rep.Unmatched)
	})
	t.Run("two asked, two results", func(t *testing.T) {
		rep, err := resultsOf(t, `{"results":[`+pass+`,`+fail+`]}`, "job-1", "job-2")
		require.Error(t, err)
		for _, v := range rep.Verdicts {
			assert.Equal(t, NoAnswer, v.State, v.JobID)
			var respErr *ResponseError
			require.ErrorAs(t, v.Err, &respErr)
			assert.Equal(t, v.JobID, respErr.JobID)
		}
		require.Len(t, rep.Unmatched, 2)
		assert.Equal(t, Passed, rep.Unmatched[0].State)
		assert.Equal(t, Failed, rep.Unmatched[1].State)
	})
	t.Run("one asked, two results", func(t *testing.T) {
		rep, err := resultsOf(t, `{"results":[`+pass+`,`+pass[:len(pass)-1]+`,"rds_instance_id":"x"}]}`, "job-1")
		require.Error(t, err)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
		assert.Len(t, rep.Unmatched, 2)
	})
	t.Run("starts without id: one asked, one entry", func(t *testing.T) {
		rep, err := startOne(t, `{"results":[{"status":"success","precheck_id":"p1"}]}`)
		require.NoError(t, err)
		assert.Equal(t, InProgress, rep.Verdicts[0].State)
		assert.Equal(t, "p1", rep.Verdicts[0].PrecheckID)
	})
	t.Run("starts without id: two asked", func(t *testing.T) {
		c, _, _ := hostile(t, raw(200, `{"results":[{"status":"success"},{"status":"success"}]}`))
		rep, err := c.Precheck(bg, ModeStartJob, []string{"job-1", "job-2"})
		require.Error(t, err)
		for _, v := range rep.Verdicts {
			assert.Equal(t, NoAnswer, v.State)
			assert.Contains(t, v.Err.Error(), "does not mention the job")
			assert.Contains(t, v.Err.Error(), "unknown whether")
		}
		assert.Len(t, rep.Unmatched, 2)
	})
}

// TestDuplicateEntries proves that two different entries for one job are no
// answer, and that the same entry twice is one answer.
func TestDuplicateEntries(t *testing.T) {
	t.Run("start: different", func(t *testing.T) {
		rep, err := startOne(t, `{"results":[{"id":"job-1","status":"success","precheck_id":"p1"},{"id":"job-1","status":"success","precheck_id":"p2"}]}`)
		require.Error(t, err)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
		assert.Contains(t, err.Error(), "2 different entries")
	})
	t.Run("start: identical", func(t *testing.T) {
		rep, err := startOne(t, `{"results":[{"id":"job-1","status":"success","precheck_id":"p1"},{"id":"job-1","status":"success","precheck_id":"p1"}]}`)
		require.NoError(t, err)
		assert.Equal(t, InProgress, rep.Verdicts[0].State)
		assert.Equal(t, "p1", rep.Verdicts[0].PrecheckID)
	})
	t.Run("results: different", func(t *testing.T) {
		rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"},{"precheck_id":"job-1","process":"100%","result":false,"total_passed_rate":"100%"}]}`, "job-1")
		require.Error(t, err)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
		assert.Contains(t, err.Error(), "2 different results")
	})
	t.Run("results: identical", func(t *testing.T) {
		rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"},{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"}]}`, "job-1")
		require.NoError(t, err)
		assert.Equal(t, Passed, rep.Verdicts[0].State)
	})
}

// TestDifferentDuplicatesAreUnmatched holds Results to its documentation:
// "one of several different results for the same job, go to
// Report.Unmatched and never decide a verdict".
func TestDifferentDuplicatesAreUnmatched(t *testing.T) {
	rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"},{"precheck_id":"job-1","process":"40%"}]}`, "job-1")
	require.Error(t, err)
	assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
	assert.Len(t, rep.Unmatched, 2, "both different results for job-1 are reported unmatched")
}

// TestErrorCodeIsRefusalWhateverTheStatus proves that a per-job error code is
// a refusal with that code whatever the status text, that only exactly
// "success" without a code (or message) is a start, and that anything else
// without a code is no answer.
func TestErrorCodeIsRefusalWhateverTheStatus(t *testing.T) {
	for _, status := range []string{"Failed", "FAILED", "failed", "", "success", "weird"} {
		t.Run("start/"+status, func(t *testing.T) {
			rep, err := startOne(t, `{"results":[{"id":"job-1","status":"`+status+`","error_code":"DRS.M00304","error_msg":"not allowed"}]}`)
			require.NoError(t, err)
			v := rep.Verdicts[0]
			assert.Equal(t, Refused, v.State)
			var apiErr *APIError
			require.ErrorAs(t, v.Err, &apiErr)
			assert.Equal(t, "DRS.M00304", apiErr.Code)
			assert.Equal(t, "not allowed", apiErr.Message)
			assert.Equal(t, 200, apiErr.StatusCode)
			assert.Equal(t, "req-200", v.RequestID)
		})
	}
	t.Run("results/FAILED with code", func(t *testing.T) {
		rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%","error_code":"DRS.10000010","error_msg":"no such job"}]}`, "job-1")
		require.NoError(t, err)
		v := rep.Verdicts[0]
		assert.Equal(t, Refused, v.State)
		assert.ErrorIs(t, v.Err, ErrJobNotFound)
	})
	for _, tc := range []struct{ name, entry string }{
		{"failed without code", `"status":"failed"`},
		{"Success capitalised", `"status":"Success"`},
		{"success padded", `"status":" success"`},
		{"success with a message", `"status":"success","error_msg":"but no"`},
		{"no status", `"precheck_id":"p1"`},
		{"null status", `"status":null`},
	} {
		t.Run("start/"+tc.name, func(t *testing.T) {
			rep, err := startOne(t, `{"results":[{"id":"job-1",`+tc.entry+`}]}`)
			require.Error(t, err)
			v := rep.Verdicts[0]
			assert.Equal(t, NoAnswer, v.State)
			var respErr *ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Equal(t, "job-1", respErr.JobID)
			assert.Contains(t, err.Error(), "unknown whether")
			assert.False(t, errors.Is(err, ErrJobNotFound))
		})
	}
}

// TestEscapedKeyReadsAsTheKey proves that a key written with JSON escapes is
// the same key: a top-level error code spelled "\u0065rror_code" refuses the
// call exactly as "error_code" does, for both operations, and a per-job one
// refuses the job.
func TestEscapedKeyReadsAsTheKey(t *testing.T) {
	const start = `{"results":[{"id":"job-1","status":"success","precheck_id":"p1"}],%s:"DRS.M01504","\u0065rror_msg":"busy"}`
	const result = `{"results":[{"precheck_id":"job-1","process":"100%%","result":true,"total_passed_rate":"100%%"}],%s:"DRS.M01504","\u0065rror_msg":"busy"}`
	for _, op := range []string{opJobs, opResults} {
		var reports []*Report
		for _, key := range []string{`"error_code"`, `"\u0065rror_code"`, `"\u0065\u0072ror\u005fcode"`} {
			var rep *Report
			var err error
			if op == opJobs {
				rep, err = startOne(t, fmt.Sprintf(start, key))
			} else {
				rep, err = resultsOf(t, fmt.Sprintf(result, key), "job-1")
			}
			require.Error(t, err, key)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr, key)
			assert.Equal(t, "DRS.M01504", apiErr.Code, key)
			assert.Equal(t, "busy", apiErr.Message, key)
			assert.Equal(t, NoAnswer, rep.Verdicts[0].State, key)
			reports = append(reports, rep)
		}
		for _, rep := range reports[1:] {
			assert.Equal(t, reports[0].Verdicts[0].Err.Error(), rep.Verdicts[0].Err.Error(), "%s: escaped and literal keys read alike", op)
		}
	}
	rep, err := startOne(t, `{"results":[{"id":"job-1","status":"success","\u0065rror\u005fcode":"DRS.M00304"}]}`)
	require.NoError(t, err)
	assert.Equal(t, Refused, rep.Verdicts[0].State, "a per-job error code with an escaped key refuses the job")

	t.Run("escaped duplicate", func(t *testing.T) {
		rep, err := startOne(t, `{"results":[{"id":"job-1","status":"failed","\u0073tatus":"success"}]}`)
		require.Error(t, err)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
		assert.Contains(t, err.Error(), `"status" appears twice`)
	})
}

// TestAbsentPassRateContradictsNothing proves that a pass rate not given
// (absent, null or blank) contradicts no pass that check items all PASSED
// confirm, while one given below 100% does, and that without such items
// nothing confirms result true.
func TestAbsentPassRateContradictsNothing(t *testing.T) {
	const passed = `"precheck_result":[{"item":"a","result":"PASSED"},{"item":"b","result":"PASSED"}]`
	for _, rate := range []string{``, `"total_passed_rate":null,`, `"total_passed_rate":"",`, `"total_passed_rate":" ",`} {
		rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,`+rate+passed+`}]}`, "job-1")
		require.NoError(t, err, rate)
		assert.Equal(t, Passed, rep.Verdicts[0].State, rate)
		assert.Equal(t, "may start", rep.Verdicts[0].Summary(), rate)
	}
	for _, tc := range []struct{ name, entry, reason string }{
		{"rate given below 100", `"total_passed_rate":"90%",` + passed, `contradicted by total_passed_rate "90%"`},
		{"no rate, an alarm", `"precheck_result":[{"item":"a","result":"PASSED"},{"item":"b","result":"ALARM"}]`, "confirmed neither by total_passed_rate"},
		{"no rate, an item still being checked", `"precheck_result":[{"item":"a","result":"PASSED"},{"item":"b","result":null}]`, "confirmed neither by total_passed_rate"},
		{"no rate, no items", `"precheck_result":[]`, "confirmed neither by total_passed_rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := resultsOf(t, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,`+tc.entry+`}]}`, "job-1")
			assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
			var respErr *ResponseError
			require.ErrorAs(t, err, &respErr)
			assert.Contains(t, respErr.Reason, tc.reason)
		})
	}
}
