package contract_test

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	drsprecheck "github.com/drsclient/drs-precheck"
)

// TestBreakingGateInputs: what `make breaking` compares with is a valid
// OpenAPI document, and every entry of the allowlist (a "- METHOD /path text"
// line, the form oasdiff's --err-ignore matches) names an operation of
// openapi.yaml and sits under a heading that gives its reason.
func TestBreakingGateInputs(t *testing.T) {
	base, err := os.ReadFile("testdata/openapi.baseline.yaml")
	require.NoError(t, err)
	doc := loadDoc(t, base)
	require.NoError(t, doc.Validate(context.Background()))

	current := loadDoc(t, drsprecheck.OpenAPISpec)
	f, err := os.Open("testdata/breaking-allowlist.md")
	require.NoError(t, err)
	defer f.Close()
	heading, reasoned := "", false
	entries := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			heading, reasoned = line, false
		case strings.HasPrefix(line, "- "):
			fields := strings.Fields(line)
			require.GreaterOrEqual(t, len(fields), 4, "allowlist entry %q: want '- METHOD /path text'", line)
			method, path := fields[1], fields[2]
			require.NotEmpty(t, heading, "allowlist entry %q is under no heading", line)
			assert.True(t, reasoned, "the entries under %q come before any reason", heading)
			item := current.Paths.Value(path)
			if assert.NotNil(t, item, "allowlist entry %q names a path openapi.yaml does not have", line) {
				assert.NotNil(t, item.GetOperation(method), "allowlist entry %q names an operation openapi.yaml does not have", line)
			}
			entries++
		case strings.TrimSpace(line) != "" && heading != "":
			reasoned = true
		}
	}
	require.NoError(t, sc.Err())
	t.Logf("%d allowlisted breaking changes", entries)
}
