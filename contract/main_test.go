package contract

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them (the
// loopback servers and transports the tests start must all be closed).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
