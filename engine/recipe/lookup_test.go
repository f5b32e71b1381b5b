package recipe_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/converge-cm/converge/engine/facts"
	"github.com/converge-cm/converge/engine/recipe"
)

// TestFindFile_SourceStaysInTheCookbook: a template or cookbook_file
// source that is absolute or climbs out of templates/ or files/ is a
// compile error at the resource's line, and a symbolic link in the
// cookbook that resolves outside it is not followed. Today's code read
// the control machine's file into the node.
func TestFindFile_SourceStaysInTheCookbook(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("control machine secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, recipe string
		link         string // templates/LINK -> secret, when set
		want         string // error regexp; "" for success
	}{
		{name: "template dotdot", recipe: `template("/etc/x", source="../../../../../../../../..` + secret + `")`,
			want: `default.star:1:\d+: template\[/etc/x\]: source ".*" leaves the cookbook's templates folder; name a file inside it`},
		{name: "cookbook_file dotdot", recipe: `cookbook_file("/etc/x", source="../metadata.star")`,
			want: `default.star:1:\d+: cookbook_file\[/etc/x\]: source "../metadata.star" leaves the cookbook's files folder`},
		{name: "template absolute", recipe: `template("/etc/x", source="` + secret + `")`,
			want: `leaves the cookbook's templates folder`},
		{name: "cookbook_file absolute", recipe: `cookbook_file("/etc/x", source="` + secret + `")`,
			want: `leaves the cookbook's files folder`},
		{name: "dotdot that stays inside is fine", recipe: `template("/etc/x", source="default/../ok.tmpl")`},
		{name: "symlink out of the cookbook", recipe: `template("/etc/x", source="leak.tmpl")`, link: "templates/default/leak.tmpl",
			want: `default.star:1:\d+: template\[/etc/x\]: .*leak.tmpl is a symbolic link to .*secret, outside cookbook t`},
		{name: "symlinked folder out of the cookbook", recipe: `cookbook_file("/etc/x", source="sub/secret")`, link: "files/default/sub",
			want: `is a symbolic link to .*secret, outside cookbook t`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{
				"cookbooks/t/metadata.star":        `name = "t"`,
				"cookbooks/t/recipes/default.star": tc.recipe,
				"cookbooks/t/templates/ok.tmpl":    "ok",
				"cookbooks/t/files/default/.keep":  "",
			})
			if tc.link != "" {
				target := secret
				if strings.HasSuffix(tc.link, "sub") {
					target = filepath.Dir(secret)
				}
				p := filepath.Join(dir, "cookbooks", "t", filepath.FromSlash(tc.link))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, p); err != nil {
					t.Fatal(err)
				}
			}
			c, err := loadRepo(t, dir).Compile(recipe.Input{Name: "db1", Facts: centos7(), RunList: []string{"t"}})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := rendered(t, c.Resources[0], "/etc/x"); got != "ok" {
					t.Errorf("rendered %q", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("compiled; the node would get %q", rendered(t, c.Resources[0], "/etc/x"))
			}
			if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error:\n%v\nwant it to match %s", err, tc.want)
			}
		})
	}
}

// TestFindFile_FactsThatAreNotFolderNames: facts used as folder names
// (fqdn for host-FQDN/, platform, platform_version) that hold a separator,
// NUL or ".." skip their level; a node calling itself
// x/../host-db1.example.com gets the generic files, never db1's.
func TestFindFile_FactsThatAreNotFolderNames(t *testing.T) {
	repo := loadRepo(t, testdataDir(t, "specificity"))
	base := centos7()
	cases := []struct {
		name  string
		edit  func(*facts.Facts)
		motd  string // the folder picked for the template
		issue string // and for the cookbook_file
	}{
		{"fqdn climbs into another host's folder", func(f *facts.Facts) { f.FQDN = "x/../host-db1.example.com" }, "centos-7.1.1503", "centos-7.1.1503"},
		{"fqdn is ..", func(f *facts.Facts) { f.FQDN = ".." }, "centos-7.1.1503", "centos-7.1.1503"},
		{"fqdn with a backslash", func(f *facts.Facts) { f.FQDN = `db1.example.com\x` }, "centos-7.1.1503", "centos-7.1.1503"},
		{"fqdn with NUL", func(f *facts.Facts) { f.FQDN = "db1.example.com\x00" }, "centos-7.1.1503", "centos-7.1.1503"},
		{"platform climbs", func(f *facts.Facts) { f.FQDN = "other"; f.Platform = "../templates/host-db1.example.com" }, "default", "default"},
		{"platform_version climbs", func(f *facts.Facts) { f.FQDN = "other"; f.PlatformVersion = "7/../../host-db1.example.com" }, "centos", "centos"},
		{"platform_version with ..", func(f *facts.Facts) { f.FQDN = "other"; f.PlatformVersion = "7..1" }, "centos", "centos"},
		{"a good fqdn still matches", func(f *facts.Facts) {}, "host-db1.example.com", "host-db1.example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := base
			tc.edit(&f)
			c, err := repo.Compile(recipe.Input{Name: "n", Facts: f, RunList: []string{"spec"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := rendered(t, find(t, c, "template[/etc/motd]"), "/etc/motd"); !strings.HasPrefix(got, tc.motd+" ") {
				t.Errorf("template: picked %q, want the %s folder", got, tc.motd)
			}
			if got := rendered(t, find(t, c, "cookbook_file[/etc/issue]"), "/etc/issue"); got != tc.issue+"\n" {
				t.Errorf("cookbook_file: picked %q, want the %s folder", got, tc.issue)
			}
		})
	}
}
