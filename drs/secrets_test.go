package drs

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretForms are the ways a server may echo a secret. Each maps the secret
// to the text the server writes.
var secretForms = []struct {
	name string
	enc  func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"query-escaped", url.QueryEscape},
	{"path-escaped", url.PathEscape},
	{"JSON-escaped", jsonString},
	{"JSON-escaped with \\/", func(s string) string { return strings.ReplaceAll(jsonString(s), "/", `\/`) }},
}

// jsonString is text JSON-escaped: a secret's JSON-escaped form, and an
// echoed form made to fit inside a JSON string, whose decoded value is the
// form itself.
func jsonString(text string) string {
	b, _ := json.Marshal(text)
	return string(b[1 : len(b)-1])
}

// place is somewhere a hostile server echoes a secret: it answers with
// status, a header and body, where $j stands for the echoed text (in one of
// secretForms) JSON-escaped, $s for the text as is, and $J for the text in
// upper case, JSON-escaped.
type place struct {
	name          string
	results       bool // the call is Results (else Precheck)
	status        int
	header, value string // a header to set, if any
	body          string // none: the status alone
}

func (p place) answer(w http.ResponseWriter, s string) {
	echo := strings.NewReplacer("$j", jsonString(s), "$s", s, "$J", jsonString(strings.ToUpper(s)))
	if p.header != "" {
		w.Header().Set(p.header, echo.Replace(p.value))
	}
	if p.body == "" {
		w.WriteHeader(p.status)
		return
	}
	writeRaw(w, p.status, echo.Replace(p.body))
}

// longPad puts an echoed secret across the 256-byte cut of a body excerpt.
var longPad = strings.Repeat("x", 240)

var secretPlaces = []place{
	{"start status", false, 200, "", "", `{"results":[{"id":"job-1","status":"$j"}]}`},
	{"start precheck_id", false, 200, "", "", `{"results":[{"id":"job-1","status":"success","precheck_id":"$j"}]}`},
	{"unsolicited job id", false, 200, "", "", `{"results":[{"id":"job-1","status":"success"},{"id":"$j","status":"$j","precheck_id":"$j"}]}`},
	{"job error_code and error_msg", false, 200, "", "", `{"results":[{"id":"job-1","status":"failed","error_code":"$j","error_msg":"$j"}]}`},
	{"call error_code in a 2xx", false, 200, "", "", `{"error_code":"$j","error_msg":"$j"}`},
	{"duplicate key name", false, 200, "", "", `{"results":[],"$j":1,"$j":2}`},
	{"case-variant key name", false, 200, "", "", `{"results":[],"$j":1,"$J":2}`},
	{"syntax error inside a key", false, 200, "", "", `{"results":[{"$j": tru}]}`},
	{"wrong type under a key", false, 200, "", "", `{"results":[{"id":"job-1","status":{"$j":1}}]}`},
	{"body not JSON", false, 200, "", "", "<p>$s</p>"},
	{"long 2xx body, secret across the excerpt cut", false, 200, "", "", `{"results":[],"results":[],"pad":"` + longPad[:211] + `$j"}`},
	{"check items", true, 200, "", "", `{"results":[{"precheck_id":"job-1","process":"100%","result":false,"total_passed_rate":"0%","precheck_result":[` +
		`{"item":"$j","group":"$j","result":"FAILED","failed_reason":"$j","raw_error_msg":"$j","data":"$j",` +
		`"failed_sub_jobs":[{"id":"$j","name":"$j","check_result":"$j"}]},` +
		`{"item":"i2","result":"FAILED","raw_error_msg":"$j"},{"item":"$j","result":"ALARM"}]}]}`},
	{"check items of a contradicted pass", true, 200, "", "", `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%","precheck_result":[` +
		`{"item":"$j","group":"$j","result":"FAILED","failed_reason":"$j"}]}]}`},
	{"process", true, 200, "", "", `{"results":[{"precheck_id":"job-1","process":"$j"}]}`},
	{"total_passed_rate", true, 200, "", "", `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"$j"}]}`},
	{"result precheck_id of another job", true, 200, "", "", `{"results":[{"precheck_id":"$j","process":"100%","result":true,"total_passed_rate":"100%"}]}`},
	{"result error_msg", true, 200, "", "", `{"results":[{"precheck_id":"job-1","error_code":"$j","error_msg":"$j"}]}`},
	{"JSON error body", false, 400, "", "", `{"error_code":"$j","error_msg":"$j","request_id":"$j"}`},
	{"nested JSON error body", true, 403, "", "", `{"error":{"code":"$j","message":"$j"}}`},
	{"HTML error body", false, 502, "Content-Type", "text/html", "<html><body><h1>502 Bad Gateway</h1>$s</body></html>"},
	{"long HTML error body, secret across the excerpt cut", true, 400, "Content-Type", "text/html", "<html>" + longPad + "$s" + strings.Repeat("y", 1000) + "</html>"},
	{"X-Request-Id of an answer", false, 200, "X-Request-Id", "$s", `{"results":[{"id":"job-1","status":"success"},{"id":"job-2","status":"nope"}]}`},
	{"X-Request-Id of an error", true, 401, "X-Request-Id", "$s", `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information."}`},
	{"Location", false, http.StatusFound, "Location", "https://elsewhere.example/$s", ""},
	{"Content-Type", true, 200, "Content-Type", "text/$s", `{}`},
}

// secretKind is one credential: how the server finds it in the request it
// echoes, and the text that must never be shown.
type secretKind struct {
	name   string
	opts   []Option
	echo   func(r *http.Request) string // what the server echoes
	secret func(echoed string) string   // what must not be shown
}

var sigHex = regexp.MustCompile(`Signature=([0-9a-f]+)`)

var (
	akskOpts = []Option{withAKSK(testAK, testSK, testST)}
	same     = func(s string) string { return s }
	// bareSignature is the hex signature of an AK/SK request's Authorization.
	bareSignature = func(authorization string) string {
		if m := sigHex.FindStringSubmatch(authorization); m != nil {
			return m[1]
		}
		return ""
	}
)

var secretKinds = []secretKind{
	{"token", nil, func(r *http.Request) string { return r.Header.Get("X-Auth-Token") }, same},
	{"secret key", akskOpts, func(*http.Request) string { return testSK }, same},
	{"security token", akskOpts, func(r *http.Request) string { return r.Header.Get("X-Security-Token") }, same},
	{"signature", akskOpts, func(r *http.Request) string { return r.Header.Get("Authorization") }, bareSignature},
	// The signature alone, without "Signature=" before it: only the
	// redactor that learns each request's signature can mask it.
	{"bare signature", akskOpts, func(r *http.Request) string { return bareSignature(r.Header.Get("Authorization")) }, same},
}

// TestNoSecretInAnyOutput proves that no credential reaches an error, a
// report or a verdict, in any printed form, whatever a server echoes where.
func TestNoSecretInAnyOutput(t *testing.T) {
	for _, kind := range secretKinds {
		for _, p := range secretPlaces {
			for _, form := range secretForms {
				t.Run(kind.name+"/"+p.name+"/"+form.name, func(t *testing.T) {
					var echoed string
					opts := append([]Option{WithRetry(RetryPolicy{MaxAttempts: 2})}, kind.opts...)
					c, _, _ := memClient(t, func(w http.ResponseWriter, r *http.Request, _ recorded, _ int) {
						echoed = kind.echo(r)
						p.answer(w, form.enc(echoed))
					}, newFakeClock(), opts...)
					op := opJobs
					if p.results {
						op = opResults
					}
					rep, err := callOp(bg, c, op, "job-1")
					require.NotNil(t, rep)
					require.NotEmpty(t, echoed, "the server saw the credential it echoes")
					assertNoSecret(t, kind.secret(echoed), rep, err)
				})
			}
		}
	}
}

// TestNoSecretThroughAWait proves the same for a wait whose start and polls
// echo the token: the wait's own messages add none.
func TestNoSecretThroughAWait(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	c, _, _ := hostile(t, func(w http.ResponseWriter, r *http.Request, req recorded, n int) {
		tok := jsonString(r.Header.Get("X-Auth-Token"))
		if n == 4 {
			cancel() // after the third poll, the wait ends
		}
		if req.isStart() {
			writeRaw(w, 200, `{"results":[{"id":"job-1","status":"success","precheck_id":"`+tok+`"},{"id":"job-2","status":"success","precheck_id":"p2"}]}`)
			return
		}
		if n == 2 {
			writeRaw(w, 503, `{"error_code":"X","error_msg":"`+tok+`"}`)
			return
		}
		writeRaw(w, 200, `{"results":[{"precheck_id":"p2","process":"`+tok+`"},{"precheck_id":"`+tok+`","process":"50%","precheck_result":[{"item":"`+tok+`"}]}]}`)
	}, WithRetry(RetryPolicy{MaxAttempts: 1}))
	rep, err := c.PrecheckAndWait(ctx, ModeStartJob, []string{"job-1", "job-2"}, WithProgress(func(r Report) {
		assertNoSecret(t, testToken, &r, nil)
	}))
	require.Error(t, err)
	assert.Equal(t, 3, rep.Polls)
	assertNoSecret(t, testToken, rep, err)
}

// TestNoSecretInClientOrOption proves that printing a client or an option,
// with any verb, shows no credential.
func TestNoSecretInClientOrOption(t *testing.T) {
	opts := [][]Option{
		{WithToken(testToken)},
		{withAKSK(testAK, testSK, testST)},
		{withAKSK(testAK, testSK, ""), WithAKSK(testAK, testSK), WithSecurityToken(testST)},
	}
	for _, o := range opts {
		c := newClient(t, "http://127.0.0.1:1", nil, nil, o...)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			out := fmt.Sprintf(verb, c) + fmt.Sprintf(verb, *c)
			for _, opt := range o {
				out += fmt.Sprintf(verb, opt)
			}
			for _, s := range []string{testToken, testSK, testST} {
				assertNotIn(t, s, out, "printing with "+verb)
			}
		}
	}
	c := newClient(t, "http://127.0.0.1:1", nil, nil, withAKSK(testAK, testSK, ""))
	assert.Equal(t, "drs.Client{endpoint: http://127.0.0.1:1, project: "+testProject+", auth: AK/SK "+testAK+"}", c.String())
	c = newClient(t, "http://127.0.0.1:1", nil, nil)
	assert.Equal(t, "drs.Client{endpoint: http://127.0.0.1:1, project: "+testProject+", auth: IAM token}", c.String())
}

// assertNoSecret fails the test if secret, in any form or as a large piece,
// appears in anything the call returned.
func assertNoSecret(t *testing.T, secret string, rep *Report, err error) {
	t.Helper()
	for _, text := range renderings(rep, err) {
		if !assertNotIn(t, secret, text, "") {
			return // one rendering is enough to show the leak
		}
	}
}

// assertNotIn fails if secret, in any of secretForms, or either half of it,
// appears in text. The message names the forms found and shows the text
// with every form of the secret masked.
func assertNotIn(t *testing.T, secret, text, context string) bool {
	t.Helper()
	half := len(secret) / 2
	needles := map[string]string{"first half": secret[:half], "second half": secret[half:], "hex": hex.EncodeToString([]byte(secret))}
	for _, f := range secretForms {
		needles[f.name] = f.enc(secret)
		// as printed inside a %q-quoted excerpt
		needles[f.name+", quoted"] = strings.ReplaceAll(f.enc(secret), `\`, `\\`)
	}
	var found []string
	for _, name := range slices.Sorted(maps.Keys(needles)) {
		if strings.Contains(text, needles[name]) {
			found = append(found, name)
		}
	}
	if len(found) == 0 {
		return true
	}
	masked := text
	for _, name := range slices.SortedFunc(maps.Keys(needles), func(a, b string) int { return len(needles[b]) - len(needles[a]) }) {
		masked = strings.ReplaceAll(masked, needles[name], "<SECRET>")
	}
	t.Errorf("secret shown (%s) %s: %s", strings.Join(found, ", "), context, masked)
	return false
}

// renderings is every way a program may print what a call returned.
func renderings(rep *Report, err error) []string {
	var out []string
	walkErr(err, func(e error) {
		out = append(out, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
	})
	if rep == nil {
		return out
	}
	out = append(out, fmt.Sprintf("%v", rep), fmt.Sprintf("%+v", rep), fmt.Sprintf("%#v", rep), fmt.Sprintf("%#v", *rep))
	for _, vs := range [][]Verdict{rep.Verdicts, rep.Unmatched} {
		for _, v := range vs {
			out = append(out, v.JobID, v.PrecheckID, v.RequestID, v.Summary(), v.State.String(),
				fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%#v", v.Items))
			walkErr(v.Err, func(e error) {
				out = append(out, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
			})
		}
	}
	return out
}

// walkErr calls fn on err and everything it wraps.
func walkErr(err error, fn func(error)) {
	if err == nil {
		return
	}
	fn(err)
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walkErr(e, fn)
		}
	default:
		walkErr(errors.Unwrap(err), fn)
	}
}
