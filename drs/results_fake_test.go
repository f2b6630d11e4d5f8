package drs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/drsclient/drs-precheck/generated"
)

// fakeDRS is a loopback DRS double for the results tests: a table of jobs,
// each with the pre-check results it gives query after query (the last one
// repeats), and faults to inject. Every answer is valid under openapi.yaml;
// the client's contract transport checks that too.
type fakeDRS struct {
	t      *testing.T
	mu     sync.Mutex
	jobs   map[string]*fakeJob
	faults []fakeFault // answer the next results calls, in order
	asked  [][]string  // the job IDs of each results call
	starts [][]string  // the job IDs of each start call
	// precheckIDs makes precheck_id differ from the job ID ("pc-" + ID), in
	// start answers and results alike.
	precheckIDs bool
	// rewrite, if set, edits each results answer before it is sent.
	rewrite func(asked []string, results []generated.QueryPreCheckResp) []generated.QueryPreCheckResp
}

type fakeJob struct {
	refuse  *generated.PostPreCheckResp // the start answer when refused; nil: started
	results []generated.QueryPreCheckResp
	n       int
}

type fakeFault struct {
	status int
	code   string
	msg    string
}

func newFakeDRS(t *testing.T) *fakeDRS {
	return &fakeDRS{t: t, jobs: map[string]*fakeJob{}}
}

// add registers a job whose results queries answer results in turn.
func (f *fakeDRS) add(id string, results ...generated.QueryPreCheckResp) *fakeDRS {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[id] = &fakeJob{results: results}
	return f
}

// refuse registers a job whose pre-check DRS refuses to start.
func (f *fakeDRS) refuse(id, code, msg string) *fakeDRS {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[id] = &fakeJob{refuse: &generated.PostPreCheckResp{Id: id, Status: generated.Failed, ErrorCode: code, ErrorMsg: msg}}
	return f
}

func (f *fakeDRS) fail(status int, code, msg string) *fakeDRS {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fakeFault{status: status, code: code, msg: msg})
	return f
}

func (f *fakeDRS) resultCalls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.asked...)
}

func (f *fakeDRS) startCalls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.starts...)
}

func (f *fakeDRS) precheckID(id string) string {
	if f.precheckIDs {
		return "pc-" + id
	}
	return id
}

func (f *fakeDRS) handle(w http.ResponseWriter, r *http.Request, body []byte, n int) {
	w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n))
	switch {
	case strings.HasSuffix(r.URL.Path, "/jobs/batch-precheck"):
		f.start(w, body)
	case strings.HasSuffix(r.URL.Path, "/jobs/batch-precheck-result"):
		f.results(w, body)
	default:
		writeError(w, http.StatusNotFound, "APIGW.0101", "The API does not exist")
	}
}

func (f *fakeDRS) start(w http.ResponseWriter, body []byte) {
	jobs := decodeJobs(f.t, body)
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, len(jobs))
	resp := generated.BatchPrecheckResp{Count: int32(len(jobs))}
	for i, j := range jobs {
		ids[i] = j.JobId
		job, ok := f.jobs[j.JobId]
		switch {
		case !ok:
			resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: j.JobId, Status: generated.Failed,
				ErrorCode: "DRS.10000010", ErrorMsg: "Job does not exist, please check job ID."})
		case job.refuse != nil:
			resp.Results = append(resp.Results, *job.refuse)
		default:
			resp.Results = append(resp.Results, generated.PostPreCheckResp{Id: j.JobId, Status: generated.Success, PrecheckId: f.precheckID(j.JobId)})
		}
	}
	f.starts = append(f.starts, ids)
	writeJSON(w, http.StatusOK, resp)
}

func (f *fakeDRS) results(w http.ResponseWriter, body []byte) {
	var req generated.BatchQueryPrecheckResultReq
	if err := json.Unmarshal(body, &req); err != nil {
		f.t.Errorf("request body is not a BatchQueryPrecheckResultReq: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, req.Jobs)
	if len(f.faults) > 0 {
		fault := f.faults[0]
		f.faults = f.faults[1:]
		writeError(w, fault.status, fault.code, fault.msg)
		return
	}
	var results []generated.QueryPreCheckResp
	for _, id := range req.Jobs {
		job, ok := f.jobs[id]
		if !ok || len(job.results) == 0 {
			results = append(results, generated.QueryPreCheckResp{PrecheckId: f.precheckID(id),
				ErrorCode: "DRS.10000010", ErrorMsg: "Job does not exist, please check job ID."})
			continue
		}
		r := job.results[min(job.n, len(job.results)-1)]
		job.n++
		if r.PrecheckId == "" {
			r.PrecheckId = f.precheckID(id)
		}
		results = append(results, r)
	}
	if f.rewrite != nil {
		results = f.rewrite(req.Jobs, results)
	}
	writeJSON(w, http.StatusOK, generated.BatchQueryPrecheckResultResp{Count: int32(len(results)), Results: results})
}

// Results as DRS gives them.

func runningResult(process string) generated.QueryPreCheckResp {
	return generated.QueryPreCheckResp{Process: process, Result: false}
}

func passedResult(precheckID string) generated.QueryPreCheckResp {
	return generated.QueryPreCheckResp{PrecheckId: precheckID, Process: "100%", TotalPassedRate: "100%", Result: true,
		JobDirection: generated.Up, RdsInstanceId: "e05a3679efe241d8b5dee80b17c1a863in01",
		PrecheckResult: []generated.PrecheckResult{
			{Item: "dstDbDiskSize", Result: generated.PASSED, Group: "db_disk_size",
				Data: `{"diskSizeTimes":"1.5","dstVolumeSize":"37660000000","srcIndexSize":0,"size":"0","srcIndexAmount":0}`},
			{Item: "srcDbConnection", Result: generated.PASSED, Group: "network"},
		}}
}

// alarmResult passed, with an ALARM item: Huawei's examples show exactly this.
func alarmResult() generated.QueryPreCheckResp {
	r := passedResult("")
	r.PrecheckResult = append(r.PrecheckResult, generated.PrecheckResult{
		Item: "srcDbParamsCompare", Result: generated.ALARM, Group: "db_params",
		FailedReason: "innodb_buffer_pool_size differs between source and target", Data: "not json {",
	})
	return r
}

func failedResult() generated.QueryPreCheckResp {
	return generated.QueryPreCheckResp{Process: "100%", TotalPassedRate: "66.67%", Result: false, JobDirection: generated.Up,
		PrecheckResult: []generated.PrecheckResult{
			{Item: "srcDbConnection", Result: generated.PASSED, Group: "network"},
			{Item: "srcBinlogFormatCheck", Result: generated.FAILED, Group: "db_params",
				FailedReason: "binlog_format is STATEMENT; set it to ROW",
				FailedSubJobs: []generated.PrecheckFailSubJobVO{
					{Id: "sub-1", Name: "orders", CheckResult: "FAILED"},
					{Id: "sub-2", Name: "billing", CheckResult: "FAILED"},
				}},
			{Item: "dstUserPrivilege", Result: generated.FAILED, Group: "db_user_privilege", RawErrorMsg: "Access denied for user 'drs'"},
		}}
}

func jobErrorResult(code, msg string) generated.QueryPreCheckResp {
	return generated.QueryPreCheckResp{ErrorCode: code, ErrorMsg: msg}
}
