package inventory

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fleet is the inventory the selection table runs against.
var fleet = []Node{
	{Name: "web1", Environment: "prod", Roles: []string{"web", "base"}, Tags: []string{"frontend"}},
	{Name: "web2", Environment: "prod", Roles: []string{"web", "base"}, Tags: []string{"frontend", "canary"}},
	{Name: "web3", Environment: "staging", Roles: []string{"web", "base"}},
	{Name: "db1", Environment: "prod", Roles: []string{"db", "base"}, Tags: []string{"db", "primary"}},
	{Name: "db2", Roles: []string{"db"}, Tags: []string{"db"}}, // _default
	{Name: "lb.example.com", Environment: "prod", Roles: []string{"lb-edge"}},
	{Name: "bare"},
}

func names(ns []Node) string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return strings.Join(out, " ")
}

func TestSelect(t *testing.T) {
	tests := []struct {
		expr string
		want string // node names, in inventory order
		err  string
	}{
		{expr: "*", want: "web1 web2 web3 db1 db2 lb.example.com bare"},
		{expr: "web1", want: "web1"},
		{expr: "web*", want: "web1 web2 web3"},
		{expr: "web[12]", want: "web1 web2"},
		{expr: "db?", want: "db1 db2"},
		{expr: "name:lb.*", want: "lb.example.com"},
		{expr: "role:web", want: "web1 web2 web3"},
		{expr: "role:base", want: "web1 web2 web3 db1"},
		{expr: "role:lb-*", want: "lb.example.com"},
		{expr: "env:prod", want: "web1 web2 db1 lb.example.com"},
		{expr: "env:_default", want: "db2 bare"},
		{expr: "tag:db", want: "db1 db2"},
		{expr: "role:web,!tag:canary", want: "web1 web3"},
		{expr: "role:web, !tag:canary", want: "web1 web3"},
		{expr: "role:web,env:prod,!tag:canary", want: "web1"},
		{expr: "!role:web", want: "db1 db2 lb.example.com bare"},
		{expr: "!!role:web", want: "web1 web2 web3"},
		{expr: "role:web,env:prod|role:db", want: "web1 web2 db1 db2"},
		{expr: "tag:canary | env:staging", want: "web2 web3"},
		{expr: "role:db|tag:db", want: "db1 db2"},
		{expr: "!env:prod,!env:_default", want: "web3"},
		{expr: "web1|web1", want: "web1"},

		{expr: "", err: "empty selection; give a name glob, role:NAME"},
		{expr: "role:web,", err: `selection "role:web,": an empty term`},
		{expr: "|db1", err: "an empty term"},
		{expr: "!", err: "an empty term"},
		{expr: "role:web tag:db", err: `"role:web tag:db" holds a blank; join terms with "," (and) or "|" (or)`},
		{expr: "group:web", err: `"group:web": unknown selector group:; want role:, env:, tag:, name: or a name glob`},
		{expr: "role:", err: `"role:": give a value after role:, for example role:web`},
		{expr: "web[", err: `"web[": web[ is not a valid glob`},
		{expr: "role:mail", err: `selection "role:mail" matches none of the 7 nodes: no node has role:mail (roles: base, db, lb-edge, web)`},
		{expr: "role:web,tag:db", err: `selection "role:web,tag:db" matches none of the 7 nodes`},
		{expr: "env:qa|tag:gpu", err: `no node has env:qa (environments: _default, prod, staging); no node has tag:gpu (tags: canary, db, frontend, primary)`},
		{expr: "mail*", err: `no node has mail* (nodes: bare, db1, db2, lb.example.com, web1, web2, web3)`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			var got []Node
			if err == nil {
				got, err = Select(e, fleet)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if names(got) != tt.want {
				t.Errorf("selected %q, want %q", names(got), tt.want)
			}
		})
	}
}

func TestSelect_EmptyInventory(t *testing.T) {
	e, err := Parse("*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Select(e, nil); err == nil || !strings.Contains(err.Error(), `selection "*": the inventory has no nodes (write nodes/NAME.json)`) {
		t.Fatalf("error %v", err)
	}
}

// TestRoles: role:web matches a node whose run list reaches role[web]
// through another role; a cycle and a role without a file do not stop
// the expansion.
func TestRoles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"frontend.json": `{"run_list": ["role[web]", "recipe[haproxy]", "role[base]"]}`,
		"web.json":      `{"run_list": ["role[base]", "nginx"]}`,
		"base.json":     `{"run_list": ["role[frontend]", "ntp"]}`, // a cycle back to frontend
		"broken.json":   `{"run_list": [`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		runList []string
		want    []string
		err     string
	}{
		{[]string{"role[frontend]"}, []string{"frontend", "web", "base"}, ""},
		{[]string{"recipe[ntp]", "role[web]", "role[web]"}, []string{"web", "base", "frontend"}, ""},
		{[]string{"role[nofile]", "base"}, []string{"nofile"}, ""},
		{[]string{"ntp"}, nil, ""},
		{[]string{"role[broken]"}, nil, "broken.json: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		got, err := Roles(tt.runList, dir)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: error %v, want %q", tt.runList, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: roles %v, want %v", tt.runList, got, tt.want)
		}
	}
	if got, _ := Roles([]string{"role[frontend]"}, ""); !reflect.DeepEqual(got, []string{"frontend"}) {
		t.Errorf("without a roles directory: %v", got)
	}
}
