package recipe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// xmlModule is the recipes' `xml`: xml.decode(s) parses an XML document
// (a CIB that `cibadmin --query` printed, say) into its root element.
//
// An element has .tag, .attrs (a dict of attribute name to value),
// .children (its child elements, in order), .text (its character data,
// trimmed), and the methods .get(name, default=None) (an attribute),
// .find(tag, **attrs) (the first descendant with that tag, "*" for any,
// whose attributes have the given values; None when there is none) and
// .find_all(tag, **attrs) (every such descendant, in document order).
// Elements are immutable. Decoding the same string again returns the same
// element without parsing it again, so many resources that read one probe
// output parse it once.
var xmlModule = &starlarkstruct.Module{
	Name: "xml",
	Members: starlark.StringDict{
		"decode": starlark.NewBuiltin("xml.decode", xmlDecode),
	},
}

// xmlCacheSize bounds the decoded documents kept for reuse.
const xmlCacheSize = 16

var (
	xmlMu     sync.Mutex
	xmlCache  = map[string]*xmlElem{}
	xmlOrder  []string // least recently decoded first
	xmlParses atomic.Int64
)

func xmlDecode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	xmlMu.Lock()
	if e, ok := xmlCache[s]; ok {
		xmlMu.Unlock()
		return e, nil
	}
	xmlMu.Unlock()
	e, err := parseXML(s)
	if err != nil {
		return nil, fmt.Errorf("xml.decode: %v", err)
	}
	xmlParses.Add(1)
	xmlMu.Lock()
	defer xmlMu.Unlock()
	if prev, ok := xmlCache[s]; ok {
		return prev, nil // another node's thread decoded it meanwhile
	}
	if len(xmlOrder) >= xmlCacheSize {
		delete(xmlCache, xmlOrder[0])
		xmlOrder = xmlOrder[1:]
	}
	xmlCache[s] = e
	xmlOrder = append(xmlOrder, s)
	return e, nil
}

// parseXML builds the element tree of one document.
func parseXML(s string) (*xmlElem, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	var (
		stack []*xmlElem
		texts []*bytes.Buffer
		root  *xmlElem
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				line, _ := d.InputPos()
				return nil, fmt.Errorf("line %d: a second root element <%s>; a document has one", line, t.Name.Local)
			}
			e := &xmlElem{tag: t.Name.Local, attrs: starlark.NewDict(len(t.Attr))}
			for _, a := range t.Attr {
				_ = e.attrs.SetKey(starlark.String(a.Name.Local), starlark.String(a.Value))
			}
			if n := len(stack); n > 0 {
				stack[n-1].kids = append(stack[n-1].kids, e)
			} else {
				root = e
			}
			stack = append(stack, e)
			texts = append(texts, &bytes.Buffer{})
		case xml.EndElement:
			n := len(stack)
			e := stack[n-1]
			e.text = strings.TrimSpace(texts[n-1].String())
			e.attrs.Freeze()
			stack, texts = stack[:n-1], texts[:n-1]
		case xml.CharData:
			if n := len(texts); n > 0 {
				texts[n-1].Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				line, _ := d.InputPos()
				return nil, fmt.Errorf("line %d: text outside the root element", line)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no element: the input is empty or not XML")
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("element <%s> is not closed", stack[len(stack)-1].tag)
	}
	return root, nil
}

// xmlElem is one decoded element.
type xmlElem struct {
	tag   string
	attrs *starlark.Dict // frozen
	kids  []*xmlElem
	text  string
}

var _ starlark.HasAttrs = (*xmlElem)(nil)

func (e *xmlElem) String() string {
	var b strings.Builder
	b.WriteString("<" + e.tag)
	keys := e.attrs.Keys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].(starlark.String) < keys[j].(starlark.String) })
	for _, k := range keys {
		v, _, _ := e.attrs.Get(k)
		fmt.Fprintf(&b, " %s=%q", string(k.(starlark.String)), string(v.(starlark.String)))
	}
	fmt.Fprintf(&b, "> (%d children)", len(e.kids))
	return b.String()
}
func (e *xmlElem) Type() string          { return "xml.element" }
func (e *xmlElem) Freeze()               {}
func (e *xmlElem) Truth() starlark.Bool  { return true }
func (e *xmlElem) Hash() (uint32, error) { return 0, errors.New("unhashable: xml.element") }

func (e *xmlElem) AttrNames() []string {
	return []string{"attrs", "children", "find", "find_all", "get", "tag", "text"}
}

func (e *xmlElem) Attr(name string) (starlark.Value, error) {
	switch name {
	case "tag":
		return starlark.String(e.tag), nil
	case "text":
		return starlark.String(e.text), nil
	case "attrs":
		return e.attrs, nil
	case "children":
		l := make([]starlark.Value, len(e.kids))
		for i, k := range e.kids {
			l[i] = k
		}
		out := starlark.NewList(l)
		out.Freeze()
		return out, nil
	case "get":
		return starlark.NewBuiltin("get", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var k string
			var def starlark.Value = starlark.None
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &k, &def); err != nil {
				return nil, err
			}
			if v, ok, _ := e.attrs.Get(starlark.String(k)); ok {
				return v, nil
			}
			return def, nil
		}), nil
	case "find", "find_all":
		return starlark.NewBuiltin(name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var tag string
			if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 1, &tag); err != nil {
				return nil, err
			}
			want := map[string]string{}
			for _, kv := range kwargs {
				v, ok := starlark.AsString(kv[1])
				if !ok {
					return nil, fmt.Errorf("%s: attribute %s: want a string, got %s", b.Name(), kv[0], kv[1].Type())
				}
				want[string(kv[0].(starlark.String))] = v
			}
			var found []starlark.Value
			e.walk(func(d *xmlElem) bool {
				if d.matches(tag, want) {
					found = append(found, d)
					return name == "find_all"
				}
				return true
			})
			if name == "find" {
				if len(found) == 0 {
					return starlark.None, nil
				}
				return found[0], nil
			}
			l := starlark.NewList(found)
			l.Freeze()
			return l, nil
		}), nil
	}
	return nil, nil
}

// walk visits e's descendants depth-first in document order until visit
// returns false.
func (e *xmlElem) walk(visit func(*xmlElem) bool) bool {
	for _, k := range e.kids {
		if !visit(k) || !k.walk(visit) {
			return false
		}
	}
	return true
}

func (e *xmlElem) matches(tag string, want map[string]string) bool {
	if tag != "*" && tag != e.tag {
		return false
	}
	for k, v := range want {
		got, ok, _ := e.attrs.Get(starlark.String(k))
		if !ok || got != starlark.String(v) {
			return false
		}
	}
	return true
}
