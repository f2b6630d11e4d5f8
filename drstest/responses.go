package drstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/drsclient/drs-precheck/generated"
)

// Operation names (operationId in openapi.yaml), for Fault.Operation and
// Request.Operation.
const (
	OpBatchCheckJobs    = "BatchCheckJobs"
	OpBatchCheckResults = "BatchCheckResults"
)

// Error codes and messages the simulator answers with.
const (
	codeEmpty         = "DRS.M00201"
	codeInvalid       = "DRS.M00202"
	codeDuplicate     = "DRS.M00301"
	codeJobNotFound   = "DRS.10000010"
	msgJobNotFound    = "Job does not exist, please check job ID."
	codeAuth          = "APIGW.0301"
	msgAuth           = "Incorrect IAM authentication information"
	codeTooLarge      = "APIGW.0201"
	msgTooLarge       = "Request entity too large."
	codeThrottled     = "APIGW.0308"
	msgThrottled      = "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second"
	maxJobsPerRequest = 10
	maxBodyBytes      = 12 << 20 // the API gateway's limit
)

func msgEmpty(field string) string     { return "Parameter " + field + " is empty." }
func msgInvalid(field string) string   { return "The value of parameter " + field + " is invalid." }
func msgDuplicate(field string) string { return "Duplicate " + field + " in request." }

// defaultErrors are the error statuses openapi.yaml documents, with the
// answer a FaultError of that status gives when it names no code.
var defaultErrors = map[int][2]string{
	400: {"DRS.M01503", "Operation too frequent. Try again later."},
	401: {"APIGW.0307", "The token must be updated."},
	403: {"APIGW.0302", "The IAM user is not authorized to access the API."},
	413: {codeTooLarge, msgTooLarge},
	422: {"DRS.M00004", "The DRS service is abnormal."},
	429: {codeThrottled, msgThrottled},
	500: {"APIGW.9999", "System error."},
	502: {"APIGW.0202", "Backend unavailable."},
	503: {"APIGW.0613", "IAM is unavailable."},
	504: {"APIGW.0203", "Backend timeout."},
}

// errorBody builds an answer's ErrorBody; the API gateway (codes APIGW.*)
// adds the request ID, DRS does not.
func errorBody(requestID, code, msg string) generated.ErrorBody {
	b := generated.ErrorBody{ErrorCode: code, ErrorMsg: msg}
	if strings.HasPrefix(code, "APIG") {
		b.RequestId = requestID
	}
	return b
}

// writeHead writes an answer's headers as openapi.yaml documents them:
// Retry-After (whole seconds, rounded up) with 429 and 503.
func writeHead(w http.ResponseWriter, status int, contentType string, retryAfter time.Duration) {
	w.Header().Set("Content-Type", contentType)
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((retryAfter+time.Second-1)/time.Second), 10))
	}
	w.WriteHeader(status)
}

// writeError answers with a JSON ErrorBody and records the code in the log.
func (s *Simulator) writeError(w http.ResponseWriter, info *requestInfo, status int, code, msg string, retryAfter time.Duration) {
	s.update(info, func(r *Request) { r.ErrorCode = code })
	b, _ := json.Marshal(errorBody(info.id, code, msg))
	writeHead(w, status, "application/json", retryAfter)
	_, _ = w.Write(b) // a client gone has nothing left to be told
}

// writeGatewayPage answers with the HTML or plain-text error page a load
// balancer in front of the API gateway sends.
func writeGatewayPage(w http.ResponseWriter, status int, html bool, retryAfter time.Duration) {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	contentType, page := "text/plain", title+"\n"
	if html {
		contentType, page = "text/html", "<html>\r\n<head><title>"+title+"</title></head>\r\n<body>\r\n<center><h1>"+title+
			"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	}
	writeHead(w, status, contentType, retryAfter)
	_, _ = w.Write([]byte(page))
}
