package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/drsclient/drs-precheck/drs"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInputErrorNamesWhereEachJobCameFrom: drs checks the IDs; the CLI only
// adds the file and line (or --job number) of each offending one.
func TestInputErrorNamesWhereEachJobCameFrom(t *testing.T) {
	jobs := []jobEntry{{ID: "a", Name: "--job #1"}, {ID: " b", Name: "f", Line: 3}, {ID: "a", Name: "f", Line: 9}}
	c, err := drs.New(drs.WithoutEnvironment(), drs.WithEndpoint("http://127.0.0.1:1"), drs.WithProjectID("p"), drs.WithToken("t0ken"))
	require.NoError(t, err)
	rep, err := c.Precheck(t.Context(), drs.ModeStartJob, jobIDs(jobs))
	require.Nil(t, rep, "invalid input sends nothing")
	msg := inputError(err, jobs).Error()
	assert.Contains(t, msg, `f:3: job ID " b": leading or trailing white space`)
	assert.Contains(t, msg, `f:9: job ID "a": listed twice (--job #1 and f:9): list each job once`)
	_, err = c.Results(t.Context(), nil)
	assert.Contains(t, inputError(err, nil).Error(), "no job IDs")
	// The CLI checks --mode itself (exitcodes_test's "unknown --mode" names
	// the flag); drs's words for a bad mode are passed on as they are.
	_, err = c.Precheck(t.Context(), "forNothing", []string{"a"})
	assert.Contains(t, inputError(err, jobs[:1]).Error(), "unknown pre-check mode")
}

// A job ID drs refuses for its length is named by where it came from and
// shown cut, not whole.
func TestInputErrorCutsALongJobID(t *testing.T) {
	long := strings.Repeat("z", 1<<20)
	jobs := []jobEntry{{ID: "a", Name: "--job #1"}, {ID: long, Name: "wave.txt", Line: 7}}
	msg := inputError(errors.Join(&drs.InputError{JobID: long, Index: 1, Reason: "longer than 128 bytes"}), jobs).Error()
	assert.Contains(t, msg, `wave.txt:7: job ID "`+strings.Repeat("z", 64)+`"... (1048576 bytes): longer than 128 bytes`)
	assert.Less(t, len(msg), 200)
}
