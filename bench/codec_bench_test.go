package bench

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/drsclient/drs-precheck/generated"
)

// tenJobIDs are ten job IDs in the style of Huawei's examples.
var tenJobIDs = func() []string {
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = fmt.Sprintf("140b5236-88ad-43c8-811c-1268453jb1%02d", i)
	}
	return ids
}()

// tenJobRequest is a full batch (Huawei's maximum of 10 jobs) in the
// generated model.
func tenJobRequest() generated.BatchPrecheckReq {
	req := generated.BatchPrecheckReq{Jobs: make([]generated.PreCheckInfo, len(tenJobIDs))}
	for i, id := range tenJobIDs {
		req.Jobs[i] = generated.PreCheckInfo{JobId: id, PrecheckMode: generated.PrecheckMode("forStartJob")}
	}
	return req
}

// tenJobResponse is the answer to tenJobRequest: eight started, two refused.
var tenJobResponse = func() []byte {
	resp := generated.BatchPrecheckResp{Count: int32(len(tenJobIDs))}
	for i, id := range tenJobIDs {
		r := generated.PostPreCheckResp{Id: id, PrecheckId: id, Status: "success"}
		if i%5 == 4 {
			r = generated.PostPreCheckResp{Id: id, Status: "failed", ErrorCode: "DRS.10000010", ErrorMsg: "Job does not exist, please check job ID."}
		}
		resp.Results = append(resp.Results, r)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		panic(err)
	}
	return b
}()

// BenchmarkCodec10 encodes a 10-job BatchCheckJobs request and decodes its
// 10-result answer with encoding/json, into the generated models (what our
// client does) and, for reference, into untyped maps.
func BenchmarkCodec10(b *testing.B) {
	req := tenJobRequest()
	jobs := make([]any, len(tenJobIDs))
	for i, id := range tenJobIDs {
		jobs[i] = map[string]any{"job_id": id, "precheck_mode": "forStartJob"}
	}
	untyped := map[string]any{"jobs": jobs}
	b.Run("op=encode-request/model=generated", func(b *testing.B) {
		timeCalls(b, func() error { _, err := json.Marshal(&req); return err })
	})
	b.Run("op=encode-request/model=untyped", func(b *testing.B) {
		timeCalls(b, func() error { _, err := json.Marshal(untyped); return err })
	})
	b.Run("op=decode-response/model=generated", func(b *testing.B) {
		b.SetBytes(int64(len(tenJobResponse)))
		timeCalls(b, func() error {
			var resp generated.BatchPrecheckResp
			if err := json.Unmarshal(tenJobResponse, &resp); err != nil || len(resp.Results) != 10 {
				return fmt.Errorf("%d results, error %v", len(resp.Results), err)
			}
			return nil
		})
	})
	b.Run("op=decode-response/model=untyped", func(b *testing.B) {
		b.SetBytes(int64(len(tenJobResponse)))
		timeCalls(b, func() error {
			var resp map[string]any
			return json.Unmarshal(tenJobResponse, &resp)
		})
	})
}

// BenchmarkParseResults parses Huawei's published pre-check results example
// into the generated BatchQueryPrecheckResultResp.
func BenchmarkParseResults(b *testing.B) {
	b.Run("into=generated", func(b *testing.B) {
		b.SetBytes(int64(len(largeResults)))
		timeCalls(b, func() error {
			var resp generated.BatchQueryPrecheckResultResp
			if err := json.Unmarshal(largeResults, &resp); err != nil || len(resp.Results) != 1 || len(resp.Results[0].PrecheckResult) != 4 {
				return fmt.Errorf("unexpected %+v, error %v", resp, err)
			}
			return nil
		})
	})
}
