package drs

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedirectIsNotFollowed proves that any 3xx, to another host or to plain
// http, is an API error naming the status and Location, and that the target
// sees no request whatever the user's http.Client says about redirects.
func TestRedirectIsNotFollowed(t *testing.T) {
	var elsewhere []*recorder
	var targets []string
	for _, serve := range []func(http.Handler) *httptest.Server{httptest.NewServer, httptest.NewTLSServer} {
		rc := &recorder{h: raw(200, `{}`)}
		srv := serve(rc)
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
					rep, err := callOp(bg, c, op, "job-1")
					require.NotNil(t, rep)
					require.Error(t, err)
					assert.Equal(t, 1, rc.count(), "a redirect is not retried")
					for _, e := range elsewhere {
						assert.Zero(t, e.count(), "the redirect target must see no request")
					}
					v := rep.Verdicts[0]
					assert.Equal(t, NoAnswer, v.State)
					apiErr := errAs[*APIError](t, err)
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
	apiErr := errAs[*APIError](t, err)
	assert.Equal(t, http.StatusTemporaryRedirect, apiErr.StatusCode)
}

// ask calls op (Precheck for opJobs, else Results) about jobs (job-1 if
// none) against a server answering body, which is asked once.
func ask(t *testing.T, op, body string, jobs ...string) (*Report, error) {
	t.Helper()
	if len(jobs) == 0 {
		jobs = []string{"job-1"}
	}
	c, rc, _ := hostile(t, raw(200, body))
	rep, err := callOp(bg, c, op, jobs...)
	require.NotNil(t, rep)
	require.Len(t, rep.Verdicts, len(jobs))
	assert.Equal(t, 1, rc.count(), "a 2xx answer is not asked again")
	return rep, err
}

// TestAmbiguousAnswerIsNoAnswer proves that an answer that can be read two
// ways (duplicate or case-variant keys) never starts or passes the job: it
// has no answer, the error names the key, and after a start it is unknown
// whether the pre-check started.
func TestAmbiguousAnswerIsNoAnswer(t *testing.T) {
	const tail = `"process":"100%","total_passed_rate":"100%"`
	for _, tc := range []struct{ op, name, body, key string }{
		{opJobs, "duplicate status", `{"results":[{"id":"job-1","status":"failed","precheck_id":"p","status":"success"}]}`, `"status"`},
		{opJobs, "duplicate id", `{"results":[{"id":"job-2","status":"success","id":"job-1"}]}`, `"id"`},
		{opJobs, "duplicate results", `{"results":[],"results":[{"id":"job-1","status":"success"}]}`, `"results"`},
		{opJobs, "escaped duplicate", `{"results":[{"id":"job-1","status":"failed","\u0073tatus":"success"}]}`, `"status" appears twice`},
		{opJobs, "STATUS beside status", `{"results":[{"id":"job-1","status":"failed","STATUS":"success"}]}`, `"STATUS"`},
		{opJobs, "Status beside status, success first", `{"results":[{"id":"job-1","status":"success","Status":"failed"}]}`, `"Status"`},
		{opJobs, "ſtatus beside status (folds as encoding/json does)", `{"results":[{"id":"job-1","status":"success","ſtatus":"failed"}]}`, `"ſtatus"`},
		{opJobs, "RESULTS beside results", `{"results":[{"id":"job-1","status":"success"}],"RESULTS":[]}`, `"RESULTS"`},
		{opJobs, "STATUS alone", `{"results":[{"id":"job-1","STATUS":"success"}]}`, `STATUS`},
		{opJobs, "Id alone", `{"results":[{"Id":"job-1","status":"success"},{"id":"job-2","status":"success"}]}`, `Id`},
		{opResults, "duplicate result", `{"results":[{"precheck_id":"job-1","result":false,` + tail + `,"result":true}]}`, `"result"`},
		{opResults, "RESULT beside result", `{"results":[{"precheck_id":"job-1","RESULT":true,` + tail + `,"result":false}]}`, `"RESULT"`},
		{opResults, "result beside RESULT", `{"results":[{"precheck_id":"job-1","result":true,` + tail + `,"RESULT":false}]}`, `"RESULT"`},
		{opResults, "reſult beside result (folds as encoding/json does)", `{"results":[{"precheck_id":"job-1","result":true,` + tail + `,"reſult":false}]}`, `"reſult"`},
		{opResults, "duplicate process", `{"results":[{"precheck_id":"job-1","result":true,` + tail + `,"process":"40%"}]}`, `"process"`},
		{opResults, "case-variant item key", `{"results":[{"precheck_id":"job-1","result":true,` + tail + `,"precheck_result":[{"item":"a","result":"FAILED","Result":"PASSED"}]}]}`, `"Result"`},
		{opResults, "RESULT alone", `{"results":[{"precheck_id":"job-1","RESULT":true,` + tail + `}]}`, `RESULT`},
	} {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			rep, err := ask(t, tc.op, tc.body)
			v := rep.Verdicts[0]
			assert.Equal(t, NoAnswer, v.State)
			require.Error(t, err)
			respErr := errAs[*ResponseError](t, v.Err)
			assert.Equal(t, tc.op, respErr.Operation)
			assert.Contains(t, err.Error(), tc.key, "the error names the key")
			if tc.op == opJobs {
				assert.Contains(t, err.Error(), "unknown whether")
			}
		})
	}
}

// TestEntriesOfJobs proves how entries are matched to jobs: by ID; without
// one, by position only for one job asked and one entry; the same entry
// twice is one answer, two different ones are no answer and both are
// reported unmatched, as are entries about no job asked.
func TestEntriesOfJobs(t *testing.T) {
	const pass = `{"process":"100%","result":true,"total_passed_rate":"100%"}`
	const fail = `{"process":"100%","result":false,"total_passed_rate":"50%"}`
	const idPass = `{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"}`
	const start1 = `{"id":"job-1","status":"success","precheck_id":"p1"}`
	for _, tc := range []struct {
		name, op, body, errHas string
		jobs                   []string
		states, unmatched      []State
	}{
		{"one asked, one result without id", opResults, `{"results":[` + pass + `]}`, "", nil, []State{Passed}, nil},
		{"two asked, two results without id", opResults, `{"results":[` + pass + `,` + fail + `]}`, "no result for the job",
			[]string{"job-1", "job-2"}, []State{NoAnswer, NoAnswer}, []State{Passed, Failed}},
		{"one asked, two results without id", opResults, `{"results":[` + pass + `,` + pass[:len(pass)-1] + `,"rds_instance_id":"x"}]}`, "no result for the job",
			nil, []State{NoAnswer}, []State{Passed, Passed}},
		{"one asked, one start without id", opJobs, `{"results":[{"status":"success","precheck_id":"p1"}]}`, "", nil, []State{InProgress}, nil},
		{"two asked, two starts without id", opJobs, `{"results":[{"status":"success"},{"status":"success"}]}`, "does not mention the job",
			[]string{"job-1", "job-2"}, []State{NoAnswer, NoAnswer}, []State{InProgress, InProgress}},
		{"different starts", opJobs, `{"results":[` + start1 + `,{"id":"job-1","status":"success","precheck_id":"p2"}]}`, "2 different entries",
			nil, []State{NoAnswer}, []State{InProgress, InProgress}},
		{"identical starts", opJobs, `{"results":[` + start1 + `,` + start1 + `]}`, "", nil, []State{InProgress}, nil},
		{"different results", opResults, `{"results":[` + idPass + `,{"precheck_id":"job-1","process":"100%","result":false,"total_passed_rate":"100%"}]}`,
			"2 different results", nil, []State{NoAnswer}, []State{Passed, Failed}},
		{"a result and a progress", opResults, `{"results":[` + idPass + `,{"precheck_id":"job-1","process":"40%"}]}`,
			"2 different results", nil, []State{NoAnswer}, []State{Passed, InProgress}},
		{"identical results", opResults, `{"results":[` + idPass + `,` + idPass + `]}`, "", nil, []State{Passed}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ask(t, tc.op, tc.body, tc.jobs...)
			assert.Equal(t, tc.states, statesOf(rep))
			if tc.errHas == "" {
				require.NoError(t, err)
				if tc.op == opJobs {
					assert.Equal(t, "p1", rep.Verdicts[0].PrecheckID)
				}
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.errHas)
				for _, v := range rep.Verdicts {
					assert.Equal(t, v.JobID, errAs[*ResponseError](t, v.Err).JobID)
					if tc.op == opJobs {
						assert.Contains(t, v.Err.Error(), "unknown whether")
					}
				}
			}
			var unmatched []State
			for _, v := range rep.Unmatched {
				unmatched = append(unmatched, v.State)
			}
			assert.Equal(t, tc.unmatched, unmatched)
		})
	}
}

// TestErrorCodeIsRefusalWhateverTheStatus proves that a per-job error code is
// a refusal with that code whatever the status text, that only exactly
// "success" without a code (or message) is a start, and that anything else
// without a code is no answer.
func TestErrorCodeIsRefusalWhateverTheStatus(t *testing.T) {
	for _, status := range []string{"Failed", "FAILED", "failed", "", "success", "weird"} {
		t.Run("start/"+status, func(t *testing.T) {
			rep, err := ask(t, opJobs, `{"results":[{"id":"job-1","status":"`+status+`","precheck_id":"p1","error_code":"DRS.M00304","error_msg":"not allowed"}]}`)
			require.NoError(t, err, "a refusal is an answer, not an error")
			v := rep.Verdicts[0]
			assert.Equal(t, Refused, v.State)
			apiErr := errAs[*APIError](t, v.Err)
			assert.Equal(t, []string{"DRS.M00304", "not allowed", "job-1"}, []string{apiErr.Code, apiErr.Message, apiErr.JobID})
			assert.Equal(t, 200, apiErr.StatusCode)
			assert.Equal(t, "req-200", v.RequestID)
			assert.Equal(t, "refused: DRS.M00304: not allowed", v.Summary())
		})
	}
	t.Run("results/FAILED with code", func(t *testing.T) {
		rep, err := ask(t, opResults, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%","error_code":"DRS.10000010","error_msg":"no such job"}]}`)
		require.NoError(t, err)
		assert.Equal(t, Refused, rep.Verdicts[0].State)
		assert.ErrorIs(t, rep.Verdicts[0].Err, ErrJobNotFound)
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
			rep, err := ask(t, opJobs, `{"results":[{"id":"job-1",`+tc.entry+`}]}`)
			require.Error(t, err)
			assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
			assert.Equal(t, "job-1", errAs[*ResponseError](t, err).JobID)
			assert.Contains(t, err.Error(), "unknown whether")
			assert.False(t, errors.Is(err, ErrJobNotFound))
		})
	}
}

// TestOnlyAnExactPassPasses proves that result true is a pass only at
// exactly 100%, and only when no FAILED item (in any case) or pass rate
// short of exactly 100% contradicts it; without a pass rate (absent, null or
// blank), check items that all PASSED must confirm it.
func TestOnlyAnExactPassPasses(t *testing.T) {
	const passed = `"precheck_result":[{"item":"a","result":"PASSED"},{"item":"b","result":"PASSED"}]`
	for _, tc := range []struct {
		name, entry string
		state       State
		want        string // the reason of a NoAnswer, else the summary
	}{
		{"FAILED item", `"process":"100%","result":true,"total_passed_rate":"100%","precheck_result":[{"item":"a","result":"PASSED"},{"item":"b","result":"FAILED"}]`, NoAnswer, "FAILED"},
		{"failed item in lower case", `"process":"100%","result":true,"total_passed_rate":"100%","precheck_result":[{"item":"b","result":"failed"}]`, NoAnswer, "FAILED"},
		{"pass rate rounding to 100", `"process":"100%","result":true,"total_passed_rate":"99.99999999999999999%"`, NoAnswer, "99.99999999999999999%"},
		{"pass rate 50", `"process":"100%","result":true,"total_passed_rate":"50%"`, NoAnswer, "total_passed_rate"},
		{"pass rate given below 100", `"process":"100%","result":true,"total_passed_rate":"90%",` + passed, NoAnswer, `contradicted by total_passed_rate "90%"`},
		{"no rate, no items", `"process":"100%","result":true`, NoAnswer, "confirmed neither by total_passed_rate"},
		{"no rate, empty items", `"process":"100%","result":true,"precheck_result":[]`, NoAnswer, "confirmed neither by total_passed_rate"},
		{"no rate, an alarm", `"process":"100%","result":true,"precheck_result":[{"item":"a","result":"PASSED"},{"item":"b","result":"ALARM"}]`, NoAnswer, "confirmed neither by total_passed_rate"},
		{"no rate, an item still being checked", `"process":"100%","result":true,"precheck_result":[{"item":"a","result":"PASSED"},{"item":"b","result":null}]`, NoAnswer, "confirmed neither by total_passed_rate"},
		{"process over 100", `"process":"101%","result":true,"total_passed_rate":"100%"`, NoAnswer, "process"},
		{"process not a number", `"process":"done","result":true,"total_passed_rate":"100%"`, NoAnswer, "process"},
		{"progress rounding to 100", `"process":"99.99999999999999999%","result":true,"total_passed_rate":"100%"`, InProgress, "in progress (100%)"},
		{"rate absent, items all PASSED", `"process":"100%","result":true,` + passed, Passed, "may start"},
		{"rate null, items all PASSED", `"process":"100%","result":true,"total_passed_rate":null,` + passed, Passed, "may start"},
		{"rate empty, items all PASSED", `"process":"100%","result":true,"total_passed_rate":"",` + passed, Passed, "may start"},
		{"rate blank, items all PASSED", `"process":"100%","result":true,"total_passed_rate":" ",` + passed, Passed, "may start"},
		{"100 without a sign", `"process":"100","result":true,"total_passed_rate":"100"`, Passed, "may start"},
		{"100.000%", `"process":"100.000%","result":true,"total_passed_rate":"100.000%"`, Passed, "may start"},
		{"100 padded", `"process":" 100 % ","result":true,"total_passed_rate":" 100 % "`, Passed, "may start"},
		{"100 full-width", `"process":"100％","result":true,"total_passed_rate":"100％"`, Passed, "may start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ask(t, opResults, `{"results":[{"precheck_id":"job-1",`+tc.entry+`}]}`)
			v := rep.Verdicts[0]
			assert.Equal(t, tc.state, v.State)
			if tc.state != NoAnswer {
				require.NoError(t, err)
				assert.Equal(t, tc.want, v.Summary())
				return
			}
			respErr := errAs[*ResponseError](t, err)
			assert.Equal(t, "job-1", respErr.JobID)
			assert.Contains(t, respErr.Reason, tc.want)
		})
	}
}

// TestEscapedKeyReadsAsTheKey proves that a key written with JSON escapes is
// the same key: a top-level error code spelled "\u0065rror_code" refuses the
// call exactly as "error_code" does, for both operations, and a per-job one
// refuses the job.
func TestEscapedKeyReadsAsTheKey(t *testing.T) {
	bodies := map[string]string{
		opJobs:    `{"results":[{"id":"job-1","status":"success","precheck_id":"p1"}],%s:"DRS.M01504","\u0065rror_msg":"busy"}`,
		opResults: `{"results":[{"precheck_id":"job-1","process":"100%%","result":true,"total_passed_rate":"100%%"}],%s:"DRS.M01504","\u0065rror_msg":"busy"}`,
	}
	for op, body := range bodies {
		var first string
		for _, key := range []string{`"error_code"`, `"\u0065rror_code"`, `"\u0065\u0072ror\u005fcode"`} {
			rep, err := ask(t, op, fmt.Sprintf(body, key))
			apiErr := errAs[*APIError](t, err, key)
			assert.Equal(t, []string{"DRS.M01504", "busy"}, []string{apiErr.Code, apiErr.Message}, key)
			assert.Equal(t, NoAnswer, rep.Verdicts[0].State, key)
			first = cmp.Or(first, rep.Verdicts[0].Err.Error())
			assert.Equal(t, first, rep.Verdicts[0].Err.Error(), "%s: escaped and literal keys read alike", op)
		}
	}
	rep, err := ask(t, opJobs, `{"results":[{"id":"job-1","status":"success","\u0065rror\u005fcode":"DRS.M00304"}]}`)
	require.NoError(t, err)
	assert.Equal(t, Refused, rep.Verdicts[0].State, "a per-job error code with an escaped key refuses the job")
}

// manyAnswersAboutOneJob is a BatchCheckResults body of n different results,
// all about job-1: a hostile server's cheapest way to make judging costly.
func manyAnswersAboutOneJob(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"results":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"precheck_id":"job-1","process":"100%%","result":true,"total_passed_rate":"100%%","precheck_result":[{"item":"item-%d","result":"PASSED","group":"db_params"}]}`, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// answering is a client whose every call is answered, in memory, with a 200
// and body.
func answering(tb testing.TB, body []byte) *Client {
	return answeringWith(tb, 200, body, nil)
}

// answeringWith is a client whose every call is answered, in memory, with
// status and a JSON body; calls counts them.
func answeringWith(tb testing.TB, status int, body []byte, calls *atomic.Int32) *Client {
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		_ = req.Body.Close()
		if calls != nil {
			calls.Add(1)
		}
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
	})
	return newClient(tb, "https://drs.test", &http.Client{Transport: rt}, newFakeClock(), oneShot)
}

// BenchmarkJudge8000AnswersAboutOneJob reads an answer of 8,000 different
// results about one job (1.2 MB).
func BenchmarkJudge8000AnswersAboutOneJob(b *testing.B) {
	body := manyAnswersAboutOneJob(8000)
	c := answering(b, body)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rep, _ := c.Results(bg, []string{"job-1"})
		if rep.Verdicts[0].State != NoAnswer || len(rep.Unmatched) != 8000 {
			b.Fatalf("want no answer and 8000 unmatched, got %v and %d", rep.Verdicts[0].State, len(rep.Unmatched))
		}
	}
}

// TestManyAnswersAboutOneJob proves what 300 entries about one job come to:
// different ones are no answer, each reported unmatched; identical ones are
// one answer.
func TestManyAnswersAboutOneJob(t *testing.T) {
	t.Run("different results", func(t *testing.T) {
		rep, err := answering(t, manyAnswersAboutOneJob(300)).Results(bg, []string{"job-1"})
		require.Error(t, err)
		assert.Equal(t, NoAnswer, rep.Verdicts[0].State)
		assert.Contains(t, err.Error(), "300 different results")
		assert.Len(t, rep.Unmatched, 300)
	})
	same := func(entry string) []byte {
		return []byte(`{"results":[` + strings.TrimSuffix(strings.Repeat(entry+",", 300), ",") + `]}`)
	}
	t.Run("identical results", func(t *testing.T) {
		rep, err := answering(t, same(`{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"}`)).Results(bg, []string{"job-1"})
		require.NoError(t, err)
		assert.Equal(t, Passed, rep.Verdicts[0].State)
		assert.Empty(t, rep.Unmatched)
	})
	t.Run("identical starts", func(t *testing.T) {
		rep, err := answering(t, same(`{"id":"job-1","status":"success","precheck_id":"p1"}`)).Precheck(bg, ModeStartJob, []string{"job-1"})
		require.NoError(t, err)
		assert.Equal(t, InProgress, rep.Verdicts[0].State)
		assert.Empty(t, rep.Unmatched)
	})
}

// TestJudgingStopsWithTheContext proves that the work over an answer stops
// when the call's context ends: every job asked gets no answer, saying why,
// and a start that was answered is unknown, not lost.
func TestJudgingStopsWithTheContext(t *testing.T) {
	for _, op := range []string{opJobs, opResults} {
		t.Run(op, func(t *testing.T) {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			body := manyAnswersAboutOneJob(100)
			if op == opJobs {
				body = []byte(`{"results":[{"id":"job-1","status":"success","precheck_id":"p1"},{"id":"job-2","status":"success","precheck_id":"p2"}]}`)
			}
			rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
				_, _ = io.Copy(io.Discard, req.Body)
				_ = req.Body.Close()
				// The context ends as the answer's last byte is read.
				read := io.MultiReader(bytes.NewReader(body), readerFunc(func([]byte) (int, error) { cancel(); return 0, io.EOF }))
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(read), ContentLength: -1, Request: req}, nil
			})
			c := newClient(t, "https://drs.test", &http.Client{Transport: rt}, newFakeClock(), oneShot)
			rep, err := callOp(ctx, c, op, "job-1", "job-2")
			require.Error(t, err)
			assert.Empty(t, rep.Unmatched)
			for _, v := range rep.Verdicts {
				assert.Equal(t, NoAnswer, v.State)
				respErr := errAs[*ResponseError](t, v.Err)
				assert.Contains(t, respErr.Reason, "the context ended before the answer was read")
				if op == opJobs {
					assert.Contains(t, v.Err.Error(), "unknown whether the pre-checks started")
				}
			}
		})
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
