package drstest

import (
	"context"

	"github.com/drsclient/drs-precheck/generated"
)

// handlers implements generated.StrictServerInterface: DRS's own logic, on
// requests that passed the gateway and the contract.
type handlers struct{ s *Simulator }

// checkIDs applies DRS's rules to a request's job IDs, which hold without
// the contract's validation too: 1 to 10, none empty, no duplicate.
func checkIDs(ids []string, field string) (code, msg string) {
	switch {
	case len(ids) == 0:
		return codeEmpty, msgEmpty("jobs")
	case len(ids) > maxJobsPerRequest:
		return codeInvalid, msgInvalid("jobs")
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		switch {
		case id == "":
			return codeEmpty, msgEmpty(field)
		case seen[id]:
			return codeDuplicate, msgDuplicate(field)
		}
		seen[id] = true
	}
	return "", ""
}

func (h handlers) badRequest(info *requestInfo, code, msg string) generated.BadRequestJSONResponse {
	h.s.update(info, func(r *Request) { r.ErrorCode = code })
	return generated.BadRequestJSONResponse{Body: errorBody(info.id, code, msg), Headers: generated.BadRequestResponseHeaders{XRequestId: info.id}}
}

// BatchCheckJobs starts the pre-checks of up to 10 jobs.
func (h handlers) BatchCheckJobs(ctx context.Context, req generated.BatchCheckJobsRequestObject) (generated.BatchCheckJobsResponseObject, error) {
	info := infoFrom(ctx)
	jobs := req.Body.Jobs // the strict handler decoded it
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.JobId
	}
	code, msg := checkIDs(ids, "job_id")
	for _, j := range jobs {
		switch {
		case code != "":
		case j.PrecheckMode == "":
			code, msg = codeEmpty, msgEmpty("precheck_mode")
		case !j.PrecheckMode.Valid():
			code, msg = codeInvalid, msgInvalid("precheck_mode")
		}
	}
	if code != "" {
		return generated.BatchCheckJobs400JSONResponse{BadRequestJSONResponse: h.badRequest(info, code, msg)}, nil
	}
	now := h.s.now()
	results := make([]generated.PostPreCheckResp, len(jobs))
	h.s.mu.Lock()
	for i, j := range jobs {
		res := generated.PostPreCheckResp{Id: j.JobId, Status: generated.PrecheckStartStatusFailed}
		e := h.s.jobs[j.JobId]
		if res.ErrorCode, res.ErrorMsg = startCheck(e, j.PrecheckMode); res.ErrorCode == "" {
			e.started, e.startedAt = true, now
			res.Status, res.PrecheckId = generated.PrecheckStartStatusSuccess, j.JobId
		}
		results[i] = res
	}
	h.s.mu.Unlock()
	return generated.BatchCheckJobs200JSONResponse{
		Body:    generated.BatchPrecheckResp{Results: results, Count: int32(len(results))},
		Headers: generated.BatchCheckJobs200ResponseHeaders{XRequestId: info.id},
	}, nil
}

// BatchCheckResults reports the pre-checks' progress and verdicts.
func (h handlers) BatchCheckResults(ctx context.Context, req generated.BatchCheckResultsRequestObject) (generated.BatchCheckResultsResponseObject, error) {
	info := infoFrom(ctx)
	ids := req.Body.Jobs
	if code, msg := checkIDs(ids, "jobs"); code != "" {
		return generated.BatchCheckResults400JSONResponse{BadRequestJSONResponse: h.badRequest(info, code, msg)}, nil
	}
	now := h.s.now()
	results := make([]generated.QueryPreCheckResp, len(ids))
	h.s.mu.Lock()
	for i, id := range ids {
		e, ok := h.s.jobs[id]
		switch {
		case !ok:
			results[i] = generated.QueryPreCheckResp{PrecheckId: id, ErrorCode: codeJobNotFound, ErrorMsg: msgJobNotFound}
		case !e.started:
			results[i] = generated.QueryPreCheckResp{PrecheckId: id, ErrorCode: "DRS.M05003", ErrorMsg: "Task information not found: the pre-check of this job has not been started."}
		default:
			results[i] = e.progress(now)
		}
	}
	h.s.mu.Unlock()
	return generated.BatchCheckResults200JSONResponse{
		Body:    generated.BatchQueryPrecheckResultResp{Results: results, Count: int32(len(results))},
		Headers: generated.BatchCheckResults200ResponseHeaders{XRequestId: info.id},
	}, nil
}
