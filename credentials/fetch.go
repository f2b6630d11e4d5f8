package credentials

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/drsclient/drs-precheck/internal/redact"
)

// maxAnswerBytes caps an answer of the metadata service or IAM.
const maxAnswerBytes = 64 << 10

// fetcher sends the requests of one Retrieve and words its failures as
// source's, with red's secrets masked.
type fetcher struct {
	source  string // the provider, in words
	hc      *http.Client
	timeout time.Duration // each request's
	red     *redact.Redactor
}

// newFetcher sends with a copy of hc (nil: a client of tr) that never
// follows a redirect: credentials and tokens stay with the address asked.
// A timeout of 0 or less means def.
func newFetcher(source string, hc *http.Client, tr http.RoundTripper, timeout, def time.Duration) *fetcher {
	c := &http.Client{Transport: tr}
	if hc != nil {
		*c = *hc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if timeout <= 0 {
		timeout = def
	}
	return &fetcher{source: source, hc: c, timeout: timeout}
}

// fail ends the Retrieve with an *Error of the source.
func (f *fetcher) fail(reason string) (Credentials, error) {
	return Credentials{}, &Error{Source: f.source, Reason: reason}
}

// fetch sends one request and reads the answer under the cap; a redirect is
// an answer like any other (a 3xx status). With no answer, its error is
// ctx's when ctx ended, else an *Error whose reason noAnswer words from
// why: without the URL's details (net/http quotes them) and without
// wrapping the cause, so a caller that retries network errors does not
// retry this.
func (f *fetcher) fetch(ctx context.Context, method, target string, header http.Header, body []byte, noAnswer func(why string) string) (*http.Response, []byte, error) {
	reqCtx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, method, target, bytes.NewReader(body))
	var resp *http.Response
	if err == nil {
		req.Header = header
		resp, err = f.hc.Do(req)
	}
	if err == nil {
		defer resp.Body.Close()
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
		if err == nil && len(body) > maxAnswerBytes {
			err = fmt.Errorf("the answer is over %d KiB", maxAnswerBytes>>10)
		}
	}
	switch {
	case err == nil:
		return resp, body, nil
	case ctx.Err() != nil:
		return nil, nil, ctx.Err() // the caller gave up: no failure of the service
	}
	why := fmt.Sprintf("no answer within %s", f.timeout)
	if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		why = quote(f.red, err.Error())
	}
	return nil, nil, &Error{Source: f.source, Reason: noAnswer(why)}
}

// quote makes text fit for an error: red's secrets masked, control
// characters escaped, at most 200 bytes.
func quote(red *redact.Redactor, s string) string { return clip(redact.Terminal(red.String(s)), 200) }

// clip bounds text quoted in an error to n bytes, never cutting a
// character in two.
func clip(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// refusal describes an error answer: IAM's code and message when the body
// has them, else an excerpt.
func (f *fetcher) refusal(status int, body []byte) string {
	var e struct {
		Code    string `json:"error_code"`
		Message string `json:"error_msg"`
		Error   *struct {
			Code    any    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil {
		switch {
		case e.Code != "" || e.Message != "":
			msg = e.Code + " " + e.Message
		case e.Error != nil:
			msg = fmt.Sprint(e.Error.Code) + " " + e.Error.Message
		}
	}
	if msg == "" {
		return fmt.Sprintf("HTTP %d", status)
	}
	return fmt.Sprintf("HTTP %d: %s", status, quote(f.red, strings.TrimSpace(msg)))
}

// temporaryKeys reads {"credential":{"access","secret","securitytoken",
// "expires_at"}}, the answer of both the metadata service and IAM. Every
// field is required; expired keys are refused.
func temporaryKeys(body []byte, now time.Time) (Credentials, error) {
	var a struct {
		Credential *struct {
			Access        string `json:"access"`
			Secret        string `json:"secret"`
			SecurityToken string `json:"securitytoken"`
			ExpiresAt     string `json:"expires_at"`
		} `json:"credential"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Credential == nil {
		return Credentials{}, errors.New("the answer is not {\"credential\":{...}}")
	}
	k := a.Credential
	switch {
	case k.Access == "" || k.Secret == "" || k.SecurityToken == "" || k.ExpiresAt == "":
		return Credentials{}, errors.New("the answer lacks access, secret, securitytoken or expires_at")
	case strings.ContainsFunc(k.Access, func(r rune) bool { return r <= ' ' || r == ',' || r >= 0x7f }) ||
		strings.ContainsFunc(k.Secret+k.SecurityToken, unicode.IsControl):
		return Credentials{}, errors.New("the answer's keys contain white space or control characters")
	}
	exp, err := time.Parse(time.RFC3339, k.ExpiresAt)
	if err != nil {
		return Credentials{}, errors.New("expires_at is not an RFC 3339 time")
	}
	if !exp.After(now) {
		return Credentials{}, fmt.Errorf("the keys expired at %s", exp.UTC().Format(time.RFC3339))
	}
	return Credentials{AccessKey: k.Access, SecretKey: k.Secret, SecurityToken: k.SecurityToken, Expires: exp}, nil
}
