package main

// A small XML Schema validator for the tests: enough of XSD 1.0 to check the
// JUnit output against testdata/junit.xsd without a tool the project does not
// install. It knows global and local element declarations and references,
// named and inline complex and simple types, sequence and choice with
// minOccurs/maxOccurs, attributes with use="required", mixed content, and
// simple types restricted by pattern, length, minInclusive and enumeration
// facets over the built-in types below. Any other construct in a schema is
// an error, never silently accepted.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const xsdNS = "http://www.w3.org/2001/XMLSchema"

// xmlNode is an element of a parsed document: schema or instance.
type xmlNode struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*xmlNode
	text     strings.Builder // character data directly inside the element
}

func (n *xmlNode) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// parseXMLTree parses a whole document strictly (well-formed, one root).
func parseXMLTree(data []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name, attrs: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("more than one root element")
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// xsdSchema is a parsed schema's global declarations.
type xsdSchema struct {
	elements     map[string]*xmlNode
	complexTypes map[string]*xmlNode
	simpleTypes  map[string]*xmlNode
}

func parseXSD(data []byte) (*xsdSchema, error) {
	root, err := parseXMLTree(data)
	if err != nil {
		return nil, err
	}
	if root.name.Space != xsdNS || root.name.Local != "schema" {
		return nil, fmt.Errorf("root is %s, not xs:schema", root.name.Local)
	}
	s := &xsdSchema{elements: map[string]*xmlNode{}, complexTypes: map[string]*xmlNode{}, simpleTypes: map[string]*xmlNode{}}
	for _, c := range root.children {
		name, _ := c.attr("name")
		switch c.name.Local {
		case "element":
			s.elements[name] = c
		case "complexType":
			s.complexTypes[name] = c
		case "simpleType":
			s.simpleTypes[name] = c
		case "annotation":
		default:
			return nil, fmt.Errorf("unsupported top-level schema construct xs:%s", c.name.Local)
		}
	}
	return s, nil
}

// validate checks a whole document against the schema.
func (s *xsdSchema) validate(doc []byte) error {
	root, err := parseXMLTree(doc)
	if err != nil {
		return fmt.Errorf("not well-formed XML: %w", err)
	}
	decl, ok := s.elements[root.name.Local]
	if !ok || root.name.Space != "" {
		return fmt.Errorf("root element <%s> is not declared", root.name.Local)
	}
	return s.element(decl, root, "/"+root.name.Local)
}

// element checks inst against the element declaration decl.
func (s *xsdSchema) element(decl, inst *xmlNode, path string) error {
	decl, err := s.resolveRef(decl)
	if err != nil {
		return err
	}
	if typ, ok := decl.attr("type"); ok {
		if ct, ok := s.complexTypes[typ]; ok {
			return s.complex(ct, inst, path)
		}
		return s.simpleElement(typ, nil, inst, path)
	}
	for _, c := range decl.children {
		switch c.name.Local {
		case "complexType":
			return s.complex(c, inst, path)
		case "simpleType":
			return s.simpleElement("", c, inst, path)
		case "annotation":
		default:
			return fmt.Errorf("%s: unsupported xs:%s in an element declaration", path, c.name.Local)
		}
	}
	return fmt.Errorf("%s: element declaration without a type", path)
}

func (s *xsdSchema) resolveRef(decl *xmlNode) (*xmlNode, error) {
	if ref, ok := decl.attr("ref"); ok {
		d, ok := s.elements[ref]
		if !ok {
			return nil, fmt.Errorf("reference to undeclared element %q", ref)
		}
		return d, nil
	}
	return decl, nil
}

// simpleElement checks an element of simple type: no attributes, no child
// elements, text of the type.
func (s *xsdSchema) simpleElement(typ string, inline, inst *xmlNode, path string) error {
	for _, a := range inst.attrs {
		if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
			return fmt.Errorf("%s: attribute %s not allowed on an element of simple type", path, a.Name.Local)
		}
	}
	if len(inst.children) > 0 {
		return fmt.Errorf("%s: child element <%s> not allowed in an element of simple type", path, inst.children[0].name.Local)
	}
	if inline != nil {
		return s.simpleValue(inline, inst.text.String(), path)
	}
	return s.typedValue(typ, inst.text.String(), path)
}

// complex checks inst against a complexType.
func (s *xsdSchema) complex(ct, inst *xmlNode, path string) error {
	mixed, _ := ct.attr("mixed")
	var model *xmlNode
	var attrDecls []*xmlNode
	for _, c := range ct.children {
		switch c.name.Local {
		case "sequence", "choice":
			if model != nil {
				return fmt.Errorf("%s: two content models in one complexType", path)
			}
			model = c
		case "attribute":
			attrDecls = append(attrDecls, c)
		case "annotation":
		default:
			return fmt.Errorf("%s: unsupported xs:%s in a complexType", path, c.name.Local)
		}
	}
	if err := s.attributes(attrDecls, inst, path); err != nil {
		return err
	}
	if mixed != "true" && strings.TrimSpace(inst.text.String()) != "" {
		return fmt.Errorf("%s: text content not allowed (the type is not mixed)", path)
	}
	names := make([]string, len(inst.children))
	for i, c := range inst.children {
		if c.name.Space != "" {
			return fmt.Errorf("%s: element <%s> in namespace %s not allowed", path, c.name.Local, c.name.Space)
		}
		names[i] = c.name.Local
	}
	if model == nil {
		if len(names) > 0 {
			return fmt.Errorf("%s: child element <%s> not allowed (empty content)", path, names[0])
		}
		return nil
	}
	ends, err := s.particle(model, names, 0)
	if err != nil {
		return err
	}
	if !slices.Contains(ends, len(names)) {
		return fmt.Errorf("%s: children %v do not match the content model", path, names)
	}
	for i, c := range inst.children {
		decl, err := s.declIn(model, c.name.Local)
		if err != nil {
			return err
		}
		if err := s.element(decl, c, fmt.Sprintf("%s/%s[%d]", path, c.name.Local, i)); err != nil {
			return err
		}
	}
	return nil
}

// attributes checks inst's attributes: each declared, the required present,
// every value of its type.
func (s *xsdSchema) attributes(decls []*xmlNode, inst *xmlNode, path string) error {
	byName := map[string]*xmlNode{}
	for _, d := range decls {
		name, _ := d.attr("name")
		byName[name] = d
		if use, _ := d.attr("use"); use == "required" {
			if _, ok := inst.attr(name); !ok {
				return fmt.Errorf("%s: required attribute %s missing", path, name)
			}
		}
	}
	for _, a := range inst.attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		d, ok := byName[a.Name.Local]
		if !ok || a.Name.Space != "" {
			return fmt.Errorf("%s: attribute %s is not declared", path, a.Name.Local)
		}
		apath := path + "/@" + a.Name.Local
		if typ, ok := d.attr("type"); ok {
			if err := s.typedValue(typ, a.Value, apath); err != nil {
				return err
			}
			continue
		}
		for _, c := range d.children {
			if c.name.Local == "simpleType" {
				if err := s.simpleValue(c, a.Value, apath); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// declIn finds the declaration of child elements called name in a content model.
func (s *xsdSchema) declIn(model *xmlNode, name string) (*xmlNode, error) {
	var found *xmlNode
	var walk func(n *xmlNode)
	walk = func(n *xmlNode) {
		for _, c := range n.children {
			switch c.name.Local {
			case "element":
				n, _ := c.attr("name")
				if ref, ok := c.attr("ref"); ok {
					n = ref
				}
				if n == name && found == nil {
					found = c
				}
			case "sequence", "choice":
				walk(c)
			}
		}
	}
	walk(model)
	if found == nil {
		return nil, fmt.Errorf("element <%s> is not declared in its parent's content model", name)
	}
	return found, nil
}

// particle returns every position at which p, with its occurrence bounds,
// can end when matching names from pos.
func (s *xsdSchema) particle(p *xmlNode, names []string, pos int) ([]int, error) {
	minOcc, maxOcc, err := occurs(p, len(names))
	if err != nil {
		return nil, err
	}
	current := []int{pos}
	var ends []int
	if minOcc == 0 {
		ends = append(ends, pos)
	}
	for n := 1; n <= maxOcc && len(current) > 0; n++ {
		var next []int
		for _, at := range current {
			e, err := s.once(p, names, at)
			if err != nil {
				return nil, err
			}
			for _, x := range e {
				if x > at && !slices.Contains(next, x) { // an empty match adds nothing
					next = append(next, x)
				}
				if x == at && !slices.Contains(ends, x) {
					// p can match nothing: the occurrences still required can too.
					ends = append(ends, x)
				}
			}
		}
		if n >= minOcc {
			for _, x := range next {
				if !slices.Contains(ends, x) {
					ends = append(ends, x)
				}
			}
		}
		current = next
	}
	return ends, nil
}

// once matches p exactly once from pos.
func (s *xsdSchema) once(p *xmlNode, names []string, pos int) ([]int, error) {
	switch p.name.Local {
	case "element":
		name, _ := p.attr("name")
		if ref, ok := p.attr("ref"); ok {
			name = ref
		}
		if pos < len(names) && names[pos] == name {
			return []int{pos + 1}, nil
		}
		return nil, nil
	case "sequence":
		current := []int{pos}
		for _, c := range p.children {
			if c.name.Local == "annotation" {
				continue
			}
			var next []int
			for _, at := range current {
				e, err := s.particle(c, names, at)
				if err != nil {
					return nil, err
				}
				for _, x := range e {
					if !slices.Contains(next, x) {
						next = append(next, x)
					}
				}
			}
			current = next
		}
		return current, nil
	case "choice":
		var ends []int
		for _, c := range p.children {
			if c.name.Local == "annotation" {
				continue
			}
			e, err := s.particle(c, names, pos)
			if err != nil {
				return nil, err
			}
			for _, x := range e {
				if !slices.Contains(ends, x) {
					ends = append(ends, x)
				}
			}
		}
		return ends, nil
	}
	return nil, fmt.Errorf("unsupported particle xs:%s", p.name.Local)
}

// occurs reads minOccurs and maxOccurs (default 1; unbounded as limit).
func occurs(p *xmlNode, limit int) (int, int, error) {
	minOcc, maxOcc := 1, 1
	if v, ok := p.attr("minOccurs"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, 0, fmt.Errorf("minOccurs %q: %w", v, err)
		}
		minOcc = n
	}
	if v, ok := p.attr("maxOccurs"); ok {
		if v == "unbounded" {
			maxOcc = limit
		} else {
			n, err := strconv.Atoi(v)
			if err != nil {
				return 0, 0, fmt.Errorf("maxOccurs %q: %w", v, err)
			}
			maxOcc = n
		}
	}
	return minOcc, max(maxOcc, minOcc), nil
}

// typedValue checks v against a built-in or named simple type.
func (s *xsdSchema) typedValue(typ, v, path string) error {
	if st, ok := s.simpleTypes[typ]; ok {
		return s.simpleValue(st, v, path)
	}
	if err := builtinValue(typ, v); err != nil {
		return fmt.Errorf("%s: %q: %w", path, v, err)
	}
	return nil
}

// simpleValue checks v against an xs:simpleType (a restriction).
func (s *xsdSchema) simpleValue(st *xmlNode, v, path string) error {
	var restr *xmlNode
	for _, c := range st.children {
		switch c.name.Local {
		case "restriction":
			restr = c
		case "annotation":
		default:
			return fmt.Errorf("%s: unsupported xs:%s in a simpleType", path, c.name.Local)
		}
	}
	if restr == nil {
		return fmt.Errorf("%s: simpleType without a restriction", path)
	}
	base, _ := restr.attr("base")
	if err := s.typedValue(base, v, path); err != nil {
		return err
	}
	var enums []string
	for _, f := range restr.children {
		val, _ := f.attr("value")
		switch f.name.Local {
		case "pattern":
			re, err := regexp.Compile(`^(?:` + val + `)$`)
			if err != nil {
				return fmt.Errorf("%s: pattern %q: %w", path, val, err)
			}
			if !re.MatchString(v) {
				return fmt.Errorf("%s: %q does not match the pattern %s", path, v, val)
			}
		case "minLength", "maxLength":
			n, err := strconv.Atoi(val)
			if err != nil {
				return fmt.Errorf("%s: %s %q: %w", path, f.name.Local, val, err)
			}
			l := len([]rune(v))
			if (f.name.Local == "minLength" && l < n) || (f.name.Local == "maxLength" && l > n) {
				return fmt.Errorf("%s: %q breaks %s %d", path, v, f.name.Local, n)
			}
		case "minInclusive":
			lo, ok1 := new(big.Rat).SetString(val)
			x, ok2 := new(big.Rat).SetString(v)
			if !ok1 || !ok2 {
				return fmt.Errorf("%s: minInclusive on a value that is not a number: %q", path, v)
			}
			if x.Cmp(lo) < 0 {
				return fmt.Errorf("%s: %q is below %s", path, v, val)
			}
		case "enumeration":
			enums = append(enums, val)
		case "whiteSpace", "annotation":
		default:
			return fmt.Errorf("%s: unsupported facet xs:%s", path, f.name.Local)
		}
	}
	if enums != nil && !slices.Contains(enums, v) {
		return fmt.Errorf("%s: %q is none of %v", path, v, enums)
	}
	return nil
}

var (
	xsdDecimal  = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)
	xsdInteger  = regexp.MustCompile(`^[+-]?\d+$`)
	xsdDateTime = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)
)

// builtinValue checks v against an XSD built-in type.
func builtinValue(typ, v string) error {
	switch typ {
	case "xs:string", "xs:token":
		return nil
	case "xs:boolean":
		if !slices.Contains([]string{"true", "false", "1", "0"}, v) {
			return errors.New("not an xs:boolean")
		}
	case "xs:decimal":
		if !xsdDecimal.MatchString(v) {
			return errors.New("not an xs:decimal")
		}
	case "xs:integer", "xs:int", "xs:nonNegativeInteger":
		if !xsdInteger.MatchString(v) {
			return fmt.Errorf("not an %s", typ)
		}
		n, _ := new(big.Int).SetString(strings.TrimPrefix(v, "+"), 10)
		if typ == "xs:int" && !n.IsInt64() || typ == "xs:int" && (n.Int64() < -1<<31 || n.Int64() >= 1<<31) {
			return errors.New("out of xs:int's range")
		}
		if typ == "xs:nonNegativeInteger" && n.Sign() < 0 {
			return errors.New("negative, not an xs:nonNegativeInteger")
		}
	case "xs:dateTime":
		m := xsdDateTime.FindStringSubmatch(v)
		if m == nil {
			return errors.New("not an xs:dateTime")
		}
		if _, err := time.Parse("2006-01-02T15:04:05", m[1]); err != nil {
			return fmt.Errorf("not an xs:dateTime: %w", err)
		}
	default:
		return fmt.Errorf("unsupported type %s", typ)
	}
	return nil
}
