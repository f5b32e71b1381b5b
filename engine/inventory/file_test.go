package inventory

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
)

// TestParseFile reads node files as the command line and search() both
// see them: whole numbers as int64 (a port 8080 prints 8080, not 8080.0,
// and equals 8080 in a search query), nested attributes kept, defaults for
// what a file leaves out, and an error naming the file and the field for
// anything of the wrong type.
func TestParseFile(t *testing.T) {
	tests := []struct {
		name string
		json string
		want File // Path is nodes/db1.json unless the case fails
		err  string
	}{
		{
			name: "an empty object takes every default",
			json: `{}`,
			want: File{Name: "db1", Environment: DefaultEnvironment, Normal: map[string]any{}},
		},
		{
			name: "name, environment, run list and connection",
			json: `{"name": "db-primary", "chef_environment": "prod", "run_list": ["role[db]", "recipe[pg::server]"],
				"converge": {"host": "10.0.0.5", "user": "admin", "port": 2222, "identity": "~/.ssh/db"}}`,
			want: File{Name: "db-primary", Environment: "prod", RunList: []string{"role[db]", "recipe[pg::server]"},
				Converge: Connection{Host: "10.0.0.5", User: "admin", Port: 2222, Identity: "~/.ssh/db"}, Normal: map[string]any{}},
		},
		{
			name: "a port written as a string of digits",
			json: `{"converge": {"port": "2200"}}`,
			want: File{Name: "db1", Environment: DefaultEnvironment, Converge: Connection{Port: 2200}, Normal: map[string]any{}},
		},
		{
			name: "null and empty strings are absent",
			json: `{"name": "", "chef_environment": null, "run_list": null, "normal": null, "converge": {"host": null}}`,
			want: File{Name: "db1", Environment: DefaultEnvironment, Normal: map[string]any{}},
		},
		{
			name: "whole numbers are int64, others float64, at any depth",
			json: `{"normal": {"app": {"port": 8080, "ratio": 0.25, "big": 9007199254740993, "neg": -3,
				"kilo": 1e3, "ports": [80, 443], "limits": [{"n": 1.5}]}}}`,
			want: File{Name: "db1", Environment: DefaultEnvironment, Normal: map[string]any{"app": map[string]any{
				"port": int64(8080), "ratio": 0.25, "big": int64(9007199254740993), "neg": int64(-3), "kilo": 1000.0,
				"ports": []any{int64(80), int64(443)}, "limits": []any{map[string]any{"n": 1.5}}}}},
		},
		{
			name: "top-level attributes go over normal, key by key",
			json: `{"normal": {"tags": ["old"], "keep": true}, "tags": ["db", "primary"], "json_class": "Chef::Node", "chef_type": "node"}`,
			want: File{Name: "db1", Environment: DefaultEnvironment,
				Normal: map[string]any{"tags": []any{"db", "primary"}, "keep": true}},
		},
		{
			name: "the other attribute levels",
			json: `{"default": {"a": {"b": 1}}, "override": {"c": "d"}, "automatic": {"ipaddress": "10.0.0.5"}}`,
			want: File{Name: "db1", Environment: DefaultEnvironment, Normal: map[string]any{},
				Default: map[string]any{"a": map[string]any{"b": int64(1)}}, Override: map[string]any{"c": "d"},
				Automatic: map[string]any{"ipaddress": "10.0.0.5"}},
		},
		{name: "not JSON", json: `{"name": "db1",}`, err: `^nodes/db1.json: not a JSON object: invalid character`},
		{name: "a list", json: `["db1"]`, err: `^nodes/db1.json: not a JSON object: .*cannot unmarshal array`},
		{name: "null", json: `null`, err: `^nodes/db1.json: not a JSON object: null$`},
		{name: "two objects", json: `{} {}`, err: `^nodes/db1.json: not one JSON object: text follows its closing }$`},
		{name: "a name that is not a string", json: `{"name": 5}`, err: `^nodes/db1.json: name is a number \(5\); want a string$`},
		{name: "an environment that is not a string", json: `{"chef_environment": ["prod"]}`, err: `^nodes/db1.json: chef_environment is a list; want a string$`},
		{name: "a run list that is a string", json: `{"run_list": "role[db]"}`, err: `^nodes/db1.json: run_list is a string \("role\[db\]"\); want a list`},
		{name: "a run list item that is not a string", json: `{"run_list": ["role[db]", 7]}`, err: `^nodes/db1.json: run_list\[1\] is a number \(7\); want a string`},
		{name: "converge that is not an object", json: `{"converge": "10.0.0.5"}`, err: `^nodes/db1.json: converge is a string \("10.0.0.5"\); want an object`},
		{name: "a host that is not a string", json: `{"converge": {"host": true}}`, err: `^nodes/db1.json: converge.host is a boolean \(true\); want a string$`},
		{name: "a port out of range", json: `{"converge": {"port": 70000}}`, err: `^nodes/db1.json: converge.port 70000 is not a port number \(1-65535\)$`},
		{name: "a port with a fraction", json: `{"converge": {"port": 22.5}}`, err: `^nodes/db1.json: converge.port 22.5 is not a port number`},
		{name: "a port that is a word", json: `{"converge": {"port": "ssh"}}`, err: `^nodes/db1.json: converge.port "ssh" is not a port number`},
		{name: "normal that is a list", json: `{"normal": [1]}`, err: `^nodes/db1.json: normal is a list; want an object of attributes$`},
		{name: "automatic that is a string", json: `{"automatic": "x"}`, err: `^nodes/db1.json: automatic is a string \("x"\); want an object of attributes$`},
		{
			name: "an integer int64 cannot hold, named by its path",
			json: `{"normal": {"app": {"ids": [1, 12345678901234567890]}}}`,
			err:  `^nodes/db1.json: normal.app.ids\[1\]: the integer 12345678901234567890 does not fit in 64 bits; quote it \("12345678901234567890"\) to pass it as a string$`,
		},
		{name: "a number out of range", json: `{"x": 1e999}`, err: `^nodes/db1.json: x: the number 1e999 is out of range$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFile("nodes/db1.json", []byte(tt.json))
			if tt.err != "" {
				if err == nil || !regexp.MustCompile(tt.err).MatchString(err.Error()) {
					t.Fatalf("error %v, want one matching %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Path = "nodes/db1.json"
			got.Order = nil // TestParseFile_KeyOrder
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestParseFile_KeyOrder checks the file's objects keep the order their
// keys are written in (Ruby's JSON.parse gives hashes in that order), and
// Normal has the "normal" object's keys, then the top-level attributes.
func TestParseFile_KeyOrder(t *testing.T) {
	src := `{"zeta": 1, "normal": {"z": 1, "a": {"y": 1, "b": 2}, "m": 3}, "alpha": 2,
		"default": {"q": 1, "c": 2}, "run_list": [], "mid": {"k2": 1, "k1": 2}}`
	f, err := ParseFile("nodes/db1.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		m    map[string]any
		want []string
	}{
		{"Normal", f.Normal, []string{"z", "a", "m", "zeta", "alpha", "mid"}},
		{"Normal.a", f.Normal["a"].(map[string]any), []string{"y", "b"}},
		{"Normal.mid", f.Normal["mid"].(map[string]any), []string{"k2", "k1"}},
		{"Default", f.Default, []string{"q", "c"}},
	} {
		if got := f.Order.Keys(c.m); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s keys = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestReadDir reads the NAME.json files of a directory in name order,
// skips other files and directories, takes a missing directory for an
// empty inventory and refuses two files that name one node.
func TestReadDir(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		t.Helper()
		dir := t.TempDir()
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tests := []struct {
		name  string
		files map[string]string
		want  []string // node names
		err   string
	}{
		{name: "missing directory", files: nil},
		{
			name: "sorted by file name; other files skipped",
			files: map[string]string{"web2.json": `{}`, "db1.json": `{"name": "db-primary"}`, "README.md": "x",
				"old.json.bak": "{", "group.json/inner.json": `{}`},
			want: []string{"db-primary", "web2"},
		},
		{
			name:  "two files, one name",
			files: map[string]string{"a.json": `{"name": "web1"}`, "web1.json": `{}`},
			err:   `a.json and .*web1.json both name node web1; give each node its own name$`,
		},
		{name: "a bad file is named", files: map[string]string{"a.json": `{}`, "b.json": `[`}, err: `b.json: not a JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "nodes")
			if tt.files != nil {
				dir = write(t, tt.files)
			}
			files, err := ReadDir(dir)
			if tt.err != "" {
				if err == nil || !regexp.MustCompile(tt.err).MatchString(err.Error()) {
					t.Fatalf("error %v, want one matching %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.Name)
				if filepath.Dir(f.Path) != dir {
					t.Errorf("%s: path %s is not in %s", f.Name, f.Path, dir)
				}
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("names %v, want %v", names, tt.want)
			}
		})
	}
}
