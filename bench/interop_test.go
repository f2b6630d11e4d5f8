package bench

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
)

// Our SDK-HMAC-SHA256 and Huawei's official Go SDK agree both ways: for the
// same request and time both signers write the same Authorization header,
// and what the SDK signs, aksk.Verifier and the simulator accept.

const signEndpoint = "https://drs.cn-north-4.myhuaweicloud.com"

// signedHeadersLikeSDK are the headers the SDK signs on BatchCheckJobs
// (every header it sets but Content-Type); ours is told to sign the same.
var signedHeadersLikeSDK = []string{"user-agent", "x-language", "x-project-id"}

// newSignRequest is a realistic BatchCheckJobs request with the SDK's headers.
func newSignRequest(tb testing.TB) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, signEndpoint+precheckPath, bytes.NewReader(precheckRequest))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range map[string]string{"Content-Type": "application/json", "User-Agent": "huaweicloud-usdk-go/3.0", "X-Language": "en-us", "X-Project-Id": projectID} {
		req.Header.Set(k, v)
	}
	return req
}

// newSDKSignRequest is the same request in the SDK's type, the body already
// encoded so that only signing is timed.
func newSDKSignRequest(date string) *request.DefaultHttpRequest {
	b := request.NewHttpRequestBuilder().
		WithEndpoint(signEndpoint).
		WithPath("/v3/{project_id}/jobs/batch-precheck").
		WithMethod(http.MethodPost).
		AddPathParam("project_id", projectID).
		AddHeaderParam("Content-Type", "application/json").
		AddHeaderParam("User-Agent", "huaweicloud-usdk-go/3.0").
		AddHeaderParam("X-Language", "en-us").
		AddHeaderParam("X-Project-Id", projectID).
		WithBody("", string(precheckRequest))
	if date != "" {
		b.AddHeaderParam("X-Sdk-Date", date)
	}
	return b.Build()
}

// BenchmarkSign times signing one realistic BatchCheckJobs request, ours and
// the SDK's.
func BenchmarkSign(b *testing.B) {
	b.Run("signer=ours", func(b *testing.B) {
		req := newSignRequest(b)
		s := aksk.Signer{Credentials: aksk.Credentials{AccessKey: accessKey, SecretKey: secretKey}, SignedHeaders: signedHeadersLikeSDK}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Sign(req, precheckRequest); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("signer=official-sdk", func(b *testing.B) {
		req := newSDKSignRequest("")
		var s signer.Signer
		b.ReportAllocs()
		for b.Loop() {
			// The SDK keeps X-Sdk-Date in the request: drop it so that every
			// iteration signs at "now", as ours does.
			delete(req.GetHeaderParams(), "X-Sdk-Date")
			if _, err := s.Sign(req, accessKey, secretKey); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestInteropSignerMatchesSDK signs the same requests at the same time with
// the SDK's signer and aksk.Signer and compares the headers byte for byte.
func TestInteropSignerMatchesSDK(t *testing.T) {
	t.Run("batch-precheck", func(t *testing.T) {
		sdkHeaders, err := signer.Signer{}.Sign(newSDKSignRequest(fixedTime.Format(aksk.DateFormat)), accessKey, secretKey)
		if err != nil {
			t.Fatal(err)
		}
		req := newSignRequest(t)
		s := aksk.Signer{
			Credentials:   aksk.Credentials{AccessKey: accessKey, SecretKey: secretKey},
			SignedHeaders: signedHeadersLikeSDK,
			Now:           func() time.Time { return fixedTime },
		}
		if err := s.Sign(req, precheckRequest); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"X-Sdk-Date", "Authorization"} {
			if got, want := req.Header.Get(h), sdkHeaders[h]; got != want {
				t.Errorf("%s differs:\n ours %s\n SDK  %s", h, got, want)
			}
		}
	})

	// The checked vectors of the API documentation that the SDK's signer can
	// express (it never signs Content-Type): the SDK's signer gives the
	// signatures that aksk's TestVectors holds ours to.
	for _, v := range []struct {
		name, method, query, body, signature string
	}{
		{"notes-get", http.MethodGet, "limit=1", "", "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"},
		{"notes-post", http.MethodPost, "key=value", "{\"Name\":\"test\",\"Id\":1}\n", "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"},
	} {
		t.Run(v.name, func(t *testing.T) {
			q, _ := url.ParseQuery(v.query)
			sdk := request.NewHttpRequestBuilder().WithEndpoint("https://example.huaweicloud.com").
				WithPath("/path").WithMethod(v.method).AddHeaderParam("X-Sdk-Date", "20060102T150405Z")
			for k := range q {
				// as the SDK's generated models hand query values over
				sdk.AddQueryParam(k, reflect.ValueOf(q.Get(k)))
			}
			if v.body != "" {
				sdk.WithBody("", v.body)
			}
			sdkHeaders, err := signer.Signer{}.Sign(sdk.Build(), "AccessKey", "SecretKey")
			if err != nil {
				t.Fatal(err)
			}
			want := "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=" + v.signature
			if got := sdkHeaders["Authorization"]; got != want {
				t.Errorf("SDK:  %s\nwant: %s", got, want)
			}
		})
	}
}

// verifierServer answers BatchCheckJobs like the API gateway: a request that
// aksk.Verifier accepts gets the published answer, any other 401 APIGW.0301.
// It counts the requests it accepted.
func verifierServer(t *testing.T) (*httptest.Server, func() int) {
	accepted := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", requestID)
		if err := verifySignature(r, body); err != nil {
			t.Logf("verifier refused the request: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail","request_id":"`+requestID+`"}`)
			return
		}
		if err := sameJSON(body, precheckRequest); err != nil {
			t.Errorf("request body: %v", err)
		}
		accepted++
		w.Write(precheckResponse)
	}))
	t.Cleanup(srv.Close)
	return srv, func() int { return accepted }
}

// TestInteropSDKAccepted sends BatchCheckJobs with the official SDK to a
// server checking signatures with aksk.Verifier, and to the drstest
// simulator (validating requests against openapi.yaml): the SDK's request is
// valid and its signature accepted; one signed with another SK is refused
// with 401 APIGW.0301.
func TestInteropSDKAccepted(t *testing.T) {
	gateway, accepted := verifierServer(t)
	sim := drstest.NewServer(t, drstest.WithProjectID(projectID), drstest.WithAKSK(accessKey, secretKey), drstest.WithJobs(drstest.Job{ID: jobID}))
	for _, tc := range []struct {
		name     string
		url      string
		accepted func(t *testing.T)
	}{
		{"verifier", gateway.URL, func(t *testing.T) {
			if n := accepted(); n != 1 {
				t.Fatalf("server accepted %d requests, want 1", n)
			}
		}},
		{"simulator", sim.URL, func(t *testing.T) {
			reqs := sim.Requests()
			if last := reqs[len(reqs)-1]; last.Auth != drstest.AuthAKSK || last.AccessKey != accessKey || last.Status != http.StatusOK {
				t.Fatalf("simulator recorded auth %q, access key %q, status %d; want %q, %q, 200", last.Auth, last.AccessKey, last.Status, drstest.AuthAKSK, accessKey)
			}
		}},
	} {
		t.Run(tc.name+"/right-sk", func(t *testing.T) {
			if err := officialCall(newOfficialClient(t, tc.url, secretKey), officialRequest()); err != nil {
				t.Fatal(err)
			}
			tc.accepted(t)
		})
		t.Run(tc.name+"/wrong-sk", func(t *testing.T) {
			c := newOfficialClient(t, tc.url, "another-secret-key-000000000000000000000")
			var sre *sdkerr.ServiceResponseError
			if err := officialCall(c, officialRequest()); !errors.As(err, &sre) || sre.StatusCode != http.StatusUnauthorized || sre.ErrorCode != "APIGW.0301" {
				t.Fatalf("got %v (%T), want the SDK's error for 401 APIGW.0301", err, err)
			}
		})
	}
}
