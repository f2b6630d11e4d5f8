package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The same values for every client under test.
const (
	projectID = "054ba152d480d55b2f5dc0069e7ddef0" // the project ID of Huawei's published example
	jobID     = "140b5236-88ad-43c8-811c-1268453jb101"
	accessKey = "BENCHACCESSKEY000001"
	secretKey = "bench-secret-key-0000000000000000000000"
	iamToken  = "bench-iam-token"
	requestID = "bench-request-id-0001"

	precheckPath = "/v3/" + projectID + "/jobs/batch-precheck"
	resultsPath  = "/v3/" + projectID + "/jobs/batch-precheck-result"
)

// precheckResponse is Huawei's published example answer of BatchCheckJobs,
// byte for byte what the loopback server sends to every client.
var precheckResponse = []byte(`{"results":[{"id":"140b5236-88ad-43c8-811c-1268453jb101","status":"success","precheck_id":"140b5236-88ad-43c8-811c-1268453jb101"}],"count":1}`)

// precheckRequest is the one-job request body: nethttp sends these bytes,
// every other client the same JSON value (checked before timing, see expect).
var precheckRequest = []byte(`{"jobs":[{"job_id":"140b5236-88ad-43c8-811c-1268453jb101","precheck_mode":"forStartJob"}]}` + "\n")

// resultsRequest is the BatchCheckResults request for the one job.
var resultsRequest = []byte(`{"jobs":["140b5236-88ad-43c8-811c-1268453jb101"]}` + "\n")

// largeResults is Huawei's published pre-check results example (MySQL
// migration), the largest answer Huawei publishes.
var largeResults = []byte(`{"count":1,"results":[{"result":true,"process":"100%","precheck_id":"140b5236-88ad-43c8-811c-1268453jb101","total_passed_rate":"100%","rds_instance_id":"e05a3679efe241d8b5dee80b17c1a863in01","job_direction":"up","precheck_result":[{"item":"dstDbDiskSize","result":"PASSED","data":"{\"diskSizeTimes\":\"1.5\",\"dstVolumeSize\":\"37660000000\",\"srcIndexSize\":0,\"size\":\"0\",\"srcIndexAmount\":0}","group":"db_disk_size"},{"item":"srcBinlogFormatCheck","result":"PASSED","group":"db_params"},{"item":"dstStatusCheck","result":"PASSED","data":"","group":"db_target_status","failed_reason":""},{"item":"srcDbConnection","result":"PASSED","group":"network"}]}]}`)

// TestMain points HOME at a temporary directory (Huawei's SDK writes
// ~/.huaweicloud/application_id), clears the SDK's credential variables, and
// fails the run on a leaked goroutine.
func TestMain(m *testing.M) {
	if serveChildIfAsked() {
		return
	}
	home, err := os.MkdirTemp("", "drs-bench-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: temporary HOME:", err)
		os.Exit(2)
	}
	os.Setenv("HOME", home)
	for _, k := range []string{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID",
		"HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_REGION", "HUAWEICLOUD_IAM_TOKEN"} {
		os.Unsetenv(k)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: goroutines leaked:", err)
			code = 1
		}
	}
	os.RemoveAll(home)
	os.Exit(code)
}

// newTransport is every client's own transport, of the same settings:
// http.DefaultTransport's, with enough idle connections per host.
func newTransport(tb testing.TB) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
	tb.Cleanup(tr.CloseIdleConnections)
	return tr
}

// fixedServer answers one operation with a fixed body. While timing, every
// request costs it the same; before, in check mode, it also verifies what the
// client sent (see expect).
type fixedServer struct {
	*httptest.Server
	path     string // the operation's path
	wantBody []byte // the request body every client must send (as a JSON value)
	answer   []byte // the 200 answer
	check    atomic.Pointer[func(r *http.Request, body []byte) error]
	lastErr  atomic.Pointer[error] // of the check
}

func newPrecheckServer(tb testing.TB) *fixedServer {
	return newFixedServer(tb, precheckPath, precheckRequest, precheckResponse)
}

func newResultsServer(tb testing.TB) *fixedServer {
	return newFixedServer(tb, resultsPath, resultsRequest, largeResults)
}

func newFixedServer(tb testing.TB, path string, wantBody, answer []byte) *fixedServer {
	s := &fixedServer{path: path, wantBody: wantBody, answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func (s *fixedServer) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["X-Request-Id"] = []string{requestID}
	if check := s.check.Load(); check != nil {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = (*check)(r, body)
		}
		if err != nil {
			s.lastErr.Store(&err)
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error_code":"DRS.M00007","error_msg":"bench: unexpected request"}`)
			return
		}
	} else {
		io.Copy(io.Discard, r.Body)
	}
	w.Write(s.answer)
}

// expect runs call once in check mode: the request must be a POST of the
// expected body to the operation's path and pass verify.
func (s *fixedServer) expect(tb testing.TB, call func() error, verify func(r *http.Request, body []byte) error) {
	tb.Helper()
	check := func(r *http.Request, body []byte) error {
		if r.Method != http.MethodPost || r.URL.Path != s.path {
			return fmt.Errorf("got %s %s, want POST %s", r.Method, r.URL.Path, s.path)
		}
		if err := sameJSON(body, s.wantBody); err != nil {
			return fmt.Errorf("request body: %w", err)
		}
		if verify != nil {
			return verify(r, body)
		}
		return nil
	}
	s.lastErr.Store(nil)
	s.check.Store(&check)
	err := call()
	s.check.Store(nil)
	if serverErr := s.lastErr.Load(); serverErr != nil {
		tb.Fatalf("server: %v", *serverErr)
	}
	if err != nil {
		tb.Fatalf("client: %v", err)
	}
}

// sameJSON reports whether got and want are the same JSON value.
func sameJSON(got, want []byte) error {
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Errorf("not JSON: %w (%q)", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return err
	}
	if !reflect.DeepEqual(g, w) {
		return fmt.Errorf("got %s, want %s", bytes.TrimSpace(got), bytes.TrimSpace(want))
	}
	return nil
}

// fixedTime is the signing time of the deterministic signature tests.
var fixedTime = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// cpuMeter reports the process's CPU time (client, server, GC) per iteration
// as cpu-ns/op: on a busy machine steadier than wall time.
type cpuMeter struct{ start time.Duration }

func startCPUMeter() cpuMeter { return cpuMeter{start: processCPU()} }

func (m cpuMeter) report(b *testing.B) {
	if b.N > 0 && m.start > 0 {
		b.ReportMetric(float64(processCPU()-m.start)/float64(b.N), "cpu-ns/op")
	}
}
