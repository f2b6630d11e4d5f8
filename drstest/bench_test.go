package drstest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/drstest"
)

// The simulator's own cost per BatchCheckJobs call, without the network:
// with the contract's request validation (the default) and without it
// (WithoutRequestValidation, for benchmarks of clients).
func BenchmarkServeHTTP(b *testing.B) {
	for _, name := range []string{"validated", "unvalidated"} {
		b.Run(name, func(b *testing.B) {
			opts := []drstest.Option{drstest.WithToken("t"), drstest.WithJobs(drstest.Job{ID: "j"}), drstest.WithRequestLogLimit(0)}
			if name == "unvalidated" {
				opts = append(opts, drstest.WithoutRequestValidation())
			}
			sim, err := drstest.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			const body = `{"jobs":[{"job_id":"j","precheck_mode":"forStartJob"}]}`
			path := "/v3/" + sim.ProjectID() + "/jobs/batch-precheck"
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Auth-Token", "t")
				rec := httptest.NewRecorder()
				sim.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
