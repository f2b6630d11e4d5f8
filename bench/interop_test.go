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

// These tests prove that our SDK-HMAC-SHA256 implementation and Huawei's
// official Go SDK agree: what the SDK signs, our verifier (and so the
// simulator) accepts, and for the same request and time both signers produce
// the same Authorization header. They run in CI (go test ./... in bench/).

// TestInteropSignerMatchesSDK signs the same requests at the same time with
// Huawei's signer (core/auth/signer, called directly) and with aksk.Signer,
// and compares the Authorization headers byte for byte.
func TestInteropSignerMatchesSDK(t *testing.T) {
	date := fixedTime.Format(aksk.DateFormat)

	t.Run("batch-precheck", func(t *testing.T) {
		sdkReq := newSDKSignRequest(date)
		sdkHeaders, err := signer.Signer{}.Sign(sdkReq, accessKey, secretKey)
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
		if got, want := req.Header.Get("X-Sdk-Date"), sdkHeaders["X-Sdk-Date"]; got != want {
			t.Errorf("X-Sdk-Date: ours %q, SDK %q", got, want)
		}
		if got, want := req.Header.Get("Authorization"), sdkHeaders["Authorization"]; got != want {
			t.Errorf("Authorization differs:\n ours %s\n SDK  %s", got, want)
		}
		if testing.Verbose() {
			t.Logf("both: %s", req.Header.Get("Authorization"))
		}
	})

	// The independently checked vectors of the API documentation (authentication) that the SDK's signer
	// can express (it never signs Content-Type, so the first published
	// example, which does, is covered by aksk's own tests only).
	vectors := []struct {
		name, method, rawURL string
		query                map[string]string
		body                 string
		signature            string
	}{
		{"notes-get", http.MethodGet, "https://example.huaweicloud.com/path", map[string]string{"limit": "1"}, "",
			"5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"},
		{"notes-post", http.MethodPost, "https://example.huaweicloud.com/path", map[string]string{"key": "value"}, "{\"Name\":\"test\",\"Id\":1}\n",
			"cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"},
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			const vectorDate = "20060102T150405Z"
			u, err := url.Parse(v.rawURL)
			if err != nil {
				t.Fatal(err)
			}
			sdkBuilder := request.NewHttpRequestBuilder().
				WithEndpoint(u.Scheme+"://"+u.Host).
				WithPath(u.Path).
				WithMethod(v.method).
				AddHeaderParam("X-Sdk-Date", vectorDate)
			q := url.Values{}
			for k, val := range v.query {
				// The SDK's signer reads query values as reflect.Values, the
				// way its generated request models hand them over.
				sdkBuilder.AddQueryParam(k, reflect.ValueOf(val))
				q.Set(k, val)
			}
			if v.body != "" {
				sdkBuilder.WithBody("", v.body)
			}
			sdkHeaders, err := signer.Signer{}.Sign(sdkBuilder.Build(), "AccessKey", "SecretKey")
			if err != nil {
				t.Fatal(err)
			}

			u.RawQuery = q.Encode()
			req, err := http.NewRequest(v.method, u.String(), bytes.NewReader([]byte(v.body)))
			if err != nil {
				t.Fatal(err)
			}
			at, _ := time.Parse(aksk.DateFormat, vectorDate)
			s := aksk.Signer{
				Credentials:   aksk.Credentials{AccessKey: "AccessKey", SecretKey: "SecretKey"},
				SignedHeaders: []string{"x-sdk-date"},
				Now:           func() time.Time { return at },
			}
			if err := s.Sign(req, []byte(v.body)); err != nil {
				t.Fatal(err)
			}
			want := "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=" + v.signature
			if got := sdkHeaders["Authorization"]; got != want {
				t.Errorf("SDK:  %s\nwant: %s", got, want)
			}
			if got := req.Header.Get("Authorization"); got != want {
				t.Errorf("ours: %s\nwant: %s", got, want)
			}
		})
	}
}

// verifierServer answers BatchCheckJobs like the API gateway: a request whose
// signature aksk.Verifier accepts gets the published answer, any other one
// 401 APIGW.0301.
func verifierServer(t *testing.T) (*httptest.Server, *[]string) {
	v := aksk.Verifier{Lookup: func(ak string) (string, bool) {
		if ak == accessKey {
			return secretKey, true
		}
		return "", false
	}}
	var signedHeaders []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", requestID)
		if _, err := v.Verify(r, body); err != nil {
			t.Logf("verifier refused the request: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail","request_id":"`+requestID+`"}`)
			return
		}
		if err := sameJSON(body, precheckRequest); err != nil {
			t.Errorf("request body: %v", err)
		}
		signedHeaders = append(signedHeaders, r.Header.Get("Authorization"))
		w.Write(precheckResponse)
	}))
	t.Cleanup(srv.Close)
	return srv, &signedHeaders
}

// TestInteropVerifierAcceptsSDK sends BatchCheckJobs with Huawei's official
// SDK to a server that checks signatures with aksk.Verifier.
func TestInteropVerifierAcceptsSDK(t *testing.T) {
	srv, seen := verifierServer(t)

	t.Run("right-sk", func(t *testing.T) {
		c := newOfficialClient(t, srv.URL, accessKey, secretKey, newTransport(t))
		if err := officialCall(c, officialRequest()); err != nil {
			t.Fatal(err)
		}
		if len(*seen) != 1 {
			t.Fatalf("server accepted %d requests, want 1", len(*seen))
		}
		t.Logf("accepted: %s", redactSignature((*seen)[0]))
	})
	t.Run("wrong-sk", func(t *testing.T) {
		c := newOfficialClient(t, srv.URL, accessKey, "another-secret-key-000000000000000000000", newTransport(t))
		err := officialCall(c, officialRequest())
		wantAPIGW0301(t, err)
	})
}

// wantAPIGW0301 checks that err is the SDK's error for 401 APIGW.0301.
func wantAPIGW0301(t *testing.T, err error) {
	t.Helper()
	var sre *sdkerr.ServiceResponseError
	if !errors.As(err, &sre) {
		t.Fatalf("got %v (%T), want a *sdkerr.ServiceResponseError", err, err)
	}
	if sre.StatusCode != http.StatusUnauthorized || sre.ErrorCode != "APIGW.0301" {
		t.Fatalf("got status %d code %q, want 401 APIGW.0301", sre.StatusCode, sre.ErrorCode)
	}
}

// redactSignature keeps the Authorization header's structure for the log and
// drops the signature value.
func redactSignature(auth string) string {
	if i := bytes.LastIndex([]byte(auth), []byte("Signature=")); i >= 0 {
		return auth[:i] + "Signature=…"
	}
	return auth
}

// TestInteropSimulatorAcceptsSDK sends BatchCheckJobs with Huawei's official
// SDK to the drstest simulator, with its request validation against
// openapi.yaml on: the SDK's request is valid and its signature accepted; a
// request signed with another SK is refused with 401 APIGW.0301.
func TestInteropSimulatorAcceptsSDK(t *testing.T) {
	srv := drstest.NewServer(t,
		drstest.WithProjectID(projectID),
		drstest.WithAKSK(accessKey, secretKey),
		drstest.WithJobs(drstest.Job{ID: jobID}),
	)

	t.Run("right-sk", func(t *testing.T) {
		c := newOfficialClient(t, srv.URL, accessKey, secretKey, newTransport(t))
		resp, err := c.BatchCheckJobs(officialRequest())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Results == nil || len(*resp.Results) != 1 {
			t.Fatalf("unexpected answer %v", resp)
		}
		r := (*resp.Results)[0]
		if r.Status == nil || r.Status.Value() != "success" || r.PrecheckId == nil || *r.PrecheckId != jobID {
			t.Fatalf("the simulator did not start the pre-check: %v", r)
		}
		reqs := srv.Requests()
		last := reqs[len(reqs)-1]
		if last.Auth != drstest.AuthAKSK || last.AccessKey != accessKey || last.Status != http.StatusOK {
			t.Fatalf("simulator recorded auth %q, access key %q, status %d; want %q, %q, 200",
				last.Auth, last.AccessKey, last.Status, drstest.AuthAKSK, accessKey)
		}
	})
	t.Run("wrong-sk", func(t *testing.T) {
		c := newOfficialClient(t, srv.URL, accessKey, "another-secret-key-000000000000000000000", newTransport(t))
		_, err := c.BatchCheckJobs(officialRequest())
		wantAPIGW0301(t, err)
	})
}
