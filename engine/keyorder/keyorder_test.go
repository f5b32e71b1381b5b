package keyorder

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestTable_Keys(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]any
		rec  []string // nil: not recorded
		want []string
	}{
		{"recorded", map[string]any{"z": 1, "a": 2, "m": 3}, []string{"z", "a", "m"}, []string{"z", "a", "m"}},
		{"not recorded is sorted", map[string]any{"z": 1, "a": 2, "m": 3}, nil, []string{"a", "m", "z"}},
		{"keys added later follow, sorted", map[string]any{"z": 1, "a": 2, "y": 3, "b": 4}, []string{"z", "a"}, []string{"z", "a", "b", "y"}},
		{"keys deleted are skipped", map[string]any{"a": 2}, []string{"z", "a"}, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := New()
			if tt.rec != nil {
				tab.Set(tt.m, tt.rec)
			}
			if got := tab.Keys(tt.m); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Table.Keys = %q, want %q", got, tt.want)
			}
			release := Use(tab)
			if got := Keys(tt.m); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Keys in use = %q, want %q", got, tt.want)
			}
			release()
			release() // a second release is harmless
			if got, sorted := Keys(tt.m), New().Keys(tt.m); !reflect.DeepEqual(got, sorted) {
				t.Errorf("Keys after release = %q, want sorted %q", got, sorted)
			}
		})
	}
}

func TestTable_NilIsSorted(t *testing.T) {
	var tab *Table
	m := map[string]any{"b": 1, "a": 2}
	tab.Set(m, []string{"b", "a"})
	if got := tab.Keys(m); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("nil Table Keys = %q", got)
	}
	Use(nil)()
}

func TestDecode_KeepsObjectOrder(t *testing.T) {
	src := `{"z": {"y": 1, "b": [{"q": 1, "p": 2}]}, "a": 1.5, "m": null, "a": 7}`
	tab := New()
	v, err := Decode(json.NewDecoder(bytes.NewReader([]byte(src))), tab)
	if err != nil {
		t.Fatal(err)
	}
	var plain any
	d := json.NewDecoder(bytes.NewReader([]byte(src)))
	d.UseNumber()
	if err := d.Decode(&plain); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, plain) {
		t.Fatalf("Decode = %#v, want what encoding/json gives: %#v", v, plain)
	}
	top := v.(map[string]any)
	z := top["z"].(map[string]any)
	inner := z["b"].([]any)[0].(map[string]any)
	for _, c := range []struct {
		m    map[string]any
		want []string
	}{{top, []string{"z", "a", "m"}}, {z, []string{"y", "b"}}, {inner, []string{"q", "p"}}} {
		if got := tab.Keys(c.m); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Keys = %q, want %q", got, c.want)
		}
	}
}

func TestDecode_Errors(t *testing.T) {
	for _, src := range []string{`{"a": }`, `{"a": 1`, `[1,`, ``} {
		if _, err := Decode(json.NewDecoder(bytes.NewReader([]byte(src))), New()); err == nil {
			t.Errorf("Decode(%q): no error", src)
		}
	}
}
