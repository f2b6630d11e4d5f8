package drstest

import (
	"context"
	"net/http"

	"github.com/drsclient/drs-precheck/generated"
)

// handlers implements generated.StrictServerInterface: DRS's own logic, on
// requests that passed the gateway and the contract.
type handlers struct{ s *Simulator }

var _ generated.StrictServerInterface = handlers{}

// BatchCheckJobs starts the pre-checks of up to 10 jobs.
func (h handlers) BatchCheckJobs(ctx context.Context, req generated.BatchCheckJobsRequestObject) (generated.BatchCheckJobsResponseObject, error) {
	info := infoFrom(ctx)
	bad := func(code, msg string) (generated.BatchCheckJobsResponseObject, error) {
		h.s.noteError(info, code)
		return generated.BatchCheckJobs400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse{
			Body:    errorBody(info.id, code, msg),
			Headers: generated.BadRequestResponseHeaders{XRequestId: info.id},
		}}, nil
	}
	var jobs []generated.PreCheckInfo
	if req.Body != nil {
		jobs = req.Body.Jobs
	}
	// The contract already checked the shape; these checks hold without it
	// (WithoutRequestValidation) and add DRS's own rules.
	switch {
	case len(jobs) == 0:
		return bad(codeEmpty, msgEmpty("jobs"))
	case len(jobs) > maxJobsPerRequest:
		return bad(codeInvalid, msgInvalid("jobs"))
	}
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		switch {
		case j.JobId == "":
			return bad(codeEmpty, msgEmpty("job_id"))
		case j.PrecheckMode == "":
			return bad(codeEmpty, msgEmpty("precheck_mode"))
		case !j.PrecheckMode.Valid():
			return bad(codeInvalid, msgInvalid("precheck_mode"))
		case seen[j.JobId]:
			return bad(codeDuplicate, msgDuplicate("job_id"))
		}
		seen[j.JobId] = true
	}

	now := h.s.now()
	results := make([]generated.PostPreCheckResp, len(jobs))
	h.s.mu.Lock()
	for i, j := range jobs {
		res := generated.PostPreCheckResp{Id: j.JobId}
		e, ok := h.s.jobs[j.JobId]
		var code, msg string
		if !ok {
			code, msg = codeJobNotFound, msgJobNotFound
		} else {
			code, msg = startCheck(e.State, j.PrecheckMode)
		}
		if code != "" {
			res.Status, res.ErrorCode, res.ErrorMsg = generated.PrecheckStartStatusFailed, code, msg
		} else {
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
	bad := func(code, msg string) (generated.BatchCheckResultsResponseObject, error) {
		h.s.noteError(info, code)
		return generated.BatchCheckResults400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse{
			Body:    errorBody(info.id, code, msg),
			Headers: generated.BadRequestResponseHeaders{XRequestId: info.id},
		}}, nil
	}
	var ids []string
	if req.Body != nil {
		ids = req.Body.Jobs
	}
	switch {
	case len(ids) == 0:
		return bad(codeEmpty, msgEmpty("jobs"))
	case len(ids) > maxJobsPerRequest:
		return bad(codeInvalid, msgInvalid("jobs"))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		switch {
		case id == "":
			return bad(codeEmpty, msgEmpty("jobs"))
		case seen[id]:
			return bad(codeDuplicate, msgDuplicate("jobs"))
		}
		seen[id] = true
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
			results[i] = generated.QueryPreCheckResp{PrecheckId: id, ErrorCode: codeNoPrecheck, ErrorMsg: msgNoPrecheck}
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

// Compile-time check that the router's handler is an http.Handler.
var _ http.Handler = (*Simulator)(nil)
