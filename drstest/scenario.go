package drstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// Scenario is a project with its jobs and faults: what a simulator starts
// with (see WithScenario). It is loaded from JSON or YAML with LoadScenario
// or ParseScenario, and marshals to JSON in the same format:
//
//	project_id: 054ba152d480d55b2f5dc0069e7ddef0
//	jobs:
//	  - id: 140b5236-88ad-43c8-811c-1268453jb101
//	    state: CONFIGURATION          # the default
//	    duration: 20s                 # how long the pre-check takes
//	    progress: {shape: steps, steps: 4}  # linear (default), steps, stall or slowdown; see Progress
//	    rds_instance_id: e05a3679efe241d8b5dee80b17c1a863in01
//	    job_direction: up
//	    items:
//	      - item: srcDbConnection
//	        group: network
//	        result: PASSED            # PASSED (default), ALARM or FAILED
//	        failed_reason: ""
//	        data: '{"k":"v"}'
//	        raw_error_msg: ""
//	        failed_sub_jobs: [{id: s1, name: db1.t1, check_result: FAILED}]
//	faults:
//	  - kind: throttle                # see FaultKind
//	    operation: BatchCheckResults  # default: every operation
//	    rate: 0.2                     # default: every request
//	    count: 3                      # default: no limit
//	    latency: 100ms
//	    status: 503
//	    retry_after: 2s
//	    code: APIGW.0308
//	    message: ...
//
// Durations are strings as time.ParseDuration reads them ("20s", "1m30s").
// Unknown fields are errors.
type Scenario struct {
	ProjectID string
	Jobs      []Job
	Faults    []Fault
}

// The JSON (and YAML) form of a Scenario.
type (
	scenarioDoc struct {
		ProjectID string     `json:"project_id,omitempty"`
		Jobs      []jobDoc   `json:"jobs,omitempty"`
		Faults    []faultDoc `json:"faults,omitempty"`
	}
	jobDoc struct {
		ID            string       `json:"id"`
		State         string       `json:"state,omitempty"`
		Duration      jsonDuration `json:"duration,omitempty"`
		Progress      *progressDoc `json:"progress,omitempty"`
		RDSInstanceID string       `json:"rds_instance_id,omitempty"`
		JobDirection  string       `json:"job_direction,omitempty"`
		Items         []itemDoc    `json:"items,omitempty"`
	}
	progressDoc struct {
		Shape string `json:"shape,omitempty"`
		Steps int    `json:"steps,omitempty"`
		At    int    `json:"at,omitempty"`
	}
	itemDoc struct {
		Item          string      `json:"item,omitempty"`
		Group         string      `json:"group,omitempty"`
		Result        string      `json:"result,omitempty"`
		FailedReason  string      `json:"failed_reason,omitempty"`
		Data          string      `json:"data,omitempty"`
		RawErrorMsg   string      `json:"raw_error_msg,omitempty"`
		FailedSubJobs []subJobDoc `json:"failed_sub_jobs,omitempty"`
	}
	subJobDoc struct {
		ID          string `json:"id,omitempty"`
		Name        string `json:"name,omitempty"`
		CheckResult string `json:"check_result,omitempty"`
	}
	faultDoc struct {
		Kind       FaultKind    `json:"kind"`
		Operation  string       `json:"operation,omitempty"`
		Rate       float64      `json:"rate,omitempty"`
		Count      int          `json:"count,omitempty"`
		Latency    jsonDuration `json:"latency,omitempty"`
		Status     int          `json:"status,omitempty"`
		RetryAfter jsonDuration `json:"retry_after,omitempty"`
		Code       string       `json:"code,omitempty"`
		Message    string       `json:"message,omitempty"`
	}
)

// jsonDuration is a time.Duration written as a string such as "20s".
type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s is not a string such as \"20s\"", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: want a string such as \"20s\" or \"1m30s\"", s)
	}
	*d = jsonDuration(v)
	return nil
}

// MarshalJSON writes the scenario in the format ParseScenario reads.
func (sc Scenario) MarshalJSON() ([]byte, error) {
	doc := scenarioDoc{ProjectID: sc.ProjectID}
	for _, j := range sc.Jobs {
		jd := jobDoc{ID: j.ID, State: j.State, Duration: jsonDuration(j.Duration), RDSInstanceID: j.RDSInstanceID, JobDirection: j.Direction}
		if j.Progress != (Progress{}) {
			jd.Progress = &progressDoc{Shape: j.Progress.Shape, Steps: j.Progress.Steps, At: j.Progress.At}
		}
		for _, it := range j.Items {
			id := itemDoc{Item: it.Item, Group: it.Group, Result: it.Result, FailedReason: it.FailedReason, Data: it.Data, RawErrorMsg: it.RawErrorMsg}
			for _, sj := range it.FailedSubJobs {
				id.FailedSubJobs = append(id.FailedSubJobs, subJobDoc(sj))
			}
			jd.Items = append(jd.Items, id)
		}
		doc.Jobs = append(doc.Jobs, jd)
	}
	for _, f := range sc.Faults {
		doc.Faults = append(doc.Faults, faultDoc{
			Kind: f.Kind, Operation: f.Operation, Rate: f.Rate, Count: f.Count,
			Latency: jsonDuration(f.Latency), Status: f.Status, RetryAfter: jsonDuration(f.RetryAfter),
			Code: f.Code, Message: f.Message,
		})
	}
	return json.Marshal(doc)
}

// UnmarshalJSON reads a scenario strictly (unknown fields are errors) and
// checks its jobs and faults.
func (sc *Scenario) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc scenarioDoc
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("drstest: scenario: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("drstest: scenario: data after the scenario")
	}
	out := Scenario{ProjectID: doc.ProjectID}
	for _, jd := range doc.Jobs {
		j := Job{ID: jd.ID, State: jd.State, Duration: time.Duration(jd.Duration), RDSInstanceID: jd.RDSInstanceID, Direction: jd.JobDirection}
		if jd.Progress != nil {
			j.Progress = Progress{Shape: jd.Progress.Shape, Steps: jd.Progress.Steps, At: jd.Progress.At}
		}
		for _, id := range jd.Items {
			it := CheckItem{Item: id.Item, Group: id.Group, Result: id.Result, FailedReason: id.FailedReason, Data: id.Data, RawErrorMsg: id.RawErrorMsg}
			for _, sj := range id.FailedSubJobs {
				it.FailedSubJobs = append(it.FailedSubJobs, FailedSubJob(sj))
			}
			j.Items = append(j.Items, it)
		}
		out.Jobs = append(out.Jobs, j)
	}
	for _, fd := range doc.Faults {
		out.Faults = append(out.Faults, Fault{
			Kind: fd.Kind, Operation: fd.Operation, Rate: fd.Rate, Count: fd.Count,
			Latency: time.Duration(fd.Latency), Status: fd.Status, RetryAfter: time.Duration(fd.RetryAfter),
			Code: fd.Code, Message: fd.Message,
		})
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*sc = out
	return nil
}

// Validate checks the scenario: a usable project ID (if set), valid jobs
// with unique IDs, valid faults.
func (sc Scenario) Validate() error {
	if sc.ProjectID != "" {
		if err := checkProjectID(sc.ProjectID); err != nil {
			return err
		}
	}
	seen := make(map[string]bool, len(sc.Jobs))
	for _, j := range sc.Jobs {
		if _, err := j.normalize(); err != nil {
			return err
		}
		if seen[j.ID] {
			return fmt.Errorf("drstest: scenario: job %s is given twice", j.ID)
		}
		seen[j.ID] = true
	}
	for _, f := range sc.Faults {
		if _, err := f.normalize(); err != nil {
			return err
		}
	}
	return nil
}

// ParseScenario reads a scenario in format "json", "yaml" (or "yml"), or ""
// to guess from the content (JSON if it starts with '{').
func ParseScenario(data []byte, format string) (Scenario, error) {
	switch strings.ToLower(strings.TrimPrefix(format, ".")) {
	case "":
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
			return parseJSONScenario(data)
		}
		return parseYAMLScenario(data)
	case "json":
		return parseJSONScenario(data)
	case "yaml", "yml":
		return parseYAMLScenario(data)
	default:
		return Scenario{}, fmt.Errorf("drstest: scenario format %q is not json or yaml", format)
	}
}

func parseJSONScenario(data []byte) (Scenario, error) {
	var sc Scenario
	err := sc.UnmarshalJSON(data)
	return sc, err
}

// parseYAMLScenario converts YAML to JSON and reads that, so that both
// formats follow the same rules.
func parseYAMLScenario(data []byte) (Scenario, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Scenario{}, fmt.Errorf("drstest: scenario: %w", err)
	}
	v, err := yamlValue(&doc, 0)
	if err != nil {
		return Scenario{}, fmt.Errorf("drstest: scenario: %w", err)
	}
	if v == nil {
		return Scenario{}, nil // an empty document
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Scenario{}, fmt.Errorf("drstest: scenario: %w", err)
	}
	return parseJSONScenario(b)
}

// yamlValue converts a YAML node to what encoding/json marshals. Scalars
// other than null, booleans and numbers stay text as written, so that an
// unquoted job ID such as 2024-01-01 is not turned into a timestamp.
func yamlValue(n *yaml.Node, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("YAML nested too deeply")
	}
	switch n.Kind {
	case 0: // no document at all
		return nil, nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return yamlValue(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := yamlValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key is not a scalar", k.Line)
			}
			v, err := yamlValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, err
			}
			return v, nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// LoadScenario reads a scenario file; its format follows the extension
// (.json, .yaml, .yml), or the content for other names.
func LoadScenario(path string) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("drstest: %w", err)
	}
	format := ""
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json", ".yaml", ".yml":
		format = ext
	}
	sc, err := ParseScenario(data, format)
	if err != nil {
		return Scenario{}, fmt.Errorf("%w (in %s)", err, path)
	}
	return sc, nil
}
