package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/generated"
	"github.com/drsclient/drs-precheck/internal/redact"
)

const interactionsDir = "testdata/interactions"

// minInteractions is how many fixtures the issue asks for at least; the
// required ones are named in jobsExpectations and resultsExpectations.
const minInteractions = 10

type fixture struct {
	file string // base name
	in   interaction
}

func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(interactionsDir, "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), minInteractions,
		"%s holds %d interactions, want at least %d", interactionsDir, len(files), minInteractions)
	out := make([]fixture, 0, len(files))
	for _, f := range files {
		in, err := loadInteraction(f)
		require.NoError(t, err)
		out = append(out, fixture{file: filepath.Base(f), in: in})
	}
	return out
}

var operationPath = regexp.MustCompile(`^/v3/([^/?]+)/jobs/(batch-precheck|batch-precheck-result)$`)

// replayServer answers exactly one request with the recorded response, after
// checking that the request is the recorded one.
func replayServer(t *testing.T, in interaction) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		// assert, not require: this runs on the server's goroutine.
		assert.Equal(t, in.Request.Method, r.Method, "method")
		assert.Equal(t, in.Request.Path, r.URL.RequestURI(), "path")
		if want := wireBody(in.Request.Body); len(want) > 0 {
			assert.JSONEq(t, string(want), string(body), "request body")
		} else {
			assert.Empty(t, body, "request body")
		}
		for name, want := range in.Request.Headers {
			got := r.Header.Values(name)
			if assert.NotEmpty(t, got, "recorded request header %s is missing", name) && !strings.Contains(want, redact.Mask) {
				assert.Equal(t, want, strings.Join(got, ", "), "request header %s", name)
			}
		}

		for name, value := range in.Response.Headers {
			w.Header().Set(name, value)
		}
		if _, ok := in.Response.Headers["Content-Type"]; !ok {
			w.Header()["Content-Type"] = nil // no sniffing: replay the missing header
		}
		w.WriteHeader(in.Response.Status)
		_, _ = w.Write(wireBody(in.Response.Body))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// sendHeaders is a RequestEditorFn that adds the recorded request headers the
// generated client does not set itself.
func sendHeaders(h map[string]string) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		for name, value := range h {
			switch http.CanonicalHeaderKey(name) {
			case "Content-Type", "X-Language", "Host", "Content-Length", "User-Agent":
				continue
			}
			req.Header.Set(name, value)
		}
		return nil
	}
}

// strictClient is the generated client over a strict contract.Transport at
// the documented level (no OnDrift): every departure from openapi.yaml as
// written fails the round trip.
func strictClient(t *testing.T, server string, base http.RoundTripper) *generated.ClientWithResponses {
	t.Helper()
	spec, err := contract.Default()
	require.NoError(t, err)
	c, err := generated.NewClientWithResponses(server,
		generated.WithHTTPClient(&http.Client{Transport: &contract.Transport{Base: base, Spec: spec}}))
	require.NoError(t, err)
	return c
}

// driftLog collects what a two-level contract.Transport reports as drift.
type driftLog struct {
	mu sync.Mutex
	vs []*contract.Violation
}

func (d *driftLog) add(v *contract.Violation) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.vs = append(d.vs, v)
}

func (d *driftLog) all() []*contract.Violation {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.vs)
}

// twoLevelClient is the generated client over a contract.Transport that fails
// only on a compatible violation and reports documented drift to the log, as
// the CLI's --validate and the live test do.
func twoLevelClient(t *testing.T, server string, base http.RoundTripper) (*generated.ClientWithResponses, *driftLog) {
	t.Helper()
	spec, err := contract.Default()
	require.NoError(t, err)
	log := &driftLog{}
	c, err := generated.NewClientWithResponses(server,
		generated.WithHTTPClient(&http.Client{Transport: &contract.Transport{Base: base, Spec: spec, OnDrift: log.add}}))
	require.NoError(t, err)
	return c, log
}

func decodeStrict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), "the recorded request body does not fit the generated model")
}

// replayed is what one replay gives: the generated client's parsed response
// (*generated.BatchCheckJobsResponse or *generated.BatchCheckResultsResponse,
// nil when parsing failed), the parse error, and the drift the transport
// reported.
type replayed struct {
	resp     any
	parseErr error
	drift    []*contract.Violation
}

// replay sends the recorded request with the generated client through a
// two-level contract.Transport to a loopback server playing the recorded
// response. The round trip must pass the compatible level; the generated
// client then parses the response (ParseBatchCheckJobsResponse, ...).
func replay(t *testing.T, in interaction) replayed {
	t.Helper()
	m := operationPath.FindStringSubmatch(in.Request.Path)
	require.NotNil(t, m, "recorded path %q is not an operation of the spec", in.Request.Path)
	projectID, err := url.PathUnescape(m[1])
	require.NoError(t, err)

	srv, calls := replayServer(t, in)
	client, log := twoLevelClient(t, srv.URL, srv.Client().Transport)
	ctx := context.Background()
	lang := in.Request.Headers["X-Language"]
	editor := sendHeaders(in.Request.Headers)

	var out replayed
	var rsp *http.Response
	switch m[2] {
	case "batch-precheck":
		var body generated.BatchCheckJobsJSONRequestBody
		decodeStrict(t, wireBody(in.Request.Body), &body)
		var params *generated.BatchCheckJobsParams
		if lang != "" {
			params = &generated.BatchCheckJobsParams{XLanguage: generated.BatchCheckJobsParamsXLanguage(lang)}
		}
		rsp, err = client.ClientInterface.BatchCheckJobs(ctx, projectID, params, body, editor)
		require.NoError(t, err, "the contract transport rejected the recorded exchange at the compatible level")
		var parsed *generated.BatchCheckJobsResponse
		if parsed, out.parseErr = generated.ParseBatchCheckJobsResponse(rsp); parsed != nil {
			out.resp = parsed
		}
	case "batch-precheck-result":
		var body generated.BatchCheckResultsJSONRequestBody
		decodeStrict(t, wireBody(in.Request.Body), &body)
		var params *generated.BatchCheckResultsParams
		if lang != "" {
			params = &generated.BatchCheckResultsParams{XLanguage: generated.BatchCheckResultsParamsXLanguage(lang)}
		}
		rsp, err = client.ClientInterface.BatchCheckResults(ctx, projectID, params, body, editor)
		require.NoError(t, err, "the contract transport rejected the recorded exchange at the compatible level")
		var parsed *generated.BatchCheckResultsResponse
		if parsed, out.parseErr = generated.ParseBatchCheckResultsResponse(rsp); parsed != nil {
			out.resp = parsed
		}
	}
	require.Equal(t, int32(1), calls.Load(), "the server should have been called exactly once")
	out.drift = log.all()
	return out
}

// checkTyped asserts that the generated client parsed the recorded response
// into what the fixture says: the JSON<status> field holds the recorded body
// (no field lost), the declared headers were bound, and non-JSON bodies are
// left raw.
func checkTyped(t *testing.T, in interaction, resp any) {
	t.Helper()
	v := reflect.ValueOf(resp).Elem()
	status := in.Response.Status
	require.Equal(t, status, v.FieldByName("HTTPResponse").Interface().(*http.Response).StatusCode)
	assert.Equal(t, string(wireBody(in.Response.Body)), string(v.FieldByName("Body").Bytes()), "raw body")

	suffix := strconv.Itoa(status)
	if !v.FieldByName("Headers" + suffix).IsValid() {
		suffix = "Default" // a status the spec does not list
	}
	typed := v.FieldByName("JSON" + suffix)
	if strings.Contains(in.Response.Headers["Content-Type"], "json") {
		require.True(t, typed.IsValid(), "the generated client has no JSON%s field", suffix)
		require.False(t, typed.IsNil(), "the generated client did not parse the %d body", status)
		got, err := json.Marshal(typed.Interface())
		require.NoError(t, err)
		// The generated models omit zero values (prefer-skip-optional-pointer),
		// so compare without them: every non-zero recorded field must survive.
		assert.Equal(t, withoutZeros(t, wireBody(in.Response.Body)), withoutZeros(t, got),
			"the typed JSON%d result differs from the recorded body", status)
	} else if typed.IsValid() {
		assert.True(t, typed.IsNil(), "a %s body must not be parsed as JSON", in.Response.Headers["Content-Type"])
	}

	headers := v.FieldByName("Headers" + suffix)
	require.True(t, headers.IsValid() && !headers.IsNil(), "no parsed headers for status %d", status)
	if id, ok := in.Response.Headers["X-Request-Id"]; ok {
		assert.Equal(t, id, headers.Elem().FieldByName("XRequestId").String(), "X-Request-Id")
	}
	if ra, ok := in.Response.Headers["Retry-After"]; ok {
		f := headers.Elem().FieldByName("RetryAfter")
		require.True(t, f.IsValid(), "Retry-After is not declared for status %d", status)
		assert.Equal(t, ra, f.String(), "Retry-After, seconds or a date, as sent")
	}
}

// withoutZeros decodes JSON and drops "", false, 0, null and empty arrays and
// objects, recursively.
func withoutZeros(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(data, &v))
	return dropZeros(v)
}

func dropZeros(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if val = dropZeros(val); val != nil {
				out[k] = val
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = dropZeros(val)
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	case float64:
		if x == 0 {
			return nil
		}
	}
	return v
}

const publishedJobID = "140b5236-88ad-43c8-811c-1268453jb101"

// What each required fixture must say, checked on the generated client's
// typed result. Other fixtures (live recordings, say) get the generic checks.
var jobsExpectations = map[string]func(*testing.T, *generated.BatchCheckJobsResponse){
	"batchcheckjobs-200-published-example.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON200)
		assert.Equal(t, int32(1), r.JSON200.Count)
		require.Len(t, r.JSON200.Results, 1)
		assert.Equal(t, generated.PostPreCheckResp{Id: publishedJobID, PrecheckId: publishedJobID, Status: generated.PrecheckStartStatusSuccess}, r.JSON200.Results[0])
	},
	"batchcheckjobs-200-job-not-found.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON200)
		require.Len(t, r.JSON200.Results, 2)
		assert.Equal(t, generated.PrecheckStartStatusSuccess, r.JSON200.Results[0].Status)
		failed := r.JSON200.Results[1]
		assert.Equal(t, generated.PrecheckStartStatusFailed, failed.Status)
		assert.Equal(t, "DRS.10000010", failed.ErrorCode)
		assert.NotEmpty(t, failed.ErrorMsg)
		assert.Empty(t, failed.PrecheckId)
	},
	"batchcheckjobs-400-wrong-task-status.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON400)
		assert.Equal(t, "DRS.M00304", r.JSON400.ErrorCode)
		assert.Empty(t, r.JSON400.RequestId, "DRS errors carry no request_id")
	},
	"batchcheckjobs-401-apigw-0301.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON401)
		assert.Equal(t, "APIGW.0301", r.JSON401.ErrorCode)
		assert.Equal(t, "6b3ad1f0b0b44a51a8e1c5e1b4f2a7c9", r.JSON401.RequestId)
		assert.Equal(t, r.JSON401.RequestId, r.Headers401.XRequestId)
	},
	"batchcheckjobs-429-apigw-0308.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON429)
		assert.Equal(t, "APIGW.0308", r.JSON429.ErrorCode)
		assert.NotEmpty(t, r.JSON429.RequestId)
		assert.Equal(t, "2", r.Headers429.RetryAfter)
	},
	"batchcheckjobs-503-html.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		assert.Equal(t, http.StatusServiceUnavailable, r.StatusCode())
		assert.Nil(t, r.JSON503)
		assert.Equal(t, "text/html", r.ContentType())
		assert.Contains(t, string(r.Body), "<h1>503 Service Temporarily Unavailable</h1>")
	},
	"batchcheckjobs-200-top-level-error-code.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON200)
		assert.Equal(t, "DRS.M01504", r.JSON200.ErrorCode, "the call's error code survives")
		assert.NotEmpty(t, r.JSON200.ErrorMsg)
		assert.Empty(t, r.JSON200.Results)
	},
	"batchcheckjobs-202-drs-m01504.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON202)
		assert.Equal(t, "DRS.M01504", r.JSON202.ErrorCode)
		assert.Empty(t, r.JSON202.Results)
	},
	"batchcheckjobs-404-apig-0101.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON404)
		assert.Equal(t, "APIG.0101", r.JSON404.ErrorCode)
		assert.Equal(t, "acbc548ac6f2a0dbdb9e3518a7c0ff84", r.JSON404.RequestId)
	},
	"batchcheckjobs-408-gateway.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		assert.Equal(t, http.StatusRequestTimeout, r.StatusCode())
		assert.Nil(t, r.JSON408)
		assert.Contains(t, string(r.Body), "408 Request Time-out")
	},
	"batchcheckjobs-400-code-message.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON400)
		assert.Equal(t, "APIG.0106", r.JSON400.Code)
		assert.Equal(t, "Orchestration error", r.JSON400.Message)
		assert.Empty(t, r.JSON400.ErrorCode)
	},
	"batchcheckjobs-400-error-msg-missing.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		require.NotNil(t, r.JSON400)
		assert.Equal(t, "DRS.M00007", r.JSON400.ErrorCode)
		assert.Empty(t, r.JSON400.ErrorMsg)
	},
	"batchcheckjobs-400-html-firewall.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		assert.Equal(t, http.StatusBadRequest, r.StatusCode())
		assert.Nil(t, r.JSON400)
		assert.Contains(t, string(r.Body), "Your request was blocked.")
	},
	"batchcheckjobs-500-text.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		assert.Nil(t, r.JSON500)
		assert.Equal(t, "Internal Server Error\n", string(r.Body))
	},
	"batchcheckjobs-504-empty.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		assert.Equal(t, http.StatusGatewayTimeout, r.StatusCode())
		assert.Nil(t, r.JSON504)
		assert.Empty(t, r.Body)
		assert.Empty(t, r.HTTPResponse.Header.Get("Content-Type"))
	},
	"batchcheckjobs-409-undocumented-status.json": func(t *testing.T, r *generated.BatchCheckJobsResponse) {
		assert.Equal(t, http.StatusConflict, r.StatusCode())
		require.NotNil(t, r.JSONDefault, "a status the spec does not list is read as the default error")
		assert.Equal(t, "DRS.M00304", r.JSONDefault.ErrorCode)
	},
}

var resultsExpectations = map[string]func(*testing.T, *generated.BatchCheckResultsResponse){
	"batchcheckresults-200-published-passed.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON200)
		require.Len(t, r.JSON200.Results, 1)
		res := r.JSON200.Results[0]
		assert.True(t, res.Result)
		assert.Equal(t, "100%", res.Process)
		assert.Equal(t, "100%", res.TotalPassedRate)
		assert.Equal(t, publishedJobID, res.PrecheckId)
		assert.Equal(t, "e05a3679efe241d8b5dee80b17c1a863in01", res.RdsInstanceId)
		assert.Equal(t, generated.QueryPreCheckRespJobDirectionUp, res.JobDirection)
		require.Len(t, res.PrecheckResult, 4)
		for _, item := range res.PrecheckResult {
			assert.Equal(t, generated.PrecheckItemResultPASSED, item.Result, item.Item)
		}
		assert.Equal(t, "dstDbDiskSize", res.PrecheckResult[0].Item)
		assert.True(t, json.Valid([]byte(res.PrecheckResult[0].Data)), "data holds JSON text here")
	},
	"batchcheckresults-200-alarm-passed.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON200)
		require.Len(t, r.JSON200.Results, 1)
		res := r.JSON200.Results[0]
		assert.True(t, res.Result, "ALARM items are warnings: the pre-check passed")
		assert.Equal(t, "100%", res.Process)
		assert.Equal(t, 2, countItems(res.PrecheckResult, generated.PrecheckItemResultALARM))
		assert.Zero(t, countItems(res.PrecheckResult, generated.PrecheckItemResultFAILED))
	},
	"batchcheckresults-200-failed.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON200)
		require.Len(t, r.JSON200.Results, 1)
		res := r.JSON200.Results[0]
		assert.False(t, res.Result)
		assert.Equal(t, "100%", res.Process)
		assert.Equal(t, 1, countItems(res.PrecheckResult, generated.PrecheckItemResultFAILED))
		failed := res.PrecheckResult[1]
		assert.Equal(t, generated.PrecheckItemResultFAILED, failed.Result)
		assert.Equal(t, "db_user_privilege", failed.Group)
		assert.NotEmpty(t, failed.FailedReason)
		assert.NotEmpty(t, failed.RawErrorMsg)
		assert.False(t, json.Valid([]byte(failed.Data)), "data is opaque text, not always JSON")
		assert.Equal(t, []generated.PrecheckFailSubJobVO{
			{Id: "2f1e0d9c-8b7a-4f6e-9d5c-4b3a2f1e0d01", Name: "shop", CheckResult: "FAILED"},
			{Id: "2f1e0d9c-8b7a-4f6e-9d5c-4b3a2f1e0d02", Name: "crm", CheckResult: "FAILED"},
		}, failed.FailedSubJobs)
	},
	"batchcheckresults-200-in-progress.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON200)
		require.Len(t, r.JSON200.Results, 1)
		res := r.JSON200.Results[0]
		assert.False(t, res.Result)
		assert.Equal(t, "40%", res.Process)
		assert.Zero(t, countItems(res.PrecheckResult, generated.PrecheckItemResultFAILED))
	},
	"batchcheckresults-400-job-not-found.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON400)
		assert.Equal(t, "DRS.10000010", r.JSON400.ErrorCode)
	},
	"batchcheckresults-200-explicit-nulls.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON200)
		require.Len(t, r.JSON200.Results, 1)
		res := r.JSON200.Results[0]
		assert.Equal(t, publishedJobID, res.PrecheckId)
		assert.False(t, res.Result)
		assert.Empty(t, res.Process)
		assert.Empty(t, res.JobDirection)
		require.Len(t, res.PrecheckResult, 1)
		assert.Empty(t, res.PrecheckResult[0].Result)
		assert.Nil(t, res.PrecheckResult[0].IsSkipped, "null is absent")
	},
	"batchcheckresults-200-starting.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON200)
		res := r.JSON200.Results[0]
		assert.Equal(t, "0%", res.Process)
		assert.Equal(t, "--", res.TotalPassedRate)
		assert.Equal(t, generated.QueryPreCheckRespJobDirection(""), res.JobDirection)
		assert.False(t, res.JobDirection.Valid())
	},
	"batchcheckresults-200-item-result-null.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON200)
		items := r.JSON200.Results[0].PrecheckResult
		require.Len(t, items, 2)
		assert.Equal(t, "dstDbDiskSize", items[1].Item)
		assert.Empty(t, items[1].Result, "a null result reads as no result yet")
		assert.Equal(t, generated.PrecheckItemResultPASSED, items[0].Result)
	},
	"batchcheckresults-200-item-skipped.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON200)
		items := r.JSON200.Results[0].PrecheckResult
		require.Len(t, items, 2)
		assert.Equal(t, generated.PrecheckItemResult("SKIPPED"), items[1].Result, "an unknown item result is kept as sent")
		assert.False(t, items[1].Result.Valid())
		require.NotNil(t, items[1].IsSkipped)
		assert.True(t, *items[1].IsSkipped)
		require.NotNil(t, items[1].IsSupportSkip)
		assert.True(t, *items[1].IsSupportSkip)
		require.NotNil(t, items[0].IsSkipped, "false is kept when present")
		assert.False(t, *items[0].IsSkipped)
	},
	"batchcheckresults-404-drs-m00101.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON404)
		assert.Equal(t, "DRS.M00101", r.JSON404.ErrorCode)
	},
	"batchcheckresults-403-nested-error.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON403)
		require.NotNil(t, r.JSON403.Error)
		assert.Equal(t, "APIG.1009", r.JSON403.Error.Code)
		assert.Equal(t, "AppKey or AppSecret is invalid", r.JSON403.Error.Message)
	},
	"batchcheckresults-500-error-msg-null.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		require.NotNil(t, r.JSON500)
		assert.Equal(t, "DRS.M00004", r.JSON500.ErrorCode)
		assert.Empty(t, r.JSON500.ErrorMsg)
	},
	"batchcheckresults-403-html-firewall.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		assert.Equal(t, http.StatusForbidden, r.StatusCode())
		assert.Nil(t, r.JSON403)
		assert.Contains(t, string(r.Body), "403 Forbidden")
	},
}

func countItems(items []generated.PrecheckResult, result generated.PrecheckItemResult) int {
	n := 0
	for _, it := range items {
		if it.Result == result {
			n++
		}
	}
	return n
}

// expectedDrift names, for every fixture that is not a live recording, the
// departures from the documented level its replay must report (Field and
// Rule), and nothing else. Live recordings are replayed too; their drift is
// logged as a warning, not asserted.
var expectedDrift = map[string][]driftAt{
	"batchcheckjobs-200-job-not-found.json":        nil,
	"batchcheckjobs-200-published-example.json":    nil,
	"batchcheckjobs-400-wrong-task-status.json":    nil,
	"batchcheckjobs-401-apigw-0301.json":           nil,
	"batchcheckjobs-403-invalid-project.json":      nil,
	"batchcheckjobs-429-apigw-0308.json":           nil,
	"batchcheckjobs-503-html.json":                 nil,
	"batchcheckresults-200-alarm-passed.json":      nil,
	"batchcheckresults-200-failed.json":            nil,
	"batchcheckresults-200-in-progress.json":       nil,
	"batchcheckresults-200-published-passed.json":  nil,
	"batchcheckresults-400-job-not-found.json":     nil,
	"batchcheckresults-200-explicit-nulls.json":    nil,
	"batchcheckresults-200-starting.json":          {{"/results/0/job_direction", "enum", `""`}},
	"batchcheckresults-200-item-result-null.json":  nil,
	"batchcheckresults-200-item-skipped.json":      {{"/results/0/precheck_result/1/result", "enum", `"SKIPPED"`}},
	"batchcheckjobs-200-top-level-error-code.json": nil,
	"batchcheckjobs-202-drs-m01504.json":           nil,
	"batchcheckjobs-404-apig-0101.json":            nil,
	"batchcheckresults-404-drs-m00101.json":        nil,
	"batchcheckjobs-408-gateway.json":              nil,
	"batchcheckjobs-400-code-message.json":         nil,
	"batchcheckresults-403-nested-error.json":      nil,
	"batchcheckjobs-400-error-msg-missing.json":    nil,
	"batchcheckresults-500-error-msg-null.json":    nil,
	"batchcheckjobs-400-html-firewall.json":        nil,
	"batchcheckresults-403-html-firewall.json":     nil,
	"batchcheckjobs-500-text.json":                 nil,
	"batchcheckjobs-504-empty.json":                nil,
	"batchcheckjobs-503-retry-after-date.json":     {{"header Retry-After", "pattern", `"Wed, 12 Mar 2025 08:20:00 GMT"`}},
	"batchcheckjobs-409-undocumented-status.json":  {{"status", "status", "409"}},
}

// driftAt is one expected drift: the field, the rule and the value.
type driftAt struct{ Field, Rule, Value string }

// TestReplayInteractions replays every recorded interaction (published
// examples, synthetic cases and live recordings alike) through the generated
// client and a two-level contract transport: each passes the compatible
// level, reports exactly its expected documented drift, and is parsed by the
// generated client into what the fixture says.
func TestReplayInteractions(t *testing.T) {
	fixtures := loadFixtures(t)
	present := map[string]bool{}
	for _, f := range fixtures {
		present[f.file] = true
	}
	for _, names := range []map[string]bool{keys(jobsExpectations), keys(resultsExpectations), keys(expectedDrift)} {
		for name := range names {
			assert.True(t, present[name], "required interaction %s is missing from %s", name, interactionsDir)
		}
	}

	replayed := 0
	for _, f := range fixtures {
		t.Run(strings.TrimSuffix(f.file, ".json"), func(t *testing.T) {
			out := replay(t, f.in)
			got := make([]driftAt, 0, len(out.drift))
			for _, v := range out.drift {
				assert.Equal(t, contract.Documented, v.Level)
				got = append(got, driftAt{v.Field, v.Rule, v.Value})
				t.Log("drift (warning): " + v.Warning())
			}
			if f.in.Provenance != provenanceLiveRecorded {
				want, ok := expectedDrift[f.file]
				require.True(t, ok, "%s has no entry in expectedDrift: say which documented drift it shows (none: nil)", f.file)
				if want == nil {
					want = []driftAt{}
				}
				assert.Equal(t, want, got, "documented drift")
			}
			require.NoError(t, out.parseErr, "the generated client cannot parse what the compatible level accepts")
			checkTyped(t, f.in, out.resp)
			switch r := out.resp.(type) {
			case *generated.BatchCheckJobsResponse:
				if check := jobsExpectations[f.file]; check != nil {
					check(t, r)
				}
			case *generated.BatchCheckResultsResponse:
				if check := resultsExpectations[f.file]; check != nil {
					check(t, r)
				}
			}
			replayed++
		})
	}
	t.Logf("%d interactions replayed", replayed)
	assert.GreaterOrEqual(t, replayed, minInteractions)
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// authorizationPlaceholder is the only form an Authorization header may take
// in a fixture.
var authorizationPlaceholder = regexp.MustCompile(`^SDK-HMAC-SHA256 Access=\[REDACTED\], SignedHeaders=[a-z0-9;_-]*, Signature=\[REDACTED\]$`)

// TestFixturesHoldNoSecrets: every credential header in every fixture is a
// placeholder, and each fixture says where it comes from.
func TestFixturesHoldNoSecrets(t *testing.T) {
	secretNames := []string{"X-Auth-Token", "X-Security-Token", "X-Subject-Token", "Cookie", "Set-Cookie", "Proxy-Authorization"}
	for _, f := range loadFixtures(t) {
		t.Run(strings.TrimSuffix(f.file, ".json"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(interactionsDir, f.file))
			require.NoError(t, err)
			assert.NotRegexp(t, `[0-9a-fA-F]{64}`, string(data), "a signature-like hex string in a fixture")
			assert.NotEmpty(t, f.in.Source)
			if f.in.Provenance == provenanceLiveRecorded {
				assert.True(t, strings.HasPrefix(f.file, "live-"), "live recordings are named live-<op>-<timestamp>.json")
				assert.False(t, f.in.RecordedAt.IsZero(), "live recordings carry recorded_at")
			}
			for _, h := range []map[string]string{f.in.Request.Headers, f.in.Response.Headers} {
				for _, name := range secretNames {
					if v, ok := h[name]; ok {
						assert.Equal(t, redact.Mask, v, "header %s", name)
					}
				}
				if v, ok := h["Authorization"]; ok {
					assert.Regexp(t, authorizationPlaceholder, v)
				}
			}
		})
	}
}
