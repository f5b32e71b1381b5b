package recipe_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// compileRoot writes files into a fresh repository whose root holds
// roles/, environments/ and data_bags/, and compiles in for it.
func compileRoot(t *testing.T, files map[string]string, in recipe.Input, setup func(*recipe.Repo)) (*engine.Collection, error) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, files)
	r := loadRepo(t, dir)
	r.Root = dir
	if setup != nil {
		setup(r)
	}
	if in.Facts.Platform == "" {
		in.Facts = centos7()
	}
	if in.Name == "" {
		in.Name = "db1"
	}
	return r.Compile(in)
}

// precedenceLevels are the attribute levels, lowest first, as Chef ranks
// them (docs.chef.io/attribute_precedence).
var precedenceLevels = []string{
	"default",        // attributes file default
	"env_default",    // environments/NAME.json default_attributes
	"role_default",   // roles/NAME.json default_attributes
	"force_default",  // attributes file force_default
	"normal",         // node JSON, -j, -a
	"override",       // attributes file override
	"role_override",  // roles/NAME.json override_attributes
	"env_override",   // environments/NAME.json override_attributes
	"force_override", // attributes file force_override
	"automatic",      // facts
}

// precedenceCompile sets key to each level's own name at the levels
// given (automatic: the fact, hostname db1) and returns what node[key]
// reads in a recipe.
func precedenceCompile(t *testing.T, set []string) (got, key string) {
	t.Helper()
	key = "k"
	for _, l := range set {
		if l == "automatic" {
			key = "hostname"
		}
	}
	var attrs strings.Builder
	role := map[string]any{"run_list": []string{"p"}, "default_attributes": map[string]any{}, "override_attributes": map[string]any{}}
	env := map[string]any{"name": "prod", "default_attributes": map[string]any{}, "override_attributes": map[string]any{}}
	normal := map[string]any{}
	for _, l := range set {
		switch l {
		case "default", "override", "force_default", "force_override":
			fmt.Fprintf(&attrs, "%s[%q] = %q\n", l, key, l)
		case "role_default":
			role["default_attributes"].(map[string]any)[key] = l
		case "role_override":
			role["override_attributes"].(map[string]any)[key] = l
		case "env_default":
			env["default_attributes"].(map[string]any)[key] = l
		case "env_override":
			env["override_attributes"].(map[string]any)[key] = l
		case "normal":
			normal[key] = l
		case "automatic":
		default:
			t.Fatalf("unknown level %s", l)
		}
	}
	roleJSON, _ := json.Marshal(role)
	envJSON, _ := json.Marshal(env)
	c, err := compileRoot(t, map[string]string{
		"cookbooks/p/attributes/default.star": attrs.String(),
		"cookbooks/p/recipes/default.star":    fmt.Sprintf("file(\"/k\", content=str(node[%q]))", key),
		"roles/r.json":                        string(roleJSON),
		"environments/prod.json":              string(envJSON),
	}, recipe.Input{RunList: []string{"role[r]"}, Normal: normal, Environment: "prod"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return find(t, c, "file[/k]").(*resources.File).Content, key
}

// TestPrecedence_EveryPairOfLevels sets one key at every level alone and
// at every pair of levels: the higher level of the pair must win. The
// pairs with the environment's levels are the new ones; the others guard
// the existing order.
func TestPrecedence_EveryPairOfLevels(t *testing.T) {
	want := func(l string) string {
		if l == "automatic" {
			return "db1"
		}
		return l
	}
	for i, lo := range precedenceLevels {
		t.Run(lo, func(t *testing.T) {
			if got, key := precedenceCompile(t, []string{lo}); got != want(lo) {
				t.Errorf("node[%q] = %q, want %q", key, got, want(lo))
			}
		})
		for _, hi := range precedenceLevels[i+1:] {
			t.Run(lo+"<"+hi, func(t *testing.T) {
				// the order of setting does not matter: the level does
				for _, set := range [][]string{{lo, hi}, {hi, lo}} {
					if got, key := precedenceCompile(t, set); got != want(hi) {
						t.Errorf("set at %v: node[%q] = %q, want %q (%s ranks above %s)", set, key, got, want(hi), hi, lo)
					}
				}
			})
		}
	}
	t.Run("all", func(t *testing.T) {
		all := precedenceLevels[:len(precedenceLevels)-1]
		if got, _ := precedenceCompile(t, all); got != "force_override" {
			t.Errorf("every level but automatic: %q, want force_override", got)
		}
	})
}

// TestPrecedence_EnvironmentMergesDeep: the environment's maps merge key
// by key with the other levels, as Chef's deep merge does.
func TestPrecedence_EnvironmentMergesDeep(t *testing.T) {
	c, err := compileRoot(t, map[string]string{
		"cookbooks/p/attributes/default.star": `default["db"] = {"port": 5432, "host": "localhost", "pool": 5}`,
		"cookbooks/p/recipes/default.star":    `file("/k", content=json.encode(node["db"]))`,
		"roles/r.json":                        `{"run_list": ["p"], "default_attributes": {"db": {"pool": 10}}}`,
		"environments/prod.json":              `{"name": "prod", "default_attributes": {"db": {"host": "db.prod", "pool": 7}}, "override_attributes": {"db": {"port": 6432}}}`,
	}, recipe.Input{RunList: []string{"role[r]"}, Environment: "prod"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := find(t, c, "file[/k]").(*resources.File).Content
	if want := `{"host":"db.prod","pool":10,"port":6432}`; got != want {
		t.Errorf("node[\"db\"] = %s, want %s", got, want)
	}
}

// TestEnvironment_ChefEnvironmentAndFiles: node.chef_environment reads
// the node's environment (_default when it names none, which needs no
// file); a missing or malformed environment file is an error naming it.
func TestEnvironment_ChefEnvironmentAndFiles(t *testing.T) {
	base := map[string]string{
		"cookbooks/p/metadata.star":        `name = "p"` + "\nversion = \"1.3.0\"\n",
		"cookbooks/p/recipes/default.star": `file("/env", content=node.chef_environment)`,
	}
	cases := []struct {
		name, env string
		files     map[string]string
		want, err string
	}{
		{name: "default without a file", env: "", want: "_default"},
		{name: "_default named", env: "_default", want: "_default"},
		{name: "prod", env: "prod", files: map[string]string{"environments/prod.json": `{"name": "prod", "description": "production", "json_class": "Chef::Environment", "chef_type": "environment"}`}, want: "prod"},
		{name: "missing", env: "staging", files: map[string]string{"environments/prod.json": `{}`},
			err: `environment staging: .*environments/staging.json does not exist \(environments found: prod\)`},
		{name: "bad JSON", env: "prod", files: map[string]string{"environments/prod.json": `{"name": "prod",}`},
			err: `environments/prod.json: not a JSON object`},
		{name: "unknown key", env: "prod", files: map[string]string{"environments/prod.json": `{"default_attribute": {}}`},
			err: `environments/prod.json: unknown key "default_attribute"; an environment has name, description, default_attributes`},
		{name: "name differs", env: "prod", files: map[string]string{"environments/prod.json": `{"name": "production"}`},
			err: `environments/prod.json: its name is "production"; rename the file to environments/production.json or set "name": "prod"`},
		{name: "bad constraint", env: "prod", files: map[string]string{"environments/prod.json": `{"cookbook_versions": {"p": "about 1.2"}}`},
			err: `environments/prod.json: cookbook_versions p: constraint "about 1.2"`},
		{name: "bad name", env: "../etc", err: `environment "../etc": an environment's name is letters, digits`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
			for k, v := range tc.files {
				files[k] = v
			}
			c, err := compileRoot(t, files, recipe.Input{RunList: []string{"p"}, Environment: tc.env}, nil)
			if tc.err != "" {
				if err == nil || !matches(tc.err, err.Error()) {
					t.Fatalf("error %v, want one matching %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := find(t, c, "file[/env]").(*resources.File).Content; got != tc.want {
				t.Errorf("node.chef_environment = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEnvironment_CookbookVersions checks each of Chef's operators
// against cookbook p 1.3.0 (a local cookbook: its metadata.star says the
// version) and a shared one whose VersionOrigin names the lock. A
// constraint on a cookbook the run does not use is not checked.
func TestEnvironment_CookbookVersions(t *testing.T) {
	cases := []struct {
		constraint string
		ok         bool
	}{
		{"= 1.3.0", true}, {"= 1.2.0", false}, {"1.3.0", true},
		{">= 1.3", true}, {">= 1.4", false},
		{"> 1.2.9", true}, {"> 1.3.0", false},
		{"< 2.0", true}, {"< 1.3.0", false},
		{"<= 1.3.0", true}, {"<= 1.2", false},
		{"~> 1.2", true}, {"~> 1.3.0", true}, {"~> 1.2.0", false}, {"~> 2.0", false},
	}
	for _, tc := range cases {
		for _, shared := range []bool{false, true} {
			name := tc.constraint
			if shared {
				name += "/shared"
			}
			t.Run(name, func(t *testing.T) {
				env, _ := json.Marshal(map[string]any{"name": "prod", "cookbook_versions": map[string]string{"p": tc.constraint, "unused": "= 9.9.9"}})
				_, err := compileRoot(t, map[string]string{
					"cookbooks/p/metadata.star":        "name = \"p\"\nversion = \"1.3.0\"\n",
					"cookbooks/p/recipes/default.star": `file("/p", content="p")`,
					"cookbooks/unused/metadata.star":   "name = \"unused\"\nversion = \"1.0.0\"\n",
					"environments/prod.json":           string(env),
				}, recipe.Input{RunList: []string{"p"}, Environment: "prod"}, func(r *recipe.Repo) {
					if shared {
						r.VersionOrigin = func(cb *recipe.Cookbook) (string, string) {
							return "converge.lock pins " + cb.Version + " (from git:file:///srv/git/p.git v" + cb.Version + ")", "run 'converge cookbooks update " + cb.Name + "'"
						}
					}
				})
				if tc.ok {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				want := "environment prod requires cookbook p " + tc.constraint + ", but .*cookbooks/p/metadata.star says version 1.3.0; change the version there or change the constraint in .*environments/prod.json"
				if shared {
					want = `environment prod requires cookbook p ` + tc.constraint + `, but converge.lock pins 1.3.0 \(from git:file:///srv/git/p.git v1.3.0\); run 'converge cookbooks update p' or change the constraint in .*environments/prod.json`
				}
				if err == nil || !matches(want, err.Error()) {
					t.Fatalf("error %v\nwant one matching %s", err, want)
				}
			})
		}
	}
}

// fixedDecrypter stands for the keyring in these unit tests: it returns
// fixed plaintexts by path (the age part is tested with the secrets).
type fixedDecrypter map[string]string

func (d fixedDecrypter) Decrypt(path string) ([]byte, error) {
	if s, ok := d[filepath.Base(path)]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("open %s: %w", path, fs.ErrNotExist)
}

// TestDataBag_Items reads plain and encrypted items from recipes and
// attribute files, and checks the errors name the file and the fix.
func TestDataBag_Items(t *testing.T) {
	bags := map[string]string{
		"data_bags/users/alice.json": `{"id": "alice", "uid": 1001, "groups": ["wheel"], "shell": "/bin/zsh"}`,
		"data_bags/users/bob.json":   `{"id": "bob", "uid": 1002}`,
		"data_bags/users/deploy.age": "age-encrypted (the test decrypter ignores it)",
		"data_bags/users/README.md":  "not an item",
		"data_bags/empty/.keep":      "",
		"data_bags/bad/noid.json":    `{"uid": 1}`,
		"data_bags/bad/wrong.json":   `{"id": "right"}`,
		"data_bags/bad/list.json":    `["id"]`,
		"data_bags/dup/x.json":       `{"id": "x"}`,
		"data_bags/dup/x.age":        "age",
	}
	dec := fixedDecrypter{"deploy.age": `{"id": "deploy", "password": "hunter22", "key": {"private": "PRIVKEY"}}`}
	cases := []struct {
		name  string
		attrs string // attributes/default.star
		expr  string // written into file("/v")
		want  string
		err   string
	}{
		{name: "list", expr: `",".join(data_bag("users"))`, want: "alice,bob,deploy"},
		{name: "empty bag", expr: `str(data_bag("empty"))`, want: "[]"},
		{name: "plain item", expr: `json.encode(data_bag_item("users", "alice"))`, want: `{"groups":["wheel"],"id":"alice","shell":"/bin/zsh","uid":1001}`},
		{name: "from an attribute file", attrs: `default["shell"] = data_bag_item("users", "alice")["shell"]`, expr: `node["shell"]`, want: "/bin/zsh"},
		{name: "data_bag from an attribute file", attrs: `default["users"] = data_bag("users")`, expr: `",".join(node["users"])`, want: "alice,bob,deploy"},
		{name: "encrypted item", expr: `data_bag_item("users", "deploy")["key"]["private"] + ":" + data_bag_item("users", "deploy")["id"]`, want: "PRIVKEY:deploy"},
		{name: "data_bag_exists", expr: `" ".join([str(data_bag_exists(*a)) for a in [("users",), ("users", "bob"), ("users", "deploy"), ("users", "carol"), ("nope",), ("empty",), (None,), ("users", None), ("../users",), ("users", "../bad/noid")]])`,
			want: "True True True False False True False True False False"},
		{name: "data_bag_exists from an attribute file", attrs: `default["has"] = data_bag_exists("users", "alice")`, expr: `str(node["has"])`, want: "True"},
		{name: "frozen", expr: `data_bag_item("users", "bob").pop("uid")`,
			err: `recipes/default.star:1:\d+: .*frozen`},
		{name: "missing bag", expr: `str(data_bag("nope"))`,
			err: `recipes/default.star:1:\d+: data_bag\("nope"\): .*data_bags/nope does not exist; data bags: bad, dup, empty, users`},
		{name: "missing item", expr: `str(data_bag_item("users", "carol"))`,
			err: `recipes/default.star:1:\d+: data_bag_item\("users", "carol"\): neither .*data_bags/users/carol.json nor .*data_bags/users/carol.age exists\n    items of users: alice, bob, deploy; create .*carol.json \({"id": "carol", ...}\)`},
		{name: "no id", expr: `str(data_bag_item("bad", "noid"))`,
			err: `data_bag_item\("bad", "noid"\): .*data_bags/bad/noid.json has no "id"\n    Chef requires an item's "id" to be its file name: set "id": "noid" in`},
		{name: "wrong id", expr: `str(data_bag_item("bad", "wrong"))`,
			err: `data_bag_item\("bad", "wrong"\): .*data_bags/bad/wrong.json has "id": "right", but the item is wrong`},
		{name: "not an object", expr: `str(data_bag_item("bad", "list"))`,
			err: `data_bag_item\("bad", "list"\): .*data_bags/bad/list.json: not a JSON object`},
		{name: "both plain and encrypted", expr: `str(data_bag("dup"))`,
			err: `item x is both .*data_bags/dup/x.age and .*data_bags/dup/x.json; keep one of them`},
		{name: "both plain and encrypted item", expr: `str(data_bag_item("dup", "x"))`,
			err: `data_bag_item\("dup", "x"\): the item is both`},
		{name: "path in a name", expr: `str(data_bag_item("users", "../bad/noid"))`,
			err: `"../bad/noid" is not a data bag item name`},
		{name: "attribute file error position", attrs: `default["x"] = data_bag_item("users", "zed")`, expr: `"x"`,
			err: `attributes/default.star:1:\d+: data_bag_item\("users", "zed"\): neither`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{
				"cookbooks/p/metadata.star":        `name = "p"`,
				"cookbooks/p/recipes/default.star": fmt.Sprintf("file(\"/v\", content=%s)\n", tc.expr),
			}
			if tc.attrs != "" {
				files["cookbooks/p/attributes/default.star"] = tc.attrs
			}
			for k, v := range bags {
				files[k] = v
			}
			secrets := &engine.Secrets{}
			c, err := compileRoot(t, files, recipe.Input{RunList: []string{"p"}}, func(r *recipe.Repo) {
				r.Decrypt, r.Secrets = dec, secrets
			})
			if tc.err != "" {
				if err == nil || !matches(tc.err, err.Error()) {
					t.Fatalf("error:\n%v\nwant one matching %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := find(t, c, "file[/v]").(*resources.File).Content; got != tc.want {
				t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

// TestDataBag_EncryptedItemIsSecret: the values of an encrypted item are
// secrets of the run (a resource built from one is sensitive), its id is
// not, and the values of a plain item are not.
func TestDataBag_EncryptedItemIsSecret(t *testing.T) {
	secrets := &engine.Secrets{}
	c, err := compileRoot(t, map[string]string{
		"cookbooks/p/metadata.star": `name = "p"`,
		"cookbooks/p/recipes/default.star": `
item = data_bag_item("users", "deploy")
file("/etc/deploy.pw", content=item["password"])
file("/etc/deploy.id", content=item["id"])
file("/etc/alice", content=data_bag_item("users", "alice")["shell"])
`,
		"data_bags/users/alice.json": `{"id": "alice", "shell": "/bin/zsh"}`,
		"data_bags/users/deploy.age": "age",
	}, recipe.Input{RunList: []string{"p"}}, func(r *recipe.Repo) {
		r.Decrypt, r.Secrets = fixedDecrypter{"deploy.age": `{"password": "hunter22"}`}, secrets
	})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"file[/etc/deploy.pw]": true, "file[/etc/deploy.id]": false, "file[/etc/alice]": false} {
		if got := find(t, c, addr).Base().Sensitive; got != want {
			t.Errorf("%s sensitive = %v, want %v", addr, got, want)
		}
	}
	if !secrets.Contains("hunter22") || secrets.Contains("deploy") || secrets.Contains("/bin/zsh") {
		t.Errorf("secrets: hunter22 %v (want true), deploy %v, /bin/zsh %v (want false)", secrets.Contains("hunter22"), secrets.Contains("deploy"), secrets.Contains("/bin/zsh"))
	}
	if got := find(t, c, "file[/etc/deploy.id]").(*resources.File).Content; got != "deploy" {
		t.Errorf("id of an encrypted item without one = %q, want deploy", got)
	}
}

// TestDataBag_EncryptedWithoutKeyring: a command that reads no secrets
// says so for an encrypted item, naming the file.
func TestDataBag_EncryptedWithoutKeyring(t *testing.T) {
	_, err := compileRoot(t, map[string]string{
		"cookbooks/p/metadata.star":        `name = "p"`,
		"cookbooks/p/recipes/default.star": `data_bag_item("users", "deploy")`,
		"data_bags/users/deploy.age":       "age",
	}, recipe.Input{RunList: []string{"p"}}, nil)
	if err == nil || !matches(`recipes/default.star:1:\d+: data_bag_item\("users", "deploy"\): .*data_bags/users/deploy.age is encrypted and this command reads no secrets`, err.Error()) {
		t.Fatalf("error %v", err)
	}
	var d *engine.Diagnostic
	if !errors.As(err, &d) {
		t.Errorf("not a Diagnostic: %T", err)
	}
}
