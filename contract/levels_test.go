package contract

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	drsprecheck "github.com/drsclient/drs-precheck"
)

// TestMain fails the package's tests if any goroutine outlives them (the
// loopback servers and transports the tests start must all be closed).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	opJobs    = "BatchCheckJobs"
	opResults = "BatchCheckResults"
	httpDate  = "Wed, 21 Oct 2015 07:28:00 GMT"
)

// newRequest is a POST of op to base, with a valid body when body is "".
func newRequest(t *testing.T, base, op, body string) (*http.Request, []byte) {
	t.Helper()
	path, valid := "/v3/p1/jobs/batch-precheck", `{"jobs":[{"job_id":"j1","precheck_mode":"forStartJob"}]}`
	if op == opResults {
		path, valid = "/v3/p1/jobs/batch-precheck-result", `{"jobs":["j1"]}`
	}
	body = cmp.Or(body, valid)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", "tok")
	return req, []byte(body)
}

// exchangeFor validates a valid request of op with spec and returns its
// Exchange.
func exchangeFor(t *testing.T, spec *Spec, op string) *Exchange {
	t.Helper()
	req, body := newRequest(t, "http://drs.test", op, "")
	ex, err := spec.ValidateRequest(context.Background(), req, body)
	require.NoError(t, err)
	require.Equal(t, op, ex.Operation())
	return ex
}

func jsonCT() http.Header { return http.Header{"Content-Type": {"application/json"}} }

func withHeader(h http.Header, kv ...string) http.Header {
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// drift names one expected documented departure.
type drift struct{ field, rule, value string }

// driftOf is nil when vs is empty, as a case without drift expects.
func driftOf(vs []*Violation) []drift {
	var out []drift
	for _, v := range vs {
		out = append(out, drift{v.Field, v.Rule, v.Value})
	}
	return out
}

// TestCompatibleAcceptsWhatDRSSends: every answer the issue lists (explicit
// nulls, values outside the page's enums, the error tables' statuses, the
// other error shapes, pages and empty bodies, an HTTP-date Retry-After)
// passes the compatible level; the documented level reports exactly the
// listed drift, naming the field and the value, and nothing else.
func TestCompatibleAcceptsWhatDRSSends(t *testing.T) {
	spec, err := Default()
	require.NoError(t, err)
	html := http.Header{"Content-Type": {"text/html"}}
	cases := []struct {
		name   string
		op     string
		status int
		header http.Header
		body   string
		drift  []drift
	}{
		{"explicit null in every field of a start", opJobs, 200, jsonCT(),
			`{"results":[{"id":null,"precheck_id":null,"status":null,"error_code":null,"error_msg":null}],"count":null,"error_code":null,"error_msg":null}`, nil},
		{"explicit null in every field of a result", opResults, 200, jsonCT(),
			`{"results":[{"precheck_id":null,"result":null,"process":null,"total_passed_rate":null,"rds_instance_id":null,"job_direction":null,"precheck_result":null,"error_code":null,"error_msg":null}],"count":null}`, nil},
		{"null results", opResults, 200, jsonCT(), `{"results":null,"count":0}`, nil},
		{"a null entry in results", opResults, 200, jsonCT(), `{"results":[null]}`,
			[]drift{{"/results/0", "nullable", "null"}}},
		{"empty job_direction while a pre-check starts", opResults, 200, jsonCT(),
			`{"results":[{"precheck_id":"j1","process":"0%","job_direction":""}]}`,
			[]drift{{"/results/0/job_direction", "enum", `""`}}},
		{"item result null while it runs", opResults, 200, jsonCT(),
			`{"results":[{"process":"40%","precheck_result":[{"item":"dstDbDiskSize","result":null,"failed_reason":null,"data":null,"raw_error_msg":null,"group":null,"failed_sub_jobs":null}]}]}`, nil},
		{"item result SKIPPED with is_skipped", opResults, 200, jsonCT(),
			`{"results":[{"result":true,"process":"100%","precheck_result":[{"item":"srcBinlogFormatCheck","result":"SKIPPED","is_skipped":true,"is_support_skip":true}]}]}`,
			[]drift{{"/results/0/precheck_result/0/result", "enum", `"SKIPPED"`}}},
		{"pass rate without a number while it runs", opResults, 200, jsonCT(),
			`{"results":[{"process":"10%","total_passed_rate":"--"}]}`, nil},
		{"start status outside the enum", opJobs, 200, jsonCT(),
			`{"results":[{"id":"j1","status":"running"}],"count":1}`,
			[]drift{{"/results/0/status", "enum", `"running"`}}},
		{"several departures at once", opResults, 200, jsonCT(),
			`{"results":[{"job_direction":"sideways","precheck_result":[{"result":"SKIPPED"},{"result":"PASSED"},{"result":"UNKNOWN"}]}]}`,
			[]drift{{"/results/0/job_direction", "enum", `"sideways"`}, {"/results/0/precheck_result/0/result", "enum", `"SKIPPED"`}, {"/results/0/precheck_result/2/result", "enum", `"UNKNOWN"`}}},
		{"a field the spec does not know", opJobs, 200, jsonCT(), `{"results":[],"count":0,"total":0}`, nil},
		{"200 with only a top-level error code", opJobs, 200, jsonCT(),
			`{"error_code":"DRS.M01504","error_msg":"Another operation is being performed on the migration task or the migration task is abnormal. Try again later."}`, nil},
		{"202 DRS.M01504", opJobs, 202, jsonCT(), `{"error_code":"DRS.M01504","error_msg":"Try again later."}`, nil},
		{"202 DRS.M01504 on results", opResults, 202, jsonCT(), `{"error_code":"DRS.M01504","error_msg":"Try again later."}`, nil},
		{"404 APIG.0101", opJobs, 404, jsonCT(),
			`{"error_code":"APIG.0101","error_msg":"The API does not exist or has not been published in the environment.","request_id":"acbc548ac6f2a0dbdb9e3518a7c0ff84"}`, nil},
		{"404 DRS.M00101", opResults, 404, jsonCT(), `{"error_code":"DRS.M00101","error_msg":"The user role is empty."}`, nil},
		{"408 from the gateway", opJobs, 408, html, `<html><body>408 Request Time-out</body></html>`, nil},
		{"408 JSON", opResults, 408, jsonCT(), `{"error_code":"APIG.0201","error_msg":"Request timeout."}`, nil},
		{"code and message", opJobs, 400, jsonCT(), `{"code":"APIG.0106","message":"Orchestration error"}`, nil},
		{"nested error", opJobs, 403, jsonCT(), `{"error":{"code":"APIG.1009","message":"AppKey or AppSecret is invalid"}}`, nil},
		{"error_msg missing", opResults, 400, jsonCT(), `{"error_code":"DRS.M00007"}`, nil},
		{"error_msg null", opResults, 500, jsonCT(), `{"error_code":"DRS.M00004","error_msg":null,"request_id":null}`, nil},
		{"empty JSON object", opJobs, 500, jsonCT(), `{}`, nil},
		{"HTML page on a 400", opJobs, 400, html, `<html><body>Bad Request</body></html>`, nil},
		{"HTML page on a 403 from a firewall", opJobs, 403, html, `<html><body>Access denied</body></html>`, nil},
		{"plain text on a 500", opResults, 500, http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, "Internal Server Error\n", nil},
		{"empty 504 without a content type", opJobs, 504, http.Header{}, ``, nil},
		{"Retry-After in seconds", opJobs, 429, withHeader(jsonCT(), "Retry-After", "2"), `{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}`, nil},
		{"Retry-After as an HTTP date", opJobs, 429, withHeader(jsonCT(), "Retry-After", httpDate),
			`{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}`,
			[]drift{{"header Retry-After", "pattern", `"` + httpDate + `"`}}},
		{"Retry-After as an HTTP date on a 503, and an XML body", opResults, 503, withHeader(http.Header{"Content-Type": {"application/xml"}}, "Retry-After", httpDate),
			`<error/>`,
			[]drift{{"header Retry-After", "pattern", `"` + httpDate + `"`}, {"/", "maxLength", `"<error/>"`}}},
		{"undocumented error status", opJobs, 418, jsonCT(), `{"error_code":"X.1","error_msg":"teapot"}`,
			[]drift{{"status", "status", "418"}}},
		{"undocumented success status, empty", opResults, 204, http.Header{}, ``,
			[]drift{{"status", "status", "204"}}},
		{"an unlisted content type with a body", opJobs, 502, http.Header{"Content-Type": {"application/octet-stream"}}, "gateway",
			[]drift{{"/", "maxLength", `"gateway"`}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := exchangeFor(t, spec, tc.op)
			got, err := spec.CheckResponse(context.Background(), ex, tc.status, tc.header, []byte(tc.body))
			require.NoError(t, err, "the compatible level must accept this answer")
			require.NoError(t, spec.Compatible().ValidateResponse(context.Background(), ex, tc.status, tc.header, []byte(tc.body)))
			assert.Equal(t, tc.drift, driftOf(got))
			for _, v := range got {
				assert.Equal(t, Documented, v.Level)
				assert.Equal(t, Response, v.Direction)
				assert.Equal(t, tc.op, v.Operation)
				assert.Equal(t, tc.status, v.Status)
				assert.Contains(t, v.Warning(), "field "+v.Field)
				assert.Contains(t, v.Warning(), "got "+v.Value)
				t.Log(v.Warning())
			}
			// The documented level alone fails on the first drift, and only then.
			derr := spec.ValidateResponse(context.Background(), ex, tc.status, tc.header, []byte(tc.body))
			if len(got) == 0 {
				assert.NoError(t, derr)
			} else {
				var v *Violation
				require.True(t, errors.As(derr, &v), "the documented level must reject drift, got %v", derr)
				assert.Equal(t, got[0].Field, v.Field)
			}
		})
	}
}

// TestCompatibleRejectsWhatNoClientCanDecode: a JSON value of the wrong type,
// malformed JSON, an integer the model cannot hold, a body in a content type
// a success cannot have, or a Retry-After that is neither seconds nor a date
// breaks the compatible level, and CheckResponse reports no drift beside it.
func TestCompatibleRejectsWhatNoClientCanDecode(t *testing.T) {
	spec, err := Default()
	require.NoError(t, err)
	cases := []struct {
		name        string
		op          string
		status      int
		header      http.Header
		body        string
		field, rule string
	}{
		{"count is a string", opJobs, 200, jsonCT(), `{"results":[],"count":"1"}`, "/count", "type"},
		{"count overflows int32", opJobs, 200, jsonCT(), `{"count":3000000000}`, "/count", "format"},
		{"result is a string", opResults, 200, jsonCT(), `{"results":[{"result":"true"}]}`, "/results/0/result", "type"},
		{"status is a number", opJobs, 200, jsonCT(), `{"results":[{"status":1}]}`, "/results/0/status", "type"},
		{"is_skipped is a string", opResults, 200, jsonCT(), `{"results":[{"precheck_result":[{"is_skipped":"yes"}]}]}`, "/results/0/precheck_result/0/is_skipped", "type"},
		{"failed_sub_jobs is an object", opResults, 200, jsonCT(), `{"results":[{"precheck_result":[{"failed_sub_jobs":{"id":"s1"}}]}]}`, "/results/0/precheck_result/0/failed_sub_jobs", "type"},
		{"results is an object", opResults, 200, jsonCT(), `{"results":{"precheck_id":"j1"}}`, "/results", "type"},
		{"the body is an array", opJobs, 200, jsonCT(), `[]`, "/", "type"},
		{"malformed JSON", opJobs, 200, jsonCT(), `{"results":[`, "body", "responseBody"},
		{"empty JSON body", opResults, 200, jsonCT(), ``, "body", "responseBody"},
		{"malformed JSON error body", opJobs, 400, jsonCT(), `{"error_code":`, "body", "responseBody"},
		{"error_code is a number", opJobs, 401, jsonCT(), `{"error_code":401,"error_msg":"x"}`, "/error_code", "type"},
		{"nested error is a string", opJobs, 404, jsonCT(), `{"error":"not found"}`, "/error", "type"},
		{"an HTML page with status 200", opJobs, 200, http.Header{"Content-Type": {"text/html"}}, `<html></html>`, "header Content-Type", "content-type"},
		{"a 200 without a content type", opResults, 200, http.Header{}, `{"results":[]}`, "header Content-Type", "content-type"},
		{"Retry-After is a word", opJobs, 429, withHeader(jsonCT(), "Retry-After", "soon"), `{}`, "header Retry-After", "pattern"},
		{"Retry-After is negative", opJobs, 503, withHeader(jsonCT(), "Retry-After", "-1"), `{}`, "header Retry-After", "pattern"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := exchangeFor(t, spec, tc.op)
			got, err := spec.CheckResponse(context.Background(), ex, tc.status, tc.header, []byte(tc.body))
			assert.Empty(t, got, "no drift is reported beside a compatible violation")
			var v *Violation
			require.True(t, errors.As(err, &v), "want a *Violation, got %v", err)
			t.Log(v.Warning())
			assert.Equal(t, Compatible, v.Level)
			assert.Equal(t, tc.field, v.Field)
			assert.Equal(t, tc.rule, v.Rule)
			assert.Contains(t, v.Error(), "contract violation in response")
			assert.Contains(t, v.Error(), "of the compatible contract")
			// The documented level rejects it too.
			require.Error(t, spec.ValidateResponse(context.Background(), ex, tc.status, tc.header, []byte(tc.body)))
		})
	}
}

// TestLevelsComeFromOneDocument: the compatible level is derived from the
// documented one at load, leaves the documented document and every request
// rule as written, and follows edits of openapi.yaml.
func TestLevelsComeFromOneDocument(t *testing.T) {
	spec, err := Default()
	require.NoError(t, err)
	compat := spec.Compatible()
	assert.Equal(t, Documented, spec.Level())
	assert.Equal(t, Compatible, compat.Level())
	assert.Same(t, compat, compat.Compatible())
	assert.NotSame(t, spec.Doc, compat.Doc)

	docItem := spec.Doc.Components.Schemas["PrecheckItemResult"].Value
	assert.Equal(t, []any{"PASSED", "ALARM", "FAILED"}, docItem.Enum, "the documented level keeps the page's enum")
	assert.NotNil(t, spec.Doc.Components.Schemas["EmptyBody"].Value.MaxLength)

	// The relaxed copies hang off the responses; the components of the
	// compatible document still hold the request schemas as written.
	assert.Equal(t, []any{"forStartJob", "forRetryJob"}, compat.Doc.Components.Schemas["PrecheckMode"].Value.Enum)
	resp := compat.Operation(opResults).Responses.Status(200).Value.Content.Get("application/json").Schema.Value
	item := resp.Properties["results"].Value.Items.Value.Properties["precheck_result"].Value.Items.Value.Properties["result"].Value
	assert.Empty(t, item.Enum, "the compatible level opens enums")
	assert.True(t, item.Nullable)
	bad := compat.Operation(opJobs).Responses.Status(400).Value.Content
	assert.NotNil(t, bad.Get("*/*"), "any content type on an error status")
	assert.Nil(t, bad["text/html"], "folded into */*")

	// Requests keep their rules at both levels.
	for _, s := range []*Spec{spec, compat} {
		req, body := newRequest(t, "http://drs.test", opJobs, `{"jobs":[]}`)
		_, err = s.ValidateRequest(context.Background(), req, body)
		var v *Violation
		require.True(t, errors.As(err, &v), "%s level: an empty jobs list must be refused", s.Level())
		assert.Equal(t, "minItems", v.Rule)
	}

	// The compatible level drops patterns, so without x-compatible-schema a
	// Retry-After of any text would pass: the extension, not code, keeps
	// what no client can read (neither seconds nor a date) out.
	text := string(drsprecheck.OpenAPISpec)
	start := strings.Index(text, "      x-compatible-schema:\n")
	require.Positive(t, start)
	end := strings.Index(text[start:], "\n  schemas:\n")
	require.Positive(t, end)
	edited, err := Load([]byte(text[:start] + text[start+end:]))
	require.NoError(t, err)
	_, err = edited.Compatible().CheckResponse(context.Background(), exchangeFor(t, edited.Compatible(), opJobs), 429, withHeader(jsonCT(), "Retry-After", "soon"), []byte(`{}`))
	require.NoError(t, err, "without the extension the compatible level takes any text")
	_, err = compat.CheckResponse(context.Background(), exchangeFor(t, compat, opJobs), 429, withHeader(jsonCT(), "Retry-After", "soon"), []byte(`{}`))
	var v *Violation
	require.True(t, errors.As(err, &v), "want a violation, got %v", err)
	assert.Equal(t, "header Retry-After", v.Field)

	// A broken x-compatible-schema stops the load, naming the header.
	_, err = Load([]byte(strings.Replace(text, "      x-compatible-schema:\n        type: string\n", "      x-compatible-schema:\n        type: 5\n", 1)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Retry-After")
}

// TestViolationShowsTheValueOnlyInWarning: Error never repeats what the server
// sent; Warning does, escaped, and only whole (a long value is described by
// its size, never cut into a prefix a redactor would miss).
func TestViolationShowsTheValueOnlyInWarning(t *testing.T) {
	spec, err := Default()
	require.NoError(t, err)
	ex := exchangeFor(t, spec, opResults)
	long := strings.Repeat("S", 100)
	body := `{"results":[{"job_direction":"MARKER\u001b[31m\u00e9"},{"job_direction":"` + long + `"}]}`
	drift, err := spec.CheckResponse(context.Background(), ex, 200, jsonCT(), []byte(body))
	require.NoError(t, err)
	require.Len(t, drift, 2)
	assert.NotContains(t, drift[0].Error(), "MARKER")
	assert.Equal(t, `"MARKER\x1b[31m\u00e9"`, drift[0].Value)
	assert.Contains(t, drift[0].Warning(), `got "MARKER\x1b[31m\u00e9"`)
	assert.NotContains(t, drift[0].Warning(), "\x1b", "control characters are escaped")
	assert.Equal(t, "a string of 100 bytes", drift[1].Value)
	assert.NotContains(t, drift[1].Warning(), "SSSS")
	assert.True(t, strings.HasPrefix(drift[0].Error(), "contract drift in response of POST /v3/p1/jobs/batch-precheck-result (BatchCheckResults), status 200: field /results/0/job_direction breaks rule \"enum\" of the documented contract"), drift[0].Error())
}

// echoServer answers every request with status, header and body.
func echoServer(t *testing.T, status int, header http.Header, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for k, v := range header {
			w.Header()[k] = v
		}
		if header.Get("Content-Type") == "" {
			w.Header()["Content-Type"] = nil
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, tr http.RoundTripper, url string) (*http.Response, error) {
	t.Helper()
	req, _ := newRequest(t, url, opResults, "")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err == nil {
		t.Cleanup(func() { _ = resp.Body.Close() })
	}
	return resp, err
}

// TestTransportTwoLevels: with OnDrift the transport passes drift on and
// returns the response; it fails only on a compatible violation (or reports
// it to OnViolation). Without OnDrift it holds responses to the documented
// level, as the simulator's tests need.
func TestTransportTwoLevels(t *testing.T) {
	spec, err := Default()
	require.NoError(t, err)
	drifting := echoServer(t, 200, jsonCT(), `{"results":[{"precheck_id":"j1","job_direction":""}],"count":1}`)
	broken := echoServer(t, 200, jsonCT(), `{"results":[],"count":"1"}`)

	var drift []*Violation
	tr := &Transport{Base: drifting.Client().Transport, Spec: spec, OnDrift: func(v *Violation) { drift = append(drift, v) }}
	resp, err := post(t, tr, drifting.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"job_direction":""`, "the caller gets the body unchanged")
	require.Len(t, drift, 1)
	assert.Equal(t, "/results/0/job_direction", drift[0].Field)
	assert.Equal(t, `""`, drift[0].Value)

	drift = nil
	tr.Base = broken.Client().Transport
	_, err = post(t, tr, broken.URL)
	var v *Violation
	require.True(t, errors.As(err, &v), "a compatible violation fails the round trip, got %v", err)
	assert.Equal(t, Compatible, v.Level)
	assert.Equal(t, "/count", v.Field)
	assert.Empty(t, drift)

	var reported []*Violation
	tr.OnViolation = func(v *Violation) { reported = append(reported, v) }
	_, err = post(t, tr, broken.URL)
	require.NoError(t, err, "report mode lets the answer through")
	require.Len(t, reported, 1)
	assert.Equal(t, "/count", reported[0].Field)

	strict := &Transport{Base: drifting.Client().Transport, Spec: spec}
	_, err = post(t, strict, drifting.URL)
	require.True(t, errors.As(err, &v), "without OnDrift drift is a violation, got %v", err)
	assert.Equal(t, Documented, v.Level)
	assert.Equal(t, "/results/0/job_direction", v.Field)

	compatOnly := &Transport{Base: drifting.Client().Transport, Spec: spec.Compatible()}
	_, err = post(t, compatOnly, drifting.URL)
	require.NoError(t, err, "the compatible Spec alone accepts drift")
}

// TestTransportPassesALargeBodyWhole: a body over MaxBodyBytes is not
// validated, but the caller still reads all of it, as its Content-Length
// says.
func TestTransportPassesALargeBodyWhole(t *testing.T) {
	body := `{"results":[],"count":0,"pad":"` + strings.Repeat("x", 300) + `"}`
	srv := echoServer(t, 200, jsonCT(), body)
	tr, err := NewTransport(http.DefaultTransport)
	require.NoError(t, err)
	tr.MaxBodyBytes = 100
	defer tr.CloseIdleConnections()
	resp, err := post(t, tr, srv.URL)
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, body, string(got))
	require.Equal(t, int64(len(body)), resp.ContentLength)
}
