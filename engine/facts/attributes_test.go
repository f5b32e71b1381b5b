package facts

import (
	"reflect"
	"strings"
	"testing"
)

// Every field of Facts appears in Map under its JSON name, so recipes and
// templates read node.X with the names node JSON uses.
func TestMap_KeysAreTheJSONNames(t *testing.T) {
	m := Facts{}.Map()
	typ := reflect.TypeFor[Facts]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if _, ok := m[name]; !ok {
			t.Errorf("Map has no %q (field %s)", name, typ.Field(i).Name)
		}
	}
	if len(m) != typ.NumField() {
		t.Errorf("Map has %d keys, Facts %d fields", len(m), typ.NumField())
	}
}

func TestMap_IsACopy(t *testing.T) {
	f, err := ForPlatform("debian-12")
	if err != nil {
		t.Fatal(err)
	}
	m := f.Map()
	if m["platform"] != "debian" || m["cpu_count"] != 2 {
		t.Errorf("Map() = %v", m)
	}
	addrs := m["interfaces"].(map[string]any)["eth0"].([]any)
	addrs[0] = "changed"
	if f.Interfaces["eth0"][0] != "192.0.2.10/24" {
		t.Error("changing Map's interfaces changed the facts")
	}
}
