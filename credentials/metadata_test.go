package credentials_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/drsclient/drs-precheck/credentials"
	"github.com/drsclient/drs-precheck/drstest"
)

// TestMetadata proves that the agency's keys are read from the metadata
// service with a session token and nothing secret sent, and that each
// failure says what to do.
func TestMetadata(t *testing.T) {
	clk := newClock()
	t.Run("keys", func(t *testing.T) {
		svc, _, client := identity(t, drstest.IdentityConfig{Now: clk.Now})
		c, err := (&credentials.Metadata{Client: client, Now: clk.Now}).Retrieve(context.Background())
		require.NoError(t, err)
		k := svc.Keys()[0]
		assert.Equal(t, k.AccessKey, c.AccessKey)
		assert.Equal(t, k.SecretKey, c.SecretKey)
		assert.Equal(t, k.SecurityToken, c.SecurityToken)
		assert.Equal(t, clk.Now().Add(time.Hour), c.Expires)
		reqs := svc.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "PUT /meta-data/latest/api/token", reqs[0].Method+" "+reqs[0].Path)
		assert.Equal(t, "GET /openstack/latest/securitykey", reqs[1].Method+" "+reqs[1].Path)
		assert.Contains(t, reqs[1].HeaderNames, "X-Metadata-Token", "the session token is used")
		for _, r := range reqs {
			assert.Zero(t, r.BodyLen)
			for _, h := range []string{"Authorization", "X-Auth-Token", "X-Security-Token", "X-Project-Id"} {
				assert.False(t, slices.Contains(r.HeaderNames, h), "%s sent to the metadata service", h)
			}
		}
		s := c.String()
		assert.NotContains(t, s, k.SecretKey)
		assert.NotContains(t, s, k.SecurityToken)
		assert.Contains(t, s, "temporary AK/SK "+k.AccessKey)
	})
	t.Run("no agency", func(t *testing.T) {
		_, _, client := identity(t, drstest.IdentityConfig{Now: clk.Now, NoAgency: true})
		_, err := (&credentials.Metadata{Client: client, Now: clk.Now}).Retrieve(context.Background())
		var ce *credentials.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "instance metadata", ce.Source)
		assert.Contains(t, err.Error(), "HTTP 404: ECS.0001 no agency is attached to this instance")
		assert.Contains(t, err.Error(), "attach an IAM agency")
	})
	t.Run("not on Huawei Cloud: no answer", func(t *testing.T) {
		hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer hang.Close()
		_, err := (&credentials.Metadata{Client: metadataAt(hang.URL), Timeout: 20 * time.Millisecond}).Retrieve(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "gave no answer (no answer within 20ms): this is not an ECS instance or CCE node")
	})
	t.Run("nothing listening", func(t *testing.T) {
		_, err := (&credentials.Metadata{Client: metadataAt(deadURL(t))}).Retrieve(context.Background())
		require.ErrorContains(t, err, "gave no answer")
	})
	t.Run("a redirect is not followed", func(t *testing.T) {
		var elsewhere int
		other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere++ }))
		defer other.Close()
		redirect := httptest.NewServer(http.RedirectHandler(other.URL+"/steal", http.StatusFound))
		defer redirect.Close()
		_, err := (&credentials.Metadata{Client: metadataAt(redirect.URL)}).Retrieve(context.Background())
		require.ErrorContains(t, err, "HTTP 302")
		assert.Zero(t, elsewhere)
	})
	t.Run("expired, malformed or oversized answers are refused", func(t *testing.T) {
		for _, tc := range []struct {
			status     int
			body, want string
		}{
			{200, `{"credential":{"access":"A1234","secret":"s","securitytoken":"t","expires_at":"2020-01-01T00:00:00Z"}}`, "the keys expired at 2020-01-01T00:00:00Z"},
			{200, `{"credential":{"access":"A1234","secret":"s","securitytoken":"t"}}`, "lacks access, secret, securitytoken or expires_at"},
			{200, `{"credential":{"access":"A 1","secret":"s","securitytoken":"t","expires_at":"2030-01-01T00:00:00Z"}}`, "white space or control characters"},
			{200, `[]`, `not {"credential":{...}}`},
			{200, strings.Repeat(" ", 64<<10+1), "gave no answer (the answer is over 64 KiB)"},
			{500, strings.Repeat("x", 201), "HTTP 500: " + strings.Repeat("x", 200) + "…: no temporary keys"},
			{500, strings.Repeat("x", 199) + "éy", "HTTP 500: " + strings.Repeat("x", 199) + "…: no temporary keys"},
		} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPut {
					w.WriteHeader(http.StatusNotFound) // no session tokens here: go on without
					return
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			_, err := (&credentials.Metadata{Client: metadataAt(srv.URL), Now: clk.Now}).Retrieve(context.Background())
			assert.ErrorContains(t, err, tc.want)
			srv.Close()
		}
	})
}
