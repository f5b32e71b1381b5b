package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
)

// TestParseNodeFile_Port: converge.port may be a number or a string of
// digits; anything else is an error naming the file. Today's code dropped
// the JSON error and connected to port 22.
func TestParseNodeFile_Port(t *testing.T) {
	cases := []struct {
		json string
		port int
		err  string
	}{
		{`{"converge": {"port": 2222}}`, 2222, ""},
		{`{"converge": {"port": "2222"}}`, 2222, ""},
		{`{"converge": {"port": " 2200 "}}`, 0, `nodes/db1.json: .*converge.port " 2200 " is not a port number`},
		{`{"converge": {"port": "ssh"}}`, 0, `nodes/db1.json: .*converge.port "ssh" is not a port number \(1-65535\)`},
		{`{"converge": {"port": 70000}}`, 0, `nodes/db1.json: .*converge.port 70000 is not a port number`},
		{`{"converge": {"port": 22.5}}`, 0, `nodes/db1.json: .*converge.port 22.5 is not a port number`},
		{`{"converge": {"host": 5}}`, 0, `nodes/db1.json: converge.host is a number \(5\); want a string`},
		{`{"converge": {}}`, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.json, func(t *testing.T) {
			tg, err := parseNodeFile("nodes/db1.json", []byte(tc.json))
			if tc.err != "" {
				if err == nil || !regexp.MustCompile(tc.err).MatchString(err.Error()) {
					t.Fatalf("error %v, want one matching %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tg.Port != tc.port {
				t.Errorf("port %d, want %d", tg.Port, tc.port)
			}
		})
	}
}

// TestParseAttr_Numbers: -a keeps whole numbers exact (int64) and refuses
// one int64 cannot hold instead of rounding it through float64.
func TestParseAttr_Numbers(t *testing.T) {
	cases := []struct {
		arg  string
		want any
		err  string
	}{
		{"a=12345678901234567", int64(12345678901234567), ""},
		{"a=9223372036854775807", int64(9223372036854775807), ""},
		{"a=-5", int64(-5), ""},
		{"a=1.5", 1.5, ""},
		{"a=1e3", 1000.0, ""},
		{"a=12345678901234567890", nil, `-a "a=12345678901234567890": the integer 12345678901234567890 does not fit in 64 bits; quote it`},
		{"a=[1, 12345678901234567890]", nil, `does not fit in 64 bits`},
		{`a="12345678901234567890"`, "12345678901234567890", ""},
		{"a=12abc", "12abc", ""},
		{"a=[1, 2]", []any{int64(1), int64(2)}, ""},
		{`a={"p": 7}`, map[string]any{"p": int64(7)}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.arg, func(t *testing.T) {
			m, err := parseAttr(tc.arg, nil)
			if tc.err != "" {
				if err == nil || !regexp.MustCompile(tc.err).MatchString(err.Error()) {
					t.Fatalf("error %v, want one matching %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m["a"], tc.want) {
				t.Errorf("got %#v, want %#v", m["a"], tc.want)
			}
		})
	}
}

// TestNormalAttrs_KeepOrder checks -j and -a give their objects' keys in
// the order written, merged as Ruby's Hash#merge (a key keeps its first
// place, new ones follow): the order recipes and templates walk.
func TestNormalAttrs_KeepOrder(t *testing.T) {
	j := filepath.Join(t.TempDir(), "attrs.json")
	if err := os.WriteFile(j, []byte(`{"zeta": {"y": 1, "b": 2}, "alpha": 1, "normal": {"mid": 1, "zeta": {"c": 3}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	o := &RunOptions{JSONAttrs: j, Attrs: []string{`zeta.a=1`, `beta={"q": 1, "p": 2}`}}
	m, ord, err := o.normalAttrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		m    map[string]any
		want []string
	}{
		{"top", m, []string{"zeta", "alpha", "mid", "beta"}},
		{"zeta", m["zeta"].(map[string]any), []string{"y", "b", "c", "a"}},
		{"beta", m["beta"].(map[string]any), []string{"q", "p"}},
	} {
		if got := ord.Keys(c.m); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s keys = %q, want %q", c.name, got, c.want)
		}
	}
}
