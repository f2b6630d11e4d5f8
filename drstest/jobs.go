package drstest

import (
	"errors"
	"fmt"
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
	ResultPassed = string(generated.PrecheckItemResultPASSED)
	ResultAlarm  = string(generated.PrecheckItemResultALARM) // a warning: the pre-check still passes
	ResultFailed = string(generated.PrecheckItemResultFAILED)
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
	// Duration is how long the pre-check takes on the simulator's clock,
	// at most MaxJobDuration; zero completes it at once.
	Duration time.Duration
	// Progress is how the reported progress moves over Duration; the zero
	// value moves linearly.
	Progress Progress
	// Items are the check items, revealed in order as the pre-check
	// progresses: item i of n appears once (i+1)/n of Duration has elapsed.
	// The pre-check passes when no item has ResultFailed. At most MaxItems.
	Items []CheckItem
}

// Caps of a job, which keep the progress arithmetic in plain int64.
const (
	MaxJobDuration = 24 * time.Hour
	MaxItems       = 1000
)

// Shapes of progress (Progress.Shape).
const (
	// ProgressLinear moves in proportion to the time elapsed.
	ProgressLinear = "linear"
	// ProgressSteps moves in Steps equal steps, each when its share of the
	// duration has elapsed: as check items complete.
	ProgressSteps = "steps"
	// ProgressStall moves linearly up to At percent, stays there, then
	// jumps to 100% at the end; At 0 says nothing until 100%.
	ProgressStall = "stall"
	// ProgressSlowdown reaches At percent (default 90) at half the
	// duration, then slows down for the rest.
	ProgressSlowdown = "slowdown"
)

// Progress is how a pre-check's reported progress ("process", a whole
// percentage rounded down) moves over its duration. It is 100% exactly when
// the duration has elapsed, whatever the shape.
type Progress struct {
	// Shape is one of the Progress constants; empty means ProgressLinear.
	Shape string
	// Steps is the number of steps of ProgressSteps, 1 to 100; 0 means one
	// per check item (at least 1).
	Steps int
	// At is the percent of ProgressStall (0 to 99) or ProgressSlowdown (1 to
	// 99; 0 means 90).
	At int
}

// check returns p with its defaults, or why it is invalid.
func (p Progress) check(items int) (Progress, error) {
	switch p.Shape {
	case "", ProgressLinear:
		p.Shape = ProgressLinear
	case ProgressSteps:
		if p.Steps == 0 {
			p.Steps = max(items, 1)
		}
		if p.Steps < 1 || p.Steps > 100 {
			return p, fmt.Errorf("progress steps %d is not 1 to 100", p.Steps)
		}
	case ProgressStall:
		if p.At < 0 || p.At > 99 {
			return p, fmt.Errorf("progress stall at %d%% is not 0 to 99", p.At)
		}
	case ProgressSlowdown:
		if p.At == 0 {
			p.At = 90
		}
		if p.At < 1 || p.At > 99 {
			return p, fmt.Errorf("progress slowdown at %d%% is not 1 to 99", p.At)
		}
	default:
		return p, fmt.Errorf("progress shape %q is not %s, %s, %s or %s", p.Shape, ProgressLinear, ProgressSteps, ProgressStall, ProgressSlowdown)
	}
	return p, nil
}

// percent is the progress after elapsed of d, for 0 <= elapsed < d <=
// MaxJobDuration (so that 200·d fits in an int64).
func (p Progress) percent(elapsed, d time.Duration) int {
	linear := int(elapsed * 100 / d)
	switch p.Shape {
	case ProgressSteps:
		n := time.Duration(p.Steps)
		return int(elapsed*n/d) * 100 / p.Steps
	case ProgressStall:
		return min(linear, p.At)
	case ProgressSlowdown:
		at := time.Duration(p.At)
		if 2*elapsed < d {
			return int(2 * at * elapsed / d)
		}
		return int(at + (100-at)*(2*elapsed-d)/d)
	}
	return linear
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
	if j.Duration < 0 || j.Duration > MaxJobDuration {
		return Job{}, fmt.Errorf("drstest: job %s: duration %s is not 0 to %s", j.ID, j.Duration, MaxJobDuration)
	}
	if len(j.Items) > MaxItems {
		return Job{}, fmt.Errorf("drstest: job %s: %d items, more than %d", j.ID, len(j.Items), MaxItems)
	}
	p, err := j.Progress.check(len(j.Items))
	if err != nil {
		return Job{}, fmt.Errorf("drstest: job %s: %w", j.ID, err)
	}
	j.Progress = p
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
	case generated.PrecheckModeForStartJob:
		if state == StateConfiguration {
			return "", ""
		}
	case generated.PrecheckModeForRetryJob:
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
	elapsed, d := min(max(now.Sub(e.startedAt), 0), e.Duration), e.Duration
	n := len(e.Items)
	percent, shown := 100, n
	if elapsed < d {
		percent = e.Progress.percent(elapsed, d)
		// item i appears once (i+1)/n of the duration has elapsed
		shown = int(elapsed * time.Duration(n) / d)
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
