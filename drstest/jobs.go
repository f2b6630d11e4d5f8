package drstest

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"github.com/drsclient/drs-precheck/generated"
)

// Job states. DRS has many more; any non-empty string is accepted as a state.
// Only StateConfiguration allows a pre-check in mode forStartJob. Mode
// forRetryJob is allowed in any state but StateConfiguration, StateCreating,
// StateCreateFailed and the released or deleted states, in which no
// pre-check can start (a job in a released or deleted state answers
// DRS.M05004, in the others DRS.M00304).
const (
	StateCreating             = "CREATING"
	StateCreateFailed         = "CREATE_FAILED"
	StateConfiguration        = "CONFIGURATION"
	StateStartJobFailed       = "START_JOB_FAILED"
	StateFullTransferStarted  = "FULL_TRANSFER_STARTED"
	StateFullTransferFailed   = "FULL_TRANSFER_FAILED"
	StateIncreTransferStarted = "INCRE_TRANSFER_STARTED"
	StateIncreTransferFailed  = "INCRE_TRANSFER_FAILED"
	StatePausing              = "PAUSING"
	StateReleaseStarted       = "RELEASE_RESOURCE_STARTED"
	StateReleased             = "RELEASE_RESOURCE_COMPLETE"
	StateDeleted              = "DELETED"
)

// Results of a check item.
const (
	ResultPassed = string(generated.PASSED)
	ResultAlarm  = string(generated.ALARM) // a warning: the pre-check still passes
	ResultFailed = string(generated.FAILED)
)

// Directions of a job (the job_direction of a pre-check result).
const (
	DirectionUp     = "up"
	DirectionDown   = "down"
	DirectionNonDBS = "non-dbs"
)

// Job is one DRS task of the simulator's job table, with its scripted
// pre-check.
type Job struct {
	// ID is the task ID, any non-empty string.
	ID string
	// State is the task status; empty means StateConfiguration.
	State string
	// RDSInstanceID and Direction (DirectionUp, DirectionDown,
	// DirectionNonDBS or empty) are reported with the pre-check's results.
	RDSInstanceID string
	Direction     string
	// Duration is how long the pre-check takes on the simulator's clock;
	// zero completes it at once.
	Duration time.Duration
	// Items are the check items, revealed in order as the pre-check
	// progresses: item i of n appears once (i+1)/n of Duration has elapsed.
	// The pre-check passes when no item has ResultFailed.
	Items []CheckItem
}

// CheckItem is one check item of a pre-check (PrecheckResult in openapi.yaml).
type CheckItem struct {
	Item  string // check item name, e.g. "srcDbConnection"
	Group string // e.g. "network", "db_params", "db_disk_size"
	// Result is ResultPassed, ResultAlarm or ResultFailed; empty means
	// ResultPassed.
	Result        string
	FailedReason  string
	Data          string // opaque text, often JSON
	RawErrorMsg   string
	FailedSubJobs []FailedSubJob
}

// FailedSubJob is a sub-job whose check failed (PrecheckFailSubJobVO).
type FailedSubJob struct {
	ID          string
	Name        string
	CheckResult string
}

// normalize checks a job and returns a deep copy with defaults filled in.
func (j Job) normalize() (Job, error) {
	if j.ID == "" {
		return Job{}, errors.New("drstest: job with an empty ID")
	}
	if j.State == "" {
		j.State = StateConfiguration
	}
	switch j.Direction {
	case "", DirectionUp, DirectionDown, DirectionNonDBS:
	default:
		return Job{}, fmt.Errorf("drstest: job %s: direction %q is not %q, %q or %q", j.ID, j.Direction, DirectionUp, DirectionDown, DirectionNonDBS)
	}
	if j.Duration < 0 {
		return Job{}, fmt.Errorf("drstest: job %s: negative duration %s", j.ID, j.Duration)
	}
	items := make([]CheckItem, len(j.Items))
	for i, it := range j.Items {
		switch it.Result {
		case "":
			it.Result = ResultPassed
		case ResultPassed, ResultAlarm, ResultFailed:
		default:
			return Job{}, fmt.Errorf("drstest: job %s: item %d (%s): result %q is not %s, %s or %s", j.ID, i, it.Item, it.Result, ResultPassed, ResultAlarm, ResultFailed)
		}
		it.FailedSubJobs = slices.Clone(it.FailedSubJobs)
		items[i] = it
	}
	j.Items = items
	return j, nil
}

// clone returns a deep copy.
func (j Job) clone() Job {
	j.Items = slices.Clone(j.Items)
	for i := range j.Items {
		j.Items[i].FailedSubJobs = slices.Clone(j.Items[i].FailedSubJobs)
	}
	return j
}

// jobEntry is a job of the table and the state of its pre-check.
type jobEntry struct {
	Job
	started   bool
	startedAt time.Time
}

// startCheck decides whether the pre-check of a job in the given state can
// start in the given mode; it returns a DRS error code and message if not.
func startCheck(state string, mode generated.PrecheckMode) (code, msg string) {
	switch state {
	case StateReleaseStarted, StateReleased, "RELEASE_RESOURCE_FAILED", StateDeleted:
		return codeJobReleased, msgJobReleased
	}
	switch mode {
	case generated.ForStartJob:
		if state == StateConfiguration {
			return "", ""
		}
	case generated.ForRetryJob:
		switch state {
		case StateConfiguration, StateCreating, StateCreateFailed:
		default:
			return "", ""
		}
	}
	return codeWrongStatus, msgWrongStatus
}

// progress returns the pre-check result of a started job at time now.
func (e *jobEntry) progress(now time.Time) generated.QueryPreCheckResp {
	elapsed := uint64(max(now.Sub(e.startedAt), 0))
	d := uint64(e.Duration)
	percent := 100
	if elapsed < d {
		// floor(elapsed*100/d) in 128 bits: exact for any duration
		hi, lo := bits.Mul64(elapsed, 100)
		q, _ := bits.Div64(hi, lo, d)
		percent = int(q)
	}
	n := len(e.Items)
	shown := n
	if percent < 100 {
		// item i appears once (i+1)/n of the duration has elapsed:
		// elapsed*n >= (i+1)*d
		shown = 0
		for i := range n {
			if !lessMul(elapsed, uint64(n), uint64(i+1), d) {
				shown = i + 1
			}
		}
	}
	resp := generated.QueryPreCheckResp{
		PrecheckId:    e.ID,
		Process:       strconv.Itoa(percent) + "%",
		RdsInstanceId: e.RDSInstanceID,
		JobDirection:  generated.QueryPreCheckRespJobDirection(e.Direction),
	}
	passed, failed := 0, false
	if shown > 0 {
		resp.PrecheckResult = make([]generated.PrecheckResult, shown)
	}
	for i, it := range e.Items[:shown] {
		r := generated.PrecheckResult{
			Item:         it.Item,
			Group:        it.Group,
			Result:       generated.PrecheckItemResult(it.Result),
			FailedReason: it.FailedReason,
			Data:         it.Data,
			RawErrorMsg:  it.RawErrorMsg,
		}
		if len(it.FailedSubJobs) > 0 {
			r.FailedSubJobs = make([]generated.PrecheckFailSubJobVO, len(it.FailedSubJobs))
			for k, s := range it.FailedSubJobs {
				r.FailedSubJobs[k] = generated.PrecheckFailSubJobVO{Id: s.ID, Name: s.Name, CheckResult: s.CheckResult}
			}
		}
		resp.PrecheckResult[i] = r
		if it.Result == ResultFailed {
			failed = true
		} else {
			passed++
		}
	}
	rate := 0
	switch {
	case shown > 0:
		rate = passed * 100 / shown
	case percent == 100:
		rate = 100 // nothing to check, nothing failed
	}
	resp.TotalPassedRate = strconv.Itoa(rate) + "%"
	resp.Result = percent == 100 && !failed
	return resp
}

// lessMul reports whether a*b < c*d, exactly.
func lessMul(a, b, c, d uint64) bool {
	h1, l1 := bits.Mul64(a, b)
	h2, l2 := bits.Mul64(c, d)
	return h1 < h2 || h1 == h2 && l1 < l2
}
