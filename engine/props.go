package engine

import (
	"reflect"
	"strings"
)

// CommonProps are the properties every resource kind accepts, besides the
// ones its struct declares.
var CommonProps = []string{"action", "not_if", "only_if", "ignore_failure", "retries", "retry_delay", "notifies", "subscribes", "sensitive"}

// Property is one property of a resource kind: a field of the kind's
// struct with a `prop:"name[,name][,mode|,account]"` tag and a `doc:"..."` sentence.
type Property struct {
	Name string
	// Doc is the property's one-sentence reference.
	Doc string
	// Type is the Go type of the field the property sets.
	Type reflect.Type
	// Index is the field's index path in the struct, for reflect.FieldByIndex.
	Index []int
	// IsName: the property defaults to the resource name.
	IsName bool
	// Mode: an octal file mode, given as 0o644 or "0644".
	Mode bool
	// Account: a user or group, given as a name ("www-data") or as a
	// number (1000, or "1000"), as Chef accepts owner 0; a string field
	// holds the number in decimal, an int field (a uid or gid) takes the
	// number or its decimal string only.
	Account bool
	// ChefName is Chef's name for the property when it differs (a
	// `chef=NAME` tag option: Chef's name is a Starlark keyword).
	ChefName string

	// The fields below describe custom kinds' properties (Kind.Props).

	// TypeName is the declared type (str, int, bool, list, dict, mode,
	// path); "" for built-in kinds, whose Type says it.
	TypeName string
	// Default is the default value as the reference shows it; "" for none.
	Default string
	// Required: the caller must give the property.
	Required bool
	// Sensitive: the value never reaches output.
	Sensitive bool
	// NoDesiredState: the property is never compared with current state.
	NoDesiredState bool
}

// ChefProperty returns the property Chef calls name, when its converge
// name differs.
func (k *Kind) ChefProperty(name string) (Property, bool) {
	for _, p := range k.Properties() {
		if p.ChefName == name {
			return p, true
		}
	}
	return Property{}, false
}

// Properties lists the kind's tagged properties in declaration order,
// including those of embedded structs (but not of Common).
func (k *Kind) Properties() []Property {
	if k.New == nil {
		return k.Props
	}
	return propsOf(reflect.TypeOf(k.New()).Elem(), nil)
}

// HasProperty reports whether the kind accepts prop, common ones included.
func (k *Kind) HasProperty(prop string) bool {
	for _, p := range CommonProps {
		if p == prop {
			return true
		}
	}
	for _, p := range k.Properties() {
		if p.Name == prop {
			return true
		}
	}
	return false
}

func propsOf(t reflect.Type, prefix []int) []Property {
	var out []Property
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		index := append(append([]int{}, prefix...), i)
		tag, ok := f.Tag.Lookup("prop")
		if !ok {
			if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(Common{}) {
				out = append(out, propsOf(f.Type, index)...)
			}
			continue
		}
		parts := strings.Split(tag, ",")
		p := Property{Name: parts[0], Doc: f.Tag.Get("doc"), Type: f.Type, Index: index}
		for _, o := range parts[1:] {
			switch o {
			case "name":
				p.IsName = true
			case "mode":
				p.Mode = true
			case "account":
				p.Account = true
			default:
				if n, ok := strings.CutPrefix(o, "chef="); ok {
					p.ChefName = n
				}
			}
		}
		out = append(out, p)
	}
	return out
}
