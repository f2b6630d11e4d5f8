package drs

import (
	"context"
	"net/http"

	"github.com/drsclient/drs-precheck/generated"
)

// Results reads the current verdicts of pre-checks started earlier (by
// Precheck, or by anyone), one per job in input order, without waiting (see
// Wait). Results are matched to jobs by precheck_id, which is the job ID in
// Huawei's examples; by position only when one job was asked and one result
// came back. Results that match no job, or one of several different results
// for the same job, go to Report.Unmatched and never decide a verdict.
//
// Input, batching and errors work as for Precheck: the report is nil only for
// invalid input, and err is non-nil exactly when some job has NoAnswer.
func (c *Client) Results(ctx context.Context, jobIDs []string) (*Report, error) {
	if err := checkInput(ModeStartJob, jobIDs); err != nil {
		return nil, err
	}
	rep := c.query(ctx, new(guard), refs(jobIDs))
	return rep, rep.err(false)
}

// query makes the BatchCheckResults calls for jobs.
func (c *Client) query(ctx context.Context, g *guard, jobs []jobRef) *Report {
	rep := &Report{Verdicts: make([]Verdict, len(jobs))}
	var params *generated.BatchCheckResultsParams
	if c.s.language != "" {
		params = &generated.BatchCheckResultsParams{XLanguage: generated.BatchCheckResultsParamsXLanguage(c.s.language)}
	}
	rep.Unmatched = c.fanOut(len(jobs), func(lo, hi int) []Verdict {
		asked := jobs[lo:hi]
		req := generated.BatchQueryPrecheckResultReq{Jobs: make([]string, len(asked))}
		for i, j := range asked {
			req.Jobs[i] = j.jobID
		}
		var resp generated.BatchQueryPrecheckResultResp
		ans, err := c.call(ctx, g, opResults, func(ctx context.Context) (*http.Response, error) {
			return c.gen.BatchCheckResults(ctx, c.s.projectID, params, req)
		}, &resp)
		return attribute(ctx, opResults, rep.Verdicts[lo:hi], asked, err, resp.Results,
			func(r generated.QueryPreCheckResp) string { return r.PrecheckId },
			func(j jobRef, r []generated.QueryPreCheckResp) Verdict {
				return c.judgeResult(j, r, ans.status, ans.requestID)
			})
	})
	return rep
}
