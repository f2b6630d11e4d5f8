package drstest_test

import (
	"context"
	"errors"
	"fmt"
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

// The AK/SK lockout and temporary credentials. Every secret below ends in
// DO-NOT-PRINT so that a leak is easy to spot; tryResults fails on any answer
// that holds one.
const (
	lkPermAK, lkPermSK        = "LOCKPERMAK0000000001", "perm-secret-key-DO-NOT-PRINT"
	lkOtherAK, lkOtherSK      = "LOCKOTHERAK000000002", "other-secret-key-DO-NOT-PRINT"
	lkTempAK, lkTempSK        = "LOCKTEMPAK0000000003", "temp-secret-key-DO-NOT-PRINT"
	lkTempST                  = "temp-security-token-DO-NOT-PRINT"
	lkWrongST                 = "wrong-security-token-DO-NOT-PRINT"
	lkWrongSK                 = "wrong-secret-key-DO-NOT-PRINT"
	lkIAMToken                = "iam-token-DO-NOT-PRINT"
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

// lockoutServer serves two permanent pairs, a temporary one and an IAM
// token, on a manual clock.
func lockoutServer(t *testing.T) (*drstest.Server, *drstest.ManualClock) {
	t.Helper()
	clock := drstest.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := drstest.NewServer(t, drstest.WithClock(clock.Now), drstest.WithToken(lkIAMToken),
		drstest.WithAKSK(lkPermAK, lkPermSK), drstest.WithAKSK(lkOtherAK, lkOtherSK),
		drstest.WithTemporaryAKSK(lkTempAK, lkTempSK, lkTempST), drstest.WithJobs(drstest.Job{ID: "j"}))
	return srv, clock
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
	slow := signed(aksk.Signer{
		Credentials: aksk.Credentials{AccessKey: lkPermAK, SecretKey: lkPermSK},
		Now:         func() time.Time { return time.Now().Add(-20 * time.Minute) },
	})
	cases := []struct {
		name      string
		good, bad []generated.RequestEditorFn
	}{
		{"wrong secret key", perm, []generated.RequestEditorFn{signedBy(lkPermAK, lkWrongSK, "")}},
		{"X-Sdk-Date 20 minutes slow", perm, []generated.RequestEditorFn{slow}},
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
			srv, clock := lockoutServer(t)
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
	srv, _ := lockoutServer(t)
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
	srv, _ := lockoutServer(t)
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
