package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
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
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/drsclient/drs-precheck/contract"
	"github.com/drsclient/drs-precheck/drs"
	"github.com/drsclient/drs-precheck/generated"
	"github.com/drsclient/drs-precheck/internal/redact"
)

// TestMain fails the package's tests if any goroutine outlives them (the
// loopback servers and transports the tests start must all be closed).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const interactionsDir = "testdata/interactions"

// minInteractions is how many fixtures the issue asks for at least; the
// required ones are named in resultsExpectations and expectedDrift.
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
		writeRecorded(w, in.Response)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// writeRecorded answers with a recorded response.
func writeRecorded(w http.ResponseWriter, resp recordedResponse) {
	for name, value := range resp.Headers {
		w.Header().Set(name, value)
	}
	if _, ok := resp.Headers["Content-Type"]; !ok {
		w.Header()["Content-Type"] = nil // no sniffing: replay the missing header
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(wireBody(resp.Body))
}

// sendHeaders is a RequestEditorFn that adds the recorded request headers the
// generated client does not set itself (X-Language included: no params).
func sendHeaders(h map[string]string) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		for name, value := range h {
			switch http.CanonicalHeaderKey(name) {
			case "Content-Type", "Host", "Content-Length", "User-Agent":
				continue
			}
			req.Header.Set(name, value)
		}
		return nil
	}
}

// newClient is the generated client over tr (Spec nil: contract.Default).
func newClient(t *testing.T, server string, tr *contract.Transport) *generated.ClientWithResponses {
	t.Helper()
	c, err := generated.NewClientWithResponses(server, generated.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	return c
}

// strictClient is the generated client over a strict contract.Transport at
// the documented level (no OnDrift): every departure from openapi.yaml as
// written fails the round trip.
func strictClient(t *testing.T, server string, base http.RoundTripper) *generated.ClientWithResponses {
	return newClient(t, server, &contract.Transport{Base: base})
}

// twoLevelClient is the generated client over a contract.Transport that fails
// only on a compatible violation and collects documented drift (OnDrift runs
// on the round trip's goroutine), as the CLI's --validate and the live test do.
func twoLevelClient(t *testing.T, server string, base http.RoundTripper) (*generated.ClientWithResponses, *[]*contract.Violation) {
	var drift []*contract.Violation
	return newClient(t, server, &contract.Transport{Base: base, OnDrift: func(v *contract.Violation) { drift = append(drift, v) }}), &drift
}

func decodeStrict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), "the recorded request body does not fit the generated model")
}

// replay sends the recorded request with the generated client through a
// two-level contract.Transport to a loopback server playing the recorded
// response. The round trip must pass the compatible level, and the generated
// client must parse the response (ParseBatchCheckJobsResponse, ...). replay
// returns the parsed response (*generated.BatchCheckJobsResponse or
// *generated.BatchCheckResultsResponse) and the drift the transport reported.
func replay(t *testing.T, in interaction) (resp any, drift []*contract.Violation) {
	t.Helper()
	m := operationPath.FindStringSubmatch(in.Request.Path)
	require.NotNil(t, m, "recorded path %q is not an operation of the spec", in.Request.Path)
	projectID, err := url.PathUnescape(m[1])
	require.NoError(t, err)

	srv, calls := replayServer(t, in)
	client, reported := twoLevelClient(t, srv.URL, srv.Client().Transport)
	editor := sendHeaders(in.Request.Headers)
	if m[2] == "batch-precheck" {
		var body generated.BatchCheckJobsJSONRequestBody
		decodeStrict(t, wireBody(in.Request.Body), &body)
		resp, err = client.BatchCheckJobsWithResponse(t.Context(), projectID, nil, body, editor)
	} else {
		var body generated.BatchCheckResultsJSONRequestBody
		decodeStrict(t, wireBody(in.Request.Body), &body)
		resp, err = client.BatchCheckResultsWithResponse(t.Context(), projectID, nil, body, editor)
	}
	require.NoError(t, err, "the contract transport rejected the recorded exchange at the compatible level, or the generated client cannot parse what it accepts")
	require.Equal(t, int32(1), calls.Load(), "the server should have been called exactly once")
	return resp, *reported
}

// checkTyped asserts that the generated client parsed the recorded response
// into what the fixture says: the JSON<status> field holds the recorded body
// (no field lost), the declared headers were bound, and non-JSON bodies are
// left raw.
func checkTyped(t *testing.T, in interaction, resp any) {
	t.Helper()
	v := reflect.ValueOf(resp).Elem()
	status, httpResp := in.Response.Status, v.FieldByName("HTTPResponse").Interface().(*http.Response)
	require.Equal(t, status, httpResp.StatusCode)
	assert.Equal(t, in.Response.Headers["Content-Type"], httpResp.Header.Get("Content-Type"), "Content-Type, a missing one replayed as missing")
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
	case string, bool, float64:
		if reflect.ValueOf(x).IsZero() {
			return nil
		}
	}
	return v
}

const publishedJobID = "140b5236-88ad-43c8-811c-1268453jb101"

// What the generated client must make of a fixture beyond checkTyped (which
// compares every non-zero field with the recording) and drsReadings (which
// pins each fixture's verdicts and error code): nulls, false values and
// values outside an enum.
var resultsExpectations = map[string]func(*testing.T, *generated.BatchCheckResultsResponse){
	"batchcheckresults-200-explicit-nulls.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		res := r.JSON200.Results[0]
		assert.Empty(t, res.Process)
		assert.Empty(t, res.PrecheckResult[0].Result)
		assert.Nil(t, res.PrecheckResult[0].IsSkipped, "null is absent")
	},
	"batchcheckresults-200-starting.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		assert.Equal(t, generated.QueryPreCheckRespJobDirection(""), r.JSON200.Results[0].JobDirection)
		assert.False(t, r.JSON200.Results[0].JobDirection.Valid())
	},
	"batchcheckresults-200-item-result-null.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		items := r.JSON200.Results[0].PrecheckResult
		assert.Equal(t, "dstDbDiskSize", items[1].Item)
		assert.Empty(t, items[1].Result, "a null result reads as no result yet")
	},
	"batchcheckresults-200-item-skipped.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		items := r.JSON200.Results[0].PrecheckResult
		assert.Equal(t, generated.PrecheckItemResult("SKIPPED"), items[1].Result, "an unknown item result is kept as sent")
		assert.False(t, items[1].Result.Valid())
		require.NotNil(t, items[0].IsSkipped, "false is kept when present")
		assert.False(t, *items[0].IsSkipped)
	},
	"batchcheckresults-500-error-msg-null.json": func(t *testing.T, r *generated.BatchCheckResultsResponse) {
		assert.Empty(t, r.JSON500.ErrorMsg)
	},
}

// expectedDrift names the fixtures whose replay must report departures from
// the documented level (Field, Rule and Value); every other fixture that is
// not a live recording must report none. Live recordings' drift is logged as
// a warning, not asserted.
var expectedDrift = map[string][]driftAt{
	"batchcheckresults-200-starting.json":         {{"/results/0/job_direction", "enum", `""`}},
	"batchcheckresults-200-item-skipped.json":     {{"/results/0/precheck_result/1/result", "enum", `"SKIPPED"`}},
	"batchcheckjobs-503-retry-after-date.json":    {{"header Retry-After", "pattern", `"Wed, 12 Mar 2025 08:20:00 GMT"`}},
	"batchcheckjobs-409-undocumented-status.json": {{"status", "status", "409"}},
}

// driftAt is one expected drift: the field, the rule and the value.
type driftAt struct{ Field, Rule, Value string }

// TestReplayInteractions replays every recorded interaction (published
// examples, synthetic cases and live recordings alike) through the generated
// client and a two-level contract transport: each passes the compatible
// level, reports exactly its expected documented drift, and is parsed by the
// generated client into what the fixture says. Each is then served to
// package drs (drsReading).
func TestReplayInteractions(t *testing.T) {
	fixtures := loadFixtures(t)
	present := map[string]bool{}
	for _, f := range fixtures {
		present[f.file] = true
	}
	for _, name := range slices.Concat(slices.Collect(maps.Keys(resultsExpectations)), slices.Collect(maps.Keys(expectedDrift)), slices.Collect(maps.Keys(drsReadings))) {
		assert.True(t, present[name], "required interaction %s is missing from %s", name, interactionsDir)
	}
	for _, f := range fixtures {
		t.Run(strings.TrimSuffix(f.file, ".json"), func(t *testing.T) {
			resp, drift := replay(t, f.in)
			var got []driftAt
			for _, v := range drift {
				assert.Equal(t, contract.Documented, v.Level)
				got = append(got, driftAt{v.Field, v.Rule, v.Value})
				t.Log("drift (warning): " + v.Warning())
			}
			if f.in.Provenance != provenanceLiveRecorded {
				assert.Equal(t, expectedDrift[f.file], got, "documented drift")
			}
			checkTyped(t, f.in, resp)
			if check := resultsExpectations[f.file]; check != nil {
				check(t, resp.(*generated.BatchCheckResultsResponse))
			}
			checkDRSReading(t, f)
		})
	}
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

// drsReading is what package drs must make of a recorded interaction: the
// state of each job asked about, in order, and the error code the first job's
// verdict carries ("" for none).
type drsReading struct {
	states []drs.State
	code   string
	// unmatched is how many answers match no job asked about.
	unmatched int
}

// drsReadings covers every recorded interaction: the code users run is held
// to the same recordings as the generated client.
var drsReadings = map[string]drsReading{
	"batchcheckjobs-200-job-not-found.json":        {states: []drs.State{drs.InProgress, drs.Refused}, code: ""},
	"batchcheckjobs-200-published-example.json":    {states: []drs.State{drs.InProgress}},
	"batchcheckjobs-200-top-level-error-code.json": {states: []drs.State{drs.NoAnswer, drs.NoAnswer}, code: "DRS.M01504"},
	"batchcheckjobs-202-drs-m01504.json":           {states: []drs.State{drs.NoAnswer}, code: "DRS.M01504"},
	"batchcheckjobs-400-code-message.json":         {states: []drs.State{drs.NoAnswer}, code: "APIG.0106"},
	"batchcheckjobs-400-error-msg-missing.json":    {states: []drs.State{drs.NoAnswer}, code: "DRS.M00007"},
	"batchcheckjobs-400-html-firewall.json":        {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-400-wrong-task-status.json":    {states: []drs.State{drs.NoAnswer}, code: "DRS.M00304"},
	"batchcheckjobs-401-apigw-0301.json":           {states: []drs.State{drs.NoAnswer}, code: "APIGW.0301"},
	"batchcheckjobs-403-invalid-project.json":      {states: []drs.State{drs.NoAnswer}, code: "DRS.M00261"},
	"batchcheckjobs-404-apig-0101.json":            {states: []drs.State{drs.NoAnswer}, code: "APIG.0101"},
	"batchcheckjobs-408-gateway.json":              {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-409-undocumented-status.json":  {states: []drs.State{drs.NoAnswer}, code: "DRS.M00304"},
	"batchcheckjobs-429-apigw-0308.json":           {states: []drs.State{drs.NoAnswer, drs.NoAnswer}, code: "APIGW.0308"},
	"batchcheckjobs-500-text.json":                 {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-503-html.json":                 {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-503-retry-after-date.json":     {states: []drs.State{drs.NoAnswer}},
	"batchcheckjobs-504-empty.json":                {states: []drs.State{drs.NoAnswer}},
	"batchcheckresults-200-alarm-passed.json":      {states: []drs.State{drs.Passed}},
	"batchcheckresults-200-explicit-nulls.json":    {states: []drs.State{drs.InProgress}},
	"batchcheckresults-200-failed.json":            {states: []drs.State{drs.Failed}},
	"batchcheckresults-200-in-progress.json":       {states: []drs.State{drs.InProgress}},
	"batchcheckresults-200-item-result-null.json":  {states: []drs.State{drs.InProgress}},
	"batchcheckresults-200-item-skipped.json":      {states: []drs.State{drs.Passed}},
	"batchcheckresults-200-published-passed.json":  {states: []drs.State{drs.Passed}},
	"batchcheckresults-200-starting.json":          {states: []drs.State{drs.InProgress}},
	"batchcheckresults-400-job-not-found.json":     {states: []drs.State{drs.NoAnswer}, code: "DRS.10000010"},
	"batchcheckresults-403-html-firewall.json":     {states: []drs.State{drs.NoAnswer}},
	"batchcheckresults-403-nested-error.json":      {states: []drs.State{drs.NoAnswer}, code: "APIG.1009"},
	"batchcheckresults-404-drs-m00101.json":        {states: []drs.State{drs.NoAnswer}, code: "DRS.M00101"},
	"batchcheckresults-500-error-msg-null.json":    {states: []drs.State{drs.NoAnswer}, code: "DRS.M00004"},
}

// checkDRSReading serves the recorded answer to package drs (one attempt, so
// a recorded 5xx is read once) and checks its reading: the verdict of each
// job, the error code kept, err non-nil exactly when a job got no usable
// answer, and no job ever started or passed by an answer that does not say
// so.
func checkDRSReading(t *testing.T, fx fixture) {
	want, ok := drsReadings[fx.file]
	require.True(t, ok, "%s has no expected drs reading in drsReadings: add one", fx.file)
	rep, err := replayDRS(t, fx)
	require.NotNil(t, rep)
	got := make([]drs.State, len(rep.Verdicts))
	for i, v := range rep.Verdicts {
		got[i] = v.State
	}
	assert.Equal(t, want.states, got)
	assert.Len(t, rep.Unmatched, want.unmatched)
	assert.Equal(t, slices.Contains(got, drs.NoAnswer), err != nil, "err is non-nil exactly when a job got no usable answer: %v", err)
	if want.code != "" {
		var apiErr *drs.APIError
		require.ErrorAs(t, rep.Verdicts[0].Err, &apiErr)
		assert.Equal(t, want.code, apiErr.Code, "the code is kept")
	}
}

// replayDRS answers every request of one drs call with the recorded response.
func replayDRS(t *testing.T, fx fixture) (*drs.Report, error) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeRecorded(w, fx.in.Response) }))
	t.Cleanup(srv.Close)
	c, err := drs.New(drs.WithoutEnvironment(), drs.WithEndpoint(srv.URL), drs.WithProjectID(testProject),
		drs.WithToken("replay-token"), drs.WithRetry(drs.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	// The recorded request's jobs (and mode), asked about again.
	body := wireBody(fx.in.Request.Body)
	if !strings.HasSuffix(fx.in.Request.Path, "/batch-precheck") {
		var query generated.BatchQueryPrecheckResultReq
		require.NoError(t, json.Unmarshal(body, &query))
		return c.Results(t.Context(), query.Jobs)
	}
	var start generated.BatchPrecheckReq
	require.NoError(t, json.Unmarshal(body, &start))
	var ids []string
	var mode drs.Mode
	for _, j := range start.Jobs {
		ids, mode = append(ids, j.JobId), drs.Mode(j.PrecheckMode)
	}
	return c.Precheck(t.Context(), mode, ids)
}
