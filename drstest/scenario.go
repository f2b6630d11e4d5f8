package drstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

// Scenario is a project with its jobs and faults: what a simulator starts
// with (see WithScenario). LoadScenario and ParseScenario read it from YAML
// or JSON with the field names of the yaml tags of Scenario, Job, Progress,
// CheckItem, FailedSubJob and Fault, and durations as time.ParseDuration
// reads them; unknown fields are errors (see testdata/scenario.yaml):
//
//	project_id: 054ba152d480d55b2f5dc0069e7ddef0
//	jobs:
//	  - {id: job-1, duration: 20s, progress: {shape: steps}, items: [{item: srcDbConnection, result: PASSED}]}
//	faults:
//	  - {kind: throttle, operation: BatchCheckResults, rate: 0.2, count: 3, retry_after: 2s}
type Scenario struct {
	ProjectID string  `yaml:"project_id"`
	Jobs      []Job   `yaml:"jobs"`
	Faults    []Fault `yaml:"faults"`
}

// ParseScenario reads a scenario in format "json", "yaml" (or "yml"), or ""
// to guess from the content (JSON if it starts with '{').
func ParseScenario(data []byte, format string) (Scenario, error) {
	format = strings.ToLower(strings.TrimPrefix(format, "."))
	if format == "" {
		format = "yaml"
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
			format = "json"
		}
	}
	switch format {
	case "json":
		// YAML does not read every JSON string escape ("\/"): decode the
		// JSON, then read its YAML form, so that both follow one set of rules.
		var v any
		if err := json.Unmarshal(data, &v); err != nil { // refuses data after the scenario too
			return Scenario{}, fmt.Errorf("drstest: scenario: %w", err)
		}
		data, _ = yaml.Marshal(v) // JSON values always marshal
	case "yaml", "yml":
	default:
		return Scenario{}, fmt.Errorf("drstest: scenario format %q is not json or yaml", format)
	}
	var sc Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil && err != io.EOF { // EOF: an empty document
		return Scenario{}, fmt.Errorf("drstest: scenario: %w", err)
	}
	// New checks a scenario as it checks options: one set of rules.
	if _, err := New(AcceptAnyToken(), WithoutRequestValidation(), WithScenario(sc)); err != nil {
		return Scenario{}, err
	}
	return sc, nil
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
