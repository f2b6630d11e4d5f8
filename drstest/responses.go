package drstest

import (
	"bytes"
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
	codeEmpty         = "DRS.M00201" // Parameter %s is empty.
	codeInvalid       = "DRS.M00202" // The value of parameter %s is invalid.
	codeDuplicate     = "DRS.M00301" // Duplicate %s in request.
	codeWrongStatus   = "DRS.M00304"
	msgWrongStatus    = "This API cannot be called in the current task status."
	codeNoPrecheck    = "DRS.M05003"
	msgNoPrecheck     = "Task information not found: the pre-check of this job has not been started."
	codeJobReleased   = "DRS.M05004"
	msgJobReleased    = "The task has been deleted or its resources released."
	codeJobNotFound   = "DRS.10000010"
	msgJobNotFound    = "Job does not exist, please check job ID."
	codeBadProject    = "DRS.M00261"
	msgBadProject     = "Invalid project ID."
	codeAuth          = "APIGW.0301"
	msgAuth           = "Incorrect IAM authentication information"
	codeNoAPI         = "APIGW.0101"
	msgNoAPI          = "The API does not exist or has not been published in the environment."
	codeTooLarge      = "APIGW.0201"
	msgTooLarge       = "Request entity too large."
	codeThrottled     = "APIGW.0308"
	msgThrottled      = "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second"
	codeInternal      = "DRS.M00004"
	msgInternal       = "The DRS service is abnormal."
	maxJobsPerRequest = 10
	maxBodyBytes      = 12 << 20 // the API gateway's limit
)

func msgEmpty(field string) string     { return "Parameter " + field + " is empty." }
func msgInvalid(field string) string   { return "The value of parameter " + field + " is invalid." }
func msgDuplicate(field string) string { return "Duplicate " + field + " in request." }

// defaultError is the error a FaultError of a given status answers with when
// the fault names no code.
func defaultError(status int) (code, msg string) {
	switch status {
	case http.StatusBadRequest:
		return "DRS.M01503", "Operation too frequent. Try again later."
	case http.StatusUnauthorized:
		return "APIGW.0307", "The token must be updated."
	case http.StatusForbidden:
		return "APIGW.0302", "The IAM user is not authorized to access the API."
	case http.StatusRequestEntityTooLarge:
		return codeTooLarge, msgTooLarge
	case http.StatusUnprocessableEntity:
		return codeInternal, msgInternal
	case http.StatusTooManyRequests:
		return codeThrottled, msgThrottled
	case http.StatusBadGateway:
		return "APIGW.0202", "Backend unavailable."
	case http.StatusServiceUnavailable:
		return "APIGW.0613", "IAM is unavailable."
	case http.StatusGatewayTimeout:
		return "APIGW.0203", "Backend timeout."
	default:
		return "APIGW.9999", "System error."
	}
}

// documentedStatus reports whether openapi.yaml documents an error status
// (for both operations).
func documentedStatus(status int) bool {
	switch status {
	case 400, 401, 403, 413, 422, 429, 500, 502, 503, 504:
		return true
	}
	return false
}

// errorBody builds the ErrorBody of an answer. The API gateway (codes
// APIGW.*) adds the request ID to its errors; DRS does not.
func errorBody(requestID, code, msg string) generated.ErrorBody {
	b := generated.ErrorBody{ErrorCode: code, ErrorMsg: msg}
	if strings.HasPrefix(code, "APIG") {
		b.RequestId = requestID
	}
	return b
}

// retryAfterSeconds formats a Retry-After delay in whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// writeError answers a request with a JSON ErrorBody through the generated
// response types of its operation, and records the code in the request log.
func (s *Simulator) writeError(w http.ResponseWriter, info *requestInfo, status int, code, msg string, retryAfter time.Duration) {
	s.noteError(info, code)
	body := errorBody(info.id, code, msg)
	ra := retryAfterSeconds(retryAfter)
	var err error
	switch info.op {
	case OpBatchCheckJobs:
		if resp := jobsError(status, info.id, body, ra); resp != nil {
			err = resp.VisitBatchCheckJobsResponse(w)
			break
		}
		err = writeJSON(w, status, info.id, body)
	case OpBatchCheckResults:
		if resp := resultsError(status, info.id, body, ra); resp != nil {
			err = resp.VisitBatchCheckResultsResponse(w)
			break
		}
		err = writeJSON(w, status, info.id, body)
	default:
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", ra)
		}
		err = writeJSON(w, status, info.id, body)
	}
	_ = err // the client went away; nothing left to tell it
}

// writeJSON writes a JSON answer outside the spec's operations (an unknown
// route).
func writeJSON(w http.ResponseWriter, status int, requestID string, v any) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(headerRequestID, requestID)
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// jobsError returns the generated BatchCheckJobs response for an error
// status, or nil for a status the spec does not document.
func jobsError(status int, id string, body generated.ErrorBody, retryAfter string) generated.BatchCheckJobsResponseObject {
	switch status {
	case 400:
		return generated.BatchCheckJobs400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse{Body: body, Headers: generated.BadRequestResponseHeaders{XRequestId: id}}}
	case 401:
		return generated.BatchCheckJobs401JSONResponse{UnauthorizedJSONResponse: generated.UnauthorizedJSONResponse{Body: body, Headers: generated.UnauthorizedResponseHeaders{XRequestId: id}}}
	case 403:
		return generated.BatchCheckJobs403JSONResponse{ForbiddenJSONResponse: generated.ForbiddenJSONResponse{Body: body, Headers: generated.ForbiddenResponseHeaders{XRequestId: id}}}
	case 413:
		return generated.BatchCheckJobs413JSONResponse{PayloadTooLargeJSONResponse: generated.PayloadTooLargeJSONResponse{Body: body, Headers: generated.PayloadTooLargeResponseHeaders{XRequestId: id}}}
	case 422:
		return generated.BatchCheckJobs422JSONResponse{ServiceAbnormalJSONResponse: generated.ServiceAbnormalJSONResponse{Body: body, Headers: generated.ServiceAbnormalResponseHeaders{XRequestId: id}}}
	case 429:
		return generated.BatchCheckJobs429JSONResponse{TooManyRequestsJSONResponse: generated.TooManyRequestsJSONResponse{Body: body, Headers: generated.TooManyRequestsResponseHeaders{XRequestId: id, RetryAfter: retryAfter}}}
	case 500:
		return generated.BatchCheckJobs500JSONResponse{InternalServerErrorJSONResponse: generated.InternalServerErrorJSONResponse{Body: body, Headers: generated.InternalServerErrorResponseHeaders{XRequestId: id}}}
	case 502:
		return generated.BatchCheckJobs502JSONResponse{BadGatewayJSONResponse: generated.BadGatewayJSONResponse{Body: body, Headers: generated.BadGatewayResponseHeaders{XRequestId: id}}}
	case 503:
		return generated.BatchCheckJobs503JSONResponse{ServiceUnavailableJSONResponse: generated.ServiceUnavailableJSONResponse{Body: body, Headers: generated.ServiceUnavailableResponseHeaders{XRequestId: id, RetryAfter: retryAfter}}}
	case 504:
		return generated.BatchCheckJobs504JSONResponse{GatewayTimeoutJSONResponse: generated.GatewayTimeoutJSONResponse{Body: body, Headers: generated.GatewayTimeoutResponseHeaders{XRequestId: id}}}
	}
	return nil
}

// resultsError is jobsError for BatchCheckResults.
func resultsError(status int, id string, body generated.ErrorBody, retryAfter string) generated.BatchCheckResultsResponseObject {
	switch status {
	case 400:
		return generated.BatchCheckResults400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse{Body: body, Headers: generated.BadRequestResponseHeaders{XRequestId: id}}}
	case 401:
		return generated.BatchCheckResults401JSONResponse{UnauthorizedJSONResponse: generated.UnauthorizedJSONResponse{Body: body, Headers: generated.UnauthorizedResponseHeaders{XRequestId: id}}}
	case 403:
		return generated.BatchCheckResults403JSONResponse{ForbiddenJSONResponse: generated.ForbiddenJSONResponse{Body: body, Headers: generated.ForbiddenResponseHeaders{XRequestId: id}}}
	case 413:
		return generated.BatchCheckResults413JSONResponse{PayloadTooLargeJSONResponse: generated.PayloadTooLargeJSONResponse{Body: body, Headers: generated.PayloadTooLargeResponseHeaders{XRequestId: id}}}
	case 422:
		return generated.BatchCheckResults422JSONResponse{ServiceAbnormalJSONResponse: generated.ServiceAbnormalJSONResponse{Body: body, Headers: generated.ServiceAbnormalResponseHeaders{XRequestId: id}}}
	case 429:
		return generated.BatchCheckResults429JSONResponse{TooManyRequestsJSONResponse: generated.TooManyRequestsJSONResponse{Body: body, Headers: generated.TooManyRequestsResponseHeaders{XRequestId: id, RetryAfter: retryAfter}}}
	case 500:
		return generated.BatchCheckResults500JSONResponse{InternalServerErrorJSONResponse: generated.InternalServerErrorJSONResponse{Body: body, Headers: generated.InternalServerErrorResponseHeaders{XRequestId: id}}}
	case 502:
		return generated.BatchCheckResults502JSONResponse{BadGatewayJSONResponse: generated.BadGatewayJSONResponse{Body: body, Headers: generated.BadGatewayResponseHeaders{XRequestId: id}}}
	case 503:
		return generated.BatchCheckResults503JSONResponse{ServiceUnavailableJSONResponse: generated.ServiceUnavailableJSONResponse{Body: body, Headers: generated.ServiceUnavailableResponseHeaders{XRequestId: id, RetryAfter: retryAfter}}}
	case 504:
		return generated.BatchCheckResults504JSONResponse{GatewayTimeoutJSONResponse: generated.GatewayTimeoutJSONResponse{Body: body, Headers: generated.GatewayTimeoutResponseHeaders{XRequestId: id}}}
	}
	return nil
}

// gatewayPage is the error page a load balancer in front of the API gateway
// sends.
func gatewayPage(status int, html bool) string {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if !html {
		return title + "\n"
	}
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}

// writeGatewayPage answers with an HTML or plain-text gateway page (status
// 502, 503 or 504) through the generated response types.
func (s *Simulator) writeGatewayPage(w http.ResponseWriter, info *requestInfo, status int, html bool, retryAfter time.Duration) {
	page := gatewayPage(status, html)
	id := info.id
	ra := retryAfterSeconds(retryAfter)
	bad := generated.BadGatewayResponseHeaders{XRequestId: id}
	unavailable := generated.ServiceUnavailableResponseHeaders{XRequestId: id, RetryAfter: ra}
	timeout := generated.GatewayTimeoutResponseHeaders{XRequestId: id}
	n := int64(len(page))
	var err error
	switch info.op {
	case OpBatchCheckJobs:
		var resp generated.BatchCheckJobsResponseObject
		switch {
		case status == 502 && html:
			resp = generated.BatchCheckJobs502TexthtmlResponse{BadGatewayTexthtmlResponse: generated.BadGatewayTexthtmlResponse{Body: strings.NewReader(page), Headers: bad, ContentLength: n}}
		case status == 502:
			resp = generated.BatchCheckJobs502TextResponse{BadGatewayTextResponse: generated.BadGatewayTextResponse{Body: page, Headers: bad}}
		case status == 503 && html:
			resp = generated.BatchCheckJobs503TexthtmlResponse{ServiceUnavailableTexthtmlResponse: generated.ServiceUnavailableTexthtmlResponse{Body: strings.NewReader(page), Headers: unavailable, ContentLength: n}}
		case status == 503:
			resp = generated.BatchCheckJobs503TextResponse{ServiceUnavailableTextResponse: generated.ServiceUnavailableTextResponse{Body: page, Headers: unavailable}}
		case html:
			resp = generated.BatchCheckJobs504TexthtmlResponse{GatewayTimeoutTexthtmlResponse: generated.GatewayTimeoutTexthtmlResponse{Body: strings.NewReader(page), Headers: timeout, ContentLength: n}}
		default:
			resp = generated.BatchCheckJobs504TextResponse{GatewayTimeoutTextResponse: generated.GatewayTimeoutTextResponse{Body: page, Headers: timeout}}
		}
		err = resp.VisitBatchCheckJobsResponse(w)
	case OpBatchCheckResults:
		var resp generated.BatchCheckResultsResponseObject
		switch {
		case status == 502 && html:
			resp = generated.BatchCheckResults502TexthtmlResponse{BadGatewayTexthtmlResponse: generated.BadGatewayTexthtmlResponse{Body: strings.NewReader(page), Headers: bad, ContentLength: n}}
		case status == 502:
			resp = generated.BatchCheckResults502TextResponse{BadGatewayTextResponse: generated.BadGatewayTextResponse{Body: page, Headers: bad}}
		case status == 503 && html:
			resp = generated.BatchCheckResults503TexthtmlResponse{ServiceUnavailableTexthtmlResponse: generated.ServiceUnavailableTexthtmlResponse{Body: strings.NewReader(page), Headers: unavailable, ContentLength: n}}
		case status == 503:
			resp = generated.BatchCheckResults503TextResponse{ServiceUnavailableTextResponse: generated.ServiceUnavailableTextResponse{Body: page, Headers: unavailable}}
		case html:
			resp = generated.BatchCheckResults504TexthtmlResponse{GatewayTimeoutTexthtmlResponse: generated.GatewayTimeoutTexthtmlResponse{Body: strings.NewReader(page), Headers: timeout, ContentLength: n}}
		default:
			resp = generated.BatchCheckResults504TextResponse{GatewayTimeoutTextResponse: generated.GatewayTimeoutTextResponse{Body: page, Headers: timeout}}
		}
		err = resp.VisitBatchCheckResultsResponse(w)
	default:
		ct := "text/plain; charset=utf-8"
		if html {
			ct = "text/html"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set(headerRequestID, id)
		if status == 503 {
			w.Header().Set("Retry-After", ra)
		}
		w.WriteHeader(status)
		_, err = w.Write([]byte(page))
	}
	_ = err
}
