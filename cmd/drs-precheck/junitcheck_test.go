package main

// The JUnit output is read back by a maintained JUnit parser
// (github.com/joshdk/go-junit, which reads reports as CI reporters do: by
// element and attribute names, whatever the schema), plus the few rules CI
// systems rely on that such a lenient parser does not enforce: one
// well-formed <testsuites> document, the attributes they read present and
// well typed, the counts agreeing with the testcases, at most one outcome
// element per testcase, and text only where text is read.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	junit "github.com/joshdk/go-junit"
)

// xmlElem is any element, with what the rules look at.
type xmlElem struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xmlElem  `xml:",any"`
}

func (e *xmlElem) attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// junitSeconds is a time attribute as reporters parse it: decimal seconds.
var junitSeconds = regexp.MustCompile(`^\d+(\.\d+)?$`)

// checkJUnit parses a JUnit document with go-junit after checking the rules
// above; it returns the suites as reporters see them.
func checkJUnit(data []byte) ([]junit.Suite, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root xmlElem
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
			continue
		}
		if _, ok := tok.(xml.Comment); !ok {
			return nil, fmt.Errorf("content after the root element: %T", tok)
		}
	}
	if root.XMLName.Local != "testsuites" {
		return nil, fmt.Errorf("root element <%s>, want <testsuites>", root.XMLName.Local)
	}
	suites, err := junit.Ingest(data)
	if err != nil {
		return nil, err
	}
	if err := checkElem(&root, "testsuites"); err != nil {
		return nil, err
	}
	if len(suites) != len(root.Children) {
		return nil, fmt.Errorf("go-junit read %d suites of %d", len(suites), len(root.Children))
	}
	var all junit.Totals
	for i, s := range suites {
		x := &root.Children[i]
		if err := checkCounts(x, s.Totals, true); err != nil {
			return nil, fmt.Errorf("testsuite %q: %w", s.Name, err)
		}
		all.Tests += s.Totals.Tests
		all.Failed += s.Totals.Failed
		all.Error += s.Totals.Error
	}
	if err := checkCounts(&root, all, false); err != nil {
		return nil, fmt.Errorf("testsuites: %w", err)
	}
	return suites, nil
}

// checkCounts compares the counts e declares with those of its testcases.
func checkCounts(e *xmlElem, got junit.Totals, withSkipped bool) error {
	want := map[string]int{"tests": got.Tests, "failures": got.Failed, "errors": got.Error}
	if withSkipped {
		want["skipped"] = got.Skipped
	}
	for name, n := range want {
		v, ok := e.attr(name)
		if !ok && name != "skipped" {
			return fmt.Errorf("no %s attribute", name)
		}
		if ok && v != strconv.Itoa(n) {
			return fmt.Errorf("%s=%q, but the testcases count %d", name, v, n)
		}
	}
	return nil
}

// junitRules are, per element, its required attributes, the child elements
// it may have (with at most one of those marked once) and whether it holds
// text.
var junitRules = map[string]struct {
	required []string
	children map[string]bool // element name → at most one of the "once" group
	text     bool
}{
	"testsuites": {children: map[string]bool{"testsuite": false}},
	"testsuite": {required: []string{"name", "tests", "failures", "errors"},
		children: map[string]bool{"properties": false, "testcase": false, "system-out": false, "system-err": false}},
	"properties": {children: map[string]bool{"property": false}},
	"property":   {required: []string{"name", "value"}},
	"testcase": {required: []string{"name", "classname"},
		children: map[string]bool{"failure": true, "error": true, "skipped": true, "system-out": false, "system-err": false}},
	"failure":    {required: []string{"message", "type"}, text: true},
	"error":      {required: []string{"message", "type"}, text: true},
	"skipped":    {text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

// checkElem checks e, an element called name, and everything in it.
func checkElem(e *xmlElem, name string) error {
	rule, known := junitRules[name]
	if !known {
		return fmt.Errorf("unknown element <%s>", name)
	}
	for _, a := range rule.required {
		if v, ok := e.attr(a); !ok || (v == "" && a == "name") {
			return fmt.Errorf("<%s> without %s", name, a)
		}
	}
	for _, a := range e.Attrs {
		if err := checkAttr(name, a.Name.Local, a.Value); err != nil {
			return err
		}
	}
	if !rule.text && strings.TrimSpace(e.Text) != "" {
		return fmt.Errorf("text in <%s>: %q", name, e.Text)
	}
	outcomes := 0
	for i := range e.Children {
		c := &e.Children[i]
		once, ok := rule.children[c.XMLName.Local]
		if !ok {
			return fmt.Errorf("<%s> in <%s>", c.XMLName.Local, name)
		}
		if once {
			if outcomes++; outcomes > 1 {
				return fmt.Errorf("<%s> with more than one of failure, error and skipped", name)
			}
		}
		if err := checkElem(c, c.XMLName.Local); err != nil {
			return err
		}
	}
	return nil
}

// checkAttr checks the attributes whose values reporters parse.
func checkAttr(elem, name, v string) error {
	switch {
	case name == "tests", name == "failures", name == "errors", name == "skipped":
		if n, err := strconv.Atoi(v); err != nil || n < 0 || strconv.Itoa(n) != v {
			return fmt.Errorf("<%s %s=%q>: not a count", elem, name, v)
		}
	case name == "time":
		if !junitSeconds.MatchString(v) {
			return fmt.Errorf("<%s time=%q>: not seconds", elem, v)
		}
	case name == "timestamp":
		if _, err := time.Parse(junitTimestamp, v); err != nil {
			return fmt.Errorf("<%s timestamp=%q>: not a date and time without a zone", elem, v)
		}
	}
	return nil
}
