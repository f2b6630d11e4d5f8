package drs

import (
	"math/big"
	"reflect"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// FuzzDecodeAnswer feeds arbitrary bytes through the client as the answer of
// BatchCheckJobs (results false) or BatchCheckResults (results true) about
// one job, "job-1", and checks the verdict against an independent, strict
// reading of the same bytes: no input starts the job unless the answer has
// exactly one entry for it, with status exactly "success" and no error
// code; and no input passes it unless there is exactly one result for it,
// complete at exactly 100%, with result true, a pass rate of exactly 100%
// (or none, with check items that all PASSED), no FAILED item and no error
// code.
func FuzzDecodeAnswer(f *testing.F) {
	for _, seed := range []struct {
		results bool
		body    string
	}{
		{false, `{"results":[{"id":"job-1","status":"success","precheck_id":"p1"}]}`},
		{false, `{"results":[{"id":"job-1","status":"failed","status":"success"}]}`},
		{false, `{"results":[{"id":"job-1","STATUS":"success"}]}`},
		{false, `{"results":[{"id":"job-1","status":"failed","STATUS":"success"}]}`},
		{false, `{"results":[{"id":"job-1","status":"failed","ſtatus":"success"}]}`},
		{false, `{"results":[{"id":"job-1","status":"success","ſtatus":"failed"}]}`},
		{false, `{"results":[{"id":"job-1","status":"success","error_code":"DRS.M00304"}]}`},
		{false, `{"results":[{"id":"job-1","status":"Failed","error_code":"DRS.M00304"}]}`},
		{false, `{"results":[{"id":"job-1","status":"failed"}]}`},
		{false, `{"results":[{"status":"success"}]}`},
		{false, `{"results":[{"status":"success"},{"status":"success"}]}`},
		{false, `{"results":[{"id":"job-1","status":"success","precheck_id":"a"},{"id":"job-1","status":"success","precheck_id":"b"}]}`},
		{false, `{"results":[{"id":"job-1","status":"success"},{"id":"job-1","status":"success"}]}`},
		{false, `{"error_code":"DRS.M01504","results":[{"id":"job-1","status":"success"}]}`},
		{false, `{"results":[{"id":"job-1","status":"success"}]}{"x":1}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":false,"RESULT":true,"total_passed_rate":"100%"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","RESULT":true,"total_passed_rate":"100%"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"reſult":false,"total_passed_rate":"100%"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"result":false,"total_passed_rate":"100%"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%","precheck_result":[{"item":"x","result":"FAILED"}]}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"99.99999999999999999%"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"99.99999999999999999%","result":true,"total_passed_rate":"100%"}]}`},
		{true, `{"results":[{"process":"100%","result":true,"total_passed_rate":"100%"}]}`},
		{true, `{"results":[{"process":"100%","result":true,"total_passed_rate":"100%"},{"process":"100%","result":true,"total_passed_rate":"100%"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%"},{"precheck_id":"job-1","process":"100%","result":false}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%","error_code":"DRS.10000010"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":" 100.0 ％","result":true,"total_passed_rate":"100"}]}`},
		{true, `{"results":[{"precheck_id":"job-1","process":"100%","result":true,"total_passed_rate":"100%","precheck_result":[{"item":"x","result":"failed"}]}]}`},
	} {
		f.Add(seed.results, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, results bool, body []byte) {
		op := opJobs
		if results {
			op = opResults
		}
		rep, _ := callOp(bg, answering(t, body), op, "job-1")
		if rep == nil || len(rep.Verdicts) != 1 {
			t.Fatalf("no report of one verdict: %+v", rep)
		}
		switch v := rep.Verdicts[0]; {
		case !results && v.State == InProgress:
			if why := strictStart(body); why != "" {
				t.Errorf("started, but a strict reading says %s; body %q", why, body)
			}
		case results && v.State == Passed:
			if why := strictPass(body); why != "" {
				t.Errorf("passed, but a strict reading says %s; body %q", why, body)
			}
		case !results && v.State == Passed, results && v.State == InProgress && v.Err != nil:
			t.Errorf("impossible verdict %v: %+v", v.State, v)
		}
	})
}

// strictEntries reads body strictly (one JSON object; no name twice or in
// two spellings that fold to the same, in any object) and returns the
// entries of "results" that are about job-1: those whose key (id or
// precheck_id) is "job-1", or the only entry when it has no key. It returns
// a reason instead when the body is not such an answer or has a top-level
// error code.
func strictEntries(body []byte, key string) ([]map[string]any, string) {
	var top map[string]any
	if err := jsonv2.Unmarshal(body, &top); err != nil {
		return nil, "not one JSON object without duplicate names: " + err.Error()
	}
	if name := foldCollision(top); name != "" {
		return nil, "names that differ only in case: " + name
	}
	if s, _ := top["error_code"].(string); s != "" {
		return nil, "a top-level error code"
	}
	list, ok := top["results"].([]any)
	if !ok {
		return nil, "no results array"
	}
	var out []map[string]any
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		id, _ := m[key].(string)
		if id == "job-1" || len(list) == 1 && id == "" {
			out = append(out, m)
		}
	}
	return out, ""
}

// foldCollision returns a name found twice under Unicode case folding in any
// object of v, or "".
func foldCollision(v any) string {
	switch v := v.(type) {
	case map[string]any:
		var names []string
		for k, child := range v {
			for _, n := range names {
				if strings.EqualFold(n, k) {
					return k
				}
			}
			names = append(names, k)
			if c := foldCollision(child); c != "" {
				return c
			}
		}
	case []any:
		for _, child := range v {
			if c := foldCollision(child); c != "" {
				return c
			}
		}
	}
	return ""
}

// known keeps the documented fields of an entry, dropping null and empty
// values (which read the same as absent ones), so that entries that differ
// only in undocumented fields count as one.
func known(v any, schema map[string]map[string]bool, kind string) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, child := range v {
			if !schema[kind][k] {
				continue
			}
			c := known(child, schema, k)
			if c == nil || c == "" || c == false {
				continue
			}
			out[k] = c
		}
		return out
	case []any:
		if len(v) == 0 {
			return nil
		}
		out := make([]any, len(v))
		for i, child := range v {
			out[i] = known(child, schema, kind)
		}
		return out
	}
	return v
}

var answerSchema = map[string]map[string]bool{
	"start":           {"error_code": true, "error_msg": true, "id": true, "precheck_id": true, "status": true},
	"result":          {"error_code": true, "error_msg": true, "job_direction": true, "precheck_id": true, "precheck_result": true, "process": true, "rds_instance_id": true, "result": true, "total_passed_rate": true},
	"precheck_result": {"data": true, "failed_reason": true, "failed_sub_jobs": true, "group": true, "is_skipped": true, "is_support_skip": true, "item": true, "raw_error_msg": true, "result": true},
	"failed_sub_jobs": {"check_result": true, "id": true, "name": true},
}

// single returns the one distinct entry of entries, or a reason.
func single(entries []map[string]any, kind string) (map[string]any, string) {
	var distinct []any
	for _, e := range entries {
		k := known(e, answerSchema, kind)
		dup := false
		for _, d := range distinct {
			dup = dup || reflect.DeepEqual(d, k)
		}
		if !dup {
			distinct = append(distinct, k)
		}
	}
	if len(distinct) != 1 {
		return nil, "not exactly one entry for the job"
	}
	return entries[0], ""
}

// strictStart says why body is not an unambiguous start of job-1, or "".
func strictStart(body []byte) string {
	entries, why := strictEntries(body, "id")
	if why != "" {
		return why
	}
	e, why := single(entries, "start")
	switch {
	case why != "":
		return why
	case e["status"] != "success":
		return "the status is not exactly success"
	case e["error_code"] != nil && e["error_code"] != "":
		return "an error code"
	}
	return ""
}

// strictPass says why body is not an unambiguous pass of job-1, or "".
func strictPass(body []byte) string {
	entries, why := strictEntries(body, "precheck_id")
	if why != "" {
		return why
	}
	e, why := single(entries, "result")
	switch {
	case why != "":
		return why
	case e["result"] != true:
		return "result is not true"
	case !exactlyHundred(e["process"]):
		return "process is not exactly 100%"
	case !exactlyHundred(e["total_passed_rate"]) && !(blank(e["total_passed_rate"]) && allItemsPassed(e)):
		return "total_passed_rate is not exactly 100%, nor absent with every check item PASSED"
	case e["error_code"] != nil && e["error_code"] != "":
		return "an error code"
	}
	items, _ := e["precheck_result"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if r, _ := m["result"].(string); strings.EqualFold(r, "FAILED") {
			return "a FAILED item"
		}
	}
	return ""
}

// blank reports whether a field is absent, null or a blank string.
func blank(v any) bool {
	s, isString := v.(string)
	return v == nil || isString && strings.TrimSpace(s) == ""
}

// allItemsPassed reports whether the entry has check items and every one
// PASSED.
func allItemsPassed(e map[string]any) bool {
	items, _ := e["precheck_result"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if r, _ := m["result"].(string); !strings.EqualFold(r, "PASSED") {
			return false
		}
	}
	return len(items) > 0
}

// exactlyHundred reports whether v is a percentage string whose number is
// exactly 100, compared as a fraction (no rounding).
func exactlyHundred(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "%")
	s = strings.TrimSuffix(s, "％")
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	r, ok := new(big.Rat).SetString(s)
	return ok && r.Cmp(big.NewRat(100, 1)) == 0
}
