package drstest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/drsclient/drs-precheck/generated"
)

// Job states; any non-empty string is one. See startCheck for the states in
// which a pre-check may start.
const (
	StateCreating             = "CREATING"
	StateCreateFailed         = "CREATE_FAILED"
	StateConfiguration        = "CONFIGURATION"
	StateFullTransferStarted  = "FULL_TRANSFER_STARTED"
	StateIncreTransferStarted = "INCRE_TRANSFER_STARTED"
	StateReleaseStarted       = "RELEASE_RESOURCE_STARTED"
	StateReleased             = "RELEASE_RESOURCE_COMPLETE"
	StateDeleted              = "DELETED"
)

// Results of a check item; ResultAlarm is a warning, the pre-check passes.
const (
	ResultPassed = string(generated.PrecheckItemResultPASSED)
	ResultAlarm  = string(generated.PrecheckItemResultALARM)
	ResultFailed = string(generated.PrecheckItemResultFAILED)
)

// Directions of a job (job_direction of a pre-check result).
const (
	DirectionUp     = "up"
	DirectionDown   = "down"
	DirectionNonDBS = "non-dbs"
)

// Job is one DRS task of the job table, with its scripted pre-check.
type Job struct {
	ID            string        `yaml:"id"`
	State         string        `yaml:"state"` // empty means StateConfiguration
	RDSInstanceID string        `yaml:"rds_instance_id"`
	Direction     string        `yaml:"job_direction"` // a Direction constant or empty
	Duration      time.Duration `yaml:"duration"`      // on the simulator's clock, at most MaxJobDuration
	Progress      Progress      `yaml:"progress"`
	// Items are revealed in order: item i of n once (i+1)/n of Duration
	// has elapsed. The pre-check passes when none is ResultFailed.
	Items []CheckItem `yaml:"items"` // at most MaxItems
}

// Caps of a job, which keep the progress arithmetic in int64.
const (
	MaxJobDuration = 24 * time.Hour
	MaxItems       = 1000
)

// Shapes of progress (Progress.Shape).
const (
	ProgressLinear = "linear" // in proportion to the time elapsed
	ProgressSteps  = "steps"  // in Steps equal steps, as check items complete
	ProgressStall  = "stall"  // linear up to At percent, then 100% at the end
	// ProgressSlowdown reaches At percent (0 means 90) at half the duration,
	// then slows down for the rest.
	ProgressSlowdown = "slowdown"
)

// Progress is how a pre-check's "process" (a whole percentage, rounded down)
// moves over its duration; whatever the shape, it is 100% exactly when the
// duration has elapsed.
type Progress struct {
	Shape string `yaml:"shape"` // empty means ProgressLinear
	Steps int    `yaml:"steps"` // of ProgressSteps, 1 to 100; 0 means one per check item
	At    int    `yaml:"at"`    // percent of ProgressStall (0 to 99) or ProgressSlowdown (1 to 99)
}

// percent is the progress after elapsed of d, for 0 <= elapsed < d.
func (p Progress) percent(elapsed, d time.Duration) int {
	switch p.Shape {
	case ProgressSteps:
		return int(elapsed*time.Duration(p.Steps)/d) * 100 / p.Steps
	case ProgressStall:
		return min(int(elapsed*100/d), p.At)
	case ProgressSlowdown:
		at := time.Duration(p.At)
		if 2*elapsed < d {
			return int(2 * at * elapsed / d)
		}
		return int(at + (100-at)*(2*elapsed-d)/d)
	}
	return int(elapsed * 100 / d)
}

// CheckItem is one check item of a pre-check (PrecheckResult in openapi.yaml).
type CheckItem struct {
	Item          string         `yaml:"item"`   // e.g. "srcDbConnection"
	Group         string         `yaml:"group"`  // e.g. "network"
	Result        string         `yaml:"result"` // a Result constant; empty means ResultPassed
	FailedReason  string         `yaml:"failed_reason"`
	Data          string         `yaml:"data"` // opaque text, often JSON
	RawErrorMsg   string         `yaml:"raw_error_msg"`
	FailedSubJobs []FailedSubJob `yaml:"failed_sub_jobs"`
}

// FailedSubJob is a sub-job whose check failed (PrecheckFailSubJobVO).
type FailedSubJob struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	CheckResult string `yaml:"check_result"`
}

// normalize checks a job and returns a deep copy with the defaults.
func (j Job) normalize() (Job, error) {
	if j.ID == "" {
		return Job{}, errors.New("drstest: job with an empty ID")
	}
	fail := func(format string, args ...any) (Job, error) {
		return Job{}, fmt.Errorf("drstest: job %s: "+format, append([]any{j.ID}, args...)...)
	}
	j.State, j.Progress.Shape = cmp.Or(j.State, StateConfiguration), cmp.Or(j.Progress.Shape, ProgressLinear)
	if j.Progress.Shape == ProgressSteps && j.Progress.Steps == 0 {
		j.Progress.Steps = max(len(j.Items), 1)
	}
	if j.Progress.Shape == ProgressSlowdown && j.Progress.At == 0 {
		j.Progress.At = 90
	}
	switch p := j.Progress; {
	case !slices.Contains([]string{"", DirectionUp, DirectionDown, DirectionNonDBS}, j.Direction):
		return fail("direction %q is not up, down or non-dbs", j.Direction)
	case j.Duration < 0 || j.Duration > MaxJobDuration:
		return fail("duration %s is not 0 to %s", j.Duration, MaxJobDuration)
	case len(j.Items) > MaxItems:
		return fail("%d items, more than %d", len(j.Items), MaxItems)
	case !slices.Contains([]string{ProgressLinear, ProgressSteps, ProgressStall, ProgressSlowdown}, p.Shape):
		return fail("progress shape %q is not linear, steps, stall or slowdown", p.Shape)
	case p.Shape == ProgressSteps && (p.Steps < 1 || p.Steps > 100):
		return fail("progress steps %d is not 1 to 100", p.Steps)
	case p.Shape == ProgressStall && (p.At < 0 || p.At > 99):
		return fail("progress stall at %d%% is not 0 to 99", p.At)
	case p.Shape == ProgressSlowdown && (p.At < 1 || p.At > 99):
		return fail("progress slowdown at %d%% is not 1 to 99", p.At)
	}
	j = j.clone()
	for i, it := range j.Items {
		switch it.Result {
		case "":
			j.Items[i].Result = ResultPassed
		case ResultPassed, ResultAlarm, ResultFailed:
		default:
			return fail("item %d (%s): result %q is not PASSED, ALARM or FAILED", i, it.Item, it.Result)
		}
	}
	return j, nil
}

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

// AddJob adds a job to the table, or replaces the job with the same ID
// (forgetting its pre-check).
func (s *Simulator) AddJob(j Job) error {
	j, err := j.normalize()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[j.ID] = &jobEntry{Job: j}
	return nil
}

// RemoveJob deletes a job from the table; it reports whether it was there.
func (s *Simulator) RemoveJob(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.jobs[id]
	delete(s.jobs, id)
	return ok
}

// SetJobState changes a job's state, keeping its pre-check.
func (s *Simulator) SetJobState(id, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.jobs[id]
	if !ok || state == "" {
		return fmt.Errorf("drstest: SetJobState: no job %s, or an empty state", id)
	}
	e.State = state
	return nil
}

// Job returns a copy of a job of the table.
func (s *Simulator) Job(id string) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.jobs[id]; ok {
		return e.clone(), true
	}
	return Job{}, false
}

// startCheck returns the DRS error that refuses to start the pre-check of a
// job (nil if unknown) in mode, or "" if it may start: forStartJob only in
// CONFIGURATION, forRetryJob in any state but CONFIGURATION and the creating
// ones (DRS.M00304), neither once released or deleted (DRS.M05004).
func startCheck(e *jobEntry, mode generated.PrecheckMode) (code, msg string) {
	if e == nil {
		return codeJobNotFound, msgJobNotFound
	}
	switch state := e.State; {
	case slices.Contains([]string{StateReleaseStarted, StateReleased, "RELEASE_RESOURCE_FAILED", StateDeleted}, state):
		return "DRS.M05004", "The task has been deleted or its resources released."
	case mode == generated.PrecheckModeForStartJob && state == StateConfiguration,
		mode == generated.PrecheckModeForRetryJob && !slices.Contains([]string{StateConfiguration, StateCreating, StateCreateFailed}, state):
		return "", ""
	}
	return "DRS.M00304", "This API cannot be called in the current task status."
}

// progress returns the pre-check result of a started job at time now.
func (e *jobEntry) progress(now time.Time) generated.QueryPreCheckResp {
	elapsed, d, n := min(max(now.Sub(e.startedAt), 0), e.Duration), e.Duration, len(e.Items)
	percent, shown := 100, n
	if elapsed < d {
		percent, shown = e.Progress.percent(elapsed, d), int(elapsed*time.Duration(n)/d)
	}
	resp := generated.QueryPreCheckResp{
		PrecheckId:    e.ID,
		Process:       strconv.Itoa(percent) + "%",
		RdsInstanceId: e.RDSInstanceID,
		JobDirection:  generated.QueryPreCheckRespJobDirection(e.Direction),
	}
	passed := 0
	for _, it := range e.Items[:shown] {
		r := generated.PrecheckResult{Item: it.Item, Group: it.Group, Result: generated.PrecheckItemResult(it.Result),
			FailedReason: it.FailedReason, Data: it.Data, RawErrorMsg: it.RawErrorMsg}
		for _, s := range it.FailedSubJobs {
			r.FailedSubJobs = append(r.FailedSubJobs, generated.PrecheckFailSubJobVO{Id: s.ID, Name: s.Name, CheckResult: s.CheckResult})
		}
		resp.PrecheckResult = append(resp.PrecheckResult, r)
		if it.Result != ResultFailed {
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
	resp.Result = percent == 100 && passed == shown
	return resp
}
