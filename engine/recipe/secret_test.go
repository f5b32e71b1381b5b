package recipe_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine"
	"github.com/converge-cm/converge/engine/recipe"
	"github.com/converge-cm/converge/resources"
)

// fakeKeyring stands in for engine/secrets' age keyring in unit tests of
// the secret() builtin: it returns fixed plaintexts by file name.
type fakeKeyring map[string]string

func (k fakeKeyring) Decrypt(path string) ([]byte, error) {
	if s, ok := k[filepath.Base(path)]; ok {
		return []byte(s), nil
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
}

const dbSecret = `{"password": "s3cr3t-Pa55", "port": 5432, "key": "line-one-AAAA\nline-two-BBBB\n"}`

func compileWithSecrets(t *testing.T, files map[string]string) (*engine.Collection, *engine.Secrets, error) {
	t.Helper()
	dir := t.TempDir()
	files["cookbooks/t/metadata.star"] = `name = "t"`
	writeTree(t, dir, files)
	repo := loadRepo(t, dir)
	repo.Root = dir
	repo.Secrets = &engine.Secrets{}
	repo.Decrypt = fakeKeyring{"db.age": dbSecret, "bad.age": `["not", "an", "object"]`}
	coll, err := repo.Compile(recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"t"}})
	return coll, repo.Secrets, err
}

func TestSecret_WhatIsBuiltFromASecretIsSensitive(t *testing.T) {
	coll, secrets, err := compileWithSecrets(t, map[string]string{
		"cookbooks/t/attributes/default.star": `default["db"]["password"] = secret("db")["password"]`,
		"cookbooks/t/recipes/default.star": `
pw = secret("db")["password"]
execute("psql -c \"ALTER USER app PASSWORD '%s'\"" % pw)
execute("reload", command = "systemctl reload app", environment = {"PGPASSWORD": pw})
execute("guarded", command = "true", not_if = "test \"$(cat /etc/pw)\" = " + shell.quote(pw))
file("/etc/app/key", content = secret("db")["key"])
file("/etc/app/key-public", content = secret("db")["key"], mode = "0644")
template("/etc/app/db.conf", source = "db.conf.tmpl", variables = {"pw": pw})
template("/etc/app/from-attr.conf", source = "attr.conf.tmpl")
file("/tmp/" + pw)
execute("plain", command = "echo %d" % secret("db")["port"])
execute("unrelated", command = "systemctl restart app")
file("/etc/app/motd", content = "hello")
`,
		"cookbooks/t/templates/db.conf.tmpl":   "password={{.pw}}\n",
		"cookbooks/t/templates/attr.conf.tmpl": "password={{.node.db.password}}\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"psql": true, "reload": true, "guarded": true, "/etc/app/key": true, "/etc/app/key-public": true,
		"/etc/app/db.conf": true, "/etc/app/from-attr.conf": true, "/tmp/": true, "plain": true,
		"unrelated": false, "/etc/app/motd": false,
	}
	if len(coll.Resources) != len(want) {
		t.Fatalf("%d resources, want %d", len(coll.Resources), len(want))
	}
	for _, r := range coll.Resources {
		b := r.Base()
		key := b.Name
		for k := range want {
			if strings.HasPrefix(b.Name, k) {
				key = k
			}
		}
		sens, ok := want[key]
		if !ok {
			t.Errorf("unexpected resource %s", b.Name)
			continue
		}
		if b.Sensitive != sens {
			t.Errorf("%s: sensitive %v, want %v", b.Address(), b.Sensitive, sens)
		}
		if strings.Contains(b.Address(), "s3cr3t") {
			t.Errorf("address %q shows the secret", b.Address())
		}
		switch x := r.(type) {
		case *resources.Template:
			if x.Mode != "0600" {
				t.Errorf("%s: mode %q, want 0600 (it renders a secret)", b.Address(), x.Mode)
			}
		case *resources.File:
			wantMode := map[string]string{"/etc/app/key": "0600", "/etc/app/key-public": "0644", "/etc/app/motd": ""}
			if m, ok := wantMode[x.Path]; ok && x.Mode != m {
				t.Errorf("%s: mode %q, want %q", b.Address(), x.Mode, m)
			}
		}
	}
	for _, s := range []string{"s3cr3t-Pa55", "line-two-BBBB", "5432"} {
		if secrets.Redact("x "+s+" y") != "x "+engine.Redacted+" y" {
			t.Errorf("%q is not registered as a secret", s)
		}
	}
}

func TestSecret_CustomResourcePropertyMakesItAndItsInnerResourcesSensitive(t *testing.T) {
	coll, _, err := compileWithSecrets(t, map[string]string{
		"cookbooks/t/resources/user.star": `
property("name", str, name_property = True)
property("password", str)
def action_create(r):
    execute("set password of " + r.name, command = "chpasswd <<EOF\n%s:%s\nEOF" % (r.name, r.password))
`,
		"cookbooks/t/recipes/default.star": `t_user("app", password = secret("db")["password"])`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(coll.Resources) != 1 || !coll.Resources[0].Base().Sensitive {
		t.Fatalf("the custom resource is not sensitive: %v", addresses(coll))
	}
	c := coll.Resources[0].(*engine.Custom)
	inner := c.Inner("create")
	if len(inner) != 1 || !inner[0].Base().Sensitive {
		t.Fatalf("the inner execute is not sensitive: %+v", inner)
	}
}

func TestSecret_BadUseIsAnErrorAtTheCallersLine(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`secret("missing")`, "default.star:1:7: secret(\"missing\"): " + "%ROOT%/secrets/missing.age does not exist"},
		{`secret("missing")`, "create it with converge secrets edit missing"},
		{`secret("../etc/passwd")`, "default.star:1:7: secret(\"../etc/passwd\"): a secret's name is letters"},
		{`secret("bad")`, "not a JSON object"},
		{`x = secret("db")["nope"]`, `key "nope" not in dict`},
		{`secret("db")["password"] = "x"`, "frozen"},
	} {
		_, _, err := compileWithSecrets(t, map[string]string{"cookbooks/t/recipes/default.star": tc.src})
		if err == nil {
			t.Errorf("%s: compiled", tc.src)
			continue
		}
		want := tc.want
		if i := strings.Index(want, "%ROOT%"); i >= 0 {
			want = want[i+len("%ROOT%"):]
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n%v\nwant %q", tc.src, err, want)
		}
	}
	// without a keyring (a command that reads no secrets)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"cookbooks/t/metadata.star": `name = "t"`, "cookbooks/t/recipes/default.star": `secret("db")`})
	_, err := loadRepo(t, dir).Compile(recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"t"}})
	var d *engine.Diagnostic
	if !errors.As(err, &d) || !strings.Contains(err.Error(), "reads no secrets") {
		t.Fatalf("no keyring: %v", err)
	}
}
