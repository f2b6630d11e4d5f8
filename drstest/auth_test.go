package drstest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drsclient/drs-precheck/aksk"
	"github.com/drsclient/drs-precheck/drstest"
	"github.com/drsclient/drs-precheck/generated"
)

// The credentials of the authentication and lockout tests. Every secret
// below ends in DO-NOT-PRINT so that a leak is easy to spot (leaked).
const (
	lkPermAK, lkPermSK        = "LOCKPERMAK0000000001", "perm-secret-key-DO-NOT-PRINT"
	lkOtherAK, lkOtherSK      = "LOCKOTHERAK000000002", "other-secret-key-DO-NOT-PRINT"
	lkTempAK, lkTempSK        = "LOCKTEMPAK0000000003", "temp-secret-key-DO-NOT-PRINT"
	lkTempST                  = "temp-security-token-DO-NOT-PRINT"
	lkWrongST                 = "wrong-security-token-DO-NOT-PRINT"
	lkWrongSK                 = "wrong-secret-key-DO-NOT-PRINT"
	lkIAMToken, lkIAMToken2   = "iam-token-DO-NOT-PRINT", "iam-token-2-DO-NOT-PRINT"
	lkPermanentST             = "any-token-DO-NOT-PRINT"
	lkFailuresTolerated       = 5 // Huawei: "more than 5 consecutive failures" lock the key
	lkLockDuration            = 5 * time.Minute
	lkOK, lkRefused, lkLocked = "ok", "refused", "locked"
)

// signatureRE finds a signature: error messages may quote the Authorization
// format, "Signature=<hex>", but never a value.
var signatureRE = regexp.MustCompile(`Signature=[0-9a-f]`)

// leaked reports whether an answer holds a secret of these tests or a
// signature.
func leaked(a answer) bool {
	text := string(a.raw) + fmt.Sprint(a.header)
	return strings.Contains(text, "DO-NOT-PRINT") || signatureRE.MatchString(text)
}

// authServer serves two permanent pairs, a temporary one and two IAM
// tokens, on a manual clock.
func authServer(t *testing.T, opts ...drstest.Option) (*drstest.Server, *drstest.ManualClock) {
	t.Helper()
	clock := drstest.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := drstest.NewServer(t, append(opts, drstest.WithClock(clock.Now), drstest.WithToken(lkIAMToken, lkIAMToken2),
		drstest.WithAKSK(lkPermAK, lkPermSK), drstest.WithAKSK(lkOtherAK, lkOtherSK),
		drstest.WithTemporaryAKSK(lkTempAK, lkTempSK, lkTempST), drstest.WithJobs(drstest.Job{ID: "j"}))...)
	return srv, clock
}

// skewed signs with the permanent pair on a clock d off.
func skewed(d time.Duration) generated.RequestEditorFn {
	return signed(aksk.Signer{Credentials: aksk.Credentials{AccessKey: lkPermAK, SecretKey: lkPermSK}, Now: func() time.Time { return time.Now().Add(d) }})
}

// unsignDate removes x-sdk-date from the SignedHeaders of a signed request,
// which Verify refuses before it checks the signature.
func unsignDate(_ context.Context, req *http.Request) error {
	auth := req.Header.Get("Authorization")
	changed := strings.Replace(auth, ";x-sdk-date", "", 1)
	if changed == auth {
		return errors.New("x-sdk-date is not in SignedHeaders")
	}
	req.Header.Set("Authorization", changed)
	return nil
}

// addHeader adds a value to a header, keeping the values already there.
func addHeader(name, value string) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Add(name, value)
		return nil
	}
}

// tryResults sends BatchCheckResults and tells a success from a refusal
// and a refusal for a locked key (authOutcome). It does not stop the test,
// so that goroutines may call it.
func tryResults(c *generated.ClientWithResponses, project string) (outcome, msg string, err error) {
	a, err := exchange(c, project, defaultReq(drstest.OpBatchCheckResults))
	if err != nil {
		return "", "", err
	}
	return authOutcome(a)
}

// authOutcome tells a success from a refusal and a refusal for a locked key,
// checking that a refusal is the gateway's 401 APIGW.0301 and that no answer
// holds a secret or a signature.
func authOutcome(a answer) (outcome, msg string, err error) {
	if leaked(a) { // not printed: the answer would show the secret
		return "", "", errors.New("the answer holds a secret or a signature")
	}
	if a.status == http.StatusOK {
		return lkOK, "", nil
	}
	if err := errorOf(a, http.StatusUnauthorized, "APIGW.0301"); err != nil {
		return "", "", err
	}
	if msg = a.body.ErrorMsg; !strings.HasPrefix(msg, "Incorrect IAM authentication information: ") {
		return "", "", fmt.Errorf("error_msg %q", msg)
	}
	if strings.Contains(msg, "locked for 5 minutes") {
		return lkLocked, msg, nil
	}
	return lkRefused, msg, nil
}

// attempt sends one request with the editors and expects the outcome.
func attempt(t *testing.T, srv *drstest.Server, want string, editors ...generated.RequestEditorFn) {
	t.Helper()
	expect(t, strictClient(t, srv.URL, editors...), srv.ProjectID, want)
}

func expect(t *testing.T, c *generated.ClientWithResponses, project, want string) {
	t.Helper()
	if got, msg, err := tryResults(c, project); err != nil || got != want {
		t.Fatalf("%s (%s), %v; want %s", got, msg, err, want)
	}
}

// Every kind of failed signature counts: five in a row are tolerated and a
// success resets the count; a sixth locks the key for five minutes on the
// simulator's clock, during which even good requests are refused.
func TestAKSKLockout(t *testing.T) {
	perm := []generated.RequestEditorFn{signedBy(lkPermAK, lkPermSK, "")}
	temp := []generated.RequestEditorFn{signedBy(lkTempAK, lkTempSK, lkTempST)}
	cases := []struct {
		name      string
		good, bad []generated.RequestEditorFn
	}{
		{"wrong secret key", perm, []generated.RequestEditorFn{signedBy(lkPermAK, lkWrongSK, "")}},
		{"X-Sdk-Date 20 minutes slow", perm, []generated.RequestEditorFn{skewed(-20 * time.Minute)}},
		{"X-Sdk-Date not a date", perm, []generated.RequestEditorFn{signedBy(lkPermAK, lkPermSK, ""), header("X-Sdk-Date", "yesterday")}},
		{"X-Sdk-Date not signed", perm, []generated.RequestEditorFn{signedBy(lkPermAK, lkPermSK, ""), unsignDate}},
		{"body changed after signing", perm, []generated.RequestEditorFn{signedBy(lkPermAK, lkPermSK, ""), changeBody}},
		{"wrong secret key of temporary credentials", temp, []generated.RequestEditorFn{signedBy(lkTempAK, lkWrongSK, lkTempST)}},
		{"security token missing", temp, []generated.RequestEditorFn{signedBy(lkTempAK, lkTempSK, "")}},
		{"security token wrong", temp, []generated.RequestEditorFn{signedBy(lkTempAK, lkTempSK, lkWrongST)}},
		{"security token not signed", temp, []generated.RequestEditorFn{signedBy(lkTempAK, lkTempSK, ""), header("X-Security-Token", lkTempST)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock := authServer(t)
			// Five failures, then a success that resets the count: twice,
			// so that without the reset the sixth failure would lock.
			for range 2 {
				for range lkFailuresTolerated {
					attempt(t, srv, lkRefused, tc.bad...)
				}
				attempt(t, srv, lkOK, tc.good...)
			}
			// The sixth failure in a row is answered as a failure, and
			// locks the key: good and bad requests alike are refused as
			// locked, so the answer does not tell a right signature.
			for range lkFailuresTolerated + 1 {
				attempt(t, srv, lkRefused, tc.bad...)
			}
			attempt(t, srv, lkLocked, tc.good...)
			attempt(t, srv, lkLocked, tc.bad...)
			clock.Advance(lkLockDuration - time.Second)
			attempt(t, srv, lkLocked, tc.good...)
			// Five minutes after the sixth failure the key works again,
			// with a fresh count.
			clock.Advance(time.Second)
			for range lkFailuresTolerated {
				attempt(t, srv, lkRefused, tc.bad...)
			}
			attempt(t, srv, lkOK, tc.good...)
		})
	}
}

// Failures that name no usable key do not count: a malformed Authorization
// header, a wrong IAM token, an unknown access key. A lock is per access key:
// other keys, temporary credentials and IAM tokens keep working, and failures
// of one key do not count for another.
func TestAKSKLockoutScope(t *testing.T) {
	srv, _ := authServer(t)
	// A malformed header that names the key; only the response is validated.
	malformed := lenientClient(t, srv.URL, header("Authorization", "SDK-HMAC-SHA256 Access="+lkPermAK+", SignedHeaders=host;x-sdk-date"))
	for range 3 * lkFailuresTolerated {
		expect(t, malformed, srv.ProjectID, lkRefused)
		attempt(t, srv, lkRefused, token("not-"+lkIAMToken))
		attempt(t, srv, lkRefused, signedBy("UNKNOWNAK", lkPermSK, ""))
	}
	attempt(t, srv, lkOK, signedBy(lkPermAK, lkPermSK, ""))

	for range lkFailuresTolerated + 1 {
		attempt(t, srv, lkRefused, signedBy(lkPermAK, lkWrongSK, ""))
	}
	attempt(t, srv, lkLocked, signedBy(lkPermAK, lkPermSK, ""))
	expect(t, malformed, srv.ProjectID, lkLocked)
	attempt(t, srv, lkOK, signedBy(lkOtherAK, lkOtherSK, ""))
	attempt(t, srv, lkOK, signedBy(lkTempAK, lkTempSK, lkTempST))
	attempt(t, srv, lkOK, token(lkIAMToken))
	// The other key starts from zero: five failures of its own are tolerated.
	for range lkFailuresTolerated {
		attempt(t, srv, lkRefused, signedBy(lkOtherAK, lkWrongSK, ""))
	}
	attempt(t, srv, lkOK, signedBy(lkOtherAK, lkOtherSK, ""))
	attempt(t, srv, lkLocked, signedBy(lkPermAK, lkPermSK, ""))

	last := srv.Requests()[len(srv.Requests())-1]
	if last.Status != http.StatusUnauthorized || last.ErrorCode != "APIGW.0301" || last.Auth != "" {
		t.Fatalf("a refusal for a locked key is logged as %+v", last)
	}
}

// Concurrent failures are counted exactly: of many wrong signatures sent
// at once, six are answered as failures (the sixth locks the key) and all
// the others as locked, while another key is unaffected. Run with -race.
func TestAKSKLockoutConcurrent(t *testing.T) {
	srv, _ := authServer(t)
	const n = 24
	bad := strictClient(t, srv.URL, signedBy(lkPermAK, lkWrongSK, ""))
	good := strictClient(t, srv.URL, signedBy(lkOtherAK, lkOtherSK, ""))
	badOut, goodOut := make([]string, n), make([]string, n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { badOut[i], _, errs[2*i] = tryResults(bad, srv.ProjectID) })
		wg.Go(func() { goodOut[i], _, errs[2*i+1] = tryResults(good, srv.ProjectID) })
	}
	wg.Wait()
	must(t, errors.Join(errs...))
	count := map[string]int{}
	for _, o := range badOut {
		count[o]++
	}
	if count[lkRefused] != lkFailuresTolerated+1 || count[lkLocked] != n-lkFailuresTolerated-1 {
		t.Fatalf("wrong signatures answered %v, want %d refused and %d locked", count, lkFailuresTolerated+1, n-lkFailuresTolerated-1)
	}
	for i, o := range goodOut {
		if o != lkOK {
			t.Fatalf("good request %d of the other key: %s", i, o)
		}
	}
	attempt(t, srv, lkLocked, signedBy(lkPermAK, lkPermSK, ""))
}

// changeBody adds a space to the body after signing.
func changeBody(_ context.Context, req *http.Request) error {
	b, err := bodyOf(req)
	b = append(b, ' ')
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.ContentLength = int64(len(b))
	return err
}

// Tokens, signatures and temporary credentials (accepted only with their own
// security token, sent once and signed) are accepted or refused like the
// gateway does, for both operations, and logged as such; a refusal never
// quotes a credential or a signature.
func TestAuthentication(t *testing.T) {
	const ak, sk, p = lkPermAK, lkPermSK, "0123456789abcdef0123456789abcdef"
	const t1, t2, t3 = lkIAMToken, lkIAMToken2, "t3-DO-NOT-PRINT"
	// The official SDK's headers; the path decides the project, not X-Project-Id.
	sdk := []generated.RequestEditorFn{header("X-Project-Id", "another-project"), header("X-Language", "en-us")}
	type edits = []generated.RequestEditorFn
	cases := []struct {
		name    string
		project string
		strict  bool // the request is valid per openapi.yaml
		edit    edits
		status  int
		code    string
		msg     string // in error_msg of a refusal
		ak      string // the access key logged for a signed success
	}{
		{"first token", p, true, edits{token(t1)}, 200, "", "", ""},
		{"second token", p, true, edits{token(t2)}, 200, "", "", ""},
		{"signed, with the SDK's headers", p, true, append(sdk, signedBy(ak, sk, "")), 200, "", "", ak},
		{"wrong token", p, true, edits{token(t3)}, 401, "APIGW.0301", "", ""},
		{"wrong token, wrong project", "other", true, edits{token(t3)}, 401, "APIGW.0301", "", ""},
		{"no credentials", p, false, nil, 401, "APIGW.0301", "", ""},
		{"wrong secret key", p, true, edits{signedBy(ak, lkWrongSK, "")}, 401, "APIGW.0301", "", ""},
		{"unknown access key", p, true, edits{signedBy("UNKNOWNAK", sk, "")}, 401, "APIGW.0301", "", ""},
		{"20 minutes slow", p, true, edits{skewed(-20 * time.Minute)}, 401, "APIGW.0301", "", ""},
		{"20 minutes fast", p, true, edits{skewed(20 * time.Minute)}, 401, "APIGW.0301", "", ""},
		{"body changed after signing", p, true, edits{signedBy(ak, sk, ""), changeBody}, 401, "APIGW.0301", "", ""},
		{"malformed Authorization", p, false, edits{header("Authorization", "Basic dXNlcjpwYXNz")}, 401, "APIGW.0301", "", ""},
		{"signed, wrong project", "another-project", true, edits{signedBy(ak, sk, "")}, 403, "DRS.M00261", "", ""},
		{"token, wrong project", "another-project", true, edits{token(t1)}, 403, "DRS.M00261", "", ""},
		{"temporary: right token, signed", p, true, edits{signedBy(lkTempAK, lkTempSK, lkTempST)}, 200, "", "", lkTempAK},
		{"temporary: token missing", p, true, edits{signedBy(lkTempAK, lkTempSK, "")}, 401, "APIGW.0301", "X-Security-Token header is missing", ""},
		{"temporary: wrong token, signed", p, true, edits{signedBy(lkTempAK, lkTempSK, lkWrongST)}, 401, "APIGW.0301", "not the one issued with this access key", ""},
		{"temporary: right token, not signed", p, true, edits{signedBy(lkTempAK, lkTempSK, ""), header("X-Security-Token", lkTempST)}, 401, "APIGW.0301", "X-Security-Token is not signed", ""},
		{"temporary: right token, signed, then a second one", p, true, edits{signedBy(lkTempAK, lkTempSK, lkTempST), addHeader("X-Security-Token", lkTempST)}, 401, "APIGW.0301", "verify aksk signature fail", ""},
		{"temporary: wrong secret key, right token", p, true, edits{signedBy(lkTempAK, lkWrongSK, lkTempST)}, 401, "APIGW.0301", "verify aksk signature fail", ""},
		{"permanent key with a token", p, true, edits{signedBy(ak, sk, lkPermanentST)}, 200, "", "", ak},
	}
	for _, tc := range cases {
		for _, op := range ops {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				srv, _ := authServer(t, drstest.WithProjectID(p))
				c := lenientClient(t, srv.URL, tc.edit...)
				if tc.strict {
					c = strictClient(t, srv.URL, tc.edit...)
				}
				a := call(t, c, tc.project, op)
				if leaked(a) {
					t.Fatalf("the answer quotes a credential or a signature: %s", a.raw)
				}
				logged := srv.Requests()[0]
				if tc.status == 200 {
					wantAuth := drstest.AuthToken
					if tc.ak != "" {
						wantAuth = drstest.AuthAKSK
					}
					if a.status != 200 || logged.Auth != wantAuth || logged.AccessKey != tc.ak {
						t.Fatalf("status %d, logged as %q %q: %s", a.status, logged.Auth, logged.AccessKey, a.raw)
					}
					return
				}
				wantError(t, a, tc.status, tc.code)
				if got, msg, _ := authOutcome(a); tc.status == 401 && (got != lkRefused || !strings.Contains(msg, tc.msg) || logged.Auth != "" || logged.AccessKey != "") {
					t.Fatalf("%s: error_msg %q, logged as %q %q", got, msg, logged.Auth, logged.AccessKey)
				}
			})
		}
	}
}

// A simulator that accepts any token still verifies signatures. (That the
// token a request carries is masked in the log although the simulator does
// not know it is TestRequestLogHoldsNoSecret's logWrongToken case.)
func TestAcceptAnyToken(t *testing.T) {
	srv := drstest.NewServer(t, drstest.AcceptAnyToken(), drstest.WithAKSK("AK1", "SK1"), drstest.WithJobs(drstest.Job{ID: "j"}))
	results(t, strictClient(t, srv.URL, token("anything at all")), srv.ProjectID, "j")
	results(t, strictClient(t, srv.URL, signedBy("AK1", "SK1", "")), srv.ProjectID, "j")
	c := strictClient(t, srv.URL, signedBy("AK1", "SK2", ""))
	wantError(t, call(t, c, srv.ProjectID, drstest.OpBatchCheckResults), http.StatusUnauthorized, "APIGW.0301")
}
