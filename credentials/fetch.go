package credentials

import (
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

// noRedirects returns a copy of hc (nil: a client of tr) that never follows
// a redirect: credentials and tokens stay with the address asked.
func noRedirects(hc *http.Client, tr http.RoundTripper) *http.Client {
	out := &http.Client{Transport: tr}
	if hc != nil {
		*out = *hc
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return out
}

// do sends req and reads the answer under the cap. A redirect is an answer
// like any other (a 3xx status), never followed.
func do(hc *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(body) > maxAnswerBytes {
		return nil, nil, fmt.Errorf("the answer is over %d KiB", maxAnswerBytes>>10)
	}
	return resp, body, nil
}

// netReason words a failure to get an answer, without the URL's details
// (net/http quotes them) and without wrapping the cause: a caller that
// retries network errors must not retry this.
func netReason(red *redact.Redactor, err error, timeout time.Duration) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return quote(red, err.Error())
}

// quote makes text from a server or the network fit for an error: secrets
// masked, control characters escaped, at most 200 bytes.
func quote(red *redact.Redactor, s string) string {
	s = redact.Terminal(red.String(s))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// answerReason describes an error answer: IAM's code and message when the
// body has them, else an excerpt.
func answerReason(red *redact.Redactor, status int, body []byte) string {
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
	return fmt.Sprintf("HTTP %d: %s", status, quote(red, strings.TrimSpace(msg)))
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

// checkIAMEndpoint accepts https URLs, and http ones on loopback hosts (for
// tests), without user information, query or fragment.
func checkIAMEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return "", errors.New("the IAM endpoint is not an absolute URL such as https://iam.myhuaweicloud.com")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("the IAM endpoint has user information, a query or a fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", fmt.Errorf("the IAM endpoint %s://%s is not https (http is allowed only on loopback hosts, for tests)", u.Scheme, u.Host)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback())
}
